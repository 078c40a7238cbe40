/* SPDX-License-Identifier: MIT */
/*
 * test_sink_ctf.c - the lttng-modules 2.13 CTF writer, read back by the real
 * babeltrace2 CLI and checked byte by byte where lttng's layout is fixed.
 */
#include "common/testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/ctfser.h"
#include "synth/sink.h"

#define OFFSET_NS 1700000000000000000LL
#define CPU_COUNT 5 /* cpu 4 stays quiet */
#define EVENT_COUNT 4000
#define TS27 (1LL << 27)

static const char *const comms[] = {"qemu-system-x86", "CPU 0/KVM", "vhost-4242", "swapper/1",
				    "kworker/u8:2"};

static void make_desc(struct vf_trace_desc *d, uint32_t cpu_count, bool ctx,
		      enum vf_event_naming naming, const char *release)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->hostname, sizeof(d->hostname), "synthhost");
	snprintf(d->kernel_release, sizeof(d->kernel_release), "%s", release);
	snprintf(d->kernel_version, sizeof(d->kernel_version),
		 "#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)");
	snprintf(d->trace_name, sizeof(d->trace_name), "vmflow-synth");
	snprintf(d->creation_datetime, sizeof(d->creation_datetime), "20261126T010203+0000");
	for (int i = 0; i < 16; i++) {
		d->clock_uuid[i] = (uint8_t)(0x10 + i);
		d->trace_uuid[i] = (uint8_t)(0xa0 + i);
	}
	d->clock_offset_ns = OFFSET_NS;
	d->cpu_count = cpu_count;
	d->packet_size = 4096;
	d->naming = naming;
	d->pid_tid_context = ctx;
}

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return rnd_state >> 33;
}

/*
 * Every kind in turn on 4 CPUs; clock cycles start just below 2^27 so early
 * events wrap the 27 low bits with small deltas, and a few gaps sit on both
 * sides of 2^27 (and far beyond) to force extended headers.
 */
static void gen_events(struct vf_event *evs, int n)
{
	int64_t t = OFFSET_NS + TS27 - 20000;

	rnd_state = 42;
	for (int i = 0; i < n; i++) {
		struct vf_event *e = &evs[i];

		memset(e, 0, sizeof(*e));
		switch (i) {
		case 1000:
			t += TS27;
			break;
		case 1500:
			t += TS27 - 1;
			break;
		case 2000:
			t += 2 * TS27 + 12345;
			break;
		case 2500:
			t += 5 * TS27 + 1;
			break;
		case 3000:
			t += 3000000000LL;
			break;
		default:
			t += (int64_t)(rnd() % 4) == 0 ? 0 : (int64_t)(rnd() % 3000);
		}
		e->ts_ns = t;
		e->cpu = (uint32_t)(rnd() % 4);
		e->kind = (enum vf_event_kind)(1 + i % (VF_EV_KIND_COUNT - 1));
		e->pid = (int32_t)(1000 + rnd() % 50);
		e->tid = e->pid + (int32_t)(rnd() % 5);
		switch (e->kind) {
		case VF_EV_SCHED_SWITCH:
			snprintf(e->u.sched_switch.prev_comm, VF_COMM_LEN, "%s", comms[rnd() % 5]);
			e->u.sched_switch.prev_tid = (int32_t)(rnd() % 100000);
			e->u.sched_switch.prev_prio = (int32_t)(rnd() % 140) - 100;
			e->u.sched_switch.prev_state = (int64_t)(rnd() % 3) - 1;
			snprintf(e->u.sched_switch.next_comm, VF_COMM_LEN, "%s", comms[rnd() % 5]);
			e->u.sched_switch.next_tid = (int32_t)(rnd() % 100000);
			e->u.sched_switch.next_prio = 20;
			break;
		case VF_EV_SCHED_WAKING:
		case VF_EV_SCHED_WAKEUP:
		case VF_EV_SCHED_WAKEUP_NEW:
		case VF_EV_SCHED_TTWU:
			snprintf(e->u.sched_wake.comm, VF_COMM_LEN, "%s", comms[rnd() % 5]);
			e->u.sched_wake.tid = (int32_t)(rnd() % 100000);
			e->u.sched_wake.prio = (int32_t)(rnd() % 40);
			e->u.sched_wake.target_cpu = (int32_t)(rnd() % 4);
			break;
		case VF_EV_SCHED_PROCESS_FORK:
			snprintf(e->u.fork.parent_comm, VF_COMM_LEN, "%s", comms[rnd() % 5]);
			e->u.fork.parent_tid = (int32_t)(rnd() % 100000);
			e->u.fork.parent_pid = e->u.fork.parent_tid;
			snprintf(e->u.fork.child_comm, VF_COMM_LEN, "%s", comms[rnd() % 5]);
			e->u.fork.child_tid = (int32_t)(rnd() % 100000);
			e->u.fork.child_pid = e->u.fork.parent_pid;
			break;
		case VF_EV_SCHED_PROCESS_EXIT:
			snprintf(e->u.process_exit.comm, VF_COMM_LEN, "%s", comms[rnd() % 5]);
			e->u.process_exit.tid = (int32_t)(rnd() % 100000);
			e->u.process_exit.prio = 20;
			break;
		case VF_EV_STATEDUMP_PROCESS_STATE:
			e->u.statedump.tid = (int32_t)(rnd() % 100000);
			e->u.statedump.pid = e->u.statedump.tid - 1;
			e->u.statedump.ppid = 1;
			snprintf(e->u.statedump.name, VF_COMM_LEN, "%s", comms[rnd() % 5]);
			e->u.statedump.type = 1;
			e->u.statedump.mode = 5;
			e->u.statedump.submode = 0;
			e->u.statedump.status = 2;
			e->u.statedump.cpu = (uint32_t)(rnd() % 4);
			break;
		case VF_EV_KVM_ENTRY:
			e->u.kvm_entry.vcpu_id = (uint32_t)(rnd() % 8);
			break;
		case VF_EV_KVM_EXIT:
			e->u.kvm_exit.exit_reason = (uint32_t)(rnd() % 64);
			e->u.kvm_exit.guest_rip = 0xffffffff81000000ULL + rnd();
			e->u.kvm_exit.isa = 1;
			e->u.kvm_exit.info1 = rnd() << 20;
			e->u.kvm_exit.info2 = UINT64_MAX - rnd();
			e->u.kvm_exit.intr_info = 0x800000ecu;
			e->u.kvm_exit.error_code = (uint32_t)(rnd() % 8);
			e->u.kvm_exit.vcpu_id = (uint32_t)(rnd() % 8);
			e->u.kvm_exit.has_vcpu_id = true;
			break;
		case VF_EV_KVM_INJ_VIRQ:
			e->u.inj_virq.irq = 236;
			break;
		case VF_EV_KVM_APIC_ACCEPT_IRQ:
			e->u.apic_accept_irq.apicid = (uint32_t)(rnd() % 8);
			e->u.apic_accept_irq.dm = 0;
			e->u.apic_accept_irq.tm = 1;
			e->u.apic_accept_irq.vec = (uint8_t)(rnd() % 256);
			e->u.apic_accept_irq.coalesced = (rnd() % 2) != 0;
			break;
		case VF_EV_KVM_CR:
			e->u.kvm_cr.rw = 1;
			e->u.kvm_cr.cr = 3;
			e->u.kvm_cr.val = rnd() << 12;
			break;
		case VF_EV_KVM_NESTED_VMRUN:
			e->u.nested_vmrun.rip = rnd();
			e->u.nested_vmrun.vmcb = rnd() << 12;
			e->u.nested_vmrun.nested_rip = rnd();
			e->u.nested_vmrun.int_ctl = 0x1000000;
			e->u.nested_vmrun.event_inj = 0;
			e->u.nested_vmrun.npt = true;
			break;
		case VF_EV_KVM_NESTED_VMEXIT:
		case VF_EV_KVM_NESTED_VMEXIT_INJECT:
			e->u.nested_vmexit.rip = rnd();
			e->u.nested_vmexit.exit_code = (uint32_t)(rnd() % 0x400);
			e->u.nested_vmexit.exit_info1 = rnd();
			e->u.nested_vmexit.exit_info2 = rnd();
			e->u.nested_vmexit.exit_int_info = 0;
			e->u.nested_vmexit.exit_int_info_err = 0;
			e->u.nested_vmexit.isa = 2;
			break;
		case VF_EV_KVM_HYPERCALL:
			e->u.hypercall.nr = 9;
			e->u.hypercall.a0 = rnd();
			e->u.hypercall.a1 = 1;
			e->u.hypercall.a2 = 0;
			e->u.hypercall.a3 = UINT64_MAX;
			break;
		case VF_EV_ADDONS_VCPU_ENTER_GUEST:
			e->u.enter_guest.vcpu_id = (uint32_t)(rnd() % 8);
			e->u.enter_guest.cr3 = rnd() << 12;
			e->u.enter_guest.sp = rnd();
			e->u.enter_guest.ip = rnd();
			break;
		case VF_EV_SYSCALL_ENTRY_PREADV:
		case VF_EV_SYSCALL_ENTRY_PWRITEV:
			e->u.syscall_rw.fd = (int32_t)(rnd() % 64);
			e->u.syscall_rw.vec = 0x7ffc00000000ULL + rnd();
			e->u.syscall_rw.vlen = (int32_t)(rnd() % 16);
			e->u.syscall_rw.pos = (int64_t)(rnd() << 9);
			break;
		case VF_EV_SYSCALL_EXIT_PREADV:
		case VF_EV_SYSCALL_EXIT_PWRITEV:
			e->u.syscall_rw.ret = (rnd() % 5) == 0 ? -11 : (int64_t)(rnd() % 65536);
			e->u.syscall_rw.vec = 0x7ffc00000000ULL + rnd();
			break;
		case VF_EV_NET_IF_RX:
		case VF_EV_NET_DEV_XMIT:
			e->u.net.skbaddr = 0xffff888000000000ULL + rnd();
			e->u.net.len = (uint32_t)(rnd() % 1500);
			snprintf(e->u.net.name, VF_COMM_LEN, "vnet%u", (unsigned)(rnd() % 3));
			break;
		default:
			break;
		}
	}
}

/* The line babeltrace2 --clock-seconds --no-delta prints for ev. */
static void format_expected(const struct vf_event *e, enum vf_event_naming naming, bool ctx,
			    char *out, size_t size)
{
	char payload[1024];
	char context[64] = "";

	switch (e->kind) {
	case VF_EV_SCHED_SWITCH: {
		const struct vf_ev_sched_switch *p = &e->u.sched_switch;

		snprintf(payload, sizeof(payload),
			 "prev_comm = \"%s\", prev_tid = %d, prev_prio = %d, prev_state = %" PRId64
			 ", next_comm = \"%s\", next_tid = %d, next_prio = %d",
			 p->prev_comm, p->prev_tid, p->prev_prio, p->prev_state, p->next_comm,
			 p->next_tid, p->next_prio);
		break;
	}
	case VF_EV_SCHED_WAKING:
	case VF_EV_SCHED_WAKEUP:
	case VF_EV_SCHED_WAKEUP_NEW:
		snprintf(payload, sizeof(payload),
			 "comm = \"%s\", tid = %d, prio = %d, target_cpu = %d", e->u.sched_wake.comm,
			 e->u.sched_wake.tid, e->u.sched_wake.prio, e->u.sched_wake.target_cpu);
		break;
	case VF_EV_SCHED_TTWU:
		snprintf(payload, sizeof(payload), "tid = %d", e->u.sched_wake.tid);
		break;
	case VF_EV_SCHED_PROCESS_FORK: {
		const struct vf_ev_sched_process_fork *p = &e->u.fork;

		snprintf(payload, sizeof(payload),
			 "parent_comm = \"%s\", parent_tid = %d, parent_pid = %d, "
			 "parent_ns_inum = 4026531836, child_comm = \"%s\", child_tid = %d, "
			 "_vtids_length = 1, vtids = [ [0] = %d ], child_pid = %d, "
			 "child_ns_inum = 4026531836",
			 p->parent_comm, p->parent_tid, p->parent_pid, p->child_comm, p->child_tid,
			 p->child_tid, p->child_pid);
		break;
	}
	case VF_EV_SCHED_PROCESS_EXIT:
		snprintf(payload, sizeof(payload), "comm = \"%s\", tid = %d, prio = %d",
			 e->u.process_exit.comm, e->u.process_exit.tid, e->u.process_exit.prio);
		break;
	case VF_EV_STATEDUMP_PROCESS_STATE: {
		const struct vf_ev_statedump_process_state *p = &e->u.statedump;

		snprintf(payload, sizeof(payload),
			 "tid = %d, pid = %d, ppid = %d, name = \"%s\", type = %d, mode = %d, "
			 "submode = %d, status = %d, cpu = %u, file_table_address = 0x0",
			 p->tid, p->pid, p->ppid, p->name, p->type, p->mode, p->submode, p->status,
			 p->cpu);
		break;
	}
	case VF_EV_KVM_ENTRY:
		snprintf(payload, sizeof(payload), "vcpu_id = %u", e->u.kvm_entry.vcpu_id);
		break;
	case VF_EV_KVM_EXIT: {
		const struct vf_ev_kvm_exit *p = &e->u.kvm_exit;

		snprintf(payload, sizeof(payload),
			 "exit_reason = %u, guest_rip = %" PRIu64 ", isa = %u, info1 = %" PRIu64
			 ", info2 = %" PRIu64 ", intr_info = %u, error_code = %u, vcpu_id = %u",
			 p->exit_reason, p->guest_rip, p->isa, p->info1, p->info2, p->intr_info,
			 p->error_code, p->vcpu_id);
		break;
	}
	case VF_EV_KVM_INJ_VIRQ:
		snprintf(payload, sizeof(payload), "irq = %u", e->u.inj_virq.irq);
		break;
	case VF_EV_KVM_APIC_ACCEPT_IRQ: {
		const struct vf_ev_kvm_apic_accept_irq *p = &e->u.apic_accept_irq;

		snprintf(payload, sizeof(payload),
			 "apicid = %u, dm = %u, tm = %u, vec = %u, coalesced = %u", p->apicid, p->dm,
			 p->tm, p->vec, p->coalesced ? 1u : 0u);
		break;
	}
	case VF_EV_KVM_CR:
		snprintf(payload, sizeof(payload), "rw = %u, cr = %u, val = %" PRIu64,
			 e->u.kvm_cr.rw, e->u.kvm_cr.cr, e->u.kvm_cr.val);
		break;
	case VF_EV_KVM_NESTED_VMRUN: {
		const struct vf_ev_kvm_nested_vmrun *p = &e->u.nested_vmrun;

		snprintf(payload, sizeof(payload),
			 "rip = %" PRIu64 ", vmcb = %" PRIu64 ", nested_rip = %" PRIu64
			 ", int_ctl = %u, event_inj = %u, npt = %u",
			 p->rip, p->vmcb, p->nested_rip, p->int_ctl, p->event_inj, p->npt ? 1u : 0u);
		break;
	}
	case VF_EV_KVM_NESTED_VMEXIT:
	case VF_EV_KVM_NESTED_VMEXIT_INJECT: {
		const struct vf_ev_kvm_nested_vmexit *p = &e->u.nested_vmexit;
		char rip[64] = "";

		if (e->kind == VF_EV_KVM_NESTED_VMEXIT) {
			snprintf(rip, sizeof(rip), "rip = %" PRIu64 ", ", p->rip);
		}
		snprintf(payload, sizeof(payload),
			 "%sexit_code = %u, exit_info1 = %" PRIu64 ", exit_info2 = %" PRIu64
			 ", exit_int_info = %u, exit_int_info_err = %u, isa = %u",
			 rip, p->exit_code, p->exit_info1, p->exit_info2, p->exit_int_info,
			 p->exit_int_info_err, p->isa);
		break;
	}
	case VF_EV_KVM_HYPERCALL: {
		const struct vf_ev_kvm_hypercall *p = &e->u.hypercall;

		snprintf(payload, sizeof(payload),
			 "nr = %" PRIu64 ", a0 = %" PRIu64 ", a1 = %" PRIu64 ", a2 = %" PRIu64
			 ", a3 = %" PRIu64,
			 p->nr, p->a0, p->a1, p->a2, p->a3);
		break;
	}
	case VF_EV_ADDONS_VCPU_ENTER_GUEST: {
		const struct vf_ev_addons_vcpu_enter_guest *p = &e->u.enter_guest;

		snprintf(payload, sizeof(payload),
			 "vcpuID = %u, cr3tmp = %" PRIu64 ", sptmp = %" PRIu64 ", iptmp = %" PRIu64,
			 p->vcpu_id, p->cr3, p->sp, p->ip);
		break;
	}
	case VF_EV_SYSCALL_ENTRY_PREADV: {
		const struct vf_ev_syscall_rw *p = &e->u.syscall_rw;

		snprintf(payload, sizeof(payload),
			 "fd = %d, vlen = %d, pos_l = %" PRId64 ", pos_h = %" PRId64, p->fd, p->vlen,
			 p->pos, p->pos >> 32);
		break;
	}
	case VF_EV_SYSCALL_ENTRY_PWRITEV: {
		const struct vf_ev_syscall_rw *p = &e->u.syscall_rw;

		snprintf(payload, sizeof(payload),
			 "fd = %d, vec = %" PRIu64 ", vlen = %d, pos_l = %" PRId64 ", pos_h = %" PRId64,
			 p->fd, p->vec, p->vlen, p->pos, p->pos >> 32);
		break;
	}
	case VF_EV_SYSCALL_EXIT_PREADV:
		snprintf(payload, sizeof(payload), "ret = %" PRId64 ", vec = %" PRIu64,
			 e->u.syscall_rw.ret, e->u.syscall_rw.vec);
		break;
	case VF_EV_SYSCALL_EXIT_PWRITEV:
		snprintf(payload, sizeof(payload), "ret = %" PRId64, e->u.syscall_rw.ret);
		break;
	case VF_EV_NET_IF_RX:
		snprintf(payload, sizeof(payload),
			 "skbaddr = 0x%" PRIX64 ", len = %u, name = \"%s\", network_header_type = "
			 "( \"_unknown\" : container = 0 ), network_header = { { } }",
			 e->u.net.skbaddr, e->u.net.len, e->u.net.name);
		break;
	case VF_EV_NET_DEV_XMIT:
		snprintf(payload, sizeof(payload),
			 "skbaddr = 0x%" PRIX64 ", rc = 0, len = %u, name = \"%s\"", e->u.net.skbaddr,
			 e->u.net.len, e->u.net.name);
		break;
	default:
		payload[0] = '\0';
	}
	if (ctx) {
		snprintf(context, sizeof(context), "{ pid = %d, tid = %d }, ", e->pid, e->tid);
	}
	snprintf(out, size, "[%" PRId64 ".%09" PRId64 "] synthhost %s: { cpu_id = %u }, %s{ %s }",
		 e->ts_ns / 1000000000, e->ts_ns % 1000000000, vf_event_kind_name(e->kind, naming),
		 e->cpu, context, payload);
}

static enum vf_status write_trace(const char *dir, const struct vf_trace_desc *d,
				  const struct vf_event *evs, int n, int64_t end_ns,
				  struct vf_error *err)
{
	struct vf_sink *sink = vf_sink_ctf_new(dir, d, err);
	enum vf_status st = VF_OK;

	if (!sink) {
		return err->status;
	}
	for (int i = 0; i < n && st == VF_OK; i++) {
		st = sink->emit(sink, &evs[i], err);
	}
	if (st == VF_OK) {
		st = sink->finish(sink, end_ns, err);
	}
	sink->free(sink);
	return st;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits text into lines (in place); returns the count. */
static int split_lines(char *text, char **lines, int max)
{
	int n = 0;

	for (char *p = strtok(text, "\n"); p && n < max; p = strtok(NULL, "\n")) {
		lines[n++] = p;
	}
	return n;
}

static char *run_babeltrace(const char *args, const char *dir)
{
	char cmd[8192];
	size_t cap = 16 << 20;
	char *out = malloc(cap);

	assert_non_null(out);
	snprintf(cmd, sizeof(cmd), "babeltrace2 %s '%s' 2>&1", args, dir);
	assert_int_equal(vf_test_run(cmd, out, cap), 0);
	return out;
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--) {
		v = (v << 8) | p[i];
	}
	return v;
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_sink_ctf_babeltrace_reads_every_event_exactly(void **state)
{
	struct vf_event *evs = calloc(EVENT_COUNT, sizeof(*evs));
	char **expected = calloc(EVENT_COUNT, sizeof(char *));
	char **actual = calloc(EVENT_COUNT + 10, sizeof(char *));
	struct vf_trace_desc d;
	struct vf_error err = {0};
	const char *dir = vf_test_tmpdir("sink_ctf_all");
	int per_cpu[CPU_COUNT] = {0};
	int got_per_cpu[CPU_COUNT] = {0};
	char *out;
	int n;

	(void)state;
	gen_events(evs, EVENT_COUNT);
	make_desc(&d, CPU_COUNT, true, VF_NAMING_LTTNG_2_13, "6.1.0-27-amd64");
	assert_int_equal(write_trace(dir, &d, evs, EVENT_COUNT, evs[EVENT_COUNT - 1].ts_ns + 1000,
				     &err),
			 VF_OK);
	for (int i = 0; i < EVENT_COUNT; i++) {
		expected[i] = malloc(2048);
		format_expected(&evs[i], VF_NAMING_LTTNG_2_13, true, expected[i], 2048);
		per_cpu[evs[i].cpu]++;
	}
	out = run_babeltrace("--clock-seconds --no-delta", dir);
	n = split_lines(out, actual, EVENT_COUNT + 10);
	assert_int_equal(n, EVENT_COUNT);
	for (int i = 0; i < n; i++) {
		for (int c = 0; c < CPU_COUNT; c++) {
			char key[32];

			snprintf(key, sizeof(key), "{ cpu_id = %d }", c);
			got_per_cpu[c] += strstr(actual[i], key) != NULL;
		}
	}
	for (int c = 0; c < CPU_COUNT; c++) {
		assert_int_equal(got_per_cpu[c], per_cpu[c]);
	}
	assert_int_equal(per_cpu[4], 0);
	qsort(expected, EVENT_COUNT, sizeof(char *), cmp_str);
	qsort(actual, (size_t)n, sizeof(char *), cmp_str);
	for (int i = 0; i < EVENT_COUNT; i++) {
		assert_string_equal(actual[i], expected[i]);
	}
	for (int i = 0; i < EVENT_COUNT; i++) {
		free(expected[i]);
	}
	free(out);
	free(expected);
	free(actual);
	free(evs);
}

static void test_sink_ctf_extended_header_after_2_27_ns(void **state)
{
	/* kvm_x86_entry (id 8), no context: compact = u32 8 | ts << 5; extended = 31, u32 8, u64 ts */
	static const int64_t cycles[] = {5, 5 + TS27 - 1, 5 + TS27 - 1 + TS27, 5 + 3 * TS27 - 1 + 10};
	struct vf_trace_desc d;
	struct vf_error err = {0};
	struct vf_event evs[4];
	const char *dir = vf_test_tmpdir("sink_ctf_ext");
	char path[4200];
	unsigned char *buf;
	size_t size;
	char *out;

	(void)state;
	make_desc(&d, 1, false, VF_NAMING_LTTNG_2_13, "6.1.0");
	memset(evs, 0, sizeof(evs));
	for (int i = 0; i < 4; i++) {
		evs[i].ts_ns = OFFSET_NS + cycles[i];
		evs[i].kind = VF_EV_KVM_ENTRY;
		evs[i].u.kvm_entry.vcpu_id = (uint32_t)i;
	}
	assert_int_equal(write_trace(dir, &d, evs, 4, evs[3].ts_ns, &err), VF_OK);
	snprintf(path, sizeof(path), "%s/channel0_0", dir);
	buf = (unsigned char *)vf_test_read_file(path, &size);
	assert_non_null(buf);
	assert_int_equal(size, 4096);
	assert_int_equal(get_u32(buf), 0xC1FC1FC1u);
	assert_int_equal(get_u64(buf + 32), 5);                /* timestamp_begin: first event */
	assert_int_equal(get_u64(buf + 40), cycles[3]);        /* timestamp_end: trace end */
	assert_int_equal(get_u64(buf + 48), (84 + 8 + 8 + 17 + 17) * 8); /* content_size, bits */
	assert_int_equal(get_u64(buf + 56), 4096 * 8);
	/* event 0: delta 0 -> compact */
	assert_int_equal(get_u32(buf + 84), 8u | (uint32_t)(5u << 5));
	assert_int_equal(get_u32(buf + 88), 0);
	/* event 1: delta 2^27 - 1 -> still compact, low 27 bits wrap */
	assert_int_equal(get_u32(buf + 92), 8u | (uint32_t)(((uint64_t)cycles[1] & (TS27 - 1)) << 5));
	/* event 2: delta 2^27 -> extended */
	assert_int_equal(buf[100], 31);
	assert_int_equal(get_u32(buf + 101), 8);
	assert_int_equal(get_u64(buf + 105), cycles[2]);
	assert_int_equal(get_u32(buf + 113), 2);
	/* event 3: delta 2^27 + 10 -> extended */
	assert_int_equal(buf[117], 31);
	assert_int_equal(get_u64(buf + 122), cycles[3]);
	for (size_t i = 84 + 8 + 8 + 17 + 17; i < size; i++) {
		assert_int_equal(buf[i], 0);
	}
	free(buf);

	out = run_babeltrace("--clock-seconds --no-delta", dir);
	assert_string_equal(out,
			    "[1700000000.000000005] synthhost kvm_x86_entry: { cpu_id = 0 }, { vcpu_id = 0 }\n"
			    "[1700000000.134217732] synthhost kvm_x86_entry: { cpu_id = 0 }, { vcpu_id = 1 }\n"
			    "[1700000000.268435460] synthhost kvm_x86_entry: { cpu_id = 0 }, { vcpu_id = 2 }\n"
			    "[1700000000.402653198] synthhost kvm_x86_entry: { cpu_id = 0 }, { vcpu_id = 3 }\n");
	free(out);
}

static void test_sink_ctf_packets_split_and_chain(void **state)
{
	struct vf_event *evs = calloc(EVENT_COUNT, sizeof(*evs));
	struct vf_trace_desc d;
	struct vf_error err = {0};
	const char *dir = vf_test_tmpdir("sink_ctf_packets");
	int64_t end_ns;

	(void)state;
	gen_events(evs, EVENT_COUNT);
	end_ns = evs[EVENT_COUNT - 1].ts_ns + 1000;
	make_desc(&d, CPU_COUNT, true, VF_NAMING_LTTNG_2_13, "6.1.0-27-amd64");
	assert_int_equal(write_trace(dir, &d, evs, EVENT_COUNT, end_ns, &err), VF_OK);
	for (uint32_t c = 0; c < CPU_COUNT; c++) {
		char path[4200];
		unsigned char *buf;
		size_t size;
		uint64_t prev_end = 0;

		snprintf(path, sizeof(path), "%s/channel0_%u", dir, c);
		buf = (unsigned char *)vf_test_read_file(path, &size);
		assert_non_null(buf);
		assert_int_equal(size % 4096, 0);
		if (c < 4) {
			assert_true(size >= 5 * 4096); /* ~1000 events of ~40 B each */
		} else {
			assert_int_equal(size, 4096); /* quiet cpu: one empty packet */
			assert_int_equal(get_u64(buf + 48), 84 * 8);
		}
		for (size_t off = 0, seq = 0; off < size; off += 4096, seq++) {
			const unsigned char *p = buf + off;

			assert_int_equal(get_u32(p), 0xC1FC1FC1u);
			assert_memory_equal(p + 4, d.trace_uuid, 16);
			assert_int_equal(get_u32(p + 20), 0);         /* stream_id */
			assert_int_equal(get_u64(p + 24), c);         /* stream_instance_id */
			assert_int_equal(get_u64(p + 56), 4096 * 8);  /* packet_size */
			assert_true(get_u64(p + 48) <= 4096 * 8);     /* content_size */
			assert_int_equal(get_u64(p + 64), seq);       /* packet_seq_num */
			assert_int_equal(get_u64(p + 72), 0);         /* events_discarded */
			assert_int_equal(get_u32(p + 80), c);         /* cpu_id */
			if (off == 0) {
				/* every stream starts at the first event of the trace */
				assert_int_equal(get_u64(p + 32), evs[0].ts_ns - OFFSET_NS);
			} else {
				assert_int_equal(get_u64(p + 32), prev_end);
			}
			assert_true(get_u64(p + 40) >= get_u64(p + 32));
			prev_end = get_u64(p + 40);
		}
		assert_int_equal(prev_end, (uint64_t)(end_ns - OFFSET_NS));
		free(buf);
	}
	free(evs);
}

static void test_sink_ctf_env_and_clock_seen_by_babeltrace(void **state)
{
	struct vf_trace_desc d;
	struct vf_error err = {0};
	struct vf_event ev;
	const char *dir = vf_test_tmpdir("sink_ctf_env");
	char *out;

	(void)state;
	make_desc(&d, 2, true, VF_NAMING_LTTNG_2_13, "6.1.0-27-amd64");
	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = OFFSET_NS + 123456789;
	ev.kind = VF_EV_KVM_ENTRY;
	assert_int_equal(write_trace(dir, &d, &ev, 1, ev.ts_ns + 5, &err), VF_OK);
	out = run_babeltrace("-c sink.text.details", dir);
	assert_non_null(strstr(out, "      domain: kernel\n"));
	assert_non_null(strstr(out, "      hostname: synthhost\n"));
	assert_non_null(strstr(out, "      kernel_release: 6.1.0-27-amd64\n"));
	assert_non_null(strstr(out, "      sysname: Linux\n"));
	assert_non_null(strstr(out, "      trace_buffering_scheme: global\n"));
	assert_non_null(strstr(out, "      trace_creation_datetime: 20261126T010203+0000\n"));
	assert_non_null(strstr(out, "      trace_name: vmflow-synth\n"));
	assert_non_null(strstr(out, "      tracer_major: 2\n"));
	assert_non_null(strstr(out, "      tracer_minor: 13\n"));
	assert_non_null(strstr(out, "      tracer_name: lttng-modules\n"));
	assert_non_null(strstr(out, "      tracer_patchlevel: 9\n"));
	assert_non_null(strstr(out, "      Name: monotonic\n"));
	assert_non_null(strstr(out, "      Frequency (Hz): 1,000,000,000\n"));
	assert_non_null(strstr(out, "      Offset (s): 1,700,000,000\n"));
	assert_non_null(strstr(out, "      UUID: 10111213-1415-1617-1819-1a1b1c1d1e1f\n"));
	assert_non_null(strstr(out, "      pid: Signed integer (32-bit, Base 10)\n"));
	/* the quiet cpu 1 still has a packet from the first event to the trace end */
	assert_non_null(strstr(out, "[123,456,789 cycles, 1,700,000,000,123,456,789 ns from origin]\n"
				    "{Trace 0, Stream class ID 0, Stream ID 1}\nPacket beginning:\n"
				    "  Context:\n    cpu_id: 1\n"));
	assert_non_null(strstr(out, "[123,456,794 cycles, 1,700,000,000,123,456,794 ns from origin]\n"
				    "{Trace 0, Stream class ID 0, Stream ID 1}\nPacket end\n"));
	free(out);

	out = run_babeltrace("--output-format=ctf-metadata", dir);
	assert_true(strncmp(out, "/* CTF 1.8 */", 13) == 0);
	assert_non_null(strstr(out, "\tdomain = \"kernel\";\n"));
	assert_non_null(strstr(out, "\ttracer_name = \"lttng-modules\";\n"));
	assert_non_null(strstr(out, "\tevent.header := struct event_header_compact;\n"));
	assert_non_null(strstr(out, "\t\tinteger { size = 8; align = 8; signed = 1; encoding = UTF8; "
				    "base = 10; } _prev_comm[16];\n"));
	assert_non_null(strstr(out, "\t\tinteger { size = 64; align = 8; signed = 1; encoding = none; "
				    "base = 10; } _prev_state;\n"));
	free(out);
}

static void test_sink_ctf_legacy_naming_without_context(void **state)
{
	struct vf_trace_desc d;
	struct vf_error err = {0};
	struct vf_event evs[2];
	const char *dir = vf_test_tmpdir("sink_ctf_legacy");
	char *out;

	(void)state;
	make_desc(&d, 1, false, VF_NAMING_LEGACY, "5.4.0-150-generic");
	memset(evs, 0, sizeof(evs));
	evs[0].ts_ns = OFFSET_NS + 1000;
	evs[0].kind = VF_EV_KVM_ENTRY;
	evs[0].u.kvm_entry.vcpu_id = 1;
	evs[1].ts_ns = OFFSET_NS + 2000;
	evs[1].kind = VF_EV_KVM_EXIT;
	evs[1].u.kvm_exit.exit_reason = 12;
	evs[1].u.kvm_exit.guest_rip = 77;
	evs[1].u.kvm_exit.isa = 1;
	evs[1].u.kvm_exit.info1 = 3;
	evs[1].u.kvm_exit.info2 = 4;
	evs[1].u.kvm_exit.vcpu_id = 1; /* not in the 5.4 layout */
	assert_int_equal(write_trace(dir, &d, evs, 2, OFFSET_NS + 3000, &err), VF_OK);
	out = run_babeltrace("--clock-seconds --no-delta", dir);
	assert_string_equal(out,
			    "[1700000000.000001000] synthhost kvm_entry: { cpu_id = 0 }, { vcpu_id = 1 }\n"
			    "[1700000000.000002000] synthhost kvm_exit: { cpu_id = 0 }, { exit_reason = "
			    "12, guest_rip = 77, isa = 1, info1 = 3, info2 = 4 }\n");
	free(out);
}

static void test_sink_ctf_char_signedness_follows_kernel(void **state)
{
	struct vf_trace_desc d;
	struct vf_error err = {0};
	const char *dir = vf_test_tmpdir("sink_ctf_unsigned_char");
	char *out;

	(void)state;
	make_desc(&d, 1, false, VF_NAMING_LTTNG_2_13, "6.8.0-49-generic");
	assert_int_equal(write_trace(dir, &d, NULL, 0, OFFSET_NS + 10, &err), VF_OK);
	out = run_babeltrace("--output-format=ctf-metadata", dir);
	assert_non_null(strstr(out, "\t\tinteger { size = 8; align = 8; signed = 0; encoding = UTF8; "
				    "base = 10; } _prev_comm[16];\n"));
	assert_null(strstr(out, "signed = 1; encoding = UTF8"));
	free(out);
}

static void test_sink_ctf_same_input_gives_identical_files(void **state)
{
	struct vf_event *evs = calloc(EVENT_COUNT, sizeof(*evs));
	struct vf_trace_desc d;
	struct vf_error err = {0};
	char dir_a[4096], dir_b[4096];
	const char *names[] = {"metadata", "channel0_0", "channel0_1", "channel0_2", "channel0_3",
			       "channel0_4"};

	(void)state;
	gen_events(evs, EVENT_COUNT);
	make_desc(&d, CPU_COUNT, true, VF_NAMING_LTTNG_2_13, "6.1.0-27-amd64");
	snprintf(dir_a, sizeof(dir_a), "%s", vf_test_tmpdir("sink_ctf_det_a"));
	snprintf(dir_b, sizeof(dir_b), "%s", vf_test_tmpdir("sink_ctf_det_b"));
	assert_int_equal(write_trace(dir_a, &d, evs, EVENT_COUNT, evs[EVENT_COUNT - 1].ts_ns, &err),
			 VF_OK);
	assert_int_equal(write_trace(dir_b, &d, evs, EVENT_COUNT, evs[EVENT_COUNT - 1].ts_ns, &err),
			 VF_OK);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char pa[4200], pb[4200];
		size_t sa = 0, sb = 1;
		char *a, *b;

		snprintf(pa, sizeof(pa), "%s/%s", dir_a, names[i]);
		snprintf(pb, sizeof(pb), "%s/%s", dir_b, names[i]);
		a = vf_test_read_file(pa, &sa);
		b = vf_test_read_file(pb, &sb);
		assert_non_null(a);
		assert_non_null(b);
		assert_true(sa > 0);
		assert_int_equal(sa, sb);
		assert_memory_equal(a, b, sa);
		free(a);
		free(b);
	}
	free(evs);
}

static void test_sink_ctf_refuses_disorder_and_bad_cpu(void **state)
{
	struct vf_trace_desc d;
	struct vf_error err = {0};
	struct vf_event ev;
	struct vf_sink *sink;

	(void)state;
	make_desc(&d, 2, true, VF_NAMING_LTTNG_2_13, "6.1.0");
	sink = vf_sink_ctf_new(vf_test_tmpdir("sink_ctf_bad"), &d, &err);
	assert_non_null(sink);
	memset(&ev, 0, sizeof(ev));
	ev.kind = VF_EV_KVM_ENTRY;
	ev.ts_ns = OFFSET_NS + 5000;
	ev.cpu = 1;
	assert_int_equal(sink->emit(sink, &ev, &err), VF_OK);
	ev.ts_ns = OFFSET_NS + 4999;
	assert_int_equal(sink->emit(sink, &ev, &err), VF_ERR_INTERNAL);
	assert_non_null(strstr(err.where, "channel0_1"));
	assert_non_null(strstr(err.msg, "before the previous one"));
	vf_error_clear(&err);
	ev.ts_ns = OFFSET_NS + 6000;
	ev.cpu = 2;
	assert_int_equal(sink->emit(sink, &ev, &err), VF_ERR_INTERNAL);
	vf_error_clear(&err);
	ev.cpu = 0;
	ev.kind = VF_EV_OTHER;
	assert_int_equal(sink->emit(sink, &ev, &err), VF_ERR_INTERNAL);
	vf_error_clear(&err);
	/* the end cannot precede an event */
	assert_int_equal(sink->finish(sink, OFFSET_NS + 4000, &err), VF_ERR_INTERNAL);
	sink->free(sink);
}

static void test_sink_ctf_unwritable_dir_is_named(void **state)
{
	struct vf_trace_desc d;
	struct vf_error err = {0};
	char file[4096], dir[4200];
	FILE *fp;

	(void)state;
	make_desc(&d, 1, false, VF_NAMING_LTTNG_2_13, "6.1.0");
	snprintf(file, sizeof(file), "%s/plain-file", vf_test_tmpdir("sink_ctf_unwritable"));
	fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(dir, sizeof(dir), "%s/trace", file);
	assert_null(vf_sink_ctf_new(dir, &d, &err));
	assert_int_equal(err.status, VF_ERR_IO);
	assert_non_null(strstr(err.where, "plain-file"));

	/* a folder that already holds something is refused */
	vf_error_clear(&err);
	assert_null(vf_sink_ctf_new(VMFLOW_TEST_TMP "/sink_ctf_unwritable", &d, &err));
	assert_int_equal(err.status, VF_ERR_IO);
	assert_non_null(strstr(err.where, "sink_ctf_unwritable"));
	assert_non_null(strstr(err.msg, "not empty"));
}

static void test_sink_ctf_accepts_a_folder_holding_only_the_output_marker(void **state)
{
	struct vf_trace_desc d;
	struct vf_error err = {0};
	char dir[4096], marker[4200];
	char *out;
	FILE *fp;

	(void)state;
	make_desc(&d, 1, false, VF_NAMING_LTTNG_2_13, "6.1.0");
	snprintf(dir, sizeof(dir), "%s", vf_test_tmpdir("sink_ctf_marker"));
	snprintf(marker, sizeof(marker), "%s/.vmflow-output", dir);
	fp = fopen(marker, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(write_trace(dir, &d, NULL, 0, OFFSET_NS + 10, &err), VF_OK);
	out = run_babeltrace("--clock-seconds --no-delta", dir);
	assert_string_equal(out, "");
	free(out);
}

static void test_ctfser_disk_full_names_the_file(void **state)
{
	struct vf_ctfser_params p = {.path = "/dev/full", .packet_size = 4096, .page_size = 4096};
	struct vf_error err = {0};
	struct vf_ctfser *s;

	(void)state;
	s = vf_ctfser_new(&p, &err);
	assert_non_null(s);
	vf_ctfser_open_packet(s, 0);
	assert_int_equal(vf_ctfser_finish(s, 10, &err), VF_ERR_IO);
	assert_string_equal(err.where, "/dev/full");
	assert_non_null(strstr(err.msg, "No space left on device"));
	vf_ctfser_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sink_ctf_babeltrace_reads_every_event_exactly),
		cmocka_unit_test(test_sink_ctf_extended_header_after_2_27_ns),
		cmocka_unit_test(test_sink_ctf_packets_split_and_chain),
		cmocka_unit_test(test_sink_ctf_env_and_clock_seen_by_babeltrace),
		cmocka_unit_test(test_sink_ctf_legacy_naming_without_context),
		cmocka_unit_test(test_sink_ctf_char_signedness_follows_kernel),
		cmocka_unit_test(test_sink_ctf_same_input_gives_identical_files),
		cmocka_unit_test(test_sink_ctf_refuses_disorder_and_bad_cpu),
		cmocka_unit_test(test_sink_ctf_unwritable_dir_is_named),
		cmocka_unit_test(test_sink_ctf_accepts_a_folder_holding_only_the_output_marker),
		cmocka_unit_test(test_ctfser_disk_full_names_the_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
