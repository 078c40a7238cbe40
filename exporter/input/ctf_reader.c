/* SPDX-License-Identifier: MIT */
/*
 * ctf_reader.c - the CTF reader: libbabeltrace2 src.ctf.fs -> vmflow's own sink
 * -> vf_event records in global time order.
 *
 * Graph: one src.ctf.fs component (the system `ctf` plugin) whose output ports
 * (one per data stream, i.e. per CPU for lttng) are each connected to an input
 * port of a sink component class defined here. There is no muxer: the sink
 * merges the ports itself with a binary min-heap keyed by (timestamp, cpu,
 * port index), which is deterministic and 20-35% cheaper than
 * filter.utils.muxer. Each port keeps the message batch its iterator returned
 * and an index into it; a port is refilled when its batch is consumed.
 *
 * Only event and discarded-events messages take part in the merge (a
 * discarded-events message is keyed by its beginning time, which is never
 * after the events that follow it on its stream). Stream and packet messages
 * are handled as soon as they are met: they carry the trace environment, the
 * clock, the packet's cpu_id and the packet end times.
 *
 * Owns: the graph, the iterators, one class_info per event class (keyed by the
 * bt_event_class pointer) and one sc_info per stream class, all freed before
 * return. Borrowed strings (event class names) live as long as the graph, so
 * vf_event.name is valid only during the callback.
 *
 * Hot path, per event: one class lookup (one-entry cache, then a u64map), one
 * clock snapshot conversion, the packet pointer compared with the port's last
 * one (cpu_id is read once per packet), then the payload members by cached
 * index. No allocation; the record is one reusable struct.
 */
#define VF_LOG_TAG "INPUT/CTF"
#include "input/reader.h"

#include <babeltrace2/babeltrace.h>
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/u64map.h"
#include "input/ctf_find.h"
#include "input/event_check.h"
#include "input/ctf_part.h"

/* Messages merged per call of the sink's consume method. */
#define CONSUME_BUDGET 65536
/* Payload members read per event class at most (statedump has 9). */
#define MAX_FIELDS 12

/* How a payload member is stored in the trace (from its field class). */
enum src_type {
	SRC_NONE = 0,
	SRC_UINT, /* unsigned integer or unsigned enumeration */
	SRC_SINT, /* signed integer or signed enumeration */
	SRC_BOOL,
	SRC_STRING, /* lttng's char[16] arrives as a string */
	SRC_ARRAY,  /* an array of integers holding characters */
};

/* How a member is stored in struct vf_event. */
enum dst_type {
	DST_I32,
	DST_I64,
	DST_U32,
	DST_U64,
	DST_U16,
	DST_U8,
	DST_BOOL,
	DST_COMM, /* char[VF_COMM_LEN], NUL-terminated */
};

struct field_desc {
	const char *name; /* as src.ctf.fs exposes it (leading `_` stripped) */
	const char *alt;  /* another spelling (older tracers, the thesis' probes), or NULL */
	uint16_t offset;  /* in struct vf_event */
	uint8_t dst;      /* enum dst_type */
};

#define FD(member, name, alt, dst)                                                                 \
	{                                                                                          \
		name, alt, (uint16_t)offsetof(struct vf_event, u.member), dst                      \
	}
#define FD_END                                                                                     \
	{                                                                                          \
		NULL, NULL, 0, 0                                                                   \
	}

static const struct field_desc fields_sched_switch[] = {
    FD(sched_switch.prev_comm, "prev_comm", NULL, DST_COMM),
    FD(sched_switch.prev_tid, "prev_tid", NULL, DST_I32),
    FD(sched_switch.prev_prio, "prev_prio", NULL, DST_I32),
    FD(sched_switch.prev_state, "prev_state", NULL, DST_I64),
    FD(sched_switch.next_comm, "next_comm", NULL, DST_COMM),
    FD(sched_switch.next_tid, "next_tid", NULL, DST_I32),
    FD(sched_switch.next_prio, "next_prio", NULL, DST_I32),
    FD_END,
};

static const struct field_desc fields_sched_wake[] = {
    FD(sched_wake.comm, "comm", NULL, DST_COMM),
    FD(sched_wake.tid, "tid", NULL, DST_I32),
    FD(sched_wake.prio, "prio", NULL, DST_I32),
    FD(sched_wake.target_cpu, "target_cpu", NULL, DST_I32),
    FD_END,
};

static const struct field_desc fields_fork[] = {
    FD(fork.parent_comm, "parent_comm", NULL, DST_COMM),
    FD(fork.parent_tid, "parent_tid", NULL, DST_I32),
    FD(fork.parent_pid, "parent_pid", NULL, DST_I32),
    FD(fork.child_comm, "child_comm", NULL, DST_COMM),
    FD(fork.child_tid, "child_tid", NULL, DST_I32),
    FD(fork.child_pid, "child_pid", NULL, DST_I32),
    FD_END,
};

static const struct field_desc fields_process_exit[] = {
    FD(process_exit.comm, "comm", NULL, DST_COMM),
    FD(process_exit.tid, "tid", NULL, DST_I32),
    FD(process_exit.prio, "prio", NULL, DST_I32),
    FD_END,
};

static const struct field_desc fields_statedump[] = {
    FD(statedump.tid, "tid", NULL, DST_I32),         FD(statedump.pid, "pid", NULL, DST_I32),
    FD(statedump.ppid, "ppid", NULL, DST_I32),       FD(statedump.name, "name", NULL, DST_COMM),
    FD(statedump.type, "type", NULL, DST_I32),       FD(statedump.mode, "mode", NULL, DST_I32),
    FD(statedump.submode, "submode", NULL, DST_I32), FD(statedump.status, "status", NULL, DST_I32),
    FD(statedump.cpu, "cpu", NULL, DST_U32),         FD_END,
};

static const struct field_desc fields_kvm_entry[] = {
    FD(kvm_entry.vcpu_id, "vcpu_id", NULL, DST_U32),
    FD_END,
};

/* The index of vcpu_id here decides has_vcpu_id. */
#define KVM_EXIT_VCPU_ID_DESC 7
static const struct field_desc fields_kvm_exit[] = {
    FD(kvm_exit.exit_reason, "exit_reason", NULL, DST_U32),
    FD(kvm_exit.guest_rip, "guest_rip", NULL, DST_U64),
    FD(kvm_exit.isa, "isa", NULL, DST_U32),
    FD(kvm_exit.info1, "info1", NULL, DST_U64),
    FD(kvm_exit.info2, "info2", NULL, DST_U64),
    FD(kvm_exit.intr_info, "intr_info", NULL, DST_U32),
    FD(kvm_exit.error_code, "error_code", NULL, DST_U32),
    FD(kvm_exit.vcpu_id, "vcpu_id", NULL, DST_U32),
    FD_END,
};

static const struct field_desc fields_inj_virq[] = {
    FD(inj_virq.irq, "irq", NULL, DST_U32),
    FD_END,
};

static const struct field_desc fields_apic_accept_irq[] = {
    FD(apic_accept_irq.apicid, "apicid", NULL, DST_U32),
    FD(apic_accept_irq.dm, "dm", NULL, DST_U16),
    FD(apic_accept_irq.tm, "tm", NULL, DST_U8),
    FD(apic_accept_irq.vec, "vec", NULL, DST_U8),
    FD(apic_accept_irq.coalesced, "coalesced", NULL, DST_BOOL),
    FD_END,
};

static const struct field_desc fields_kvm_cr[] = {
    FD(kvm_cr.rw, "rw", NULL, DST_U32),
    FD(kvm_cr.cr, "cr", NULL, DST_U32),
    FD(kvm_cr.val, "val", NULL, DST_U64),
    FD_END,
};

static const struct field_desc fields_nested_vmrun[] = {
    FD(nested_vmrun.rip, "rip", NULL, DST_U64),
    FD(nested_vmrun.vmcb, "vmcb", NULL, DST_U64),
    FD(nested_vmrun.nested_rip, "nested_rip", NULL, DST_U64),
    FD(nested_vmrun.int_ctl, "int_ctl", NULL, DST_U32),
    FD(nested_vmrun.event_inj, "event_inj", NULL, DST_U32),
    FD(nested_vmrun.npt, "npt", NULL, DST_BOOL),
    FD_END,
};

static const struct field_desc fields_nested_vmexit[] = {
    FD(nested_vmexit.exit_code, "exit_code", NULL, DST_U32),
    FD(nested_vmexit.exit_info1, "exit_info1", NULL, DST_U64),
    FD(nested_vmexit.exit_info2, "exit_info2", NULL, DST_U64),
    FD(nested_vmexit.exit_int_info, "exit_int_info", NULL, DST_U32),
    FD(nested_vmexit.exit_int_info_err, "exit_int_info_err", NULL, DST_U32),
    FD(nested_vmexit.isa, "isa", NULL, DST_U32),
    FD(nested_vmexit.rip, "rip", NULL, DST_U64),
    FD_END,
};

static const struct field_desc fields_hypercall[] = {
    FD(hypercall.nr, "nr", NULL, DST_U64), FD(hypercall.a0, "a0", NULL, DST_U64),
    FD(hypercall.a1, "a1", NULL, DST_U64), FD(hypercall.a2, "a2", NULL, DST_U64),
    FD(hypercall.a3, "a3", NULL, DST_U64), FD_END,
};

static const struct field_desc fields_enter_guest[] = {
    FD(enter_guest.vcpu_id, "vcpu_id", "vcpuID", DST_U32),
    FD(enter_guest.cr3, "cr3", "cr3tmp", DST_U64),
    FD(enter_guest.sp, "sp", "sptmp", DST_U64),
    FD(enter_guest.ip, "ip", "iptmp", DST_U64),
    FD_END,
};

static const struct field_desc fields_syscall_rw[] = {
    FD(syscall_rw.fd, "fd", NULL, DST_I32),     FD(syscall_rw.vec, "vec", NULL, DST_U64),
    FD(syscall_rw.vlen, "vlen", NULL, DST_I32), FD(syscall_rw.pos, "pos", "pos_l", DST_I64),
    FD(syscall_rw.ret, "ret", NULL, DST_I64),   FD_END,
};

static const struct field_desc fields_net[] = {
    FD(net.skbaddr, "skbaddr", NULL, DST_U64),
    FD(net.len, "len", NULL, DST_U32),
    FD(net.name, "name", NULL, DST_COMM),
    FD_END,
};

static const struct field_desc *kind_fields(enum vf_event_kind kind)
{
	switch (kind) {
	case VF_EV_SCHED_SWITCH:
		return fields_sched_switch;
	case VF_EV_SCHED_WAKING:
	case VF_EV_SCHED_WAKEUP:
	case VF_EV_SCHED_WAKEUP_NEW:
	case VF_EV_SCHED_TTWU:
		return fields_sched_wake;
	case VF_EV_SCHED_PROCESS_FORK:
		return fields_fork;
	case VF_EV_SCHED_PROCESS_EXIT:
		return fields_process_exit;
	case VF_EV_STATEDUMP_PROCESS_STATE:
		return fields_statedump;
	case VF_EV_KVM_ENTRY:
		return fields_kvm_entry;
	case VF_EV_KVM_EXIT:
		return fields_kvm_exit;
	case VF_EV_KVM_INJ_VIRQ:
		return fields_inj_virq;
	case VF_EV_KVM_APIC_ACCEPT_IRQ:
		return fields_apic_accept_irq;
	case VF_EV_KVM_CR:
		return fields_kvm_cr;
	case VF_EV_KVM_NESTED_VMRUN:
		return fields_nested_vmrun;
	case VF_EV_KVM_NESTED_VMEXIT:
	case VF_EV_KVM_NESTED_VMEXIT_INJECT:
		return fields_nested_vmexit;
	case VF_EV_KVM_HYPERCALL:
		return fields_hypercall;
	case VF_EV_ADDONS_VCPU_ENTER_GUEST:
		return fields_enter_guest;
	case VF_EV_SYSCALL_ENTRY_PREADV:
	case VF_EV_SYSCALL_EXIT_PREADV:
	case VF_EV_SYSCALL_ENTRY_PWRITEV:
	case VF_EV_SYSCALL_EXIT_PWRITEV:
		return fields_syscall_rw;
	case VF_EV_NET_IF_RX:
	case VF_EV_NET_DEV_XMIT:
		return fields_net;
	default:
		return NULL;
	}
}

struct resolved_field {
	uint64_t member_index; /* in the payload structure */
	uint16_t offset;       /* in struct vf_event */
	uint8_t src;           /* enum src_type */
	uint8_t dst;           /* enum dst_type */
};

/* What is known about a stream class: its clock and where pid/tid are. */
struct sc_info {
	bool has_clock;
	bool packet_end_cs; /* packet end messages carry a clock snapshot */
	bool discarded_cs;  /* discarded-events messages carry clock snapshots */
	bool has_ctx;       /* pid or tid present in the common context */
	int64_t pid_index;  /* in the event common context, -1 if absent */
	int64_t tid_index;
	uint8_t pid_src; /* enum src_type */
	uint8_t tid_src;
};

/* What is known about an event class: the kind and the payload members to read. */
struct class_info {
	const char *name; /* borrowed from the graph */
	enum vf_event_kind kind;
	bool is_kvm;
	bool has_vcpu_id;          /* kvm_exit: the vcpu_id member exists */
	const struct sc_info *sci; /* borrowed from the reader */
	uint32_t field_count;
	struct resolved_field fields[MAX_FIELDS];
};

enum port_state {
	PORT_PENDING = 0, /* needs its next merge item before the merge can go on */
	PORT_IN_HEAP,
	PORT_DONE,
};

struct port {
	bt_message_iterator *it;     /* owned */
	bt_message_array_const msgs; /* the array is borrowed from it; msgs[idx..count) are owned */
	uint64_t count;
	uint64_t idx;
	enum port_state state;
	int64_t cur_ts; /* merge key of msgs[idx] */
	uint32_t cur_cpu;
	const bt_packet *packet; /* borrowed: the packet cpu_id was read from */
	uint32_t packet_cpu;
	const struct sc_info *sci; /* borrowed: the stream's class */
	char *file;                /* owned: the stream's data file (src.ctf.fs names streams so) */
	struct vf_stream_order order; /* its timestamps never go backwards (event_check.h) */
};

struct reader {
	const struct vf_reader_callbacks *cbs; /* borrowed */
	struct vf_trace_info *info;            /* borrowed */
	struct vf_error *err;                  /* borrowed */
	const char *where;                     /* borrowed: the trace folder */
	struct port *ports;                    /* owned */
	uint64_t port_count;
	uint32_t *heap; /* owned: port indices */
	uint32_t heap_len;
	struct vf_u64map classes;      /* bt_event_class * -> owned class_info */
	struct vf_u64map sclasses;     /* bt_stream_class * -> owned sc_info */
	const bt_event_class *last_ec; /* one-entry cache in front of classes */
	struct class_info *last_ci;
	bool env_read;
	int64_t last_packet_end_ns;
	uint64_t discarded_packet_count;
	struct vf_event ev;             /* the reusable record */
	vf_generic_event_fn generic;    /* optional generic-field consumer */
	const struct vf_ctf_part *part; /* borrowed, or NULL: read every port, deliver to cbs */
	uint32_t *global_port;          /* owned with part: sink port -> src.ctf.fs port index */
};

/* ---- babeltrace2 errors ---- */

/* The cause appended first is the deepest one: the root cause. */
#define ROOT_CAUSE_INDEX 0

/* Copies s into dst, one line, without the "name-addr=0x..." noise of bt2 messages. */
static void clean_bt_message(char *dst, size_t size, const char *s)
{
	size_t n = 0;

	while (*s && n + 1 < size) {
		if (*s == '\n' || *s == '\r') {
			break;
		}
		/* Drop "xxx-addr=0x1234, " fields: addresses mean nothing to a user. */
		if ((n == 0 || dst[n - 1] == ' ') && isalpha((unsigned char)*s)) {
			const char *eq = s;

			while (*eq && (isalnum((unsigned char)*eq) || *eq == '-' || *eq == '_')) {
				eq++;
			}
			if (eq - s > 5 && strncmp(eq - 5, "-addr", 5) == 0 && eq[0] == '=') {
				s = eq + 1;
				while (*s && *s != ',' && *s != ' ' && *s != '\n') {
					s++;
				}
				if (*s == ',') {
					s++;
				}
				while (*s == ' ') {
					s++;
				}
				continue;
			}
		}
		dst[n++] = *s++;
	}
	while (n > 0 &&
	       (dst[n - 1] == ' ' || dst[n - 1] == '.' || dst[n - 1] == ',' || dst[n - 1] == ':')) {
		n--;
	}
	dst[n] = '\0';
	if (n > 0 && isupper((unsigned char)dst[0]) && !(n > 1 && isupper((unsigned char)dst[1]))) {
		dst[0] = (char)tolower((unsigned char)dst[0]);
	}
}

/* Finds in msg a path below dir ("dir/..."), copied into file; false if none. */
static bool find_file_in(const char *msg, const char *dir, char *file, size_t size)
{
	size_t dir_len = strlen(dir);
	const char *p = msg;

	while (dir_len && (p = strstr(p, dir)) != NULL) {
		if (p[dir_len] == '/') {
			size_t n = 0;

			/* bt2 names files by absolute path: take the whole token. */
			while (p > msg && !strchr(" '`\"(,;\n", p[-1])) {
				p--;
			}
			while (p[n] && !strchr(" '`\"),;\n", p[n]) && n + 1 < size) {
				file[n] = p[n];
				n++;
			}
			file[n] = '\0';
			return true;
		}
		p += dir_len;
	}
	return false;
}

/*
 * Takes the thread's bt2 error (if any) and releases it, so no bt2 error stays
 * attached to the thread. root gets the root cause (one line, cleaned); file a
 * file of the trace that some cause names (bad magic names it only in an outer
 * cause), or "" when the root cause already names it or none does.
 */
static void take_bt_error(const char *where, char *root, size_t root_size, char *file,
                          size_t file_size)
{
	const bt_error *e = bt_current_thread_take_error();
	uint64_t count;
	uint64_t i;

	root[0] = '\0';
	file[0] = '\0';
	if (!e) {
		return;
	}
	count = bt_error_get_cause_count(e);
	if (count > 0) {
		clean_bt_message(root, root_size,
		                 bt_error_cause_get_message(
		                     bt_error_borrow_cause_by_index(e, ROOT_CAUSE_INDEX)));
	}
	for (i = 0; i < count; i++) {
		const bt_error_cause *c = bt_error_borrow_cause_by_index(e, i);

		VF_LOGD("babeltrace2 error cause: index=%" PRIu64 ", module=%s, msg=%s", i,
		        bt_error_cause_get_module_name(c), bt_error_cause_get_message(c));
	}
	if (find_file_in(root, where, file, file_size)) {
		file[0] = '\0';
	} else {
		for (i = 0; i < count; i++) {
			if (find_file_in(
			        bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, i)),
			        where, file, file_size)) {
				break;
			}
		}
	}
	bt_error_release(e);
}

/*
 * Records "<what>: <root cause> (in <file>)" from the thread's bt2 error (see
 * take_bt_error()); stream_file, if not NULL, names the file when no cause does.
 */
static void set_bt_error(struct vf_error *err, enum vf_status status, const char *where,
                         const char *what, const char *stream_file)
{
	char root[384];
	char file[256];

	take_bt_error(where, root, sizeof(root), file, sizeof(file));
	if (!file[0] && stream_file && !strstr(root, stream_file)) {
		snprintf(file, sizeof(file), "%s", stream_file);
	}
	if (root[0] && file[0]) {
		VF_ERROR_SET(err, status, where, "%s: %s (in %s)", what, root, file);
	} else if (root[0]) {
		VF_ERROR_SET(err, status, where, "%s: %s", what, root);
	} else {
		VF_ERROR_SET(err, status, where, "%s", what);
	}
}

/*
 * src.ctf.fs reports a metadata it cannot parse only as "cannot create trace"
 * (the parser's own message goes to its log, not to the error causes), so the
 * kind of problem is found here from the file's first bytes.
 */
static void set_metadata_error(struct vf_error *err, const char *trace_dir)
{
	char path[4200];
	unsigned char head[16] = {0};
	size_t n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/metadata", trace_dir);
	fp = fopen(path, "rb");
	if (fp) {
		n = fread(head, 1, sizeof(head), fp);
		fclose(fp);
	}
	if (n == 0) {
		VF_ERROR_SET(err, VF_ERR_INPUT, trace_dir, "the CTF metadata file is empty");
	} else if (head[0] == 0x1e) {
		VF_ERROR_SET(err, VF_ERR_INPUT, trace_dir,
		             "CTF 2 metadata is not supported (babeltrace2 2.0 reads CTF 1.8)");
	} else if (n >= 4 &&
	           ((head[0] == 0x57 && head[1] == 0x1d && head[2] == 0xd1 && head[3] == 0x75) ||
	            (head[0] == 0x75 && head[1] == 0xd1 && head[2] == 0x1d && head[3] == 0x57))) {
		VF_ERROR_SET(
		    err, VF_ERR_INPUT, trace_dir,
		    "corrupt CTF metadata: babeltrace2 cannot parse the packetized metadata file");
	} else if (n >= 7 && memcmp(head, "/* CTF ", 7) == 0) {
		VF_ERROR_SET(err, VF_ERR_INPUT, trace_dir,
		             "corrupt CTF metadata: babeltrace2 cannot parse the metadata file");
	} else {
		VF_ERROR_SET(err, VF_ERR_INPUT, trace_dir,
		             "not a CTF trace: the metadata file does not start with `/* CTF 1.8`");
	}
}

/* ---- per-class caches ---- */

static enum src_type src_type_of(const bt_field_class *fc)
{
	bt_field_class_type t = bt_field_class_get_type(fc);

	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
		return SRC_SINT; /* signed enumerations too (lttng 2.13 prev_state) */
	}
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
		return SRC_UINT;
	}
	if (t == BT_FIELD_CLASS_TYPE_BOOL) {
		return SRC_BOOL;
	}
	if (t == BT_FIELD_CLASS_TYPE_STRING) {
		return SRC_STRING;
	}
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ARRAY)) {
		const bt_field_class *elem =
		    bt_field_class_array_borrow_element_field_class_const(fc);
		bt_field_class_type et = bt_field_class_get_type(elem);

		if (bt_field_class_type_is(et, BT_FIELD_CLASS_TYPE_INTEGER)) {
			return SRC_ARRAY;
		}
	}
	return SRC_NONE;
}

/* "a string", "a structure", ...: what a field class is, for error messages. */
static const char *field_class_words(const bt_field_class *fc)
{
	bt_field_class_type t = bt_field_class_get_type(fc);

	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_INTEGER)) {
		return "an integer";
	}
	if (t == BT_FIELD_CLASS_TYPE_STRING) {
		return "a string";
	}
	if (t == BT_FIELD_CLASS_TYPE_BOOL) {
		return "a boolean";
	}
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_REAL)) {
		return "a floating-point number";
	}
	if (t == BT_FIELD_CLASS_TYPE_STRUCTURE) {
		return "a structure";
	}
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ARRAY)) {
		return "an array";
	}
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_VARIANT)) {
		return "a variant";
	}
	return NULL;
}

static bool src_fits_dst(enum src_type src, enum dst_type dst)
{
	if (dst == DST_COMM) {
		return src == SRC_STRING || src == SRC_ARRAY;
	}
	return src == SRC_UINT || src == SRC_SINT || src == SRC_BOOL;
}

/* Index of the member called name in a structure field class, or -1. */
static int64_t find_member(const bt_field_class *st, const char *name)
{
	uint64_t count;
	uint64_t i;

	if (!st || !name || bt_field_class_get_type(st) != BT_FIELD_CLASS_TYPE_STRUCTURE) {
		return -1;
	}
	count = bt_field_class_structure_get_member_count(st);
	for (i = 0; i < count; i++) {
		const bt_field_class_structure_member *m =
		    bt_field_class_structure_borrow_member_by_index_const(st, i);
		const char *mname = bt_field_class_structure_member_get_name(m);

		/* src.ctf.fs strips one leading `_`; accept a writer that doubled it. */
		if (strcmp(mname, name) == 0 || (mname[0] == '_' && strcmp(mname + 1, name) == 0)) {
			return (int64_t)i;
		}
	}
	return -1;
}

static const bt_field_class *member_class(const bt_field_class *st, int64_t index)
{
	return bt_field_class_structure_member_borrow_field_class_const(
	    bt_field_class_structure_borrow_member_by_index_const(st, (uint64_t)index));
}

/* Finds a context integer (name, else fallback); returns its index and type. */
static int64_t find_ctx_int(const bt_field_class *ctx, const char *name, const char *fallback,
                            uint8_t *src)
{
	int64_t idx = find_member(ctx, name);

	if (idx < 0) {
		idx = find_member(ctx, fallback);
	}
	if (idx >= 0) {
		enum src_type s = src_type_of(member_class(ctx, idx));

		if (s != SRC_UINT && s != SRC_SINT) {
			return -1;
		}
		*src = (uint8_t)s;
	}
	return idx;
}

static struct sc_info *sc_info_get(struct reader *r, const bt_stream_class *sc)
{
	struct sc_info *sci = vf_u64map_get(&r->sclasses, (uint64_t)(uintptr_t)sc);
	const bt_field_class *ctx;
	uint64_t count;
	uint64_t i;

	if (sci) {
		return sci;
	}
	sci = calloc(1, sizeof(*sci));
	if (!sci || !vf_u64map_put(&r->sclasses, (uint64_t)(uintptr_t)sc, sci)) {
		free(sci);
		VF_ERROR_SET(r->err, VF_ERR_NOMEM, r->where, "out of memory");
		return NULL;
	}
	sci->has_clock = bt_stream_class_borrow_default_clock_class_const(sc) != NULL;
	sci->packet_end_cs = bt_stream_class_supports_packets(sc) &&
	                     bt_stream_class_packets_have_end_default_clock_snapshot(sc);
	sci->discarded_cs = bt_stream_class_supports_discarded_events(sc) &&
	                    bt_stream_class_discarded_events_have_default_clock_snapshots(sc);
	ctx = bt_stream_class_borrow_event_common_context_field_class_const(sc);
	sci->pid_index = find_ctx_int(ctx, "pid", "vpid", &sci->pid_src);
	sci->tid_index = find_ctx_int(ctx, "tid", "vtid", &sci->tid_src);
	sci->has_ctx = sci->pid_index >= 0 || sci->tid_index >= 0;
	if (sci->pid_index >= 0) {
		r->info->has_pid_context = true;
	}
	if (sci->tid_index >= 0) {
		r->info->has_tid_context = true;
	}
	/* The naming is a property of the trace, known even if no KVM event occurs. */
	count = bt_stream_class_get_event_class_count(sc);
	for (i = 0; i < count; i++) {
		const char *name = bt_event_class_get_name(
		    bt_stream_class_borrow_event_class_by_index_const(sc, i));

		if (name && (strcmp(name, "kvm_entry") == 0 || strcmp(name, "kvm_exit") == 0)) {
			r->info->naming = VF_NAMING_LEGACY;
		}
	}
	return sci;
}

static struct class_info *class_info_new(struct reader *r, const bt_event_class *ec)
{
	struct class_info *ci = calloc(1, sizeof(*ci));
	const struct field_desc *descs;
	const bt_field_class *payload;
	uint32_t i;

	if (!ci || !vf_u64map_put(&r->classes, (uint64_t)(uintptr_t)ec, ci)) {
		free(ci);
		VF_ERROR_SET(r->err, VF_ERR_NOMEM, r->where, "out of memory");
		return NULL;
	}
	ci->name = bt_event_class_get_name(ec);
	if (!ci->name) {
		ci->name = "";
	}
	ci->kind = vf_event_kind_from_name(ci->name);
	ci->is_kvm = vf_event_kind_is_kvm(ci->kind);
	ci->sci = sc_info_get(r, bt_event_class_borrow_stream_class_const(ec));
	if (!ci->sci) {
		return NULL;
	}
	descs = kind_fields(ci->kind);
	payload = bt_event_class_borrow_payload_field_class_const(ec);
	for (i = 0; descs && descs[i].name; i++) {
		int64_t idx = find_member(payload, descs[i].name);
		enum src_type src;

		if (idx < 0 && descs[i].alt) {
			idx = find_member(payload, descs[i].alt);
		}
		if (idx < 0) {
			/* generic consumers (XML analyses) read any trace: only vmflow's analyses
			 * need the layout */
			if (!r->generic && vf_event_check_field(ci->kind, ci->name, descs[i].name,
			                                        VF_FIELD_CHECK_MISSING, NULL,
			                                        descs[i].dst == DST_COMM, r->where,
			                                        r->err) != VF_OK) {
				return NULL;
			}
			continue;
		}
		src = src_type_of(member_class(payload, idx));
		if (!src_fits_dst(src, (enum dst_type)descs[i].dst)) {
			if (r->generic) {
				VF_LOGD("Payload member of unexpected type ignored: event=%s, "
				        "member=%s",
				        ci->name, descs[i].name);
				continue;
			}
			vf_event_check_field(ci->kind, ci->name, descs[i].name,
			                     VF_FIELD_CHECK_WRONG_TYPE,
			                     field_class_words(member_class(payload, idx)),
			                     descs[i].dst == DST_COMM, r->where, r->err);
			return NULL;
		}
		ci->fields[ci->field_count].member_index = (uint64_t)idx;
		ci->fields[ci->field_count].offset = descs[i].offset;
		ci->fields[ci->field_count].src = (uint8_t)src;
		ci->fields[ci->field_count].dst = descs[i].dst;
		ci->field_count++;
		if (ci->kind == VF_EV_KVM_EXIT && i == KVM_EXIT_VCPU_ID_DESC) {
			ci->has_vcpu_id = true;
		}
	}
	return ci;
}

/* ---- trace facts: environment, clock, packets ---- */

static void env_string(const bt_trace *t, const char *name, char *dst, size_t size)
{
	const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(t, name);

	if (!v) {
		return;
	}
	switch (bt_value_get_type(v)) {
	case BT_VALUE_TYPE_STRING:
		snprintf(dst, size, "%s", bt_value_string_get(v));
		break;
	case BT_VALUE_TYPE_SIGNED_INTEGER:
		snprintf(dst, size, "%" PRId64, bt_value_integer_signed_get(v));
		break;
	case BT_VALUE_TYPE_UNSIGNED_INTEGER:
		snprintf(dst, size, "%" PRIu64, bt_value_integer_unsigned_get(v));
		break;
	default:
		break;
	}
}

static int64_t env_int(const bt_trace *t, const char *name)
{
	const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(t, name);

	if (!v) {
		return 0;
	}
	switch (bt_value_get_type(v)) {
	case BT_VALUE_TYPE_SIGNED_INTEGER:
		return bt_value_integer_signed_get(v);
	case BT_VALUE_TYPE_UNSIGNED_INTEGER:
		return (int64_t)bt_value_integer_unsigned_get(v);
	case BT_VALUE_TYPE_STRING:
		return strtoll(bt_value_string_get(v), NULL, 10);
	default:
		return 0;
	}
}

static void read_clock(struct vf_trace_info *info, const bt_clock_class *cc)
{
	const char *name = bt_clock_class_get_name(cc);
	bt_uuid uuid = bt_clock_class_get_uuid(cc);

	snprintf(info->clock_name, sizeof(info->clock_name), "%s", name ? name : "");
	info->clock_frequency = bt_clock_class_get_frequency(cc);
	bt_clock_class_get_offset(cc, &info->clock_offset_seconds, &info->clock_offset_cycles);
	info->clock_has_uuid = uuid != NULL;
	if (uuid) {
		memcpy(info->clock_uuid, uuid, sizeof(info->clock_uuid));
	}
}

/* First stream: the trace environment and the clock; refuses non-kernel traces. */
static enum vf_status read_trace_facts(struct reader *r, const bt_stream *stream)
{
	const bt_trace *t = bt_stream_borrow_trace_const(stream);
	const bt_clock_class *cc =
	    bt_stream_class_borrow_default_clock_class_const(bt_stream_borrow_class_const(stream));
	struct vf_trace_info *info = r->info;

	r->env_read = true;
	env_string(t, "hostname", info->hostname, sizeof(info->hostname));
	env_string(t, "domain", info->domain, sizeof(info->domain));
	env_string(t, "tracer_name", info->tracer_name, sizeof(info->tracer_name));
	env_string(t, "kernel_release", info->kernel_release, sizeof(info->kernel_release));
	info->tracer_major = env_int(t, "tracer_major");
	info->tracer_minor = env_int(t, "tracer_minor");
	if (cc) {
		read_clock(info, cc);
	}
	if (r->generic) {
		/* generic consumers (Trace Compass XML analyses) read any CTF trace */
		return VF_OK;
	}
	if (strcmp(info->domain, "ust") == 0) {
		VF_ERROR_SET(
		    r->err, VF_ERR_INPUT, r->where,
		    "this is an LTTng userspace trace; vmflow needs a kernel trace of the host");
		return VF_ERR_INPUT;
	}
	if (info->domain[0] && strcmp(info->domain, "kernel") != 0) {
		VF_ERROR_SET(r->err, VF_ERR_INPUT, r->where,
		             "the trace domain is `%s`; vmflow needs a kernel trace of the host",
		             info->domain);
		return VF_ERR_INPUT;
	}
	return VF_OK;
}

/* The packet's cpu_id (read by name: once per packet), else the stream id. */
static void set_packet(struct reader *r, struct port *p, const bt_packet *packet)
{
	const bt_field *ctx = bt_packet_borrow_context_field_const(packet);
	const bt_field *f =
	    ctx ? bt_field_structure_borrow_member_field_by_name_const(ctx, "cpu_id") : NULL;
	uint32_t cpu;

	if (f && bt_field_class_type_is(bt_field_get_class_type(f),
	                                BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
		cpu = (uint32_t)bt_field_integer_unsigned_get_value(f);
	} else if (f && bt_field_class_type_is(bt_field_get_class_type(f),
	                                       BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
		cpu = (uint32_t)bt_field_integer_signed_get_value(f);
	} else {
		cpu = (uint32_t)bt_stream_get_id(bt_packet_borrow_stream_const(packet));
	}
	p->packet = packet;
	p->packet_cpu = cpu;
	if (cpu + 1 > r->info->cpu_count) {
		r->info->cpu_count = cpu + 1;
	}
}

static enum vf_status snapshot_ns(struct reader *r, const bt_clock_snapshot *cs, int64_t *ns)
{
	if (bt_clock_snapshot_get_ns_from_origin(cs, ns) !=
	    BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK) {
		bt_current_thread_clear_error();
		VF_ERROR_SET(
		    r->err, VF_ERR_INPUT, r->where,
		    "a timestamp does not fit in 64-bit nanoseconds from the clock origin");
		return VF_ERR_INPUT;
	}
	return VF_OK;
}

/* ---- the merge ---- */

enum advance {
	ADV_ITEM, /* msgs[idx] is an event or discarded-events message; cur_ts/cur_cpu set */
	ADV_ENDED,
	ADV_AGAIN,
	ADV_ERROR,
};

/* Handles a message that does not take part in the merge. */
static enum vf_status handle_other(struct reader *r, struct port *p, const bt_message *m)
{
	switch (bt_message_get_type(m)) {
	case BT_MESSAGE_TYPE_STREAM_BEGINNING: {
		const bt_stream *s = bt_message_stream_beginning_borrow_stream_const(m);

		p->sci = sc_info_get(r, bt_stream_borrow_class_const(s));
		if (!p->sci) {
			return VF_ERR_NOMEM;
		}
		if (!p->sci->has_clock) {
			VF_ERROR_SET(
			    r->err, VF_ERR_INPUT, r->where,
			    "the trace's data streams have no clock: events cannot be ordered");
			return VF_ERR_INPUT;
		}
		r->info->stream_count++;
		if (!p->file && bt_stream_get_name(s)) {
			p->file = strdup(
			    bt_stream_get_name(s)); /* NULL only costs the file name in errors */
		}
		if (!r->env_read) {
			return read_trace_facts(r, s);
		}
		return VF_OK;
	}
	case BT_MESSAGE_TYPE_PACKET_BEGINNING:
		set_packet(r, p, bt_message_packet_beginning_borrow_packet_const(m));
		return VF_OK;
	case BT_MESSAGE_TYPE_PACKET_END:
		if (p->sci && p->sci->packet_end_cs) {
			int64_t ns;

			if (snapshot_ns(
			        r, bt_message_packet_end_borrow_default_clock_snapshot_const(m),
			        &ns) != VF_OK) {
				return r->err->status;
			}
			if (ns > r->last_packet_end_ns) {
				r->last_packet_end_ns = ns;
			}
		}
		return VF_OK;
	case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
		r->discarded_packet_count++;
		return VF_OK;
	default:
		return VF_OK;
	}
}

/* Moves p to its next merge item, refilling its batch as needed. */
static enum advance port_advance(struct reader *r, struct port *p)
{
	for (;;) {
		const bt_message *m;
		bt_message_type type;

		if (p->idx >= p->count) {
			bt_message_iterator_next_status st;

			p->idx = 0;
			p->count = 0;
			st = bt_message_iterator_next(p->it, &p->msgs, &p->count);
			switch (st) {
			case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
				break;
			case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
				p->count = 0;
				return ADV_ENDED;
			case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
				p->count = 0;
				return ADV_AGAIN;
			case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
				p->count = 0;
				set_bt_error(r->err, VF_ERR_NOMEM, r->where,
				             "out of memory while reading the trace", p->file);
				return ADV_ERROR;
			default:
				p->count = 0;
				set_bt_error(r->err, VF_ERR_INPUT, r->where,
				             "cannot read the trace", p->file);
				return ADV_ERROR;
			}
			continue;
		}
		m = p->msgs[p->idx];
		type = bt_message_get_type(m);
		if (type == BT_MESSAGE_TYPE_EVENT) {
			const bt_event *e = bt_message_event_borrow_event_const(m);
			const bt_packet *packet = bt_event_borrow_packet_const(e);

			if (packet != p->packet && packet) {
				set_packet(r, p, packet);
			}
			if (snapshot_ns(r, bt_message_event_borrow_default_clock_snapshot_const(m),
			                &p->cur_ts) != VF_OK) {
				return ADV_ERROR;
			}
			p->cur_cpu = p->packet_cpu;
			return ADV_ITEM;
		}
		if (type == BT_MESSAGE_TYPE_DISCARDED_EVENTS) {
			/* Without snapshots the key stays the port's last time. */
			if (p->sci && p->sci->discarded_cs &&
			    snapshot_ns(
			        r,
			        bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(
			            m),
			        &p->cur_ts) != VF_OK) {
				return ADV_ERROR;
			}
			p->cur_cpu = p->packet_cpu;
			return ADV_ITEM;
		}
		if (handle_other(r, p, m) != VF_OK) {
			return ADV_ERROR;
		}
		bt_message_put_ref(m);
		p->idx++;
	}
}

static inline bool heap_less(const struct reader *r, uint32_t a, uint32_t b)
{
	const struct port *pa = &r->ports[a];
	const struct port *pb = &r->ports[b];

	if (pa->cur_ts != pb->cur_ts) {
		return pa->cur_ts < pb->cur_ts;
	}
	if (pa->cur_cpu != pb->cur_cpu) {
		return pa->cur_cpu < pb->cur_cpu;
	}
	return a < b;
}

static void heap_sift_down(struct reader *r, uint32_t pos)
{
	uint32_t *h = r->heap;
	uint32_t n = r->heap_len;
	uint32_t item = h[pos];

	for (;;) {
		uint32_t child = 2 * pos + 1;

		if (child >= n) {
			break;
		}
		if (child + 1 < n && heap_less(r, h[child + 1], h[child])) {
			child++;
		}
		if (!heap_less(r, h[child], item)) {
			break;
		}
		h[pos] = h[child];
		pos = child;
	}
	h[pos] = item;
}

static void heap_push(struct reader *r, uint32_t port_index)
{
	uint32_t *h = r->heap;
	uint32_t pos = r->heap_len++;

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (!heap_less(r, port_index, h[parent])) {
			break;
		}
		h[pos] = h[parent];
		pos = parent;
	}
	h[pos] = port_index;
}

static void heap_remove_top(struct reader *r)
{
	r->heap_len--;
	if (r->heap_len > 0) {
		r->heap[0] = r->heap[r->heap_len];
		heap_sift_down(r, 0);
	}
}

/* ---- delivery ---- */

static inline void store_int(char *dst, enum dst_type type, uint64_t v)
{
	switch (type) {
	case DST_I32: {
		int32_t x = (int32_t)v;
		memcpy(dst, &x, sizeof(x));
		break;
	}
	case DST_I64: {
		int64_t x = (int64_t)v;
		memcpy(dst, &x, sizeof(x));
		break;
	}
	case DST_U32: {
		uint32_t x = (uint32_t)v;
		memcpy(dst, &x, sizeof(x));
		break;
	}
	case DST_U64:
		memcpy(dst, &v, sizeof(v));
		break;
	case DST_U16: {
		uint16_t x = (uint16_t)v;
		memcpy(dst, &x, sizeof(x));
		break;
	}
	case DST_U8: {
		uint8_t x = (uint8_t)v;
		memcpy(dst, &x, sizeof(x));
		break;
	}
	case DST_BOOL: {
		bool x = v != 0;
		memcpy(dst, &x, sizeof(x));
		break;
	}
	default:
		break;
	}
}

static void copy_char_array(char *dst, const bt_field *f)
{
	uint64_t len = bt_field_array_get_length(f);
	uint64_t i;

	for (i = 0; i < len && i < VF_COMM_LEN - 1; i++) {
		const bt_field *c = bt_field_array_borrow_element_field_by_index_const(f, i);
		uint64_t v = bt_field_class_type_is(bt_field_get_class_type(c),
		                                    BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)
		                 ? (uint64_t)bt_field_integer_signed_get_value(c)
		                 : bt_field_integer_unsigned_get_value(c);

		if (v == 0) {
			break;
		}
		dst[i] = (char)v;
	}
	dst[i] = '\0';
}

static inline int64_t read_ctx_int(const bt_field *ctx, int64_t index, uint8_t src)
{
	const bt_field *f =
	    bt_field_structure_borrow_member_field_by_index_const(ctx, (uint64_t)index);

	return src == SRC_SINT ? bt_field_integer_signed_get_value(f)
	                       : (int64_t)bt_field_integer_unsigned_get_value(f);
}

/* ---- generic field access (vf_trace_read_generic) ---- */

/* Converts a bt2 field to a generic value (integers are Long, like Trace Compass). */
static bool ctf_field_value(const bt_field *f, struct vf_field_value *out)
{
	bt_field_class_type t;

	if (!f) {
		return false;
	}
	t = bt_field_get_class_type(f);
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
		out->kind = VF_FIELD_INT64;
		out->i = (int64_t)bt_field_integer_unsigned_get_value(f);
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
		out->kind = VF_FIELD_INT64;
		out->i = bt_field_integer_signed_get_value(f);
	} else if (t == BT_FIELD_CLASS_TYPE_BOOL) {
		out->kind = VF_FIELD_INT64;
		out->i = bt_field_bool_get_value(f) ? 1 : 0;
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_REAL)) {
		out->kind = VF_FIELD_DOUBLE;
		out->d = t == BT_FIELD_CLASS_TYPE_SINGLE_PRECISION_REAL
		             ? (double)bt_field_real_single_precision_get_value(f)
		             : bt_field_real_double_precision_get_value(f);
	} else if (t == BT_FIELD_CLASS_TYPE_STRING) {
		out->kind = VF_FIELD_STRING;
		out->s = bt_field_string_get_value(f);
	} else {
		return false; /* arrays, structures, variants: not reachable by name */
	}
	return true;
}

static const bt_field *ctf_member(const bt_field *st, const char *name)
{
	if (!st || bt_field_get_class_type(st) != BT_FIELD_CLASS_TYPE_STRUCTURE) {
		return NULL;
	}
	return bt_field_structure_borrow_member_field_by_name_const(st, name);
}

static bool ctf_field(const struct vf_generic_event *g, const char *name,
                      struct vf_field_value *out)
{
	const bt_event *e = g->impl;
	const bt_field *f;

	memset(out, 0, sizeof(*out));
	f = ctf_member(bt_event_borrow_payload_field_const(e), name);
	if (!f && strncmp(name, "context.", 8) == 0) {
		/* Trace Compass names contexts "context._tid"; babeltrace2 drops the '_' */
		const char *cname = name + 8;

		f = ctf_member(bt_event_borrow_specific_context_field_const(e), cname);
		if (!f) {
			f = ctf_member(bt_event_borrow_common_context_field_const(e), cname);
		}
		if (!f && cname[0] == '_') {
			f = ctf_member(bt_event_borrow_specific_context_field_const(e), cname + 1);
			if (!f) {
				f = ctf_member(bt_event_borrow_common_context_field_const(e),
				               cname + 1);
			}
		}
	}
	if (!ctf_field_value(f, out)) {
		out->kind = VF_FIELD_ABSENT;
		return false;
	}
	return true;
}

static enum vf_status deliver_event(struct reader *r, struct port *p, const bt_message *m)
{
	const bt_event *e = bt_message_event_borrow_event_const(m);
	const bt_event_class *ec = bt_event_borrow_class_const(e);
	struct class_info *ci;
	struct vf_event *ev = &r->ev;
	struct vf_trace_info *info = r->info;
	uint32_t i;

	if (ec == r->last_ec) {
		ci = r->last_ci;
	} else {
		ci = vf_u64map_get(&r->classes, (uint64_t)(uintptr_t)ec);
		if (!ci && !(ci = class_info_new(r, ec))) {
			return r->err->status;
		}
		r->last_ec = ec;
		r->last_ci = ci;
	}
	ev->ts_ns = p->cur_ts;
	ev->cpu = p->cur_cpu;
	ev->kind = ci->kind;
	ev->name = ci->name;
	ev->pid = -1;
	ev->tid = -1;
	if (vf_stream_order_check(&p->order, ev, r->where, p->file, r->err) != VF_OK) {
		return r->err->status;
	}
	if (ci->sci->has_ctx) {
		const bt_field *ctx = bt_event_borrow_common_context_field_const(e);

		if (ci->sci->pid_index >= 0) {
			ev->pid = (int32_t)read_ctx_int(ctx, ci->sci->pid_index, ci->sci->pid_src);
		}
		if (ci->sci->tid_index >= 0) {
			ev->tid = (int32_t)read_ctx_int(ctx, ci->sci->tid_index, ci->sci->tid_src);
		}
	}
	memset(&ev->u, 0, sizeof(ev->u));
	if (ci->field_count) {
		const bt_field *payload = bt_event_borrow_payload_field_const(e);

		for (i = 0; i < ci->field_count; i++) {
			const struct resolved_field *rf = &ci->fields[i];
			const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(
			    payload, rf->member_index);
			char *dst = (char *)ev + rf->offset;

			switch (rf->src) {
			case SRC_UINT:
				store_int(dst, (enum dst_type)rf->dst,
				          bt_field_integer_unsigned_get_value(f));
				break;
			case SRC_SINT:
				store_int(dst, (enum dst_type)rf->dst,
				          (uint64_t)bt_field_integer_signed_get_value(f));
				break;
			case SRC_BOOL:
				store_int(dst, (enum dst_type)rf->dst, bt_field_bool_get_value(f));
				break;
			case SRC_STRING: {
				uint64_t len = bt_field_string_get_length(f);

				if (len > VF_COMM_LEN - 1) {
					len = VF_COMM_LEN - 1;
				}
				memcpy(dst, bt_field_string_get_value(f), len);
				dst[len] = '\0';
				break;
			}
			case SRC_ARRAY:
				copy_char_array(dst, f);
				break;
			default:
				break;
			}
		}
	}
	if (ci->kind == VF_EV_KVM_EXIT) {
		ev->u.kvm_exit.has_vcpu_id = ci->has_vcpu_id;
	}

	if (info->event_count == 0) {
		info->begin_ns = ev->ts_ns;
	}
	info->end_ns = ev->ts_ns;
	info->event_count++;
	if (ci->is_kvm) {
		info->kvm_event_count++;
	} else if (ci->kind == VF_EV_OTHER) {
		info->other_event_count++;
	}
	if (r->part) {
		struct vf_ctf_item item = {.ev = ev, .port = r->global_port[p - r->ports]};

		return r->part->item(r->part->user, &item, r->err);
	}
	if (r->cbs->event) {
		enum vf_status st = r->cbs->event(r->cbs->user, ev, r->err);

		if (st != VF_OK || !r->generic) {
			return st;
		}
	}
	if (r->generic) {
		struct vf_generic_event g = {.ev = ev,
		                             .name = ev->name,
		                             .ts = ev->ts_ns,
		                             .impl = (void *)e,
		                             .field = ctf_field};

		return r->generic(r->cbs->user, &g, r->err);
	}
	return VF_OK;
}

static enum vf_status deliver_discarded(struct reader *r, struct port *p, const bt_message *m)
{
	uint64_t count = 0;
	int64_t end_ns = p->cur_ts;

	if (bt_message_discarded_events_get_count(m, &count) !=
	    BT_PROPERTY_AVAILABILITY_AVAILABLE) {
		count = 0; /* the tracer said "some": the interval is still worth reporting */
	}
	if (p->sci && p->sci->discarded_cs &&
	    snapshot_ns(r, bt_message_discarded_events_borrow_end_default_clock_snapshot_const(m),
	                &end_ns) != VF_OK) {
		return r->err->status;
	}
	r->info->discarded_count += count;
	if (r->part) {
		struct vf_ctf_item item = {.port = r->global_port[p - r->ports],
		                           .cpu = p->cur_cpu,
		                           .count = count,
		                           .begin_ns = p->cur_ts,
		                           .end_ns = end_ns};

		return r->part->item(r->part->user, &item, r->err);
	}
	if (r->cbs->discarded) {
		return r->cbs->discarded(r->cbs->user, p->cur_cpu, count, p->cur_ts, end_ns,
		                         r->err);
	}
	return VF_OK;
}

static bt_component_class_sink_consume_method_status fail_status(struct reader *r)
{
	if (r->err->status == VF_OK) {
		VF_ERROR_SET(r->err, VF_ERR_INTERNAL, r->where, "the trace reader failed");
	}
	return r->err->status == VF_ERR_NOMEM
	           ? BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_MEMORY_ERROR
	           : BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
}

static bt_component_class_sink_consume_method_status sink_consume(bt_self_component_sink *self)
{
	struct reader *r =
	    bt_self_component_get_data(bt_self_component_sink_as_self_component(self));
	uint64_t i;
	uint32_t budget;

	/* The minimum is known only once every live port has its current item. */
	for (i = 0; i < r->port_count; i++) {
		struct port *p = &r->ports[i];

		if (p->state != PORT_PENDING) {
			continue;
		}
		switch (port_advance(r, p)) {
		case ADV_ITEM:
			p->state = PORT_IN_HEAP;
			heap_push(r, (uint32_t)i);
			break;
		case ADV_ENDED:
			p->state = PORT_DONE;
			break;
		case ADV_AGAIN:
			return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_AGAIN;
		default:
			return fail_status(r);
		}
	}

	for (budget = CONSUME_BUDGET; budget > 0 && r->heap_len > 0; budget--) {
		uint32_t pi = r->heap[0];
		struct port *p = &r->ports[pi];
		const bt_message *m = p->msgs[p->idx];
		enum vf_status st;

		if (bt_message_get_type(m) == BT_MESSAGE_TYPE_EVENT) {
			st = deliver_event(r, p, m);
		} else {
			st = deliver_discarded(r, p, m);
		}
		bt_message_put_ref(m);
		p->idx++;
		if (st != VF_OK) {
			return fail_status(r);
		}
		switch (port_advance(r, p)) {
		case ADV_ITEM:
			heap_sift_down(r, 0);
			break;
		case ADV_ENDED:
			p->state = PORT_DONE;
			heap_remove_top(r);
			break;
		case ADV_AGAIN:
			p->state = PORT_PENDING;
			heap_remove_top(r);
			return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_AGAIN;
		default:
			return fail_status(r);
		}
	}
	return r->heap_len > 0 ? BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK
	                       : BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END;
}

static bt_component_class_initialize_method_status
sink_initialize(bt_self_component_sink *self, bt_self_component_sink_configuration *config,
                const bt_value *params, void *init_data)
{
	struct reader *r = init_data;
	uint64_t i;

	(void)config;
	(void)params;
	bt_self_component_set_data(bt_self_component_sink_as_self_component(self), r);
	for (i = 0; i < r->port_count; i++) {
		char name[32];

		snprintf(name, sizeof(name), "in%" PRIu64, i);
		if (bt_self_component_sink_add_input_port(self, name, NULL, NULL) !=
		    BT_SELF_COMPONENT_ADD_PORT_STATUS_OK) {
			return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
		}
	}
	return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK;
}

static bt_component_class_sink_graph_is_configured_method_status
sink_graph_is_configured(bt_self_component_sink *self)
{
	struct reader *r =
	    bt_self_component_get_data(bt_self_component_sink_as_self_component(self));
	uint64_t i;

	for (i = 0; i < r->port_count; i++) {
		if (bt_message_iterator_create_from_sink_component(
		        self, bt_self_component_sink_borrow_input_port_by_index(self, i),
		        &r->ports[i].it) !=
		    BT_MESSAGE_ITERATOR_CREATE_FROM_SINK_COMPONENT_STATUS_OK) {
			return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_ERROR;
		}
	}
	return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_OK;
}

/* ---- the graph ---- */

static bt_logging_level bt_level(void)
{
	if (vf_log_current_level >= VF_LOG_LEVEL_TRACE) {
		return BT_LOGGING_LEVEL_INFO;
	}
	if (vf_log_current_level >= VF_LOG_LEVEL_DEBUG) {
		return BT_LOGGING_LEVEL_WARNING;
	}
	return BT_LOGGING_LEVEL_NONE;
}

/* Puts what the merge still holds: unread messages of each batch and the iterators. */
static void release_ports(struct reader *r)
{
	uint64_t i;

	for (i = 0; r->ports && i < r->port_count; i++) {
		struct port *p = &r->ports[i];

		for (; p->idx < p->count; p->idx++) {
			bt_message_put_ref(p->msgs[p->idx]);
		}
		bt_message_iterator_put_ref(p->it);
		p->it = NULL;
		free(p->file);
		p->file = NULL;
	}
}

/*
 * libbabeltrace2 2.0 is not thread-safe for the objects two graphs could
 * share: reference counts are plain integers and the plugin registry is
 * process-global. So each part of a parallel read (ctf_parallel.c) loads the
 * `ctf` plugin itself - its own plugin, component and message iterator
 * classes - and loads and releases it under this lock; its graph shares no
 * other object with the other parts. (Sharing one plugin object between the
 * parts corrupted the heap now and then: concurrent ref/unref.)
 */
static pthread_mutex_t plugin_lock = PTHREAD_MUTEX_INITIALIZER;

static enum vf_status find_ctf_plugin(const bt_plugin **ctf, struct vf_error *err)
{
	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, ctf) !=
	    BT_PLUGIN_FIND_STATUS_OK) {
		bt_current_thread_clear_error();
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL,
		             "the babeltrace2 `ctf` plugin is not installed (package babeltrace2)");
		return VF_ERR_INTERNAL;
	}
	return VF_OK;
}

static enum vf_status run_graph(struct reader *r, const char *trace_dir)
{
	bt_logging_level level = bt_level();
	const bt_plugin *ctf = NULL;
	const bt_component_class_source *fs;
	bt_component_class_sink *sink_class = NULL;
	bt_graph *graph = NULL;
	bt_value *params = NULL;
	bt_value *inputs = NULL;
	const bt_component_source *src = NULL;
	const bt_component_sink *sink = NULL;
	bt_graph_run_status rs;
	enum vf_status status = VF_OK;
	uint64_t i, k, src_ports;

	if (!r->part) {
		bt_logging_set_global_level(level); /* a part's caller did that before the threads */
	}
	pthread_mutex_lock(&plugin_lock);
	status = find_ctf_plugin(&ctf, r->err);
	pthread_mutex_unlock(&plugin_lock);
	if (status != VF_OK) {
		vf_error_set_where(r->err, "%s", r->where);
		return status;
	}
	fs = bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs");
	graph = bt_graph_create(0);
	params = bt_value_map_create();
	sink_class = bt_component_class_sink_create("vmflow-reader", sink_consume);
	if (!fs || !graph || !params || !sink_class ||
	    bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) !=
	        BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK ||
	    bt_value_array_append_string_element(inputs, trace_dir) !=
	        BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK ||
	    bt_component_class_sink_set_initialize_method(sink_class, sink_initialize) !=
	        BT_COMPONENT_CLASS_SET_METHOD_STATUS_OK ||
	    bt_component_class_sink_set_graph_is_configured_method(
	        sink_class, sink_graph_is_configured) != BT_COMPONENT_CLASS_SET_METHOD_STATUS_OK) {
		set_bt_error(r->err, VF_ERR_NOMEM, r->where, "cannot set up babeltrace2", NULL);
		status = r->err->status;
		goto end;
	}
	if (bt_graph_add_source_component(graph, fs, "src", params, level, &src) !=
	    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		char root[384];
		char file[256];

		take_bt_error(r->where, root, sizeof(root), file, sizeof(file));
		if (file[0]) {
			VF_ERROR_SET(r->err, VF_ERR_INPUT, r->where,
			             "not a readable CTF trace: %s (in %s)", root, file);
		} else if (root[0] && strncmp(root, "cannot create trace for", 23) != 0) {
			VF_ERROR_SET(r->err, VF_ERR_INPUT, r->where, "not a readable CTF trace: %s",
			             root);
		} else {
			set_metadata_error(r->err, trace_dir);
		}
		status = r->err->status;
		goto end;
	}
	src_ports = bt_component_source_get_output_port_count(src);
	if (src_ports == 0) {
		VF_ERROR_SET(r->err, VF_ERR_INPUT, r->where,
		             "the trace holds no event data (no non-empty data stream file)");
		status = VF_ERR_INPUT;
		goto end;
	}
	/* A part reads the ports i % part_count == part_index; the others stay unconnected. */
	r->port_count = 0;
	for (i = 0; i < src_ports; i++) {
		r->port_count += !r->part || i % r->part->part_count == r->part->part_index;
	}
	if (r->port_count == 0) {
		goto end; /* more parts than ports: nothing to read here */
	}
	r->ports = calloc(r->port_count, sizeof(*r->ports));
	r->heap = calloc(r->port_count, sizeof(*r->heap));
	r->global_port = calloc(r->port_count, sizeof(*r->global_port));
	if (!r->ports || !r->heap || !r->global_port) {
		VF_ERROR_SET(r->err, VF_ERR_NOMEM, r->where, "out of memory");
		status = VF_ERR_NOMEM;
		goto end;
	}
	if (bt_graph_add_sink_component_with_initialize_method_data(graph, sink_class, "vmflow",
	                                                            NULL, r, level, &sink) !=
	    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		set_bt_error(r->err, VF_ERR_NOMEM, r->where, "cannot set up babeltrace2", NULL);
		status = r->err->status;
		goto end;
	}
	for (i = 0, k = 0; i < src_ports; i++) {
		if (r->part && i % r->part->part_count != r->part->part_index) {
			continue;
		}
		r->global_port[k] = (uint32_t)i;
		if (bt_graph_connect_ports(
		        graph, bt_component_source_borrow_output_port_by_index_const(src, i),
		        bt_component_sink_borrow_input_port_by_index_const(sink, k++),
		        NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
			set_bt_error(r->err, VF_ERR_INTERNAL, r->where,
			             "cannot connect the trace source", NULL);
			status = r->err->status;
			goto end;
		}
	}
	do {
		rs = bt_graph_run(graph);
	} while (rs == BT_GRAPH_RUN_STATUS_AGAIN);
	if (rs != BT_GRAPH_RUN_STATUS_OK) {
		/* Our own error (a callback, a refused trace) wins over what bt2 adds to it. */
		if (r->err->status != VF_OK) {
			bt_current_thread_clear_error();
		} else {
			set_bt_error(r->err,
			             rs == BT_GRAPH_RUN_STATUS_MEMORY_ERROR ? VF_ERR_NOMEM
			                                                    : VF_ERR_INPUT,
			             r->where, "cannot read the trace", NULL);
		}
		status = r->err->status;
	}
end:
	if (r->part && r->part->drained) {
		r->part->drained(r->part->user); /* event names stay valid until it returns */
	}
	release_ports(r);
	pthread_mutex_lock(&plugin_lock); /* the last puts unregister the plugin's classes */
	bt_graph_put_ref(graph);
	bt_component_class_sink_put_ref(sink_class);
	bt_value_put_ref(params);
	bt_plugin_put_ref(ctf);
	pthread_mutex_unlock(&plugin_lock);
	bt_current_thread_clear_error();
	return status;
}

static void free_caches(struct reader *r)
{
	size_t cur = 0;
	uint64_t key;
	void *value;

	while (vf_u64map_next(&r->classes, &cur, &key, &value)) {
		free(value);
	}
	cur = 0;
	while (vf_u64map_next(&r->sclasses, &cur, &key, &value)) {
		free(value);
	}
	vf_u64map_fini(&r->classes);
	vf_u64map_fini(&r->sclasses);
}

void vf_trace_info_init(struct vf_trace_info *info)
{
	memset(info, 0, sizeof(*info));
	info->begin_ns = INT64_MAX;
	info->end_ns = INT64_MIN;
	info->naming = VF_NAMING_LTTNG_2_13;
}

/*
 * libbabeltrace2 2.0.4 aborts the whole process (BT_ASSERT) on some corrupt packet
 * headers while src.ctf.fs indexes the stream files, e.g. a content_size above 2^63
 * (tests/fuzz/corpus/ctf_stream/bt2-negative-content-size). Indexing reads only packet
 * headers and contexts, so it is cheap to run once in a child process first: if the
 * child dies, the trace is reported as corrupt instead of vmflow dying with it.
 */
static enum vf_status probe_indexing(const char *trace_dir, struct vf_error *err)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		return VF_OK; /* cannot probe: read directly, as babeltrace2 itself would */
	}
	if (pid == 0) {
		const bt_plugin *ctf = NULL;
		const bt_component_class_source *fs;
		const bt_component_source *src = NULL;
		bt_graph *graph;
		bt_value *params, *inputs = NULL;
		int devnull = open("/dev/null", O_WRONLY);

		if (devnull >= 0) {
			dup2(devnull, STDERR_FILENO);
			dup2(devnull, STDOUT_FILENO);
		}
		bt_logging_set_global_level(BT_LOGGING_LEVEL_NONE);
		if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &ctf) !=
		    BT_PLUGIN_FIND_STATUS_OK) {
			_exit(0);
		}
		fs = bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs");
		graph = bt_graph_create(0);
		params = bt_value_map_create();
		if (fs && graph && params &&
		    bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ==
		        BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK &&
		    bt_value_array_append_string_element(inputs, trace_dir) ==
		        BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK) {
			/* Errors are reported by the real run; only a crash matters here. */
			(void)bt_graph_add_source_component(graph, fs, "src", params,
			                                    BT_LOGGING_LEVEL_NONE, &src);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			return VF_OK;
		}
	}
	if (WIFSIGNALED(status)) {
		VF_ERROR_SET(
		    err, VF_ERR_INPUT, trace_dir,
		    "corrupt CTF stream: libbabeltrace2 aborted while indexing the packets "
		    "(signal %d; a packet header or context holds impossible sizes)",
		    WTERMSIG(status));
		return VF_ERR_INPUT;
	}
	return VF_OK;
}

enum vf_status vf_ctf_read(const char *path, const struct vf_reader_callbacks *cbs,
                           struct vf_trace_info *info, struct vf_error *err)
{
	return vf_ctf_read_generic(path, cbs, NULL, info, err);
}

/* Reads trace_dir (found and probed) with one graph: all ports, or part's. */
static enum vf_status read_found(const char *trace_dir, const struct vf_reader_callbacks *cbs,
                                 vf_generic_event_fn generic, const struct vf_ctf_part *part,
                                 struct vf_trace_info *info, struct vf_error *err)
{
	static const struct vf_reader_callbacks no_callbacks;
	struct reader r;
	enum vf_status status;

	memset(&r, 0, sizeof(r));
	r.cbs = cbs ? cbs : &no_callbacks;
	r.generic = generic;
	r.part = part;
	r.info = info;
	r.err = err;
	r.where = trace_dir;
	r.last_packet_end_ns = INT64_MIN;
	vf_u64map_init(&r.classes);
	vf_u64map_init(&r.sclasses);

	status = run_graph(&r, trace_dir);

	if (r.last_packet_end_ns > info->end_ns) {
		info->end_ns = r.last_packet_end_ns;
	}
	if (r.discarded_packet_count > 0 && !part) {
		VF_LOGW("The trace lost whole packets: path=%s, discarded_packets=%" PRIu64,
		        trace_dir, r.discarded_packet_count);
	}
	free_caches(&r);
	free(r.ports);
	free(r.heap);
	free(r.global_port);
	return status;
}

enum vf_status vf_ctf_read_part(const char *trace_dir, const struct vf_ctf_part *part,
                                struct vf_trace_info *info, struct vf_error *err)
{
	return read_found(trace_dir, NULL, NULL, part, info, err);
}

/*
 * How many graphs read a trace at once: VMFLOW_READ_THREADS if set (1 = one
 * graph on the caller's thread), else 2 when the machine has 2 CPUs or more.
 * Each part costs a graph that indexes every stream, so more than 4 rarely pays.
 */
static uint32_t read_parts(void)
{
	const char *env = getenv("VMFLOW_READ_THREADS");
	long cpus;

	if (env && *env) {
		long v = strtol(env, NULL, 10);

		return v < 1 ? 1 : v > 16 ? 16 : (uint32_t)v;
	}
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus >= 2 ? 2 : 1;
}

enum vf_status vf_ctf_read_generic(const char *path, const struct vf_reader_callbacks *cbs,
                                   vf_generic_event_fn generic, struct vf_trace_info *info,
                                   struct vf_error *err)
{
	enum vf_status status;
	uint32_t parts;

	vf_trace_info_init(info);
	status = vf_ctf_find_trace(path, info->path, sizeof(info->path), err);
	if (status != VF_OK) {
		return status;
	}
	status = probe_indexing(info->path, err);
	if (status != VF_OK) {
		return status;
	}
	parts = generic ? 1 : read_parts(); /* generic fields are read on the graph's thread */
	if (parts > 1) {
		char dir[sizeof(info->path)];

		bt_logging_set_global_level(bt_level());
		memcpy(dir, info->path, sizeof(dir));
		return vf_ctf_read_parallel(dir, cbs, parts, info, err);
	}
	return read_found(info->path, cbs, generic, NULL, info, err);
}
