/* SPDX-License-Identifier: MIT */
/*
 * event_check.h - the checks a trace reader applies to what it decodes, as
 * pure functions (no babeltrace2, no I/O), so every reader words the same
 * bad input the same way (docs/bad-input.md):
 *
 *  - vf_stream_order_check(): within one data stream, an event earlier than
 *    the previous event of the same stream is a corrupt stream (babeltrace2
 *    2.0's muxer refuses it too: "Youngest upstream message iterator
 *    wrapper's timestamp is less than muxer's message iterator's last
 *    returned timestamp"). Across streams, any order is legal: the reader
 *    merges. Equal timestamps are legal.
 *  - vf_event_check_field(): an event class vmflow interprets (by its name)
 *    whose payload lacks a field vmflow needs, or has a field vmflow reads
 *    with a type it cannot read (a string where an integer is expected, a
 *    structure, ...), is bad input: one line naming the class and the field.
 *    A field vmflow reads but can do without (kvm_x86_exit's vcpu_id before
 *    Linux 5.10, sched_switch's prev_prio, ...) may be missing.
 *
 * Owns nothing; the state of vf_stream_order is the caller's (one per
 * stream; all-zero means "nothing seen yet").
 */
#ifndef VMFLOW_INPUT_EVENT_CHECK_H
#define VMFLOW_INPUT_EVENT_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "vmflow/error.h"
#include "vmflow/event.h"

/* Per-stream ordering state: zero-initialise (memset/calloc) before the first event. */
struct vf_stream_order {
	bool seen;          /* an event of this stream was checked */
	int64_t last_ts_ns; /* its timestamp */
	uint64_t count;     /* events checked so far */
};

/*
 * Reports an event of the stream earlier than order->last_ts_ns (VF_ERR_INPUT, where =
 * trace): "<stream_file>: timestamps go backwards: <name> at <ts> ns (cpu <n>) is <d> ns
 * earlier than the previous event of this stream (<last> ns); the stream is corrupt"
 * (without stream_file, the message names the cpu). Called by vf_stream_order_check().
 */
enum vf_status vf_stream_order_error(const struct vf_stream_order *order, const struct vf_event *ev,
                                     const char *trace, const char *stream_file,
                                     struct vf_error *err);

/*
 * Checks that ev is not earlier than the previous event of its stream, then
 * records it. trace: the trace folder (the error's `where`); stream_file: the
 * stream's data file (may be NULL: the message then names the cpu only).
 * Returns VF_OK, or VF_ERR_INPUT (vf_stream_order_error()). Inline: one
 * comparison per event on the reader's hot path.
 */
static inline enum vf_status vf_stream_order_check(struct vf_stream_order *order,
                                                   const struct vf_event *ev, const char *trace,
                                                   const char *stream_file, struct vf_error *err)
{
	if (order->seen && ev->ts_ns < order->last_ts_ns) {
		return vf_stream_order_error(order, ev, trace, stream_file, err);
	}
	order->seen = true;
	order->last_ts_ns = ev->ts_ns;
	order->count++;
	return VF_OK;
}

/* How a field vmflow reads was found in an event class of the trace. */
enum vf_field_check {
	VF_FIELD_CHECK_OK = 0,
	VF_FIELD_CHECK_MISSING,    /* no payload member of that name */
	VF_FIELD_CHECK_WRONG_TYPE, /* a member of that name, of a type vmflow cannot read */
};

/* True if vmflow cannot interpret events of kind without the payload field `field`. */
bool vf_event_field_required(enum vf_event_kind kind, const char *field);

/* The fields vf_event_field_required() says yes to, NULL-terminated (an empty list if none). */
const char *const *vf_event_required_fields(enum vf_event_kind kind);

/*
 * Decides whether what the reader found for one field of an interpreted
 * class is bad input. kind/class_name: the class (its kind and its name in
 * the trace); field: the field's name as vmflow knows it (lttng-modules
 * 2.13, e.g. "exit_reason"); found_type: what the trace has instead, for the
 * message ("string", "structure", ...; may be NULL); wants_text: the field is
 * a name (comm), else an integer.
 * Returns VF_OK for VF_FIELD_CHECK_OK and for a missing optional field;
 * VF_ERR_INPUT (where = trace) for a missing required field and for any field
 * of the wrong type.
 */
enum vf_status vf_event_check_field(enum vf_event_kind kind, const char *class_name,
                                    const char *field, enum vf_field_check found,
                                    const char *found_type, bool wants_text, const char *trace,
                                    struct vf_error *err);

#endif /* VMFLOW_INPUT_EVENT_CHECK_H */
