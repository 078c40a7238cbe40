/* SPDX-License-Identifier: MIT */
/*
 * event_check.c - per-stream timestamp order and per-class field checks of
 * the trace readers (event_check.h).
 */
#include "input/event_check.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>

enum vf_status vf_stream_order_error(const struct vf_stream_order *order, const struct vf_event *ev,
                                     const char *trace, const char *stream_file,
                                     struct vf_error *err)
{
	const char *name = ev->name && ev->name[0] ? ev->name : "an event";
	/* The difference of two int64 can overflow int64, not uint64. */
	uint64_t back = (uint64_t)order->last_ts_ns - (uint64_t)ev->ts_ns;

	if (stream_file && stream_file[0]) {
		VF_ERROR_SET(err, VF_ERR_INPUT, trace,
		             "%s: timestamps go backwards: %s at %" PRId64 " ns (cpu %" PRIu32
		             ") is %" PRIu64
		             " ns earlier than the previous event of this stream (%" PRId64
		             " ns); the stream is corrupt",
		             stream_file, name, ev->ts_ns, ev->cpu, back, order->last_ts_ns);
	} else {
		VF_ERROR_SET(err, VF_ERR_INPUT, trace,
		             "timestamps go backwards in the stream of cpu %" PRIu32
		             ": %s at %" PRId64 " ns is %" PRIu64
		             " ns earlier than the previous event of that stream (%" PRId64
		             " ns); the stream is corrupt",
		             ev->cpu, name, ev->ts_ns, back, order->last_ts_ns);
	}
	return VF_ERR_INPUT;
}

/* The payload fields without which an interpreted class means nothing. */
struct required_row {
	enum vf_event_kind kind;
	const char *const fields[4]; /* NULL-terminated */
};

static const struct required_row required[] = {
    {VF_EV_SCHED_SWITCH, {"prev_tid", "prev_state", "next_tid", NULL}},
    {VF_EV_SCHED_WAKING, {"tid", NULL}},
    {VF_EV_SCHED_WAKEUP, {"tid", NULL}},
    {VF_EV_SCHED_WAKEUP_NEW, {"tid", NULL}},
    {VF_EV_SCHED_TTWU, {"tid", NULL}},
    {VF_EV_SCHED_PROCESS_FORK, {"child_tid", "child_pid", NULL}},
    {VF_EV_SCHED_PROCESS_EXIT, {"tid", NULL}},
    {VF_EV_STATEDUMP_PROCESS_STATE, {"tid", "pid", NULL}},
    {VF_EV_KVM_ENTRY, {"vcpu_id", NULL}},
    {VF_EV_KVM_EXIT, {"exit_reason", "isa", NULL}},
    {VF_EV_KVM_INJ_VIRQ, {"irq", NULL}},
    {VF_EV_KVM_APIC_ACCEPT_IRQ, {"apicid", "vec", NULL}},
    {VF_EV_KVM_CR, {"rw", "cr", "val", NULL}},
    {VF_EV_ADDONS_VCPU_ENTER_GUEST, {"vcpu_id", "cr3", NULL}},
};

const char *const *vf_event_required_fields(enum vf_event_kind kind)
{
	static const char *const none[] = {NULL};
	size_t i;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (required[i].kind == kind) {
			return required[i].fields;
		}
	}
	return none;
}

bool vf_event_field_required(enum vf_event_kind kind, const char *field)
{
	const char *const *names = vf_event_required_fields(kind);
	size_t j;

	for (j = 0; field && names[j]; j++) {
		if (strcmp(names[j], field) == 0) {
			return true;
		}
	}
	return false;
}

enum vf_status vf_event_check_field(enum vf_event_kind kind, const char *class_name,
                                    const char *field, enum vf_field_check found,
                                    const char *found_type, bool wants_text, const char *trace,
                                    struct vf_error *err)
{
	const char *cls = class_name && class_name[0] ? class_name : "(unnamed)";
	const char *want = wants_text ? "a string or a char array" : "an integer";

	switch (found) {
	case VF_FIELD_CHECK_MISSING:
		if (!vf_event_field_required(kind, field)) {
			return VF_OK;
		}
		VF_ERROR_SET(
		    err, VF_ERR_INPUT, trace,
		    "event class `%s` has no field `%s`: vmflow cannot interpret its events "
		    "without it (not the lttng-modules layout)",
		    cls, field);
		return VF_ERR_INPUT;
	case VF_FIELD_CHECK_WRONG_TYPE:
		if (found_type && found_type[0]) {
			VF_ERROR_SET(err, VF_ERR_INPUT, trace,
			             "event class `%s`: field `%s` is %s, vmflow needs %s", cls,
			             field, found_type, want);
		} else {
			VF_ERROR_SET(err, VF_ERR_INPUT, trace,
			             "event class `%s`: field `%s` has a type vmflow cannot read "
			             "(it needs %s)",
			             cls, field, want);
		}
		return VF_ERR_INPUT;
	default:
		return VF_OK;
	}
}
