/* SPDX-License-Identifier: MIT */
/*
 * module.h - what an analysis module gives the facade (analysis.c): its
 * handlers per event kind and its hooks for model news (a thread bound to a
 * vCPU, a vCPU whose state was lost), lost events and the end of the trace.
 *
 * The facade updates the model first, then calls each module's handler for
 * the event's kind, in the order of the module table (analysis.c). A module
 * owns its own state (`self`) and its per-vCPU state in vf_vcpu.slots[its
 * slot]; it borrows the model, the history and the options through the
 * struct vf_analysis_ctx it is created with.
 */
#ifndef VMFLOW_ANALYSES_MODULE_H
#define VMFLOW_ANALYSES_MODULE_H

#include <stdbool.h>
#include <stdint.h>

#include "analyses/analysis.h"
#include "model/model.h"
#include "vmflow/error.h"
#include "vmflow/event.h"
#include "vmflow/history.h"

/* Shared by the facade and the modules; owned by the facade. */
struct vf_analysis_ctx {
	struct vf_model *model;                 /* owned by the facade */
	struct vf_history *history;             /* borrowed from the facade's caller */
	struct vf_analysis_options opt;         /* copy of the caller's options */
	int64_t begin_ns;                       /* start of the trace (first event unless set) */
	uint64_t timer_vectors[4];              /* opt.timer_vectors as a bitmap */
	uint64_t ipi_vectors[4];
	uint64_t disk_vectors[4];               /* opt.disk_vectors (all VMs) */
	uint64_t net_vectors[4];
	uint64_t accept_irq_wait_count;         /* written by vcpu_state, read at finish */
	uint64_t accept_irq_ambiguous_count;
	uint64_t apicv_timer_count;             /* waits inferred wait_timer on an APICv host */
};

/*
 * ev is the event (for a replayed prelog entry: a rebuilt event holding only
 * the fields the prelog keeps, name NULL); up is what the model learned.
 */
typedef enum vf_status (*vf_analysis_handler_fn)(void *self, const struct vf_event *ev,
						   const struct vf_model_update *up,
						   struct vf_error *err);

struct vf_analysis_handler {
	enum vf_event_kind kind;
	vf_analysis_handler_fn fn;
};

/* Where a vCPU's line starts (docs/states.md: first sight of its thread on a pCPU). */
struct vf_vcpu_line_start {
	int64_t start_ns;
	bool unknown; /* true: `unknown` from start_ns (running at trace start, or earlier events
			 lost); false: the replayed switch in starts the line */
};

struct vf_analysis_module {
	const char *name;
	void *(*create)(struct vf_analysis_ctx *ctx, struct vf_error *err);
	void (*destroy)(void *self);
	/* A thread was just bound to v (its first kvm entry/exit); the prelog replay follows. */
	enum vf_status (*vcpu_bound)(void *self, struct vf_vcpu *v,
				     const struct vf_vcpu_line_start *line, struct vf_error *err);
	/* v's thread ran on a CPU where events were lost from begin_ns (or left it unseen). */
	enum vf_status (*vcpu_lost)(void *self, struct vf_vcpu *v, int64_t begin_ns,
				    struct vf_error *err);
	/* v's thread was found running without its switch in (since since_ns at the latest). */
	enum vf_status (*vcpu_missed_in)(void *self, struct vf_vcpu *v, int64_t since_ns,
					 struct vf_error *err);
	/* End of the trace: close everything at end_ns. */
	enum vf_status (*finish)(void *self, int64_t end_ns, struct vf_error *err);
	const struct vf_analysis_handler *handlers;
	unsigned handler_count;
};

#endif /* VMFLOW_ANALYSES_MODULE_H */
