/* SPDX-License-Identifier: MIT */
/*
 * feed.h - header-only helpers for the analyses' unit tests: build event
 * records by hand, feed them to the facade and compare the history with a
 * hand-written table (the cast of test_vcpu_state.c).
 *
 * Cast (pid_of() gives each tid's process):
 *   VM 1000: main thread 1000 ("qemu-system-x86"), vCPU 0 = tid 1001, vCPU 1 = tid 1002,
 *            vhost thread 1050 ("vhost-1000")
 *   VM 2000: vCPU 0 = tid 2001, vhost thread 2050 ("vhost-2000")
 *   host:    tid 300 ("kworker/0:1"), the idle task 0
 */
#ifndef VMFLOW_TESTS_ANALYSES_FEED_H
#define VMFLOW_TESTS_ANALYSES_FEED_H

#include "common/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/analysis.h"
#include "vmflow/history.h"

#define VMX 1
#define SVM 2
#define RUNNABLE 0
#define BLOCKED 1

#define HLT 12
#define EXTERNAL_INTERRUPT 1
#define VMLAUNCH 20
#define VMRESUME 24
#define CR_ACCESS 28
#define IO_INSTRUCTION 30
#define EPT_VIOLATION 48

struct expect {
	const char *path;
	int64_t start;
	int64_t end;
	const char *value;
};

struct fx {
	struct vf_history *h;
	struct vf_analysis *a;
	bool no_context; /* events carry no pid/tid context */
	const char *prefix; /* check() compares the paths starting with this */
};

static inline int32_t pid_of(int32_t tid)
{
	return tid >= 1000 ? tid / 1000 * 1000 : tid;
}

static inline const char *comm_of(int32_t tid)
{
	static char buf[VF_COMM_LEN];

	switch (tid) {
	case 0:
		return "swapper/0";
	case 1000:
	case 2000:
		return "qemu-system-x86";
	case 1050:
		return "vhost-1000";
	case 2050:
		return "vhost-2000";
	case 300:
		return "kworker/0:1";
	default:
		snprintf(buf, sizeof(buf), "CPU %d/KVM", tid % 1000 - 1);
		return buf;
	}
}

static inline void fx_open(struct fx *f, const struct vf_analysis_options *opt)
{
	struct vf_error err = {0};

	memset(f, 0, sizeof(*f));
	f->h = vf_history_new(VMFLOW_TEST_TMP, &err);
	assert_non_null(f->h);
	f->a = vf_analysis_new(f->h, opt, &err);
	assert_non_null(f->a);
	f->prefix = "VMs/";
}

static inline void fx_close(struct fx *f)
{
	struct vf_error err = {0};

	assert_int_equal(vf_history_check(f->h, &err), VF_OK);
	vf_analysis_free(f->a);
	vf_history_free(f->h);
}

static inline struct vf_event base(const struct fx *f, int64_t ts, uint32_t cpu,
				   enum vf_event_kind kind, int32_t tid)
{
	struct vf_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = ts;
	ev.cpu = cpu;
	ev.kind = kind;
	ev.tid = f->no_context ? -1 : tid;
	ev.pid = f->no_context ? -1 : pid_of(tid);
	return ev;
}

static inline void feed(struct fx *f, const struct vf_event *ev)
{
	struct vf_error err = {0};
	enum vf_status st = vf_analysis_event(f->a, ev, &err);

	if (st != VF_OK) {
		fail_msg("event at %lld: %s", (long long)ev->ts_ns, err.msg);
	}
}

static inline void sw(struct fx *f, int64_t ts, uint32_t cpu, int32_t prev, int64_t prev_state,
	       int32_t next)
{
	struct vf_event ev = base(f, ts, cpu, VF_EV_SCHED_SWITCH, prev);

	snprintf(ev.u.sched_switch.prev_comm, VF_COMM_LEN, "%s", comm_of(prev));
	ev.u.sched_switch.prev_tid = prev;
	ev.u.sched_switch.prev_state = prev_state;
	snprintf(ev.u.sched_switch.next_comm, VF_COMM_LEN, "%s", comm_of(next));
	ev.u.sched_switch.next_tid = next;
	feed(f, &ev);
}

static inline void entry(struct fx *f, int64_t ts, uint32_t cpu, int32_t tid, uint32_t vcpu)
{
	struct vf_event ev = base(f, ts, cpu, VF_EV_KVM_ENTRY, tid);

	ev.u.kvm_entry.vcpu_id = vcpu;
	feed(f, &ev);
}

static inline void exit_isa(struct fx *f, int64_t ts, uint32_t cpu, int32_t tid, uint32_t vcpu,
		     uint32_t reason, uint32_t isa, bool has_vcpu_id)
{
	struct vf_event ev = base(f, ts, cpu, VF_EV_KVM_EXIT, tid);

	ev.u.kvm_exit.exit_reason = reason;
	ev.u.kvm_exit.isa = isa;
	ev.u.kvm_exit.vcpu_id = has_vcpu_id ? vcpu : 0;
	ev.u.kvm_exit.has_vcpu_id = has_vcpu_id;
	feed(f, &ev);
}

static inline void vexit(struct fx *f, int64_t ts, uint32_t cpu, int32_t tid, uint32_t vcpu,
		  uint32_t reason)
{
	exit_isa(f, ts, cpu, tid, vcpu, reason, VMX, true);
}

static inline void inj(struct fx *f, int64_t ts, uint32_t cpu, int32_t tid, uint32_t vec)
{
	struct vf_event ev = base(f, ts, cpu, VF_EV_KVM_INJ_VIRQ, tid);

	ev.u.inj_virq.irq = vec;
	feed(f, &ev);
}

static inline void accept_vec(struct fx *f, int64_t ts, uint32_t cpu, int32_t tid, uint8_t vec)
{
	struct vf_event ev = base(f, ts, cpu, VF_EV_KVM_APIC_ACCEPT_IRQ, tid);

	ev.u.apic_accept_irq.vec = vec;
	feed(f, &ev);
}

static inline void finish(struct fx *f, int64_t end)
{
	struct vf_error err = {0};

	if (vf_analysis_finish(f->a, end, &err) != VF_OK) {
		fail_msg("finish: %s", err.msg);
	}
}

/* Compares every interval of the history under "VMs/" with the table (sorted by path, start). */
static inline void check(struct fx *f, const struct expect *exp, size_t n)
{
	struct vf_error err = {0};
	struct vf_history_iter *it = vf_history_iter_new(f->h, &err);
	uint32_t p, v;
	int64_t s, e;
	size_t i = 0;
	bool bad = false;
	char got[8192] = "", want[8192] = "";
	size_t gl = 0, wl = 0;

	assert_non_null(it);
	while (vf_history_iter_next(it, &p, &s, &e, &v)) {
		const char *path = vf_history_path_name(f->h, p);
		const char *val = vf_history_value_name(f->h, v);

		if (strncmp(path, f->prefix, strlen(f->prefix)) != 0) {
			continue;
		}
		if (gl < sizeof(got)) {
			gl += (size_t)snprintf(got + gl, sizeof(got) - gl, "  %s [%lld, %lld) %s\n", path,
					       (long long)s, (long long)e, val);
		}
		if (i >= n || strcmp(path, exp[i].path) != 0 || s != exp[i].start ||
		    e != exp[i].end || strcmp(val, exp[i].value) != 0) {
			bad = true;
		}
		i++;
	}
	assert_int_equal(vf_history_iter_free(it, &err), VF_OK);
	if (i != n) {
		bad = true;
	}
	if (bad) {
		for (i = 0; i < n && wl < sizeof(want); i++) {
			wl += (size_t)snprintf(want + wl, sizeof(want) - wl, "  %s [%lld, %lld) %s\n",
					       exp[i].path, (long long)exp[i].start,
					       (long long)exp[i].end, exp[i].value);
		}
		fail_msg("intervals differ\nwant:\n%sgot:\n%s", want, got);
	}
}

#define CHECK(f, ...)                                                                              \
	do {                                                                                       \
		static const struct expect exp_[] = {__VA_ARGS__};                                 \
		check((f), exp_, sizeof(exp_) / sizeof(exp_[0]));                                  \
	} while (0)

static inline bool has_warning(struct fx *f, const char *text)
{
	size_t n, i;
	const char *const *w = vf_analysis_borrow_warnings(f->a, &n);

	for (i = 0; i < n; i++) {
		if (strcmp(w[i], text) == 0) {
			return true;
		}
	}
	return false;
}

static inline void enter_guest(struct fx *f, int64_t ts, uint32_t cpu, int32_t tid, uint32_t vcpu,
			       uint64_t cr3, uint64_t sp)
{
	struct vf_event ev = base(f, ts, cpu, VF_EV_ADDONS_VCPU_ENTER_GUEST, tid);

	ev.u.enter_guest.vcpu_id = vcpu;
	ev.u.enter_guest.cr3 = cr3;
	ev.u.enter_guest.sp = sp;
	feed(f, &ev);
}

static inline void cr_write(struct fx *f, int64_t ts, uint32_t cpu, int32_t tid, uint32_t cr,
			    uint64_t val)
{
	struct vf_event ev = base(f, ts, cpu, VF_EV_KVM_CR, tid);

	ev.u.kvm_cr.rw = 1;
	ev.u.kvm_cr.cr = cr;
	ev.u.kvm_cr.val = val;
	feed(f, &ev);
}

static inline void accept_apic(struct fx *f, int64_t ts, uint32_t cpu, int32_t tid,
			       uint32_t apicid, uint8_t vec)
{
	struct vf_event ev = base(f, ts, cpu, VF_EV_KVM_APIC_ACCEPT_IRQ, tid);

	ev.u.apic_accept_irq.apicid = apicid;
	ev.u.apic_accept_irq.vec = vec;
	feed(f, &ev);
}

static inline void wake(struct fx *f, int64_t ts, uint32_t cpu, enum vf_event_kind kind,
			int32_t waker, int32_t wakee)
{
	struct vf_event ev = base(f, ts, cpu, kind, waker);

	snprintf(ev.u.sched_wake.comm, VF_COMM_LEN, "%s", comm_of(wakee));
	ev.u.sched_wake.tid = wakee;
	ev.u.sched_wake.target_cpu = (int32_t)cpu;
	feed(f, &ev);
}

/* A guest kernel stack pointer (the thread window is 64 KiB). */
#define KSP(x) (0xffff888000000000ULL + (x))

static inline void nested_inject(struct fx *f, int64_t ts, uint32_t cpu, int32_t tid)
{
	struct vf_event ev = base(f, ts, cpu, VF_EV_KVM_NESTED_VMEXIT_INJECT, tid);

	ev.u.nested_vmexit.isa = VMX;
	feed(f, &ev);
}

/*
 * One nested run on vCPU 0 of VM 1000 (tid 1001), until 700: L1 process 0x1000
 * (the L1 hypervisor) enters L2 with VMRESUME at 300; L2 process 0x2000 runs
 * 320-400 and 450-500 (an EPT_VIOLATION handled by L0 in between); an external
 * interrupt reflected to L1 (nested_vmexit_inject at 505) brings 0x1000 back
 * at 510-600; then L1 loads L2 process 0x3000 at 620.
 */
static inline void feed_nested_sequence(struct fx *f)
{
	sw(f, 100, 0, 0, RUNNABLE, 1001);
	enter_guest(f, 150, 0, 1001, 0, 0x1000, KSP(0x10000));
	entry(f, 200, 0, 1001, 0);
	vexit(f, 300, 0, 1001, 0, VMRESUME);
	enter_guest(f, 310, 0, 1001, 0, 0x2000, KSP(0x50000));
	entry(f, 320, 0, 1001, 0);
	vexit(f, 400, 0, 1001, 0, EPT_VIOLATION);
	entry(f, 450, 0, 1001, 0);
	vexit(f, 500, 0, 1001, 0, EXTERNAL_INTERRUPT);
	nested_inject(f, 505, 0, 1001);
	enter_guest(f, 510, 0, 1001, 0, 0x1000, KSP(0x10000));
	entry(f, 520, 0, 1001, 0);
	vexit(f, 600, 0, 1001, 0, EPT_VIOLATION);
	enter_guest(f, 610, 0, 1001, 0, 0x3000, KSP(0x70000));
	entry(f, 620, 0, 1001, 0);
	finish(f, 700);
}

#endif /* VMFLOW_TESTS_ANALYSES_FEED_H */
