/* SPDX-License-Identifier: MIT */
/*
 * model.h - the compiled form of a Trace Compass XML analysis file (what
 * load.c produces from the DOM and eval.c / pattern.c / view.c run), the
 * typed state values, and the state system (state_system.c) they write.
 *
 * Semantics follow shared/docs/tracecompass-xml.md (Trace Compass v11.3):
 * every construct keeps the XML line it came from so runtime errors name it.
 */
#ifndef VMFLOW_TCXML_MODEL_H
#define VMFLOW_TCXML_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/strtab.h"
#include "common/u64map.h"
#include "input/reader.h"
#include "vmflow/error.h"

/* ---- typed values (Java Integer / Long / Double / String / null) ---- */

enum vf_tcv_type {
	VF_TCV_NULL = 0,
	VF_TCV_INT,    /* 32-bit, Java Integer */
	VF_TCV_LONG,   /* 64-bit, Java Long */
	VF_TCV_DOUBLE, /* Java Double */
	VF_TCV_STRING, /* s is interned in the state system's string table */
};

/* 16 bytes: the payload is a union, read according to type only. */
struct vf_tcv {
	uint8_t type;
	union {
		int64_t i;
		double d;
		const char *s;
	};
};

/* "null", "int", "long", "double", "string". */
const char *vf_tcv_type_name(int type);
/* Java equals(): same type and same value (doubles: same bits). */
bool vf_tcv_equal(const struct vf_tcv *a, const struct vf_tcv *b);
/* Java String.valueOf() into buf ("null" for null, Double as Java prints it). */
const char *vf_tcv_to_string(const struct vf_tcv *v, char *buf, size_t size);
/* Java Double.toString(). */
void vf_tcv_format_double(double d, char *buf, size_t size);

/* ---- state system (state_system.c) ---- */

#define VF_TCSS_ROOT 0u
#define VF_TCSS_NONE UINT32_MAX
#define VF_TCSS_MAX_STACK 100000

struct vf_tcss_interval {
	int64_t start;
	int64_t end; /* inclusive, as in Trace Compass */
	struct vf_tcv v;
};

struct vf_tcss_attr {
	uint32_t name; /* string id in ss->strings */
	uint32_t parent;
	uint32_t first_child, last_child, next_sibling;
	uint32_t child_count;
	uint8_t lock_type; /* VF_TCV_NULL until the first non-null write */
	struct vf_tcv cur;
	int64_t cur_start;
	struct vf_tcss_interval *iv; /* owned, closed intervals in time order */
	size_t iv_count, iv_cap;
};

struct vf_tcss_future {
	int64_t t;
	uint64_t seq;
	uint32_t quark;
	uint8_t op; /* 0 modify, 1 push, 2 pop */
	int line;
	struct vf_tcv v;
};

struct vf_tcss {
	struct vf_strtab strings;  /* attribute names and string values */
	struct vf_tcss_attr *attrs; /* attrs[0] is the hidden root */
	uint32_t attr_count, attr_cap;
	struct vf_u64map children; /* (parent, name id) -> quark + 1 */
	int64_t start;             /* INT64_MIN until the first event */
	int64_t end;               /* set by close */
	bool closed;
	struct vf_tcss_future *fut; /* min-heap on (t, seq) */
	size_t fut_count, fut_cap;
	uint64_t fut_seq;
	const char *file; /* borrowed, analysis file name for errors */
};

void vf_tcss_init(struct vf_tcss *ss, const char *file);
void vf_tcss_fini(struct vf_tcss *ss);
const char *vf_tcss_intern(struct vf_tcss *ss, const char *s);
/* Child of parent named name; created when create is true (else VF_TCSS_NONE if absent). */
uint32_t vf_tcss_child(struct vf_tcss *ss, uint32_t parent, const char *name, bool create);
const char *vf_tcss_name(const struct vf_tcss *ss, uint32_t quark);
/* '/'-joined path from the root. */
void vf_tcss_path(const struct vf_tcss *ss, uint32_t quark, char *buf, size_t size);
/* Looks a '/'-separated path up without creating anything. */
uint32_t vf_tcss_find(struct vf_tcss *ss, const char *path);
enum vf_status vf_tcss_modify(struct vf_tcss *ss, int64_t t, uint32_t q, const struct vf_tcv *v,
                              int line, struct vf_error *err);
void vf_tcss_update_ongoing(struct vf_tcss *ss, uint32_t q, const struct vf_tcv *v);
enum vf_status vf_tcss_push(struct vf_tcss *ss, int64_t t, uint32_t q, const struct vf_tcv *v,
                            int line, struct vf_error *err);
enum vf_status vf_tcss_pop(struct vf_tcss *ss, int64_t t, uint32_t q, int line,
                           struct vf_error *err);
enum vf_status vf_tcss_remove(struct vf_tcss *ss, int64_t t, uint32_t q, int line,
                              struct vf_error *err);
/* Top of the stack at q (ongoing). */
struct vf_tcv vf_tcss_stack_top(struct vf_tcss *ss, uint32_t q);
void vf_tcss_future_add(struct vf_tcss *ss, int64_t t, uint32_t q, int op, const struct vf_tcv *v,
                        int line);
/* Applies every future change with time <= t (all when t == INT64_MAX). */
enum vf_status vf_tcss_future_flush(struct vf_tcss *ss, int64_t t, struct vf_error *err);
/* closeHistory(t): ends every ongoing interval (see tracecompass-xml.md §2). */
void vf_tcss_close(struct vf_tcss *ss, int64_t t);
/* After close: the interval of q holding t, or NULL. */
const struct vf_tcss_interval *vf_tcss_query(const struct vf_tcss *ss, uint32_t q, int64_t t);
/* Writes states.tsv (design §4 contract: non-null intervals, end exclusive). */
enum vf_status vf_tcss_write_states(struct vf_tcss *ss, FILE *fp, struct vf_error *err);
/* Writes the typed companion: path, start, end (exclusive), type, value; nulls included. */
enum vf_status vf_tcss_write_typed(struct vf_tcss *ss, FILE *fp, struct vf_error *err);

/* ---- compiled analysis ---- */

enum vf_tcx_attr_kind {
	VF_TCX_A_CONSTANT,
	VF_TCX_A_EVENTFIELD,
	VF_TCX_A_EVENTNAME,
	VF_TCX_A_QUERY,
	VF_TCX_A_POOL,
	VF_TCX_A_NULL,
};

struct vf_tcx_path;

struct vf_tcx_attr {
	uint8_t kind;
	const char *str;          /* constant (interned) or field name */
	struct vf_tcx_path *sub;  /* query */
	int line;
};

struct vf_tcx_path {
	struct vf_tcx_attr *el; /* owned */
	size_t count;
	bool scenario;          /* contained #CurrentScenario */
};

enum vf_tcx_value_kind {
	VF_TCX_V_CONST, /* null/int/long/string/delete constant in .c */
	VF_TCX_V_EVENTFIELD,
	VF_TCX_V_EVENTNAME,
	VF_TCX_V_QUERY,
	VF_TCX_V_PEEK,
	VF_TCX_V_SCRIPT,
};

enum vf_tcx_stack { VF_TCX_STACK_NONE, VF_TCX_STACK_PUSH, VF_TCX_STACK_POP, VF_TCX_STACK_POPALL,
                    VF_TCX_STACK_PEEK };

struct vf_tcx_value {
	uint8_t kind;
	struct vf_tcv c;
	const char *field;
	struct vf_tcx_path *path; /* query / peek */
	int mapping;              /* index in the analysis' mapping groups, -1 none */
	int forced;               /* VF_TCV_* or -1 */
	bool increment, update;
	uint8_t stack;
	int line;
};

struct vf_tcx_mapping {
	char *id;
	struct vf_tcx_value *from, *to; /* owned arrays of entry_count */
	size_t entry_count;
};

enum vf_tcx_cond_kind {
	VF_TCX_C_CMP,
	VF_TCX_C_NOT,
	VF_TCX_C_AND,
	VF_TCX_C_OR,
	VF_TCX_C_TIMERANGE,
	VF_TCX_C_ELAPSED,
};

enum vf_tcx_op { VF_TCX_EQ, VF_TCX_NE, VF_TCX_GE, VF_TCX_GT, VF_TCX_LE, VF_TCX_LT };

struct vf_tcx_cond {
	uint8_t kind;
	uint8_t op;
	struct vf_tcx_value left, right;  /* CMP */
	struct vf_tcx_cond *kids;         /* NOT/AND/OR, owned */
	size_t kid_count;
	int64_t begin, end;               /* TIMERANGE (ns) */
	bool out;                         /* TIMERANGE out / ELAPSED direction below */
	int elapsed_op;                   /* -1 less, 0 equal, 1 more */
	int64_t elapsed_ns;
	char *since;                      /* ELAPSED state id */
	int line;
};

struct vf_tcx_segfield {
	char *name;
	int type; /* VF_TCV_* (NULL type: keep as is) */
	struct vf_tcx_value value;
};

struct vf_tcx_segment {
	bool has_name_value;
	char *name;                 /* constant segName */
	struct vf_tcx_value name_value;
	bool has_begin, has_end, has_duration;
	struct vf_tcx_value begin, end, duration;
	struct vf_tcx_segfield *fields;
	size_t field_count;
	int line;
};

enum vf_tcx_change_kind { VF_TCX_SC_ASSIGN, VF_TCX_SC_IF, VF_TCX_SC_SEGMENT, VF_TCX_SC_NOP };

struct vf_tcx_change {
	uint8_t kind;
	struct vf_tcx_path path;
	struct vf_tcx_value value;
	bool has_future;
	struct vf_tcx_value future;
	struct vf_tcx_cond cond;
	struct vf_tcx_change *then_c, *else_c; /* owned, may be NULL */
	struct vf_tcx_segment *seg;            /* owned */
	int line;
};

struct vf_tcx_handler {
	char *event;   /* eventName attribute */
	void *regex;   /* compiled regex_t, NULL for a plain glob */
	struct vf_tcx_change *changes;
	size_t change_count;
	int line;
};

/* pattern model */
struct vf_tcx_test {
	char *id;
	struct vf_tcx_cond cond;
	int line;
};

struct vf_tcx_action {
	char *id;
	struct vf_tcx_change *changes; /* stateChange or segment, nested actions inlined */
	size_t change_count;
	int line;
};

struct vf_tcx_event_match {
	char **alts; /* NULL means every event */
	void **regexes;
	size_t alt_count;
};

struct vf_tcx_transition {
	struct vf_tcx_event_match ev;
	int *conds; size_t cond_count;   /* test indexes */
	int *actions; size_t action_count;
	int target;                      /* state index in the fsm */
	char *target_id;
	int line;
};

struct vf_tcx_state {
	char *id;
	int onentry_count, onexit_count;
	int *onentry, *onexit; /* action indexes */
	struct vf_tcx_transition *tr;
	size_t tr_count;
	int line;
};

struct vf_tcx_precond {
	struct vf_tcx_event_match ev;
	int *conds; size_t cond_count;
};

struct vf_tcx_fsm {
	char *id;
	bool multiple, consuming;
	struct vf_tcx_state *states;
	size_t state_count;
	int initial; /* state index */
	struct vf_tcx_precond *pre;
	size_t pre_count;
	int line;
};

/* views */
enum vf_tcx_vattr_kind { VF_TCX_VA_CONSTANT, VF_TCX_VA_QUERY, VF_TCX_VA_SELF };
struct vf_tcx_vpath {
	struct vf_tcx_vattr { uint8_t kind; char *str; struct vf_tcx_vpath *sub; } *el;
	size_t count;
};

struct vf_tcx_ventry {
	char *path;        /* '/'-separated, may hold '*' and $n */
	char *analysis_id; /* NULL: the view's analysis */
	bool has_display, has_id, has_parent, has_name;
	struct vf_tcx_vpath display, id, parent, name;
	bool delta;
	struct vf_tcx_ventry *kids;
	size_t kid_count;
	int line;
};

struct vf_tcx_view {
	char *id;
	bool xy;
	char **analyses; size_t analysis_count;
	char *label;
	struct vf_tcx_ventry *entries;
	size_t entry_count;
	int line;
};

enum vf_tcx_kind { VF_TCX_PROVIDER, VF_TCX_PATTERN };

struct vf_tcx_defined {
	char *name;
	char *value;
};

struct vf_tcx_analysis {
	uint8_t kind;
	char *id;
	char *label;
	int line;
	struct vf_tcx_mapping *mappings;
	size_t mapping_count;
	struct vf_tcx_handler *handlers; /* provider */
	size_t handler_count;
	/* pattern */
	struct vf_tcx_test *tests; size_t test_count;
	struct vf_tcx_action *actions; size_t action_count;
	struct vf_tcx_fsm *fsms; size_t fsm_count;
	int *initial_fsms; size_t initial_count; /* NULL + 0: all */
	bool has_initial_list;
	char **trace_types; size_t trace_type_count; /* head/traceType ids */
};

/* One diagnostic of the loader: "file:line: message". */
struct vf_tcx_diag {
	int line;
	bool warning;
	char msg[400];
};

struct vf_tcx_file {
	char *path;
	struct vf_strtab strings; /* constants */
	struct vf_tcx_analysis *analyses;
	size_t analysis_count;
	struct vf_tcx_view *views;
	size_t view_count;
	struct vf_tcx_diag *diags;
	size_t diag_count, diag_cap;
	size_t error_count;
	bool allow_script; /* compile script values as null (with a warning) instead of failing */
};

/* load.c */
struct vf_tcx_load_opts {
	const char *xsd_dir;   /* NULL: vf_tcxml_default_xsd_dir() */
	bool skip_schema;      /* semantic checks only */
	bool schema_only;      /* schema validation only: no compile */
	bool allow_script;     /* script values compile to null, with a warning */
	const char *extension_xsd; /* optional extension schema (the `extra` group), e.g. a plug-in's */
};

/*
 * Parses (safely), validates and compiles every analysis and view of path.
 * Returns a new file (free with vf_tcx_file_free) even when compile errors
 * were found (see ->diags / ->error_count); NULL with err set when the
 * document cannot be read, is not well-formed or fails the schema.
 */
struct vf_tcx_file *vf_tcx_load(const char *path, const struct vf_tcx_load_opts *opts,
                                struct vf_error *err);
/* Same, from a memory buffer (used by the fuzzer); name is used in messages. */
struct vf_tcx_file *vf_tcx_load_memory(const char *buf, size_t len, const char *name,
                                       const struct vf_tcx_load_opts *opts,
                                       struct vf_error *err);
void vf_tcx_file_free(struct vf_tcx_file *f);
/* The analysis with that id (the last one, like Trace Compass), or the first when id is NULL. */
const struct vf_tcx_analysis *vf_tcx_find(const struct vf_tcx_file *f, const char *id);
const struct vf_tcx_view *vf_tcx_find_view(const struct vf_tcx_file *f, const char *id);
/*
 * Whether Trace Compass would apply analysis a to a trace of this kind
 * (stub: the XML stub trace; else an LTTng kernel CTF trace): true when it
 * lists no traceType or one whose class the trace is (tracecompass-xml.md §8).
 */
bool vf_tcx_applies_to(const struct vf_tcx_analysis *a, bool stub);
/* Matches a Trace Compass event-name regex ('*' -> '.*', full match). */
bool vf_tcx_name_match(const char *pattern, void *regex, const char *name);

/* ---- running (eval.c, pattern.c) ---- */

struct vf_tcx_segment_out {
	int64_t start, end;
	char *name;
	char *content; /* "{name:type=value, ...}" or "{}" */
};

struct vf_tcx_run;

struct vf_tcx_run_opts {
	const char *host_id; /* NULL: trace file name */
};

/* Creates a runner for analysis a of f. */
struct vf_tcx_run *vf_tcx_run_new(const struct vf_tcx_file *f, const struct vf_tcx_analysis *a,
                                  const char *host_id, struct vf_error *err);
void vf_tcx_run_free(struct vf_tcx_run *r);
/* Feeds one event (generic access). */
enum vf_status vf_tcx_run_event(struct vf_tcx_run *r, const struct vf_generic_event *ev,
                                struct vf_error *err);
/* Applies the remaining future changes, disposes scenarios and closes the history. */
enum vf_status vf_tcx_run_finish(struct vf_tcx_run *r, struct vf_error *err);
struct vf_tcss *vf_tcx_run_ss(struct vf_tcx_run *r);
const struct vf_tcx_segment_out *vf_tcx_run_segments(struct vf_tcx_run *r, size_t *count);
uint64_t vf_tcx_run_event_count(const struct vf_tcx_run *r);

/*
 * Reads trace (CTF folder or XML stub) and runs analysis id (NULL: the first
 * state provider or pattern) of f over it. Returns the runner (finished).
 */
struct vf_tcx_run *vf_tcx_run_trace(const struct vf_tcx_file *f, const char *id,
                                    const char *trace, struct vf_error *err);
/* Same, with the host id given (NULL: Trace Compass's default, see docs/tcxml.md). */
struct vf_tcx_run *vf_tcx_run_trace_host(const struct vf_tcx_file *f, const char *id,
                                         const char *trace, const char *host_id,
                                         struct vf_error *err);

/* Writes segments.tsv: start, end, duration, name, content (sorted by start, end). */
enum vf_status vf_tcx_write_segments(struct vf_tcx_run *r, FILE *fp, struct vf_error *err);

/*
 * view.c: runs the analyses view v reads over trace and writes what Trace
 * Compass's data provider gives (formats of the conformance
 * expected/simple_dataprovider files). part: "tree", "rows" (time graph),
 * "data" (xy) or NULL for every part, each after a "[part]" line. samples:
 * xy sample count over the state-system range (0: one per ns up to 1000).
 * The analyses are looked up in files[0..file_count) (the view's own file
 * first, then files given with --analysis).
 */
enum vf_status vf_tcx_view_write(const struct vf_tcx_file *const *files, size_t file_count,
                                 const struct vf_tcx_view *v, const char *trace,
                                 const char *part, unsigned samples, FILE *fp,
                                 struct vf_error *err);

#endif /* VMFLOW_TCXML_MODEL_H */
