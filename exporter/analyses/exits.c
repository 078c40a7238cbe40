/* SPDX-License-Identifier: MIT */
/*
 * exits.c - exit handling times: from a vCPU's kvm_x86_exit to its next
 * kvm_x86_entry, blocked and preempted time included, as `perf kvm stat`.
 *
 * Owns the vf_exit_stats and one struct open_exit per vCPU (in
 * vf_vcpu.slots[VF_MODEL_SLOT_EXITS], also listed in `vcpus` for freeing).
 * An exit followed by another exit (entry lost) is dropped, and so is an
 * exit open on a CPU that lost events; exits still open at the end are only
 * counted (stats.open_at_end_count). Hot path: one stats lookup per entry.
 *
 * Also keeps a per-process table (process_stats): the exit is charged to the
 * guest L1 process loaded when it happened (the model's guest context: the
 * CR3 of addons_vcpu_enter_guest or of a kvm_x86_cr write, loaded by the
 * next entry; the exit being handled still belongs to the old CR3). Exits
 * of a vCPU whose CR3 is not known yet are only in the per-vCPU table.
 */
#include "analyses/exits.h"

#include <stdlib.h>

#include "model/exit_reasons.h"

struct open_exit {
	struct vf_vcpu *vcpu; /* borrowed from the model */
	bool open;
	int64_t ts_ns;
	uint32_t isa;
	uint32_t reason;
	uint64_t exit_cr3;    /* CR3 when the open exit happened (valid if exit_has_cr3) */
	bool exit_has_cr3;
};

struct exits {
	struct vf_analysis_ctx *ctx; /* borrowed from the facade */
	struct vf_exit_stats stats;
	struct vf_exit_stats process_stats;
	struct open_exit **vcpus;    /* owned */
	size_t vcpu_count;
	size_t vcpu_cap;
};

static void *exits_create(struct vf_analysis_ctx *ctx, struct vf_error *err)
{
	struct exits *x = calloc(1, sizeof(*x));

	if (!x) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory creating the exits analysis");
		return NULL;
	}
	x->ctx = ctx;
	vf_exit_stats_init(&x->stats);
	vf_exit_stats_init(&x->process_stats);
	return x;
}

static void exits_destroy(void *self)
{
	struct exits *x = self;
	size_t i;

	if (!x) {
		return;
	}
	for (i = 0; i < x->vcpu_count; i++) {
		x->vcpus[i]->vcpu->slots[VF_MODEL_SLOT_EXITS] = NULL;
		free(x->vcpus[i]);
	}
	free(x->vcpus);
	vf_exit_stats_fini(&x->stats);
	vf_exit_stats_fini(&x->process_stats);
	free(x);
}

static enum vf_status exits_vcpu_bound(void *self, struct vf_vcpu *v,
				       const struct vf_vcpu_line_start *line, struct vf_error *err)
{
	struct exits *x = self;
	struct open_exit *o;

	(void)line;
	if (v->slots[VF_MODEL_SLOT_EXITS]) {
		return VF_OK;
	}
	if (x->vcpu_count == x->vcpu_cap) {
		size_t cap = x->vcpu_cap ? x->vcpu_cap * 2 : 8;
		struct open_exit **n = realloc(x->vcpus, cap * sizeof(*n));

		if (!n) {
			goto nomem;
		}
		x->vcpus = n;
		x->vcpu_cap = cap;
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		goto nomem;
	}
	o->vcpu = v;
	x->vcpus[x->vcpu_count++] = o;
	v->slots[VF_MODEL_SLOT_EXITS] = o;
	return VF_OK;
nomem:
	VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory in the exits analysis");
	return VF_ERR_NOMEM;
}

static struct open_exit *of(const struct vf_model_update *up)
{
	if (!up->thread || !up->thread->vcpu) {
		return NULL;
	}
	return up->thread->vcpu->slots[VF_MODEL_SLOT_EXITS];
}

static enum vf_status on_kvm_exit(void *self, const struct vf_event *ev,
			      const struct vf_model_update *up, struct vf_error *err)
{
	struct open_exit *o = of(up);

	(void)self;
	(void)err;
	if (!o) {
		return VF_OK;
	}
	o->open = true;
	o->ts_ns = ev->ts_ns;
	o->isa = ev->u.kvm_exit.isa;
	o->reason = ev->u.kvm_exit.exit_reason;
	o->exit_cr3 = o->vcpu->guest.loaded_cr3;
	o->exit_has_cr3 = o->vcpu->guest.has_loaded_cr3;
	return VF_OK;
}

static enum vf_status on_kvm_entry(void *self, const struct vf_event *ev,
			       const struct vf_model_update *up, struct vf_error *err)
{
	struct exits *x = self;
	struct open_exit *o = of(up);
	enum vf_status st;

	if (!o || !o->open) {
		return VF_OK;
	}
	o->open = false;
	if (ev->ts_ns < o->ts_ns) {
		return VF_OK;
	}
	st = vf_exit_stats_add(&x->stats, o->vcpu->vm->pid, o->vcpu->vcpu_id, o->isa, o->reason,
			       ev->ts_ns - o->ts_ns, err);
	if (st != VF_OK || !o->exit_has_cr3) {
		return st;
	}
	return vf_exit_stats_add_process(&x->process_stats, o->vcpu->vm->pid, o->exit_cr3, o->isa,
					 o->reason, ev->ts_ns - o->ts_ns, err);
}

static enum vf_status exits_vcpu_lost(void *self, struct vf_vcpu *v, int64_t begin_ns,
				      struct vf_error *err)
{
	struct open_exit *o = v->slots[VF_MODEL_SLOT_EXITS];

	(void)self;
	(void)begin_ns;
	(void)err;
	if (o) {
		o->open = false;
	}
	return VF_OK;
}

static enum vf_status exits_finish(void *self, int64_t end_ns, struct vf_error *err)
{
	struct exits *x = self;
	size_t i;

	(void)end_ns;
	(void)err;
	for (i = 0; i < x->vcpu_count; i++) {
		if (x->vcpus[i]->open) {
			x->stats.open_at_end_count++;
			x->vcpus[i]->open = false;
		}
	}
	return VF_OK;
}

const struct vf_exit_stats *vf_exits_borrow_stats(const void *self)
{
	return &((const struct exits *)self)->stats;
}

const struct vf_exit_stats *vf_exits_borrow_process_stats(const void *self)
{
	return &((const struct exits *)self)->process_stats;
}

static const struct vf_analysis_handler exits_handlers[] = {
	{VF_EV_KVM_EXIT, on_kvm_exit},
	{VF_EV_KVM_ENTRY, on_kvm_entry},
};

const struct vf_analysis_module vf_exits_module = {
	.name = "exits",
	.create = exits_create,
	.destroy = exits_destroy,
	.vcpu_bound = exits_vcpu_bound,
	.vcpu_lost = exits_vcpu_lost,
	.vcpu_missed_in = NULL,
	.finish = exits_finish,
	.handlers = exits_handlers,
	.handler_count = sizeof(exits_handlers) / sizeof(exits_handlers[0]),
};
