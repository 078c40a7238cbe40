/* SPDX-License-Identifier: MIT */
/*
 * reader.h - read a host trace as a time-ordered stream of vf_event records.
 *
 * vf_trace_read() picks the reader from the path: a CTF trace folder (or a
 * folder holding exactly one CTF trace, e.g. an lttng session output
 * "<session>/kernel") goes through libbabeltrace2 (ctf_reader.c); a .xml file
 * through the Trace Compass stub reader (stub_reader.c).
 *
 * Events are delivered in global time order (ties: by cpu). Readers never know
 * about analyses: they call back, and stop at the first non-OK status a
 * callback returns (that status and err are returned).
 */
#ifndef VMFLOW_INPUT_READER_H
#define VMFLOW_INPUT_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "vmflow/error.h"
#include "vmflow/event.h"

/*
 * Generic event access (for data-driven analyses such as Trace Compass XML,
 * which need every field by name, not only those vmflow interprets).
 */
enum vf_field_kind {
	VF_FIELD_ABSENT = 0,
	VF_FIELD_INT32,  /* Java Integer (stub `int`, the CPU) */
	VF_FIELD_INT64,  /* Java Long (CTF integers, stub `long`) */
	VF_FIELD_DOUBLE, /* CTF floating point */
	VF_FIELD_STRING, /* s borrowed until the callback returns */
};

struct vf_field_value {
	enum vf_field_kind kind;
	int64_t i;
	double d;
	const char *s;
};

struct vf_generic_event {
	const struct vf_event *ev; /* the decoded record (kind may be VF_EV_OTHER) */
	const char *name;          /* event class name (pointer stable for the whole read) */
	int64_t ts;                /* timestamp, ns */
	void *impl;                /* reader-private */
	/*
	 * Looks a field up by name: payload fields, then "context.NAME" (or a bare
	 * context name). Returns false (out->kind = VF_FIELD_ABSENT) if absent.
	 */
	bool (*field)(const struct vf_generic_event *g, const char *name,
	              struct vf_field_value *out);
};

struct vf_reader_callbacks {
	void *user;
	enum vf_status (*event)(void *user, const struct vf_event *ev, struct vf_error *err);
	/* Optional: the tracer lost `count` events on `cpu` between begin_ns and end_ns. */
	enum vf_status (*discarded)(void *user, uint32_t cpu, uint64_t count, int64_t begin_ns,
				    int64_t end_ns, struct vf_error *err);
};

/* Called for every event (after cbs->event, if any) by vf_trace_read_generic(). */
typedef enum vf_status (*vf_generic_event_fn)(void *user, const struct vf_generic_event *gev,
					     struct vf_error *err);

/* What the reader learned about the trace; filled as far as known even on error. */
struct vf_trace_info {
	char path[4096];            /* the CTF trace folder actually read */
	char hostname[64];
	char domain[32];            /* env domain ("kernel" for lttng-modules) */
	char tracer_name[64];
	int64_t tracer_major;
	int64_t tracer_minor;
	char kernel_release[64];
	/* clock of the data streams (for a results trace on the same clock) */
	char clock_name[64];
	uint64_t clock_frequency;
	int64_t clock_offset_seconds;
	uint64_t clock_offset_cycles;
	bool clock_has_uuid;
	uint8_t clock_uuid[16];
	/* content */
	int64_t begin_ns;           /* first event (INT64_MAX if none) */
	int64_t end_ns;             /* last event (INT64_MIN if none) */
	uint64_t event_count;
	uint64_t kvm_event_count;
	uint64_t other_event_count; /* events of classes vmflow does not interpret */
	uint64_t discarded_count;
	uint32_t cpu_count;         /* highest cpu_id seen + 1 */
	uint32_t stream_count;
	bool has_pid_context;
	bool has_tid_context;
	enum vf_event_naming naming; /* legacy if kvm_entry/kvm_exit seen */
};

/* Resets info to "nothing read yet" (begin_ns INT64_MAX, end_ns INT64_MIN). */
void vf_trace_info_init(struct vf_trace_info *info);

enum vf_status vf_trace_read(const char *path, const struct vf_reader_callbacks *cbs,
			     struct vf_trace_info *info, struct vf_error *err);

/*
 * vf_trace_read() plus generic field access: generic (may be NULL) gets every
 * event with its fields by name; cbs->user is its user pointer. cbs->event may
 * be NULL.
 */
enum vf_status vf_trace_read_generic(const char *path, const struct vf_reader_callbacks *cbs,
				     vf_generic_event_fn generic, struct vf_trace_info *info,
				     struct vf_error *err);

/* The Trace Compass XML stub trace reader (TmfXmlDevelopmentTrace.xsd format). */
enum vf_status vf_stub_read(const char *path, const struct vf_reader_callbacks *cbs,
			    vf_generic_event_fn generic, struct vf_trace_info *info,
			    struct vf_error *err);

/* The libbabeltrace2 CTF reader itself (path: a CTF trace folder or a folder containing one). */
enum vf_status vf_ctf_read(const char *path, const struct vf_reader_callbacks *cbs,
			   struct vf_trace_info *info, struct vf_error *err);
/* Same, with generic field access (see vf_trace_read_generic()). */
enum vf_status vf_ctf_read_generic(const char *path, const struct vf_reader_callbacks *cbs,
				   vf_generic_event_fn generic, struct vf_trace_info *info,
				   struct vf_error *err);

#endif /* VMFLOW_INPUT_READER_H */
