/* SPDX-License-Identifier: MIT */
/*
 * sink_tcxml.c - synth's Trace Compass XML stub-trace back end: the same
 * events as sink_ctf.c, written as the "XML development trace" that Trace
 * Compass's TmfXmlTraceStubNs reads (schema TmfXmlDevelopmentTrace.xsd),
 * laid out like the incubator's VM stub traces (OneQemuKvm/host.xml):
 *
 *   <!-- vmflow synth: ... -->                 provenance (no XML declaration)
 *   <trace>
 *   <set_aspects>
 *   <field name="cpu" value="1" type="int" />  makes `cpu` the CPU aspect
 *   </set_aspects>
 *   <event timestamp="NS" name="kvm_x86_exit">
 *   <field name="cpu" value="2" type="int" />
 *   <field name="context._pid" value="1000" type="long" />   (trace contexts on)
 *   <field name="context._tid" value="1001" type="long" />
 *   <field name="exit_reason" value="48" type="long" />
 *   ...
 *   </event>
 *   </trace>
 *
 * Choices (docs/scenario.md, "Trace Compass XML stub traces"):
 * - timestamp = the event's ts_ns (clock offset included), so the stub, the
 *   CTF trace and the ground truth share one time base;
 * - event names follow the scenario's trace.naming, exactly as in the CTF;
 * - payload fields keep lttng-modules' names; integers are `long` (Trace
 *   Compass reads every CTF integer as a Long), except `cpu` and `isa`,
 *   which are `int` as in the stubs; u64 values are printed as the signed
 *   64-bit value Java sees (0xffff... addresses become negative);
 * - fields lttng writes as constants in sink_ctf.c get the same constants
 *   (namespace inodes, vtids, rc); the CTF-only enum/variant of net_if_rx is
 *   left out; statedump's own `cpu` is the event's cpu (one `cpu` field);
 * - strings are escaped for XML; bytes that are not valid UTF-8 (a comm cut
 *   inside a character) or not XML characters become '?'.
 *
 * Memory: one 64 KiB output buffer. Hot path: emit().
 */
#include "synth/sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define OUT_BUF_SIZE 65536u
#define OUT_FLUSH_AT (OUT_BUF_SIZE - 4096u) /* one event stays far below 4 KiB */
#define PROC_PID_INIT_INO 4026531836ll

struct sink_tcxml {
	struct vf_sink base;
	FILE *out;               /* borrowed */
	char path[1024];
	enum vf_event_naming naming;
	bool contexts;
	bool exit_has_vcpu;      /* kvm_x86_exit has intr_info, error_code, vcpu_id (>= 5.10) */
	bool has_event;          /* last_ns is set */
	bool finished;
	bool failed;             /* a write failed: every later call fails */
	int64_t last_ns;
	size_t len;
	char buf[OUT_BUF_SIZE];
};

static enum vf_status flush_buf(struct sink_tcxml *x, struct vf_error *err)
{
	if (x->len && fwrite(x->buf, 1, x->len, x->out) != x->len) {
		x->failed = true;
		VF_ERROR_SET(err, VF_ERR_IO, x->path, "cannot write the stub trace: %s",
			     strerror(errno ? errno : EIO));
		return VF_ERR_IO;
	}
	x->len = 0;
	return VF_OK;
}

static inline void put_mem(struct sink_tcxml *x, const char *s, size_t n)
{
	memcpy(x->buf + x->len, s, n);
	x->len += n;
}

#define PUT_LIT(x, lit) put_mem((x), (lit), sizeof(lit) - 1)

static inline void put_u64(struct sink_tcxml *x, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n) {
		x->buf[x->len++] = tmp[--n];
	}
}

static inline void put_i64(struct sink_tcxml *x, int64_t v)
{
	if (v < 0) {
		x->buf[x->len++] = '-';
		put_u64(x, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(x, (uint64_t)v);
	}
}

/* Length of the valid UTF-8 XML character starting at s (at most n bytes), 0 if none. */
static size_t utf8_char_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80) {
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n) {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			return 0;
		}
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff) {
		return 0;
	}
	return len;
}

/*
 * Writes n bytes of s as XML text: attribute-escaped (in_comment false) or
 * comment-safe (no "--", in_comment true). Invalid characters become '?'.
 */
static void put_text(struct sink_tcxml *x, const char *str, size_t n, bool in_comment)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];

		if (c >= 0x80) {
			size_t len = utf8_char_len(s + i, n - i);

			if (len == 0) {
				x->buf[x->len++] = '?';
				i++;
			} else {
				put_mem(x, (const char *)s + i, len);
				i += len;
			}
			continue;
		}
		i++;
		if (in_comment) {
			if (c == '-' && (i == n || s[i] == '-')) {
				PUT_LIT(x, "- "); /* no "--" and no '-' right before "-->" */
			} else {
				x->buf[x->len++] = (char)(c < 0x20 ? '?' : c);
			}
			continue;
		}
		switch (c) {
		case '&':
			PUT_LIT(x, "&amp;");
			break;
		case '<':
			PUT_LIT(x, "&lt;");
			break;
		case '>':
			PUT_LIT(x, "&gt;");
			break;
		case '"':
			PUT_LIT(x, "&quot;");
			break;
		case '\t':
			PUT_LIT(x, "&#9;");
			break;
		case '\n':
			PUT_LIT(x, "&#10;");
			break;
		case '\r':
			PUT_LIT(x, "&#13;");
			break;
		default:
			x->buf[x->len++] = (char)(c < 0x20 ? '?' : c);
			break;
		}
	}
}

/* <field name="NAME" value="V" type="long" /> */
static void field_long(struct sink_tcxml *x, const char *name, size_t name_len, int64_t v)
{
	PUT_LIT(x, "<field name=\"");
	put_mem(x, name, name_len);
	PUT_LIT(x, "\" value=\"");
	put_i64(x, v);
	PUT_LIT(x, "\" type=\"long\" />\n");
}

static void field_int(struct sink_tcxml *x, const char *name, size_t name_len, int64_t v)
{
	PUT_LIT(x, "<field name=\"");
	put_mem(x, name, name_len);
	PUT_LIT(x, "\" value=\"");
	put_i64(x, v);
	PUT_LIT(x, "\" type=\"int\" />\n");
}

static void field_str(struct sink_tcxml *x, const char *name, size_t name_len, const char *s,
		      size_t max)
{
	PUT_LIT(x, "<field name=\"");
	put_mem(x, name, name_len);
	PUT_LIT(x, "\" value=\"");
	put_text(x, s, strnlen(s, max), false);
	PUT_LIT(x, "\" type=\"string\" />\n");
}

/* Field names are literals: their length is known at compile time. */
#define LONG(x, lit, v) field_long((x), (lit), sizeof(lit) - 1, (int64_t)(v))
#define INT(x, lit, v) field_int((x), (lit), sizeof(lit) - 1, (int64_t)(v))
#define COMM(x, lit, s) field_str((x), (lit), sizeof(lit) - 1, (s), VF_COMM_LEN - 1)

static void write_header(struct sink_tcxml *x, const struct vf_trace_desc *d)
{
	PUT_LIT(x, "<!-- vmflow synth: Trace Compass XML stub trace of host ");
	put_text(x, d->hostname, strnlen(d->hostname, sizeof(d->hostname)), true);
	PUT_LIT(x, ", Linux ");
	put_text(x, d->kernel_release, strnlen(d->kernel_release, sizeof(d->kernel_release)),
		 true);
	PUT_LIT(x, ", ");
	put_u64(x, d->cpu_count);
	PUT_LIT(x, " CPUs. Timestamps: ns from the clock origin (offset ");
	put_i64(x, d->clock_offset_ns);
	PUT_LIT(x, " ns to the monotonic clock). -->\n"
		   "<trace>\n<set_aspects>\n<field name=\"cpu\" value=\"1\" type=\"int\" />\n"
		   "</set_aspects>\n");
}

static void write_payload(struct sink_tcxml *x, const struct vf_event *ev)
{
	switch (ev->kind) {
	case VF_EV_SCHED_SWITCH: {
		const struct vf_ev_sched_switch *p = &ev->u.sched_switch;

		COMM(x, "prev_comm", p->prev_comm);
		LONG(x, "prev_tid", p->prev_tid);
		LONG(x, "prev_prio", p->prev_prio);
		LONG(x, "prev_state", p->prev_state);
		COMM(x, "next_comm", p->next_comm);
		LONG(x, "next_tid", p->next_tid);
		LONG(x, "next_prio", p->next_prio);
		break;
	}
	case VF_EV_SCHED_WAKING:
	case VF_EV_SCHED_WAKEUP:
	case VF_EV_SCHED_WAKEUP_NEW: {
		const struct vf_ev_sched_wake *p = &ev->u.sched_wake;

		COMM(x, "comm", p->comm);
		LONG(x, "tid", p->tid);
		LONG(x, "prio", p->prio);
		LONG(x, "target_cpu", p->target_cpu);
		break;
	}
	case VF_EV_SCHED_TTWU:
		LONG(x, "tid", ev->u.sched_wake.tid);
		break;
	case VF_EV_SCHED_PROCESS_FORK: {
		const struct vf_ev_sched_process_fork *p = &ev->u.fork;

		COMM(x, "parent_comm", p->parent_comm);
		LONG(x, "parent_tid", p->parent_tid);
		LONG(x, "parent_pid", p->parent_pid);
		LONG(x, "parent_ns_inum", PROC_PID_INIT_INO);
		COMM(x, "child_comm", p->child_comm);
		LONG(x, "child_tid", p->child_tid);
		PUT_LIT(x, "<field name=\"vtids\" value=\"");
		put_i64(x, p->child_tid);
		PUT_LIT(x, "\" type=\"longArray\" />\n");
		LONG(x, "child_pid", p->child_pid);
		LONG(x, "child_ns_inum", PROC_PID_INIT_INO);
		break;
	}
	case VF_EV_SCHED_PROCESS_EXIT: {
		const struct vf_ev_sched_process_exit *p = &ev->u.process_exit;

		COMM(x, "comm", p->comm);
		LONG(x, "tid", p->tid);
		LONG(x, "prio", p->prio);
		break;
	}
	case VF_EV_STATEDUMP_PROCESS_STATE: {
		const struct vf_ev_statedump_process_state *p = &ev->u.statedump;

		/* The stubs' layout (QemuContainer/guest.xml) plus lttng's mode/submode. */
		LONG(x, "tid", p->tid);
		LONG(x, "vtid", p->tid);
		LONG(x, "pid", p->pid);
		LONG(x, "vpid", p->pid);
		LONG(x, "ppid", p->ppid);
		LONG(x, "vppid", p->ppid);
		COMM(x, "name", p->name);
		LONG(x, "type", p->type);
		LONG(x, "mode", p->mode);
		LONG(x, "submode", p->submode);
		LONG(x, "status", p->status);
		LONG(x, "ns_level", 0);
		LONG(x, "ns_inum", PROC_PID_INIT_INO);
		break;
	}
	case VF_EV_KVM_ENTRY:
		LONG(x, "vcpu_id", ev->u.kvm_entry.vcpu_id);
		break;
	case VF_EV_KVM_EXIT: {
		const struct vf_ev_kvm_exit *p = &ev->u.kvm_exit;

		LONG(x, "exit_reason", p->exit_reason);
		LONG(x, "guest_rip", p->guest_rip);
		INT(x, "isa", p->isa);
		LONG(x, "info1", p->info1);
		LONG(x, "info2", p->info2);
		if (x->exit_has_vcpu) {
			LONG(x, "intr_info", p->intr_info);
			LONG(x, "error_code", p->error_code);
			LONG(x, "vcpu_id", p->vcpu_id);
		}
		break;
	}
	case VF_EV_KVM_INJ_VIRQ:
		LONG(x, "irq", ev->u.inj_virq.irq);
		break;
	case VF_EV_KVM_APIC_ACCEPT_IRQ: {
		const struct vf_ev_kvm_apic_accept_irq *p = &ev->u.apic_accept_irq;

		LONG(x, "apicid", p->apicid);
		LONG(x, "dm", p->dm);
		LONG(x, "tm", p->tm);
		LONG(x, "vec", p->vec);
		LONG(x, "coalesced", p->coalesced ? 1 : 0);
		break;
	}
	case VF_EV_KVM_CR:
		LONG(x, "rw", ev->u.kvm_cr.rw);
		LONG(x, "cr", ev->u.kvm_cr.cr);
		LONG(x, "val", ev->u.kvm_cr.val);
		break;
	case VF_EV_KVM_NESTED_VMRUN: {
		const struct vf_ev_kvm_nested_vmrun *p = &ev->u.nested_vmrun;

		LONG(x, "rip", p->rip);
		LONG(x, "vmcb", p->vmcb);
		LONG(x, "nested_rip", p->nested_rip);
		LONG(x, "int_ctl", p->int_ctl);
		LONG(x, "event_inj", p->event_inj);
		LONG(x, "npt", p->npt ? 1 : 0);
		break;
	}
	case VF_EV_KVM_NESTED_VMEXIT:
	case VF_EV_KVM_NESTED_VMEXIT_INJECT: {
		const struct vf_ev_kvm_nested_vmexit *p = &ev->u.nested_vmexit;

		if (ev->kind == VF_EV_KVM_NESTED_VMEXIT) {
			LONG(x, "rip", p->rip);
		}
		LONG(x, "exit_code", p->exit_code);
		LONG(x, "exit_info1", p->exit_info1);
		LONG(x, "exit_info2", p->exit_info2);
		LONG(x, "exit_int_info", p->exit_int_info);
		LONG(x, "exit_int_info_err", p->exit_int_info_err);
		INT(x, "isa", p->isa);
		break;
	}
	case VF_EV_KVM_HYPERCALL: {
		const struct vf_ev_kvm_hypercall *p = &ev->u.hypercall;

		LONG(x, "nr", p->nr);
		LONG(x, "a0", p->a0);
		LONG(x, "a1", p->a1);
		LONG(x, "a2", p->a2);
		LONG(x, "a3", p->a3);
		break;
	}
	case VF_EV_ADDONS_VCPU_ENTER_GUEST: {
		const struct vf_ev_addons_vcpu_enter_guest *p = &ev->u.enter_guest;

		LONG(x, "vcpuID", p->vcpu_id);
		LONG(x, "cr3tmp", p->cr3);
		LONG(x, "sptmp", p->sp);
		LONG(x, "iptmp", p->ip);
		break;
	}
	case VF_EV_SYSCALL_ENTRY_PREADV:
	case VF_EV_SYSCALL_ENTRY_PWRITEV: {
		const struct vf_ev_syscall_rw *p = &ev->u.syscall_rw;

		LONG(x, "fd", p->fd);
		if (ev->kind == VF_EV_SYSCALL_ENTRY_PWRITEV) {
			LONG(x, "vec", p->vec);
		}
		LONG(x, "vlen", p->vlen);
		LONG(x, "pos_l", p->pos);
		LONG(x, "pos_h", (int64_t)((uint64_t)p->pos >> 32));
		break;
	}
	case VF_EV_SYSCALL_EXIT_PREADV:
		LONG(x, "ret", ev->u.syscall_rw.ret);
		LONG(x, "vec", ev->u.syscall_rw.vec);
		break;
	case VF_EV_SYSCALL_EXIT_PWRITEV:
		LONG(x, "ret", ev->u.syscall_rw.ret);
		break;
	case VF_EV_NET_IF_RX:
		LONG(x, "skbaddr", ev->u.net.skbaddr);
		LONG(x, "len", ev->u.net.len);
		COMM(x, "name", ev->u.net.name);
		break;
	case VF_EV_NET_DEV_XMIT:
		LONG(x, "skbaddr", ev->u.net.skbaddr);
		LONG(x, "rc", 0);
		LONG(x, "len", ev->u.net.len);
		COMM(x, "name", ev->u.net.name);
		break;
	case VF_EV_OTHER:
	case VF_EV_KIND_COUNT:
		break;
	}
}

static enum vf_status sink_emit(struct vf_sink *base, const struct vf_event *ev,
				struct vf_error *err)
{
	struct sink_tcxml *x = (struct sink_tcxml *)base;
	const char *name;

	if (x->failed || x->finished || ev->kind <= VF_EV_OTHER || ev->kind >= VF_EV_KIND_COUNT) {
		VF_ERROR_SET(err, x->failed ? VF_ERR_IO : VF_ERR_INTERNAL, x->path,
			     x->failed     ? "an earlier write failed"
			     : x->finished ? "event after the end of the trace"
					   : "cannot write event kind %d",
			     (int)ev->kind);
		return x->failed ? VF_ERR_IO : VF_ERR_INTERNAL;
	}
	if (x->has_event && ev->ts_ns < x->last_ns) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, x->path,
			     "event at %lld ns is before the previous one at %lld ns",
			     (long long)ev->ts_ns, (long long)x->last_ns);
		return VF_ERR_INTERNAL;
	}
	name = vf_event_kind_name(ev->kind, x->naming);
	PUT_LIT(x, "<event timestamp=\"");
	put_i64(x, ev->ts_ns);
	PUT_LIT(x, "\" name=\"");
	put_mem(x, name, strlen(name));
	PUT_LIT(x, "\">\n<field name=\"cpu\" value=\"");
	put_u64(x, ev->cpu);
	PUT_LIT(x, "\" type=\"int\" />\n");
	if (x->contexts) {
		LONG(x, "context._pid", ev->pid);
		LONG(x, "context._tid", ev->tid);
	}
	write_payload(x, ev);
	PUT_LIT(x, "</event>\n");
	x->last_ns = ev->ts_ns;
	x->has_event = true;
	if (x->len >= OUT_FLUSH_AT) {
		return flush_buf(x, err);
	}
	return VF_OK;
}

static enum vf_status sink_finish(struct vf_sink *base, int64_t end_ns, struct vf_error *err)
{
	struct sink_tcxml *x = (struct sink_tcxml *)base;

	if (x->failed || x->finished) {
		VF_ERROR_SET(err, x->failed ? VF_ERR_IO : VF_ERR_INTERNAL, x->path,
			     x->failed ? "an earlier write failed" : "the trace is already finished");
		return x->failed ? VF_ERR_IO : VF_ERR_INTERNAL;
	}
	if (x->has_event && end_ns < x->last_ns) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, x->path,
			     "trace end %lld ns is before the last event at %lld ns",
			     (long long)end_ns, (long long)x->last_ns);
		return VF_ERR_INTERNAL;
	}
	x->finished = true;
	PUT_LIT(x, "</trace>\n");
	if (flush_buf(x, err) != VF_OK) {
		return VF_ERR_IO;
	}
	if (fflush(x->out) != 0) {
		x->failed = true;
		VF_ERROR_SET(err, VF_ERR_IO, x->path, "cannot write the stub trace: %s",
			     strerror(errno));
		return VF_ERR_IO;
	}
	return VF_OK;
}

static void sink_free(struct vf_sink *base)
{
	free(base);
}

struct vf_sink *vf_sink_tcxml_new(FILE *out, const char *path, const struct vf_trace_desc *desc,
				  struct vf_error *err)
{
	struct sink_tcxml *x;
	int major = 0, minor = 0;

	if (!out || desc->cpu_count == 0) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, path, "bad stub trace writer arguments");
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, path, "out of memory creating the XML writer");
		return NULL;
	}
	x->base.emit = sink_emit;
	x->base.finish = sink_finish;
	x->base.free = sink_free;
	x->out = out;
	snprintf(x->path, sizeof(x->path), "%s", path ? path : "");
	x->naming = desc->naming;
	x->contexts = desc->pid_tid_context;
	x->exit_has_vcpu = true;
	if (sscanf(desc->kernel_release, "%d.%d", &major, &minor) == 2 &&
	    (major < 5 || (major == 5 && minor < 10))) {
		x->exit_has_vcpu = false; /* as sink_ctf.c: the 3 fields came with Linux 5.10 */
	}
	write_header(x, desc);
	return &x->base;
}
