/* SPDX-License-Identifier: MIT */
/*
 * sink_ctf.c - synth's CTF back end: an lttng-modules 2.13.9 kernel trace, as
 * that tracer writes it on x86-64 (metadata text and data streams alike).
 *
 * trace_dir/metadata: the "CTF 1.8" signature comment, then lttng's TSDL, verbatim
 * (src/lttng-events.c): typealiases, trace block, env, clock "monotonic",
 * clock typealiases, packet_context, event headers, stream 0 (compact
 * header, optional { _pid; _tid; } event context as `lttng add-context -k -t
 * pid -t tid` makes), then one event block per vf_event_kind (id = kind - 1,
 * enum order), fields printed by the same rules as lttng's
 * _lttng_field_statedump(), from tables transcribed from the probes in
 * include/instrumentation/events/ (sched.h, arch/x86/kvm/trace.h,
 * lttng-statedump.h, net.h, syscalls/headers/x86-64-syscalls_pointers.h).
 *
 * trace_dir/channel0_<cpu>: packets of desc->packet_size bytes (ctfser.h has
 * the 84-byte packet header + context), padded to 4096, then events:
 *
 *   event header   compact: u32 = id | ts[26:0] << 5                      4 B
 *                  extended: u8 31, u32 id, u64 ts                       13 B
 *                  (extended when (ts - previous ts of the stream) >> 27 != 0,
 *                  lttng's last_tsc_overflow(); the first packet's begin counts
 *                  as the previous ts of a stream's first event)
 *   event context  s32 pid, s32 tid                  (desc->pid_tid_context)
 *   payload        the class' fields, byte-aligned, little-endian
 *
 * Every stream's first packet begins at the first event of the trace (the
 * session start), a full packet closes at the time of the event that does
 * not fit and the next one begins there (lttng's sub-buffer switch), and
 * finish() closes every stream's last packet at the trace end, so quiet CPUs
 * still show one empty packet spanning the trace.
 *
 * Deliberate choices where lttng depends on the running kernel (taken from
 * desc->kernel_release): `char` arrays are signed before Linux 6.2 (x86 char
 * is signed; 6.2 builds with -funsigned-char), and kvm_x86_exit has its last
 * three fields from Linux 5.10 on. sched_switch.prev_state is an integer: the
 * `task_state` enum exists only with CONFIG_LTTNG_EXPERIMENTAL_BITWISE_ENUM
 * (default n). Values lttng would carry but vf_event lacks are written as
 * constants: pid namespace inodes 4026531836 (init ns), vtids = { child_tid },
 * file_table_address 0, net_dev_xmit rc 0, net_if_rx network header "_unknown".
 *
 * Owns its ctfser streams (memory: cpu_count x packet_size). Hot path: emit().
 */
#include "synth/sink.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/atomic_out.h"
#include "common/ctfser.h"

#define PAGE_SIZE_BYTES 4096u
#define PROC_PID_INIT_INO 4026531836u
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- TSDL field descriptions, printed as lttng prints them ---- */

enum ftype { T_INT, T_ENUM, T_STRING, T_STRUCT, T_VARIANT, T_ARRAY, T_SEQ };

#define SIGNED_CHAR 2 /* is_signed placeholder: resolved from the kernel release */

struct enum_entry {
	const char *label;
	long long start;
	long long end;
};

struct field {
	const char *name;
	enum ftype type;
	/* integer; also the container of an enum and the element of an array/sequence */
	uint8_t size;
	uint8_t align;
	uint8_t is_signed;
	uint8_t base;
	bool be;              /* not the native order: " byte_order = be;" */
	bool utf8;            /* array/sequence of text */
	uint32_t length;      /* array */
	uint32_t elem_align;  /* array: lttng's alignment before the elements, bytes (0: none) */
	const struct field *children; /* struct members, variant choices */
	uint32_t child_count;
	const struct enum_entry *entries;
	uint32_t entry_count;
};

#define F_INT(n, sz, sg, b) {.name = n, .type = T_INT, .size = sz, .align = 8, .is_signed = sg, .base = b}
#define F_S32(n) F_INT(n, 32, 1, 10)
#define F_U32(n) F_INT(n, 32, 0, 10)
#define F_S64(n) F_INT(n, 64, 1, 10)
#define F_U64(n) F_INT(n, 64, 0, 10)
#define F_U8(n) F_INT(n, 8, 0, 10)
#define F_X64(n) F_INT(n, 64, 0, 16)
#define F_BE(n, sz, al, b) {.name = n, .type = T_INT, .size = sz, .align = al, .base = b, .be = true}
#define F_COMM(n)                                                                                  \
	{.name = n, .type = T_ARRAY, .size = 8, .align = 8, .is_signed = SIGNED_CHAR, .base = 10,  \
	 .utf8 = true, .length = 16}
#define F_STRING(n) {.name = n, .type = T_STRING}
#define F_STRUCT(n, arr) {.name = n, .type = T_STRUCT, .children = arr, .child_count = ARRAY_LEN(arr)}
#define F_EMPTY_STRUCT(n) {.name = n, .type = T_STRUCT}
#define F_VARIANT(n, arr) {.name = n, .type = T_VARIANT, .children = arr, .child_count = ARRAY_LEN(arr)}
#define F_ENUM(n, sz, be_, ents)                                                                   \
	{.name = n, .type = T_ENUM, .size = sz, .align = 8, .base = 10, .be = be_,                 \
	 .entries = ents, .entry_count = ARRAY_LEN(ents)}
#define F_BE_ARRAY(n, len, sz, b)                                                                  \
	{.name = n, .type = T_ARRAY, .size = sz, .align = 8, .base = b, .be = true, .length = len, \
	 .elem_align = 1}

/* net.h */
static const struct field tcp_fields[] = {
	F_BE("source_port", 16, 8, 10), F_BE("dest_port", 16, 8, 10), F_BE("seq", 32, 8, 10),
	F_BE("ack_seq", 32, 8, 10),     F_BE("data_offset", 4, 4, 10), F_BE("reserved", 3, 1, 10),
	F_BE("flags", 9, 1, 16),        F_BE("window_size", 16, 8, 10), F_BE("checksum", 16, 8, 16),
	F_BE("urg_ptr", 16, 8, 10),
};
static const struct field udp_fields[] = {
	F_BE("source_port", 16, 8, 10), F_BE("dest_port", 16, 8, 10),
	F_BE("len", 16, 8, 10),         F_BE("check", 16, 8, 10),
};
static const struct field icmp_fields[] = {
	F_BE("type", 8, 8, 10),      F_BE("code", 8, 8, 10),
	F_BE("checksum", 16, 8, 10), F_BE("gateway", 32, 8, 10),
};
static const struct field transport_choices[] = {
	F_EMPTY_STRUCT("unknown"),
	F_STRUCT("tcp", tcp_fields),
	F_STRUCT("udp", udp_fields),
	F_STRUCT("icmp", icmp_fields),
};
static const struct enum_entry proto_transport_header_type[] = {
	{"_unknown", 0, 0},  {"_icmp", 1, 1}, {"_unknown", 2, 5},    {"_tcp", 6, 6},
	{"_unknown", 7, 16}, {"_udp", 17, 17}, {"_unknown", 18, 255},
};
static const struct enum_entry transport_header_type[] = {
	{"_unknown", 0, 0}, {"_tcp", 1, 1}, {"_udp", 2, 2}, {"_icmp", 3, 3},
};
static const struct field ipv4_fields[] = {
	F_BE("version", 4, 4, 10),
	F_BE("ihl", 4, 4, 10),
	F_BE("tos", 8, 8, 10),
	F_BE("tot_len", 16, 8, 10),
	F_BE("id", 16, 8, 16),
	F_BE("frag_off", 16, 8, 10),
	F_BE("ttl", 8, 8, 10),
	F_ENUM("protocol", 8, true, proto_transport_header_type),
	F_BE("checksum", 16, 8, 16),
	F_BE_ARRAY("saddr", 4, 8, 10),
	F_BE_ARRAY("daddr", 4, 8, 10),
	F_ENUM("transport_header_type", 8, false, transport_header_type),
	F_VARIANT("transport_header", transport_choices),
};
static const struct field ipv6_fields[] = {
	F_BE("version", 4, 4, 10),
	F_BE("prio", 4, 4, 10),
	F_BE_ARRAY("flow_lbl", 3, 8, 16),
	F_BE("payload_len", 16, 8, 10),
	F_ENUM("nexthdr", 8, true, proto_transport_header_type),
	F_BE("hop_limit", 8, 8, 10),
	F_BE_ARRAY("saddr", 8, 16, 16),
	F_BE_ARRAY("daddr", 8, 16, 16),
	F_ENUM("transport_header_type", 8, false, transport_header_type),
	F_VARIANT("transport_header", transport_choices),
};
static const struct field network_choices[] = {
	F_EMPTY_STRUCT("unknown"),
	F_STRUCT("ipv4", ipv4_fields),
	F_STRUCT("ipv6", ipv6_fields),
};
static const struct enum_entry net_network_header[] = {
	{"_unknown", 0, 0}, {"_ipv4", 1, 1}, {"_ipv6", 2, 2},
};

/* Event payloads, in vf_event_kind order. */
static const struct field f_sched_switch[] = {
	F_COMM("prev_comm"), F_S32("prev_tid"),  F_S32("prev_prio"), F_S64("prev_state"),
	F_COMM("next_comm"), F_S32("next_tid"),  F_S32("next_prio"),
};
static const struct field f_sched_wakeup[] = {
	F_COMM("comm"), F_S32("tid"), F_S32("prio"), F_S32("target_cpu"),
};
static const struct field f_sched_ttwu[] = { /* the thesis' probe: ctf_integer(int, tid, tid) */
	F_S32("tid"),
};
static const struct field f_sched_process_fork[] = {
	F_COMM("parent_comm"),
	F_S32("parent_tid"),
	F_S32("parent_pid"),
	F_U32("parent_ns_inum"),
	F_COMM("child_comm"),
	F_S32("child_tid"),
	F_U8("_vtids_length"),
	{.name = "vtids", .type = T_SEQ, .size = 32, .align = 8, .is_signed = 1, .base = 10},
	F_S32("child_pid"),
	F_U32("child_ns_inum"),
};
static const struct field f_sched_process_exit[] = {
	F_COMM("comm"), F_S32("tid"), F_S32("prio"),
};
static const struct field f_statedump_process_state[] = {
	F_S32("tid"),  F_S32("pid"),     F_S32("ppid"),   F_COMM("name"), F_S32("type"),
	F_S32("mode"), F_S32("submode"), F_S32("status"), F_U32("cpu"),   F_X64("file_table_address"),
};
static const struct field f_kvm_entry[] = {
	F_U32("vcpu_id"),
};
static const struct field f_kvm_exit[] = { /* the first 5 only before Linux 5.10 */
	F_U32("exit_reason"), F_U64("guest_rip"), F_U32("isa"),        F_U64("info1"),
	F_U64("info2"),       F_U32("intr_info"), F_U32("error_code"), F_U32("vcpu_id"),
};
static const struct field f_kvm_inj_virq[] = {
	F_U32("irq"),
};
static const struct field f_kvm_apic_accept_irq[] = {
	F_U32("apicid"), F_INT("dm", 16, 0, 10), F_U8("tm"), F_U8("vec"), F_U8("coalesced"),
};
static const struct field f_kvm_cr[] = {
	F_U32("rw"), F_U32("cr"), F_U64("val"),
};
static const struct field f_kvm_nested_vmrun[] = {
	F_U64("rip"), F_U64("vmcb"), F_U64("nested_rip"), F_U32("int_ctl"), F_U32("event_inj"),
	F_U8("npt"),
};
static const struct field f_kvm_nested_vmexit[] = {
	F_U64("rip"),           F_U32("exit_code"),         F_U64("exit_info1"), F_U64("exit_info2"),
	F_U32("exit_int_info"), F_U32("exit_int_info_err"), F_U32("isa"),
};
static const struct field f_kvm_nested_vmexit_inject[] = {
	F_U32("exit_code"),     F_U64("exit_info1"),        F_U64("exit_info2"),
	F_U32("exit_int_info"), F_U32("exit_int_info_err"), F_U32("isa"),
};
static const struct field f_kvm_hypercall[] = {
	F_U64("nr"), F_U64("a0"), F_U64("a1"), F_U64("a2"), F_U64("a3"),
};
static const struct field f_addons_vcpu_enter_guest[] = {
	F_U32("vcpuID"), F_U64("cr3tmp"), F_U64("sptmp"), F_U64("iptmp"),
};
static const struct field f_syscall_entry_preadv[] = {
	F_U64("fd"), F_U64("vlen"), F_U64("pos_l"), F_U64("pos_h"),
};
static const struct field f_syscall_exit_preadv[] = {
	F_S64("ret"), F_U64("vec"),
};
static const struct field f_syscall_entry_pwritev[] = {
	F_U64("fd"), F_U64("vec"), F_U64("vlen"), F_U64("pos_l"), F_U64("pos_h"),
};
static const struct field f_syscall_exit_pwritev[] = {
	F_S64("ret"),
};
static const struct field f_net_if_rx[] = {
	F_X64("skbaddr"),
	F_U32("len"),
	F_STRING("name"),
	F_ENUM("network_header_type", 8, false, net_network_header),
	F_VARIANT("network_header", network_choices),
};
static const struct field f_net_dev_xmit[] = {
	F_X64("skbaddr"), F_S32("rc"), F_U32("len"), F_STRING("name"),
};

struct event_class {
	const struct field *fields;
	uint32_t field_count;
};

#define CLASS(arr) {arr, ARRAY_LEN(arr)}
static const struct event_class classes[VF_EV_KIND_COUNT] = {
	[VF_EV_SCHED_SWITCH] = CLASS(f_sched_switch),
	[VF_EV_SCHED_WAKING] = CLASS(f_sched_wakeup),
	[VF_EV_SCHED_WAKEUP] = CLASS(f_sched_wakeup),
	[VF_EV_SCHED_WAKEUP_NEW] = CLASS(f_sched_wakeup),
	[VF_EV_SCHED_TTWU] = CLASS(f_sched_ttwu),
	[VF_EV_SCHED_PROCESS_FORK] = CLASS(f_sched_process_fork),
	[VF_EV_SCHED_PROCESS_EXIT] = CLASS(f_sched_process_exit),
	[VF_EV_STATEDUMP_PROCESS_STATE] = CLASS(f_statedump_process_state),
	[VF_EV_KVM_ENTRY] = CLASS(f_kvm_entry),
	[VF_EV_KVM_EXIT] = CLASS(f_kvm_exit),
	[VF_EV_KVM_INJ_VIRQ] = CLASS(f_kvm_inj_virq),
	[VF_EV_KVM_APIC_ACCEPT_IRQ] = CLASS(f_kvm_apic_accept_irq),
	[VF_EV_KVM_CR] = CLASS(f_kvm_cr),
	[VF_EV_KVM_NESTED_VMRUN] = CLASS(f_kvm_nested_vmrun),
	[VF_EV_KVM_NESTED_VMEXIT] = CLASS(f_kvm_nested_vmexit),
	[VF_EV_KVM_NESTED_VMEXIT_INJECT] = CLASS(f_kvm_nested_vmexit_inject),
	[VF_EV_KVM_HYPERCALL] = CLASS(f_kvm_hypercall),
	[VF_EV_ADDONS_VCPU_ENTER_GUEST] = CLASS(f_addons_vcpu_enter_guest),
	[VF_EV_SYSCALL_ENTRY_PREADV] = CLASS(f_syscall_entry_preadv),
	[VF_EV_SYSCALL_EXIT_PREADV] = CLASS(f_syscall_exit_preadv),
	[VF_EV_SYSCALL_ENTRY_PWRITEV] = CLASS(f_syscall_entry_pwritev),
	[VF_EV_SYSCALL_EXIT_PWRITEV] = CLASS(f_syscall_exit_pwritev),
	[VF_EV_NET_IF_RX] = CLASS(f_net_if_rx),
	[VF_EV_NET_DEV_XMIT] = CLASS(f_net_dev_xmit),
};

/* Bytes of a class' payload without its strings (their bytes are added per event). */
static uint32_t fixed_size(const struct field *f, uint32_t count)
{
	uint32_t size = 0;

	for (uint32_t i = 0; i < count; i++) {
		switch (f[i].type) {
		case T_INT:
		case T_ENUM:
			size += f[i].size / 8;
			break;
		case T_ARRAY:
			size += f[i].length * f[i].size / 8;
			break;
		case T_SEQ:
			size += f[i].size / 8; /* vmflow writes one element (vtids) */
			break;
		case T_STRING:
		case T_STRUCT:
		case T_VARIANT:
			break; /* strings: per event; variants: the empty "unknown" choice */
		}
	}
	return size;
}

struct tsdl_printer {
	struct vf_ctfser_text *t;
	int char_signed;
};

static void print_tabs(struct tsdl_printer *p, unsigned nesting)
{
	for (unsigned i = 0; i < nesting; i++) {
		vf_ctfser_text_printf(p->t, "\t");
	}
}

/* _lttng_integer_type_statedump() */
static void print_integer(struct tsdl_printer *p, const struct field *f, bool utf8,
			  unsigned nesting)
{
	print_tabs(p, nesting);
	vf_ctfser_text_printf(p->t,
			      "integer { size = %u; align = %u; signed = %u; encoding = %s; base = %u;%s }",
			      f->size, f->align,
			      f->is_signed == SIGNED_CHAR ? (unsigned)p->char_signed : f->is_signed,
			      utf8 ? "UTF8" : "none", f->base, f->be ? " byte_order = be;" : "");
}

static void print_fields(struct tsdl_printer *p, const struct field *f, uint32_t count,
			 unsigned nesting);

/* _lttng_field_statedump() */
static void print_field(struct tsdl_printer *p, const struct field *f, unsigned nesting,
			const char *prev_name)
{
	switch (f->type) {
	case T_INT:
		print_integer(p, f, false, nesting);
		break;
	case T_ENUM:
		print_tabs(p, nesting);
		vf_ctfser_text_printf(p->t, "enum : ");
		print_integer(p, f, false, 0);
		vf_ctfser_text_printf(p->t, " {\n");
		for (uint32_t i = 0; i < f->entry_count; i++) {
			const struct enum_entry *e = &f->entries[i];

			print_tabs(p, nesting + 1);
			vf_ctfser_text_printf(p->t, "\"");
			vf_ctfser_text_escaped(p->t, e->label);
			if (e->start == e->end) {
				vf_ctfser_text_printf(p->t, "\" = %lld,\n", e->start);
			} else {
				vf_ctfser_text_printf(p->t, "\" = %lld ... %lld,\n", e->start, e->end);
			}
		}
		print_tabs(p, nesting);
		vf_ctfser_text_printf(p->t, "}");
		break;
	case T_STRING:
		print_tabs(p, nesting);
		vf_ctfser_text_printf(p->t, "string");
		break;
	case T_STRUCT:
		print_tabs(p, nesting);
		vf_ctfser_text_printf(p->t, "struct {\n");
		print_fields(p, f->children, f->child_count, nesting + 1);
		print_tabs(p, nesting);
		vf_ctfser_text_printf(p->t, "}");
		break;
	case T_VARIANT:
		print_tabs(p, nesting);
		vf_ctfser_text_printf(p->t, "variant <_%s> {\n", prev_name ? prev_name : "");
		for (uint32_t i = 0; i < f->child_count; i++) {
			print_field(p, &f->children[i], nesting + 1, NULL);
		}
		print_tabs(p, nesting);
		vf_ctfser_text_printf(p->t, "}");
		break;
	case T_ARRAY:
		if (f->elem_align) {
			print_tabs(p, nesting);
			vf_ctfser_text_printf(p->t, "struct { } align(%u) _%s_padding;\n",
					      f->elem_align * 8, f->name);
		}
		print_integer(p, f, f->utf8, nesting);
		vf_ctfser_text_printf(p->t, " _%s[%u];\n", f->name, f->length);
		return;
	case T_SEQ:
		print_integer(p, f, f->utf8, nesting);
		vf_ctfser_text_printf(p->t, " _%s[ _%s ];\n", f->name, prev_name ? prev_name : "");
		return;
	}
	vf_ctfser_text_printf(p->t, " _%s;\n", f->name);
}

static void print_fields(struct tsdl_printer *p, const struct field *f, uint32_t count,
			 unsigned nesting)
{
	const char *prev = NULL;

	for (uint32_t i = 0; i < count; i++) {
		print_field(p, &f[i], nesting, prev);
		prev = f[i].name;
	}
}

/* ---- the sink ---- */

struct stream {
	struct vf_ctfser *ser; /* owned */
	int64_t last_ns;       /* time of the previous event (or of the first packet's begin) */
	uint64_t last_ts;      /* the same in clock cycles */
};

struct sink_ctf {
	struct vf_sink base;
	struct stream *streams; /* owned, cpu_count */
	uint32_t cpu_count;
	int64_t offset_ns;      /* clock offset: ts_ns = offset_ns + cycles */
	bool started;           /* first packets opened */
	bool finished;
	uint32_t ctx_size;      /* event context bytes */
	uint32_t kvm_exit_fields;
	uint32_t payload_size[VF_EV_KIND_COUNT]; /* fixed part */
	char trace_dir[4096];
};

static enum vf_status start_streams(struct sink_ctf *k, int64_t begin_ns, struct vf_error *err)
{
	if (begin_ns < k->offset_ns) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, k->trace_dir,
			     "time %lld ns is before the clock offset %lld ns", (long long)begin_ns,
			     (long long)k->offset_ns);
		return VF_ERR_INTERNAL;
	}
	for (uint32_t c = 0; c < k->cpu_count; c++) {
		struct stream *st = &k->streams[c];

		st->last_ns = begin_ns;
		st->last_ts = (uint64_t)(begin_ns - k->offset_ns);
		vf_ctfser_open_packet(st->ser, st->last_ts);
	}
	k->started = true;
	return VF_OK;
}

static enum vf_status sink_emit(struct vf_sink *base, const struct vf_event *ev,
				struct vf_error *err)
{
	struct sink_ctf *k = (struct sink_ctf *)base;
	struct vf_ctfser *s;
	struct stream *st;
	uint32_t id, size, name_len = 0;
	uint64_t ts;
	bool ext;

	if (ev->cpu >= k->cpu_count || ev->kind <= VF_EV_OTHER || ev->kind >= VF_EV_KIND_COUNT ||
	    k->finished) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, k->trace_dir,
			     k->finished ? "event after the end of the trace"
					 : "cannot write event kind %d on cpu %u (%u cpus)",
			     (int)ev->kind, ev->cpu, k->cpu_count);
		return VF_ERR_INTERNAL;
	}
	if (!k->started && start_streams(k, ev->ts_ns, err) != VF_OK) {
		return VF_ERR_INTERNAL;
	}
	st = &k->streams[ev->cpu];
	if (ev->ts_ns < st->last_ns) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, st->ser->path,
			     "event at %lld ns is before the previous one at %lld ns on cpu %u",
			     (long long)ev->ts_ns, (long long)st->last_ns, ev->cpu);
		return VF_ERR_INTERNAL;
	}
	s = st->ser;
	ts = (uint64_t)(ev->ts_ns - k->offset_ns);
	id = (uint32_t)ev->kind - 1;
	size = k->ctx_size + k->payload_size[ev->kind];
	if (ev->kind == VF_EV_NET_IF_RX || ev->kind == VF_EV_NET_DEV_XMIT) {
		name_len = (uint32_t)strnlen(ev->u.net.name, VF_COMM_LEN - 1);
		size += name_len + 1;
	}
	ext = vf_ctfser_needs_extended_header(id, ts, st->last_ts);
	size += ext ? VF_CTFSER_EXTENDED_HEADER_SIZE : VF_CTFSER_COMPACT_HEADER_SIZE;
	if (!vf_ctfser_has_room(s, size)) {
		enum vf_status rc = vf_ctfser_switch_packet(s, ts, err);

		if (rc != VF_OK) {
			return rc;
		}
	}
	vf_ctfser_write_compact_header(s, id, ts, ext);
	if (k->ctx_size) {
		vf_ctfser_write_s32(s, ev->pid);
		vf_ctfser_write_s32(s, ev->tid);
	}
	switch (ev->kind) {
	case VF_EV_SCHED_SWITCH: {
		const struct vf_ev_sched_switch *p = &ev->u.sched_switch;

		vf_ctfser_write_char_array(s, p->prev_comm, VF_COMM_LEN);
		vf_ctfser_write_s32(s, p->prev_tid);
		vf_ctfser_write_s32(s, p->prev_prio);
		vf_ctfser_write_s64(s, p->prev_state);
		vf_ctfser_write_char_array(s, p->next_comm, VF_COMM_LEN);
		vf_ctfser_write_s32(s, p->next_tid);
		vf_ctfser_write_s32(s, p->next_prio);
		break;
	}
	case VF_EV_SCHED_WAKING:
	case VF_EV_SCHED_WAKEUP:
	case VF_EV_SCHED_WAKEUP_NEW: {
		const struct vf_ev_sched_wake *p = &ev->u.sched_wake;

		vf_ctfser_write_char_array(s, p->comm, VF_COMM_LEN);
		vf_ctfser_write_s32(s, p->tid);
		vf_ctfser_write_s32(s, p->prio);
		vf_ctfser_write_s32(s, p->target_cpu);
		break;
	}
	case VF_EV_SCHED_TTWU:
		vf_ctfser_write_s32(s, ev->u.sched_wake.tid);
		break;
	case VF_EV_SCHED_PROCESS_FORK: {
		const struct vf_ev_sched_process_fork *p = &ev->u.fork;

		vf_ctfser_write_char_array(s, p->parent_comm, VF_COMM_LEN);
		vf_ctfser_write_s32(s, p->parent_tid);
		vf_ctfser_write_s32(s, p->parent_pid);
		vf_ctfser_write_u32(s, PROC_PID_INIT_INO);
		vf_ctfser_write_char_array(s, p->child_comm, VF_COMM_LEN);
		vf_ctfser_write_s32(s, p->child_tid);
		vf_ctfser_write_u8(s, 1); /* _vtids_length */
		vf_ctfser_write_s32(s, p->child_tid);
		vf_ctfser_write_s32(s, p->child_pid);
		vf_ctfser_write_u32(s, PROC_PID_INIT_INO);
		break;
	}
	case VF_EV_SCHED_PROCESS_EXIT: {
		const struct vf_ev_sched_process_exit *p = &ev->u.process_exit;

		vf_ctfser_write_char_array(s, p->comm, VF_COMM_LEN);
		vf_ctfser_write_s32(s, p->tid);
		vf_ctfser_write_s32(s, p->prio);
		break;
	}
	case VF_EV_STATEDUMP_PROCESS_STATE: {
		const struct vf_ev_statedump_process_state *p = &ev->u.statedump;

		vf_ctfser_write_s32(s, p->tid);
		vf_ctfser_write_s32(s, p->pid);
		vf_ctfser_write_s32(s, p->ppid);
		vf_ctfser_write_char_array(s, p->name, VF_COMM_LEN);
		vf_ctfser_write_s32(s, p->type);
		vf_ctfser_write_s32(s, p->mode);
		vf_ctfser_write_s32(s, p->submode);
		vf_ctfser_write_s32(s, p->status);
		vf_ctfser_write_u32(s, p->cpu);
		vf_ctfser_write_u64(s, 0); /* file_table_address */
		break;
	}
	case VF_EV_KVM_ENTRY:
		vf_ctfser_write_u32(s, ev->u.kvm_entry.vcpu_id);
		break;
	case VF_EV_KVM_EXIT: {
		const struct vf_ev_kvm_exit *p = &ev->u.kvm_exit;

		vf_ctfser_write_u32(s, p->exit_reason);
		vf_ctfser_write_u64(s, p->guest_rip);
		vf_ctfser_write_u32(s, p->isa);
		vf_ctfser_write_u64(s, p->info1);
		vf_ctfser_write_u64(s, p->info2);
		if (k->kvm_exit_fields == 8) {
			vf_ctfser_write_u32(s, p->intr_info);
			vf_ctfser_write_u32(s, p->error_code);
			vf_ctfser_write_u32(s, p->vcpu_id);
		}
		break;
	}
	case VF_EV_KVM_INJ_VIRQ:
		vf_ctfser_write_u32(s, ev->u.inj_virq.irq);
		break;
	case VF_EV_KVM_APIC_ACCEPT_IRQ: {
		const struct vf_ev_kvm_apic_accept_irq *p = &ev->u.apic_accept_irq;

		vf_ctfser_write_u32(s, p->apicid);
		vf_ctfser_write_u16(s, p->dm);
		vf_ctfser_write_u8(s, p->tm);
		vf_ctfser_write_u8(s, p->vec);
		vf_ctfser_write_u8(s, p->coalesced ? 1 : 0);
		break;
	}
	case VF_EV_KVM_CR:
		vf_ctfser_write_u32(s, ev->u.kvm_cr.rw);
		vf_ctfser_write_u32(s, ev->u.kvm_cr.cr);
		vf_ctfser_write_u64(s, ev->u.kvm_cr.val);
		break;
	case VF_EV_KVM_NESTED_VMRUN: {
		const struct vf_ev_kvm_nested_vmrun *p = &ev->u.nested_vmrun;

		vf_ctfser_write_u64(s, p->rip);
		vf_ctfser_write_u64(s, p->vmcb);
		vf_ctfser_write_u64(s, p->nested_rip);
		vf_ctfser_write_u32(s, p->int_ctl);
		vf_ctfser_write_u32(s, p->event_inj);
		vf_ctfser_write_u8(s, p->npt ? 1 : 0);
		break;
	}
	case VF_EV_KVM_NESTED_VMEXIT:
	case VF_EV_KVM_NESTED_VMEXIT_INJECT: {
		const struct vf_ev_kvm_nested_vmexit *p = &ev->u.nested_vmexit;

		if (ev->kind == VF_EV_KVM_NESTED_VMEXIT) {
			vf_ctfser_write_u64(s, p->rip);
		}
		vf_ctfser_write_u32(s, p->exit_code);
		vf_ctfser_write_u64(s, p->exit_info1);
		vf_ctfser_write_u64(s, p->exit_info2);
		vf_ctfser_write_u32(s, p->exit_int_info);
		vf_ctfser_write_u32(s, p->exit_int_info_err);
		vf_ctfser_write_u32(s, p->isa);
		break;
	}
	case VF_EV_KVM_HYPERCALL: {
		const struct vf_ev_kvm_hypercall *p = &ev->u.hypercall;

		vf_ctfser_write_u64(s, p->nr);
		vf_ctfser_write_u64(s, p->a0);
		vf_ctfser_write_u64(s, p->a1);
		vf_ctfser_write_u64(s, p->a2);
		vf_ctfser_write_u64(s, p->a3);
		break;
	}
	case VF_EV_ADDONS_VCPU_ENTER_GUEST: {
		const struct vf_ev_addons_vcpu_enter_guest *p = &ev->u.enter_guest;

		vf_ctfser_write_u32(s, p->vcpu_id);
		vf_ctfser_write_u64(s, p->cr3);
		vf_ctfser_write_u64(s, p->sp);
		vf_ctfser_write_u64(s, p->ip);
		break;
	}
	case VF_EV_SYSCALL_ENTRY_PREADV:
	case VF_EV_SYSCALL_ENTRY_PWRITEV: {
		const struct vf_ev_syscall_rw *p = &ev->u.syscall_rw;

		vf_ctfser_write_u64(s, (uint64_t)(int64_t)p->fd);
		if (ev->kind == VF_EV_SYSCALL_ENTRY_PWRITEV) {
			vf_ctfser_write_u64(s, p->vec);
		}
		vf_ctfser_write_u64(s, (uint64_t)(int64_t)p->vlen);
		vf_ctfser_write_u64(s, (uint64_t)p->pos);        /* pos_l */
		vf_ctfser_write_u64(s, (uint64_t)p->pos >> 32);  /* pos_h */
		break;
	}
	case VF_EV_SYSCALL_EXIT_PREADV:
		vf_ctfser_write_s64(s, ev->u.syscall_rw.ret);
		vf_ctfser_write_u64(s, ev->u.syscall_rw.vec);
		break;
	case VF_EV_SYSCALL_EXIT_PWRITEV:
		vf_ctfser_write_s64(s, ev->u.syscall_rw.ret);
		break;
	case VF_EV_NET_IF_RX:
		vf_ctfser_write_u64(s, ev->u.net.skbaddr);
		vf_ctfser_write_u32(s, ev->u.net.len);
		vf_ctfser_write_string(s, ev->u.net.name, name_len);
		vf_ctfser_write_u8(s, 0); /* network_header_type _unknown: empty variant */
		break;
	case VF_EV_NET_DEV_XMIT:
		vf_ctfser_write_u64(s, ev->u.net.skbaddr);
		vf_ctfser_write_s32(s, 0); /* rc */
		vf_ctfser_write_u32(s, ev->u.net.len);
		vf_ctfser_write_string(s, ev->u.net.name, name_len);
		break;
	case VF_EV_OTHER:
	case VF_EV_KIND_COUNT:
		break;
	}
	st->last_ns = ev->ts_ns;
	st->last_ts = ts;
	return VF_OK;
}

static enum vf_status sink_finish(struct vf_sink *base, int64_t end_ns, struct vf_error *err)
{
	struct sink_ctf *k = (struct sink_ctf *)base;
	enum vf_status st = VF_OK;

	if (k->finished) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, k->trace_dir, "the trace is already finished");
		return VF_ERR_INTERNAL;
	}
	if (!k->started && start_streams(k, end_ns, err) != VF_OK) {
		return VF_ERR_INTERNAL;
	}
	for (uint32_t c = 0; c < k->cpu_count; c++) {
		if (end_ns < k->streams[c].last_ns) {
			VF_ERROR_SET(err, VF_ERR_INTERNAL, k->streams[c].ser->path,
				     "trace end %lld ns is before the last event at %lld ns",
				     (long long)end_ns, (long long)k->streams[c].last_ns);
			return VF_ERR_INTERNAL;
		}
	}
	k->finished = true;
	for (uint32_t c = 0; c < k->cpu_count; c++) {
		enum vf_status rc = vf_ctfser_finish(k->streams[c].ser,
						     (uint64_t)(end_ns - k->offset_ns), err);

		if (rc != VF_OK && st == VF_OK) {
			st = rc;
		}
	}
	return st;
}

static enum vf_status sink_discard(struct vf_sink *base, uint32_t cpu, int64_t ts_ns,
				   uint64_t count, struct vf_error *err)
{
	struct sink_ctf *k = (struct sink_ctf *)base;
	struct stream *st;
	enum vf_status rc;

	if (cpu >= k->cpu_count || k->finished) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, k->trace_dir, "cannot record a loss on cpu %u",
			     cpu);
		return VF_ERR_INTERNAL;
	}
	if (!k->started && start_streams(k, ts_ns, err) != VF_OK) {
		return VF_ERR_INTERNAL;
	}
	st = &k->streams[cpu];
	if (ts_ns < st->last_ns) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, st->ser->path,
			     "loss at %lld ns is before the previous event at %lld ns on cpu %u",
			     (long long)ts_ns, (long long)st->last_ns, cpu);
		return VF_ERR_INTERNAL;
	}
	/* the sub-buffer switch that lost events force; the new packet carries the count */
	rc = vf_ctfser_switch_packet(st->ser, (uint64_t)(ts_ns - k->offset_ns), err);
	if (rc != VF_OK) {
		return rc;
	}
	st->ser->events_discarded += count;
	return VF_OK;
}

static void sink_free(struct vf_sink *base)
{
	struct sink_ctf *k = (struct sink_ctf *)base;

	if (!k) {
		return;
	}
	if (k->streams) {
		for (uint32_t c = 0; c < k->cpu_count; c++) {
			vf_ctfser_free(k->streams[c].ser);
		}
	}
	free(k->streams);
	free(k);
}

/* Linux major.minor from "6.1.0-27-amd64"; false if unreadable. */
static bool parse_release(const char *release, int *major, int *minor)
{
	return sscanf(release, "%d.%d", major, minor) == 2;
}

static void build_metadata(struct vf_ctfser_text *t, const struct vf_trace_desc *d,
			   int char_signed, uint32_t kvm_exit_fields)
{
	struct tsdl_printer p = {t, char_signed};
	char uuid_s[37];

	vf_ctfser_text_printf(t, "/* CTF 1.8 */\n\n");
	vf_ctfser_tsdl_trace(t, d->trace_uuid);
	vf_ctfser_text_printf(t, "env {\n\thostname = \"");
	vf_ctfser_text_escaped(t, d->hostname);
	vf_ctfser_text_printf(t, "\";\n\tdomain = \"kernel\";\n\tsysname = \"Linux\";\n"
				 "\tkernel_release = \"");
	vf_ctfser_text_escaped(t, d->kernel_release);
	vf_ctfser_text_printf(t, "\";\n\tkernel_version = \"");
	vf_ctfser_text_escaped(t, d->kernel_version);
	vf_ctfser_text_printf(t,
			      "\";\n"
			      "\ttracer_name = \"lttng-modules\";\n"
			      "\ttracer_major = 2;\n"
			      "\ttracer_minor = 13;\n"
			      "\ttracer_patchlevel = 9;\n"
			      "\ttrace_buffering_scheme = \"global\";\n"
			      "\ttrace_name = \"");
	vf_ctfser_text_escaped(t, d->trace_name);
	vf_ctfser_text_printf(t, "\";\n\ttrace_creation_datetime = \"");
	vf_ctfser_text_escaped(t, d->creation_datetime);
	vf_ctfser_text_printf(t, "\";\n};\n\n");

	vf_ctfser_uuid_format(d->clock_uuid, uuid_s);
	vf_ctfser_text_printf(t,
			      "clock {\n"
			      "\tname = \"monotonic\";\n"
			      "\tuuid = \"%s\";\n"
			      "\tdescription = \"Monotonic Clock\";\n"
			      "\tfreq = 1000000000; /* Frequency, in Hz */\n"
			      "\t/* clock value offset from Epoch is: offset * (1/freq) */\n"
			      "\toffset = %lld;\n"
			      "};\n\n",
			      uuid_s, (long long)d->clock_offset_ns);
	vf_ctfser_tsdl_stream_types(t, "monotonic");

	vf_ctfser_text_printf(t, "stream {\n"
				 "\tid = 0;\n"
				 "\tevent.header := struct event_header_compact;\n"
				 "\tpacket.context := struct packet_context;\n");
	if (d->pid_tid_context) {
		vf_ctfser_text_printf(t,
			"\tevent.context := struct {\n"
			"\t\tinteger { size = 32; align = 8; signed = 1; encoding = none; base = 10; } _pid;\n"
			"\t\tinteger { size = 32; align = 8; signed = 1; encoding = none; base = 10; } _tid;\n"
			"\t};\n");
	}
	vf_ctfser_text_printf(t, "};\n\n");

	for (int kind = VF_EV_OTHER + 1; kind < VF_EV_KIND_COUNT; kind++) {
		uint32_t count = classes[kind].field_count;

		if (kind == VF_EV_KVM_EXIT) {
			count = kvm_exit_fields;
		}
		vf_ctfser_text_printf(t,
				      "event {\n"
				      "\tname = \"%s\";\n"
				      "\tid = %d;\n"
				      "\tstream_id = 0;\n"
				      "\tfields := struct {\n",
				      vf_event_kind_name((enum vf_event_kind)kind, d->naming), kind - 1);
		print_fields(&p, classes[kind].fields, count, 2);
		vf_ctfser_text_printf(t, "\t};\n};\n\n");
	}
}

/* Creates trace_dir, or accepts it if it is empty (vmflow's output marker aside). */
static enum vf_status prepare_dir(const char *dir, struct vf_error *err)
{
	DIR *d;
	struct dirent *e;

	if (vf_mkdir_p(dir, err) != VF_OK) {
		return VF_ERR_IO;
	}
	d = opendir(dir);
	if (!d) {
		VF_ERROR_SET(err, VF_ERR_IO, dir, "cannot open the trace folder: %s", strerror(errno));
		return VF_ERR_IO;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, VF_OUTPUT_MARKER) != 0) {
			closedir(d);
			VF_ERROR_SET(err, VF_ERR_IO, dir, "the trace folder exists and is not empty");
			return VF_ERR_IO;
		}
	}
	closedir(d);
	return VF_OK;
}

/*
 * Where each stream file starts going to disk as it grows (common/write_behind.h):
 * once the trace holds ~512 MiB in all, at least 16 MiB per file, as every CPU's
 * file grows at once. Measured with 8 CPUs: from 16 MiB per file a 10 M-event
 * trace (44 MB per file) took 0.49-0.86 s against 0.45 s with the page cache
 * alone; from 64 MiB the 10 M trace is not streamed and the 50 M one (210 MB per
 * file) as fast as from 16 MiB.
 */
static uint32_t write_behind_mib(uint32_t cpu_count)
{
	uint32_t mib = 512 / (cpu_count ? cpu_count : 1);

	return mib < 16 ? 16 : mib;
}

struct vf_sink *vf_sink_ctf_new(const char *trace_dir, const struct vf_trace_desc *desc,
				struct vf_error *err)
{
	struct sink_ctf *k;
	struct vf_ctfser_text meta;
	char path[4200];
	int major = 0, minor = 0;
	int char_signed = 1;
	enum vf_status st;

	if (desc->cpu_count == 0 || desc->cpu_count > 65536 || desc->packet_size < PAGE_SIZE_BYTES ||
	    desc->packet_size % PAGE_SIZE_BYTES != 0) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, trace_dir,
			     "bad trace description: %u cpus, %u-byte packets (a multiple of 4096)",
			     desc->cpu_count, desc->packet_size);
		return NULL;
	}
	if (strlen(trace_dir) > 4000) {
		VF_ERROR_SET(err, VF_ERR_IO, trace_dir, "path too long");
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (!k || !(k->streams = calloc(desc->cpu_count, sizeof(*k->streams)))) {
		free(k);
		VF_ERROR_SET(err, VF_ERR_NOMEM, trace_dir, "out of memory creating the CTF writer");
		return NULL;
	}
	k->base.emit = sink_emit;
	k->base.finish = sink_finish;
	k->base.free = sink_free;
	k->base.discard = sink_discard;
	k->cpu_count = desc->cpu_count;
	k->offset_ns = desc->clock_offset_ns;
	k->ctx_size = desc->pid_tid_context ? 8 : 0;
	snprintf(k->trace_dir, sizeof(k->trace_dir), "%s", trace_dir);

	k->kvm_exit_fields = 8;
	if (parse_release(desc->kernel_release, &major, &minor)) {
		if (major > 6 || (major == 6 && minor >= 2)) {
			char_signed = 0;
		}
		if (major < 5 || (major == 5 && minor < 10)) {
			k->kvm_exit_fields = 5;
		}
	}
	for (int kind = VF_EV_OTHER + 1; kind < VF_EV_KIND_COUNT; kind++) {
		k->payload_size[kind] = fixed_size(classes[kind].fields,
						   kind == VF_EV_KVM_EXIT ? k->kvm_exit_fields
									  : classes[kind].field_count);
	}

	if (prepare_dir(trace_dir, err) != VF_OK) {
		goto fail;
	}
	vf_ctfser_text_init(&meta);
	build_metadata(&meta, desc, char_signed, k->kvm_exit_fields);
	snprintf(path, sizeof(path), "%s/metadata", trace_dir);
	st = vf_ctfser_text_write_file(&meta, path, err);
	vf_ctfser_text_fini(&meta);
	if (st != VF_OK) {
		goto fail;
	}
	for (uint32_t c = 0; c < k->cpu_count; c++) {
		struct vf_ctfser_params sp = {
			.path = path,
			.stream_id = 0,
			.stream_instance_id = c,
			.cpu_id = c,
			.packet_size = desc->packet_size,
			.page_size = PAGE_SIZE_BYTES,
			.write_behind_mib = write_behind_mib(k->cpu_count),
		};

		memcpy(sp.uuid, desc->trace_uuid, sizeof(sp.uuid));
		snprintf(path, sizeof(path), "%s/channel0_%u", trace_dir, c);
		k->streams[c].ser = vf_ctfser_new(&sp, err);
		if (!k->streams[c].ser) {
			goto fail;
		}
	}
	return &k->base;
fail:
	sink_free(&k->base);
	return NULL;
}
