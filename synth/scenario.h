/* SPDX-License-Identifier: MIT */
/*
 * scenario.h - a synth scenario: what host, which VMs, which workloads, which
 * trace layout. Parsed from YAML (libyaml), defaults filled, validated.
 *
 * docs/scenario.md is the reference of every key. Every error is
 * VF_ERR_INPUT with where = "file:line:col" and a message naming the key
 * ("vms[0].vcpus: ..."). Unknown keys are errors. Sizes are bounded (cpus,
 * vcpus, total threads, durations) so a bad file is an error, not an OOM.
 *
 * All durations are ns, relative to the start of the scenario; the simulator
 * adds trace.clock_offset when it stamps events.
 */
#ifndef VMFLOW_SYNTH_SCENARIO_H
#define VMFLOW_SYNTH_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synth/sink.h"
#include "vmflow/error.h"
#include "vmflow/event.h"

#define VF_SCN_MAX_CPUS        1024
#define VF_SCN_MAX_VCPUS       1024
#define VF_SCN_MAX_VMS         1024
#define VF_SCN_MAX_PROCESSES   1024  /* entries of host.processes */
#define VF_SCN_MAX_THREADS     65536 /* host process instances + per VM (vcpus + 1) */
#define VF_SCN_MAX_DURATION_NS (86400LL * 1000000000LL) /* any duration: at most one day */
#define VF_SCN_MAX_PID         4194304                  /* Linux PID_MAX_LIMIT */
#define VF_SCN_MAX_FILE_SIZE   (16u << 20)

enum vf_dist_kind {
	VF_DIST_CONST = 0, /* always mean_ns */
	VF_DIST_EXP,       /* exponential, mean_ns; clamped to [min_ns, max_ns] */
	VF_DIST_UNIFORM,   /* uniform in [min_ns, max_ns] */
	VF_DIST_NORMAL,    /* normal(mean_ns, stddev_ns), clamped to [min_ns, max_ns] */
};

/* A distribution of durations (ns). Samples are never negative. */
struct vf_dist {
	enum vf_dist_kind kind;
	int64_t mean_ns;
	int64_t stddev_ns;
	int64_t min_ns; /* 0 unless given */
	int64_t max_ns; /* VF_SCN_MAX_DURATION_NS unless given */
};

/* A set of pCPUs (bit i = CPU i). */
struct vf_cpuset {
	uint64_t bits[VF_SCN_MAX_CPUS / 64];
};

static inline bool vf_cpuset_has(const struct vf_cpuset *s, uint32_t cpu)
{
	return cpu < VF_SCN_MAX_CPUS && (s->bits[cpu / 64] >> (cpu % 64)) & 1u;
}

static inline void vf_cpuset_add(struct vf_cpuset *s, uint32_t cpu)
{
	s->bits[cpu / 64] |= (uint64_t)1 << (cpu % 64);
}

/* host.processes[i]: `count` identical single-threaded processes (pid == tid). */
struct vf_scn_process {
	char name[VF_COMM_LEN]; /* comm */
	uint32_t count;
	struct vf_dist cpu_burst; /* CPU time per run */
	struct vf_dist sleep;     /* blocked time between runs (0 = never blocks) */
	struct vf_cpuset affinity;
	int32_t first_pid; /* instances are first_pid .. first_pid + count - 1 */
};

/* One entry of a VM's exit mix. */
struct vf_scn_exit_weight {
	uint32_t reason; /* basic exit reason code for the VM's isa */
	double weight;
};

/* Why a halted guest waits (guest.waits): what ends the halt. */
enum vf_scn_wait {
	VF_SCN_WAIT_TIMER = 0, /* its timer: guest.idle after the HLT */
	VF_SCN_WAIT_TASK,      /* another vCPU's guest task: an IPI (vms[i].ipi) */
	VF_SCN_WAIT_DISK,      /* a disk request through the QEMU I/O thread (vms[i].disk) */
	VF_SCN_WAIT_NET,       /* a network reply through vhost-<pid> (vms[i].net) */
	VF_SCN_WAIT_COUNT
};

#define VF_SCN_MAX_IPI_VECTORS  8
#define VF_SCN_MAX_BLOCK_REASONS 16

/* vms[i].disk / vms[i].net: a virtio device served by a host thread. */
struct vf_scn_device {
	uint32_t vector;       /* MSI vector the device's completions raise in the guest */
	uint32_t notify;       /* exit reason of the guest's queue notification */
	struct vf_dist latency; /* host I/O time: request submitted -> completion */
	uint32_t bytes;        /* disk: bytes per request (ret of preadv/pwritev); net: len */
	double write_share;    /* disk: share of pwritev requests */
	uint32_t irq_first;    /* disk: first N completions raised from IRQ context */
	char ifname[VF_COMM_LEN]; /* net: host interface (net_dev_xmit / net_if_rx name) */
	int32_t peer;          /* net: index of the VM that answers (inter-VM traffic), -1 if none */
	bool serves_peer;      /* net: another VM's requests arrive on this VM's vhost thread */
};

/* Where the trace carries guest CR3 values (trace.cr3). */
enum vf_scn_cr3 {
	VF_SCN_CR3_NONE = 0, /* no CR3 in the trace */
	VF_SCN_CR3_ADDONS,   /* addons_vcpu_enter_guest (vcpuID, cr3tmp, sptmp, iptmp) */
	VF_SCN_CR3_KVM_CR,   /* kvm_x86_cr writes to CR3 (shadow paging) */
};

#define VF_SCN_MAX_GUEST_PROCS 4096

/* A guest process (guest.processes): one CR3, `threads` kernel stacks. */
struct vf_scn_gproc {
	char name[VF_COMM_LEN];
	uint64_t cr3;
	uint32_t threads;
};

/* vms[i].nested: an L1 guest process that is a hypervisor running one L2 VM. */
struct vf_scn_nested {
	bool on;
	uint32_t hypervisor;          /* index into the VM's gprocs: the L1 hypervisor process */
	struct vf_scn_gproc *procs;   /* owned: L2 processes */
	size_t proc_count;
	struct vf_dist l1_time;       /* L1 guest time from a reflected exit to the next VMRESUME */
	struct vf_dist exit_rate;     /* L2 guest time between L2 exits */
	double reflect;               /* chance that an L2 exit is reflected to L1 */
	double sw;                    /* chance that L1 switches L2 process at a reflected exit */
	uint32_t reasons[VF_SCN_MAX_BLOCK_REASONS]; /* L2 exit mix (uniform) */
	uint32_t reason_count;
};

struct vf_scn_vm {
	char name[64];
	int32_t pid; /* QEMU pid = main thread tid; vCPU n is pid + 1 + n */
	uint32_t vcpu_count;
	struct vf_cpuset *vcpu_affinity; /* owned: vcpu_count sets */
	uint32_t isa;                    /* VF_ISA_VMX or VF_ISA_SVM */
	/* guest */
	struct vf_dist guest_burst; /* guest time of one busy period */
	struct vf_dist guest_idle;  /* halted time (HLT until the guest timer) */
	int64_t guest_tick_ns;      /* guest timer period while busy; 0 = none */
	uint32_t timer_vector;
	/* exits */
	struct vf_scn_exit_weight *exits; /* owned; none = no non-HLT exits */
	size_t exit_count;
	struct vf_dist exit_interval; /* guest time between non-HLT exits (`rate`) */
	struct vf_dist exit_handling; /* root time of a non-HLT exit */
	double wait_weight[VF_SCN_WAIT_COUNT]; /* guest.waits: what a halt waits for */
	struct vf_scn_gproc *gprocs; /* owned: guest processes (CR3s) */
	size_t gproc_count;
	double proc_switch; /* chance that a guest tick switches to another process */
	struct vf_scn_nested nested;
	/* IPIs between the VM's vCPUs (task waits) */
	struct vf_dist ipi_delay; /* HLT of the waiting vCPU -> a sibling sends the IPI */
	uint32_t ipi_vectors[VF_SCN_MAX_IPI_VECTORS];
	uint32_t ipi_vector_count;
	bool apicv; /* posted interrupts: no kvm_x86_inj_virq, only kvm_x86_apic_accept_irq */
	struct vf_scn_device disk;
	struct vf_scn_device net;
	bool has_vhost; /* a vhost-<pid> thread (tid pid + 1 + vcpus) serves the network */
	/* vCPU threads blocking in the host after a non-HLT exit (wait_host) */
	double host_block_prob;
	uint32_t host_block_reasons[VF_SCN_MAX_BLOCK_REASONS];
	uint32_t host_block_reason_count; /* 0 = any non-HLT exit of the mix */
	struct vf_dist host_block_time;
	/* QEMU main thread */
	bool main_thread_runs;
	struct vf_dist main_burst;
	struct vf_dist main_sleep;
};

/* host.latency: the small fixed costs of the host and KVM paths. */
struct vf_scn_latency {
	struct vf_dist wakeup;    /* sched_waking -> sched_switch in, on an idle CPU */
	struct vf_dist vcpu_load; /* sched_switch in of a vCPU thread -> its first KVM action */
	struct vf_dist inject;    /* kvm_x86_inj_virq -> kvm_x86_entry */
	struct vf_dist block;     /* HLT exit -> sched_switch out */
	struct vf_dist interrupt; /* root time after an EXTERNAL_INTERRUPT / timer exit */
};

/* trace.discard[i]: events of one CPU lost during a window. */
struct vf_scn_discard {
	uint32_t cpu;
	int64_t at_ns;
	int64_t duration_ns;
};

#define VF_SCN_MAX_DISCARDS 64

struct vf_scenario {
	char source[512]; /* file name used in messages */
	uint64_t seed;
	int64_t duration_ns;
	struct {
		uint32_t cpu_count;
		char hostname[64];
		char kernel_release[64];
		char kernel_version[128];
		int64_t slice_ns;
		struct vf_scn_latency latency;
		struct vf_scn_process *processes; /* owned */
		size_t process_count;
	} host;
	struct vf_scn_vm *vms; /* owned */
	size_t vm_count;
	struct {
		enum vf_event_naming naming;
		uint32_t packet_size;
		bool contexts;
		bool statedump;      /* lttng_statedump_process_state for every thread at session start */
		int64_t clock_offset_ns;
		enum vf_scn_cr3 cr3;
		int64_t start_ns; /* the session starts here (mid-run): nothing is written before */
		struct vf_scn_discard discards[VF_SCN_MAX_DISCARDS];
		size_t discard_count;
	} trace;
};

/* Parses and validates a scenario file. Returns NULL and sets err on failure. */
struct vf_scenario *vf_scenario_new_from_file(const char *path, struct vf_error *err);
/* Same from a buffer; `name` stands for the file in messages ("name:line:col"). */
struct vf_scenario *vf_scenario_new_from_string(const char *text, size_t len, const char *name,
                                                struct vf_error *err);
/* Accepts NULL. */
void vf_scenario_free(struct vf_scenario *scn);

/* Fills the trace description the CTF sink needs (deterministic: uuids derive from the seed). */
void vf_scenario_trace_desc(const struct vf_scenario *scn, struct vf_trace_desc *desc);

/* Parses "2s", "500ms", "100us", "10ns", "1.5ms" or a bare integer (ns). false if malformed. */
bool vf_scenario_parse_duration(const char *s, int64_t *out_ns);

#endif /* VMFLOW_SYNTH_SCENARIO_H */
