/* SPDX-License-Identifier: MIT */
/*
 * run.h - internal: the runner shared by eval.c (state providers, values,
 * conditions, state changes) and pattern.c (FSM scenarios, pools, segments).
 */
#ifndef VMFLOW_TCXML_RUN_H
#define VMFLOW_TCXML_RUN_H

#include "tcxml/model.h"

struct vf_tcx_pool_use {
	uint32_t base;  /* the quark the pool hangs under */
	uint32_t quark; /* the child handed to the scenario */
};

struct vf_tcx_scn {
	uint32_t fsm;
	int state;
	int status; /* 0 pending, 1 in progress, 2 matched, 3 abandoned */
	int num;    /* n in scenarios/<fsm>/<n> */
	uint32_t quark;
	int64_t *enter; /* per state: last time entered, INT64_MIN never */
	struct vf_tcx_pool_use *pools;
	size_t pool_count;
};

struct vf_tcx_fsm_rt {
	bool active;
	struct vf_tcx_scn *pending;
	struct vf_tcx_scn **list; /* active scenarios, creation order */
	size_t count, cap;
	size_t scenario_count;
	int *free_nums; /* FIFO of recycled scenario numbers */
	size_t free_head, free_tail, free_cap;
	int next_num;
};

/* What a state change runs against: the event and (patterns) the scenario. */
struct vf_tcx_ectx {
	const struct vf_generic_event *g;
	int64_t ts;
	struct vf_tcx_scn *scn; /* NULL outside scenarios */
};

struct vf_tcx_run {
	const struct vf_tcx_file *file;
	const struct vf_tcx_analysis *a;
	struct vf_tcss ss;
	const char *host_id; /* interned */
	const char *trace_name; /* interned: the "Trace" aspect */
	bool is_stub;
	bool fixed_host; /* host_id given by the user */
	const struct vf_trace_info *info; /* borrowed while a trace is read, else NULL */
	uint64_t events;
	int64_t last_ts;
	struct vf_u64map handler_cache; /* event name pointer -> struct hlist */
	/* pattern */
	struct vf_tcx_fsm_rt *fsm_rt;
	bool started;
	struct vf_u64map pool_used; /* (base quark, n) -> 1 when taken */
	struct vf_tcx_segment_out *segs;
	size_t seg_count, seg_cap;
	int64_t latest_t;
	struct vf_u64map warned; /* lines already warned about */
};

enum vf_status vf_tcx_eval_value(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                 const struct vf_tcx_value *v, struct vf_tcv *out,
                                 struct vf_error *err);
enum vf_status vf_tcx_eval_cond(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                const struct vf_tcx_cond *k, bool *res, struct vf_error *err);
enum vf_status vf_tcx_exec_change(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                  const struct vf_tcx_change *ch, struct vf_error *err);
/* Resolves a path to a quark (creating attributes); VF_TCSS_NONE when an element is null. */
enum vf_status vf_tcx_resolve_path(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                   const struct vf_tcx_path *p, uint32_t *q,
                                   struct vf_error *err);

/* pattern.c */
enum vf_status vf_tcx_pattern_event(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                    struct vf_error *err);
enum vf_status vf_tcx_pattern_dispose(struct vf_tcx_run *r, struct vf_error *err);
void vf_tcx_pattern_free(struct vf_tcx_run *r);
/* A pool child for the scenario under base (pattern.c). */
uint32_t vf_tcx_pool_get(struct vf_tcx_run *r, struct vf_tcx_scn *scn, uint32_t base);
enum vf_status vf_tcx_segment_exec(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                   const struct vf_tcx_segment *s, struct vf_error *err);

#endif /* VMFLOW_TCXML_RUN_H */
