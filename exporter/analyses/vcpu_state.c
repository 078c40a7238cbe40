/* SPDX-License-Identifier: MIT */
/*
 * vcpu_state.c - vCPU status analysis: writes VMs/<pid>/vCPUs/<n>/Status and
 * /Exit per docs/states.md (the contract with synth's ground truth).
 *
 * Owns one struct vs_vcpu per vCPU (in vf_vcpu.slots[VF_MODEL_SLOT_VCPU_STATE],
 * also listed in `vcpus` for freeing), created when the model binds a thread
 * to the vCPU. Borrows the model, the history and the options (module.h).
 *
 * Labels that are known only later are modelled as pending segments, never
 * rewritten in the history:
 *   - a HLT wait [switch out, switch in) is labelled by the first
 *     kvm_x86_inj_virq after the switch in; without one before the entry, by
 *     the first kvm_x86_apic_accept_irq that targeted the vCPU during the
 *     wait (APICv fallback), else wait_unknown;
 *   - a preemption [switch out, switch in) is preempted_vm if the thread that
 *     took the pCPU is a vCPU thread when the vCPU comes back, else
 *     preempted_host (so a preempter identified after the switch out counts).
 * Closed segments wait in a small queue behind a pending one, so each path
 * still gets its intervals in time order. Equal adjacent values are merged.
 * Exit is derived from Status: open exactly while Status is hypervisor and an
 * exit has been seen (the value resumes after a preemption).
 *
 * Times are ns from the clock origin, intervals [start, end). Per vCPU, time
 * never goes back (out-of-order input is clamped). Hot path: one call per
 * sched_switch and kvm entry/exit/injection; an exit costs one name lookup.
 */
#include "analyses/vcpu_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <inttypes.h>

#include "analyses/wakers.h"
#include "common/strtab.h"
#include "common/u64map.h"
#include "model/exit_reasons.h"

enum status {
	S_GUEST = 0,
	S_HYPERVISOR,
	S_PREEMPTED_HOST,
	S_PREEMPTED_VM,
	S_WAIT_TIMER,
	S_WAIT_TASK,
	S_WAIT_DISK,
	S_WAIT_NET,
	S_WAIT_UNKNOWN,
	S_WAIT_HOST,
	S_UNKNOWN,
	S_GUEST_L2,
	S_VALUE_COUNT,
	/* Not written as such: */
	S_PENDING_WAIT = S_VALUE_COUNT, /* blocked after HLT: labelled by the first injection */
	S_PENDING_PREEMPT,              /* runnable: host or vm, settled when it comes back */
	S_NONE,                         /* no line (not started, or ended) */
};

static const char *const status_names[S_VALUE_COUNT] = {
	[S_GUEST] = VF_STATUS_GUEST,
	[S_HYPERVISOR] = VF_STATUS_HYPERVISOR,
	[S_PREEMPTED_HOST] = VF_STATUS_PREEMPTED_HOST,
	[S_PREEMPTED_VM] = VF_STATUS_PREEMPTED_VM,
	[S_WAIT_TIMER] = VF_STATUS_WAIT_TIMER,
	[S_WAIT_TASK] = VF_STATUS_WAIT_TASK,
	[S_WAIT_DISK] = VF_STATUS_WAIT_DISK,
	[S_WAIT_NET] = VF_STATUS_WAIT_NET,
	[S_WAIT_UNKNOWN] = VF_STATUS_WAIT_UNKNOWN,
	[S_WAIT_HOST] = VF_STATUS_WAIT_HOST,
	[S_UNKNOWN] = VF_STATUS_UNKNOWN,
	[S_GUEST_L2] = VF_STATUS_GUEST_L2,
};

/*
 * Closed segments held behind a pending one. On overflow (a halted vCPU woken and
 * blocked again many times before the injection that labels its waits) the oldest
 * half is spilled to a per-vCPU temporary file, so memory stays bounded.
 */
#define QUEUE_LEN 16

struct seg {
	int64_t start_ns;
	uint8_t status; /* enum status */
};

/* The last closed interval of a path, held back so an equal neighbour can extend it. */
struct held {
	int64_t start_ns;
	int64_t end_ns;
	uint32_t value_id;
	bool has;
};

struct vs_vcpu {
	struct vf_vcpu *vcpu;          /* borrowed from the model */
	uint32_t status_path;
	uint32_t exit_path;
	int64_t now_ns;                /* latest time applied to this vCPU */
	struct seg open;               /* the ongoing segment (S_NONE: none) */
	struct seg queue[QUEUE_LEN];   /* closed, unwritten; queue[i] ends where the next begins */
	uint8_t queue_count;
	bool queue_has_pending;        /* a queued (or spilled) HLT wait awaits the first injection */
	FILE *spill;                   /* owned, NULL until needed: segments older than queue[0] */
	uint64_t spill_count;          /* segments in it (they end where the next begins) */
	struct vf_thread *preempted_by; /* S_PENDING_PREEMPT: who took the pCPU (borrowed) */
	bool has_exit;                 /* an exit was seen since the line started (or since lost events) */
	bool exit_is_hlt;
	uint32_t exit_value_id;        /* name of the last exit */
	uint32_t exit_open_value;      /* ongoing Exit value, VF_HISTORY_NONE if none */
	int64_t exit_open_start_ns;
	struct held status_held;
	struct held exit_held;
	bool has_accept;               /* a kvm_x86_apic_accept_irq targeted it during the pending wait */
	uint8_t accept_vec;            /* its vector (the APICv fallback label) */
	bool ever_accepted;            /* some wait of this vCPU was labelled by an accept_irq */
	uint32_t source_path;          /* in vcpu_state.sources (VF_HISTORY_NONE until used) */
	int64_t source_next_ns;        /* the next free time on it */
	struct {
		const struct vf_thread *src; /* borrowed: the thread that emitted it */
		uint8_t vec;
	} accepts[4];                  /* the first accept_irqs that targeted it during the wait */
	uint8_t accept_count;
};

/* Wake-up edges of halted vCPUs: (waker, wakee, class) -> count. */
struct wait_edge {
	uint32_t waker;  /* name ids in vcpu_state.names */
	uint32_t wakee;
	uint8_t status;  /* the wait class (enum status) */
	uint64_t count;
};

struct vcpu_state {
	struct vf_analysis_ctx *ctx;    /* borrowed from the facade */
	uint32_t status_ids[S_VALUE_COUNT];
	struct vf_u64map exit_names;    /* key2(isa, basic reason) -> history value id + 1 */
	struct vs_vcpu **vcpus;         /* owned */
	size_t vcpu_count;
	size_t vcpu_cap;
	struct vf_strtab names;         /* owned: waker / wakee entity names */
	struct vf_u64map edge_index;    /* (waker, wakee, class) -> index + 1 */
	struct wait_edge *edges;        /* owned */
	size_t edge_count;
	size_t edge_cap;
	struct vf_history *sources;     /* owned scratch: per vCPU "<pid>/<n>", one 1 ns interval
					   per labelled wait at its labelling time = its waker */
};

static enum vf_status nomem(struct vf_error *err)
{
	VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory in the vCPU state analysis");
	return VF_ERR_NOMEM;
}

static void *vs_create(struct vf_analysis_ctx *ctx, struct vf_error *err)
{
	struct vcpu_state *s = calloc(1, sizeof(*s));
	unsigned i;

	if (!s) {
		nomem(err);
		return NULL;
	}
	s->ctx = ctx;
	vf_u64map_init(&s->exit_names);
	vf_strtab_init(&s->names);
	vf_u64map_init(&s->edge_index);
	s->sources = vf_history_new(NULL, err);
	if (!s->sources) {
		vf_u64map_fini(&s->exit_names);
		vf_strtab_fini(&s->names);
		vf_u64map_fini(&s->edge_index);
		free(s);
		return NULL;
	}
	for (i = 0; i < S_VALUE_COUNT; i++) {
		s->status_ids[i] = vf_history_value(ctx->history, status_names[i]);
		if (s->status_ids[i] == VF_HISTORY_NONE) {
			vf_u64map_fini(&s->exit_names);
			vf_strtab_fini(&s->names);
			vf_u64map_fini(&s->edge_index);
			vf_history_free(s->sources);
			free(s);
			nomem(err);
			return NULL;
		}
	}
	return s;
}

static void vs_destroy(void *self)
{
	struct vcpu_state *s = self;
	size_t i;

	if (!s) {
		return;
	}
	for (i = 0; i < s->vcpu_count; i++) {
		s->vcpus[i]->vcpu->slots[VF_MODEL_SLOT_VCPU_STATE] = NULL;
		if (s->vcpus[i]->spill) {
			fclose(s->vcpus[i]->spill);
		}
		free(s->vcpus[i]);
	}
	free(s->vcpus);
	vf_u64map_fini(&s->exit_names);
	vf_strtab_fini(&s->names);
	vf_u64map_fini(&s->edge_index);
	free(s->edges);
	vf_history_free(s->sources);
	free(s);
}

/* ---- writing ---- */

static enum vf_status emit(struct vf_history *h, uint32_t path, struct held *held, int64_t start,
			   int64_t end, uint32_t value_id, struct vf_error *err)
{
	enum vf_status st;

	if (end <= start) {
		return VF_OK;
	}
	if (held->has && held->value_id == value_id && held->end_ns == start) {
		held->end_ns = end;
		return VF_OK;
	}
	if (held->has) {
		st = vf_history_add(h, path, held->start_ns, held->end_ns, held->value_id, err);
		if (st != VF_OK) {
			return st;
		}
	}
	held->start_ns = start;
	held->end_ns = end;
	held->value_id = value_id;
	held->has = true;
	return VF_OK;
}

static enum vf_status release(struct vf_history *h, uint32_t path, struct held *held,
			      struct vf_error *err)
{
	if (!held->has) {
		return VF_OK;
	}
	held->has = false;
	return vf_history_add(h, path, held->start_ns, held->end_ns, held->value_id, err);
}

static enum vf_status write_status(struct vcpu_state *s, struct vs_vcpu *vs, int64_t start,
				   int64_t end, uint8_t status, struct vf_error *err)
{
	return emit(s->ctx->history, vs->status_path, &vs->status_held, start, end,
		    s->status_ids[status], err);
}

/* Writes out the leading queued segments whose label is known. */
static enum vf_status flush_queue(struct vcpu_state *s, struct vs_vcpu *vs, struct vf_error *err)
{
	while (vs->queue_count > 0 && vs->queue[0].status < S_VALUE_COUNT) {
		int64_t end = vs->queue_count > 1 ? vs->queue[1].start_ns : vs->open.start_ns;
		enum vf_status st = write_status(s, vs, vs->queue[0].start_ns, end,
						 vs->queue[0].status, err);

		if (st != VF_OK) {
			return st;
		}
		memmove(vs->queue, vs->queue + 1, (size_t)(vs->queue_count - 1) * sizeof(vs->queue[0]));
		vs->queue_count--;
	}
	return VF_OK;
}

/* Labels every pending HLT wait (queued or ongoing) and writes what became known. */
/* Moves the oldest half of the queue to the spill file. */
static enum vf_status spill_half(struct vs_vcpu *vs, struct vf_error *err)
{
	unsigned n = QUEUE_LEN / 2;

	if (!vs->spill) {
		vs->spill = tmpfile();
		if (!vs->spill) {
			VF_ERROR_SET(err, VF_ERR_IO, NULL,
				     "cannot create a temporary file for the vCPU state analysis");
			return VF_ERR_IO;
		}
	}
	if (fwrite(vs->queue, sizeof(vs->queue[0]), n, vs->spill) != n) {
		VF_ERROR_SET(err, VF_ERR_IO, NULL, "cannot write the vCPU state spill file (disk full?)");
		return VF_ERR_IO;
	}
	vs->spill_count += n;
	memmove(vs->queue, vs->queue + n, (size_t)(vs->queue_count - n) * sizeof(vs->queue[0]));
	vs->queue_count = (uint8_t)(vs->queue_count - n);
	return VF_OK;
}

/* Writes the spilled segments, pending waits labelled `label`, and empties the file. */
static enum vf_status replay_spill(struct vcpu_state *s, struct vs_vcpu *vs, uint8_t label,
				   struct vf_error *err)
{
	struct seg cur, next;
	uint64_t i;
	enum vf_status st = VF_OK;

	if (vs->spill_count == 0) {
		return VF_OK;
	}
	rewind(vs->spill);
	if (fread(&cur, sizeof(cur), 1, vs->spill) != 1) {
		goto io;
	}
	for (i = 0; i < vs->spill_count && st == VF_OK; i++) {
		int64_t end;

		if (i + 1 < vs->spill_count) {
			if (fread(&next, sizeof(next), 1, vs->spill) != 1) {
				goto io;
			}
			end = next.start_ns;
		} else {
			end = vs->queue_count ? vs->queue[0].start_ns : vs->open.start_ns;
		}
		st = write_status(s, vs, cur.start_ns, end,
				  cur.status == S_PENDING_WAIT ? label : cur.status, err);
		cur = next;
	}
	rewind(vs->spill);
	vs->spill_count = 0;
	return st;
io:
	VF_ERROR_SET(err, VF_ERR_IO, NULL, "cannot read the vCPU state spill file");
	return VF_ERR_IO;
}

static enum vf_status resolve_waits(struct vcpu_state *s, struct vs_vcpu *vs, uint8_t label,
				    struct vf_error *err)
{
	unsigned i;
	enum vf_status st = replay_spill(s, vs, label, err);

	if (st != VF_OK) {
		return st;
	}

	for (i = 0; i < vs->queue_count; i++) {
		if (vs->queue[i].status == S_PENDING_WAIT) {
			vs->queue[i].status = label;
		}
	}
	if (vs->open.status == S_PENDING_WAIT) {
		vs->open.status = label;
	}
	vs->queue_has_pending = false;
	vs->has_accept = false;
	vs->accept_count = 0;
	return flush_queue(s, vs, err);
}

static bool has_pending_wait(const struct vs_vcpu *vs)
{
	return vs->queue_has_pending || vs->open.status == S_PENDING_WAIT;
}

/* Keeps Exit in step with Status: the last exit's name while hypervisor, nothing otherwise. */
static enum vf_status sync_exit(struct vcpu_state *s, struct vs_vcpu *vs, int64_t ts,
				struct vf_error *err)
{
	uint32_t want = vs->open.status == S_HYPERVISOR && vs->has_exit ? vs->exit_value_id
									: VF_HISTORY_NONE;
	enum vf_status st;

	if (want == vs->exit_open_value) {
		return VF_OK;
	}
	if (vs->exit_open_value != VF_HISTORY_NONE) {
		st = emit(s->ctx->history, vs->exit_path, &vs->exit_held, vs->exit_open_start_ns, ts,
			  vs->exit_open_value, err);
		if (st != VF_OK) {
			return st;
		}
	}
	vs->exit_open_value = want;
	vs->exit_open_start_ns = ts;
	return VF_OK;
}

static uint8_t settle_preempt(const struct vs_vcpu *vs)
{
	return vs->preempted_by && vs->preempted_by->role == VF_THREAD_ROLE_VCPU ? S_PREEMPTED_VM
										 : S_PREEMPTED_HOST;
}

/* The vCPU is in `status` from ts on. */
static enum vf_status status_set(struct vcpu_state *s, struct vs_vcpu *vs, uint8_t status,
				 int64_t ts, struct vf_error *err)
{
	enum vf_status st;

	if (ts < vs->now_ns) {
		ts = vs->now_ns;
	}
	vs->now_ns = ts;
	if (vs->open.status == S_PENDING_PREEMPT && status != S_PENDING_PREEMPT) {
		vs->open.status = settle_preempt(vs);
	}
	if (vs->open.status != status) {
		if (vs->open.status != S_NONE && ts > vs->open.start_ns) {
			bool hold = vs->open.status == S_PENDING_WAIT || vs->queue_count > 0;

			if (hold && vs->queue_count == QUEUE_LEN) {
				/* Long without a labelling event: keep the older half on disk. */
				st = spill_half(vs, err);
				if (st != VF_OK) {
					return st;
				}
			}
			if (hold) {
				vs->queue[vs->queue_count++] = vs->open;
				if (vs->open.status == S_PENDING_WAIT) {
					vs->queue_has_pending = true;
				}
			} else {
				st = write_status(s, vs, vs->open.start_ns, ts, vs->open.status, err);
				if (st != VF_OK) {
					return st;
				}
			}
		}
		vs->open.status = status;
		vs->open.start_ns = ts;
	}
	return sync_exit(s, vs, ts, err);
}

/* ---- entities ---- */

static struct vs_vcpu *of(const struct vf_thread *t)
{
	return t && t->vcpu ? t->vcpu->slots[VF_MODEL_SLOT_VCPU_STATE] : NULL;
}

static enum vf_status vs_vcpu_bound(void *self, struct vf_vcpu *v,
				    const struct vf_vcpu_line_start *line, struct vf_error *err)
{
	struct vcpu_state *s = self;
	struct vs_vcpu *vs;
	char path[96];

	if (v->slots[VF_MODEL_SLOT_VCPU_STATE]) {
		return VF_OK; /* a new thread for a known vCPU: its line goes on */
	}
	if (s->vcpu_count == s->vcpu_cap) {
		size_t cap = s->vcpu_cap ? s->vcpu_cap * 2 : 8;
		struct vs_vcpu **n = realloc(s->vcpus, cap * sizeof(*n));

		if (!n) {
			return nomem(err);
		}
		s->vcpus = n;
		s->vcpu_cap = cap;
	}
	vs = calloc(1, sizeof(*vs));
	if (!vs) {
		return nomem(err);
	}
	vs->vcpu = v;
	vs->now_ns = INT64_MIN;
	vs->open.status = S_NONE;
	vs->exit_open_value = VF_HISTORY_NONE;
	vs->source_path = VF_HISTORY_NONE;
	vs->source_next_ns = INT64_MIN;
	snprintf(path, sizeof(path), "VMs/%d/vCPUs/%u/Status", (int)v->vm->pid, v->vcpu_id);
	vs->status_path = vf_history_path(s->ctx->history, path);
	snprintf(path, sizeof(path), "VMs/%d/vCPUs/%u/Exit", (int)v->vm->pid, v->vcpu_id);
	vs->exit_path = vf_history_path(s->ctx->history, path);
	if (vs->status_path == VF_HISTORY_NONE || vs->exit_path == VF_HISTORY_NONE) {
		free(vs);
		return nomem(err);
	}
	s->vcpus[s->vcpu_count++] = vs;
	v->slots[VF_MODEL_SLOT_VCPU_STATE] = vs;
	if (line->unknown) {
		return status_set(s, vs, S_UNKNOWN, line->start_ns, err);
	}
	return VF_OK;
}

static uint32_t exit_name_id(struct vcpu_state *s, uint32_t isa, uint32_t reason)
{
	uint32_t basic;
	uint64_t key;
	void *found;
	char buf[32];
	uint32_t id;

	isa = isa == VF_ISA_SVM ? VF_ISA_SVM : VF_ISA_VMX;
	basic = vf_exit_reason_basic(isa, reason);
	key = vf_u64map_key2(isa, basic);
	found = vf_u64map_get(&s->exit_names, key);
	if (found) {
		return (uint32_t)((uintptr_t)found - 1);
	}
	id = vf_history_value(s->ctx->history, vf_exit_reason_name(isa, basic, buf, sizeof(buf)));
	if (id == VF_HISTORY_NONE ||
	    !vf_u64map_put(&s->exit_names, key, (void *)((uintptr_t)id + 1))) {
		return VF_HISTORY_NONE;
	}
	return id;
}

static uint8_t classify(const struct vcpu_state *s, const struct vs_vcpu *vs, uint32_t vec)
{
	const struct vf_vm *vm = vs->vcpu->vm;

	if (vf_vm_vector_in(s->ctx->timer_vectors, vec)) {
		return S_WAIT_TIMER;
	}
	if (vf_vm_vector_in(s->ctx->ipi_vectors, vec)) {
		return S_WAIT_TASK;
	}
	if (vf_vm_vector_in(vm->disk_vectors, vec) || vf_vm_vector_in(s->ctx->disk_vectors, vec)) {
		return S_WAIT_DISK;
	}
	if (vf_vm_vector_in(vm->net_vectors, vec) || vf_vm_vector_in(s->ctx->net_vectors, vec)) {
		return S_WAIT_NET;
	}
	return S_WAIT_UNKNOWN;
}

/*
 * The label of a pending HLT wait that got no kvm_x86_inj_virq: the vector of
 * the first kvm_x86_apic_accept_irq that targeted the vCPU during the wait
 * (APICv delivers it without an injection). Without one: on a VM that shows
 * the APICv pattern (no kvm_x86_inj_virq ever, and some wait of its vCPUs
 * already labelled by an accept_irq), a vCPU that was woken (woken = true:
 * it came back and re-entered) had no source outside its own local APIC, so
 * its timer woke it (wait_timer); else wait_unknown (docs/analyses.md).
 */
static bool vm_is_apicv(const struct vf_vm *vm)
{
	size_t i;

	if (vm->inj_virq_count > 0) {
		return false;
	}
	for (i = 0; i < vm->vcpu_count; i++) {
		const struct vs_vcpu *o = vm->vcpus[i]->slots[VF_MODEL_SLOT_VCPU_STATE];

		if (o && o->ever_accepted) {
			return true;
		}
	}
	return false;
}

static uint8_t fallback_label(struct vcpu_state *s, struct vs_vcpu *vs, bool woken)
{
	if (!vs->has_accept) {
		if (woken && vm_is_apicv(vs->vcpu->vm)) {
			s->ctx->apicv_timer_count++;
			return S_WAIT_TIMER;
		}
		return S_WAIT_UNKNOWN;
	}
	vs->ever_accepted = true;
	s->ctx->accept_irq_wait_count++;
	return classify(s, vs, vs->accept_vec);
}

/* Keeps the waker of the wait labelled now, for the critical path's woken_by. */
static enum vf_status record_source(struct vcpu_state *s, struct vs_vcpu *vs, const char *waker,
				    struct vf_error *err)
{
	int64_t ts = vs->now_ns > vs->source_next_ns ? vs->now_ns : vs->source_next_ns;
	uint32_t value;

	if (vs->source_path == VF_HISTORY_NONE) {
		char path[48];

		snprintf(path, sizeof(path), "%d/%u", (int)vs->vcpu->vm->pid, vs->vcpu->vcpu_id);
		vs->source_path = vf_history_path(s->sources, path);
	}
	value = vf_history_value(s->sources, waker);
	if (vs->source_path == VF_HISTORY_NONE || value == VF_HISTORY_NONE) {
		return nomem(err);
	}
	vs->source_next_ns = ts + 1;
	return vf_history_add(s->sources, vs->source_path, ts, ts + 1, value, err);
}

/*
 * Records who woke vCPU vs out of its pending wait, now labelled `label` by vector
 * vec: the guest timer for a timer wait, else the thread that emitted the
 * kvm_x86_apic_accept_irq of that vector for the vCPU during the wait (the vCPU
 * sending an IPI, the QEMU I/O thread, vhost), else "unknown". Kept for the
 * critical path in every case, counted as an edge except for wait_unknown.
 */
static enum vf_status wait_edge(struct vcpu_state *s, struct vs_vcpu *vs, uint8_t label,
				int vec, struct vf_error *err)
{
	char waker[64], wakee[48];
	uint32_t a, b;
	uint64_t key;
	void *found;
	unsigned i;

	snprintf(waker, sizeof(waker), label == S_WAIT_TIMER ? "timer" : "unknown");
	for (i = 0; label != S_WAIT_TIMER && i < vs->accept_count; i++) {
		if (vs->accepts[i].vec == vec) {
			vf_wakers_entity(s->ctx->model, vs->accepts[i].src, waker, sizeof(waker));
			break;
		}
	}
	if (record_source(s, vs, waker, err) != VF_OK) {
		return err->status;
	}
	if (label != S_WAIT_TIMER && label != S_WAIT_TASK && label != S_WAIT_DISK &&
	    label != S_WAIT_NET) {
		return VF_OK;
	}
	snprintf(wakee, sizeof(wakee), "vcpu:%d/%u", (int)vs->vcpu->vm->pid, vs->vcpu->vcpu_id);
	a = vf_strtab_intern(&s->names, waker);
	b = vf_strtab_intern(&s->names, wakee);
	if (a == VF_STRTAB_NONE || b == VF_STRTAB_NONE) {
		return nomem(err);
	}
	key = ((uint64_t)label << 56) ^ ((uint64_t)a << 28) ^ b;
	found = vf_u64map_get(&s->edge_index, key);
	if (found) {
		s->edges[(uintptr_t)found - 1].count++;
		return VF_OK;
	}
	if (s->edge_count == s->edge_cap) {
		size_t cap = s->edge_cap ? s->edge_cap * 2 : 16;
		struct wait_edge *n = realloc(s->edges, cap * sizeof(*n));

		if (!n) {
			return nomem(err);
		}
		s->edges = n;
		s->edge_cap = cap;
	}
	if (!vf_u64map_put(&s->edge_index, key, (void *)(uintptr_t)(s->edge_count + 1))) {
		return nomem(err);
	}
	s->edges[s->edge_count].waker = a;
	s->edges[s->edge_count].wakee = b;
	s->edges[s->edge_count].status = label;
	s->edges[s->edge_count].count = 1;
	s->edge_count++;
	return VF_OK;
}

/* Labels the pending waits (label from vector vec, -1: none) and records the wake-up edge. */
static enum vf_status settle_waits(struct vcpu_state *s, struct vs_vcpu *vs, uint8_t label,
				   int vec, struct vf_error *err)
{
	enum vf_status st = wait_edge(s, vs, label, vec, err);

	return st != VF_OK ? st : resolve_waits(s, vs, label, err);
}

/* ---- handlers ---- */

static enum vf_status switch_out(struct vcpu_state *s, struct vs_vcpu *vs, int64_t ts,
				 int64_t prev_state, struct vf_thread *preempter,
				 struct vf_error *err)
{
	uint8_t status;

	if (vf_prev_state_is_runnable(prev_state)) {
		vs->preempted_by = preempter;
		status = S_PENDING_PREEMPT;
	} else if (!vs->has_exit) {
		status = S_UNKNOWN; /* blocked, but after which exit is not known */
	} else {
		status = vs->exit_is_hlt ? S_PENDING_WAIT : S_WAIT_HOST;
		if (status == S_PENDING_WAIT && !has_pending_wait(vs)) {
			vs->has_accept = false;
			vs->accept_count = 0;
		}
	}
	return status_set(s, vs, status, ts, err);
}

static enum vf_status on_sched_switch(void *self, const struct vf_event *ev,
				      const struct vf_model_update *up, struct vf_error *err)
{
	struct vcpu_state *s = self;
	struct vs_vcpu *vs;
	enum vf_status st;

	if (!up->prev_stale && (vs = of(up->thread)) != NULL) {
		st = switch_out(s, vs, ev->ts_ns, ev->u.sched_switch.prev_state, up->preempter, err);
		if (st != VF_OK) {
			return st;
		}
	}
	if ((vs = of(up->next)) != NULL) {
		/* Pending preemption settles, a pending HLT wait now awaits its injection. */
		return status_set(s, vs, S_HYPERVISOR, ev->ts_ns, err);
	}
	return VF_OK;
}

static enum vf_status on_kvm_entry(void *self, const struct vf_event *ev,
				   const struct vf_model_update *up, struct vf_error *err)
{
	struct vcpu_state *s = self;
	struct vs_vcpu *vs = of(up->thread);
	enum vf_status st;

	if (!vs) {
		return VF_OK;
	}
	if (has_pending_wait(vs)) {
		/* No injection between the switch in and the entry. */
		st = settle_waits(s, vs, fallback_label(s, vs, true),
				  vs->has_accept ? vs->accept_vec : -1, err);
		if (st != VF_OK) {
			return st;
		}
	}
	/* The model says whether this entry went to a nested guest (docs/states.md, nesting). */
	return status_set(s, vs, vs->vcpu->guest.entry_is_l2 ? S_GUEST_L2 : S_GUEST, ev->ts_ns, err);
}

static enum vf_status on_kvm_exit(void *self, const struct vf_event *ev,
				  const struct vf_model_update *up, struct vf_error *err)
{
	struct vcpu_state *s = self;
	struct vs_vcpu *vs = of(up->thread);
	uint32_t id;
	enum vf_status st;

	if (!vs) {
		return VF_OK;
	}
	if (has_pending_wait(vs)) {
		st = settle_waits(s, vs, fallback_label(s, vs, true),
				  vs->has_accept ? vs->accept_vec : -1, err);
		if (st != VF_OK) {
			return st;
		}
	}
	id = exit_name_id(s, ev->u.kvm_exit.isa, ev->u.kvm_exit.exit_reason);
	if (id == VF_HISTORY_NONE) {
		return nomem(err);
	}
	vs->has_exit = true;
	vs->exit_is_hlt = vf_exit_reason_is_hlt(
		ev->u.kvm_exit.isa == VF_ISA_SVM ? VF_ISA_SVM : VF_ISA_VMX, ev->u.kvm_exit.exit_reason);
	vs->exit_value_id = id;
	return status_set(s, vs, S_HYPERVISOR, ev->ts_ns, err);
}

static enum vf_status on_inj_virq(void *self, const struct vf_event *ev,
				  const struct vf_model_update *up, struct vf_error *err)
{
	struct vcpu_state *s = self;
	struct vs_vcpu *vs = of(up->thread);

	if (!vs || !vs->queue_has_pending) {
		return VF_OK; /* only the first injection after the switch in labels the wait */
	}
	if (ev->ts_ns > vs->now_ns) {
		vs->now_ns = ev->ts_ns;
	}
	return settle_waits(s, vs, classify(s, vs, ev->u.inj_virq.irq), (int)ev->u.inj_virq.irq,
			    err);
}

/*
 * The vCPU a kvm_x86_apic_accept_irq targets. KVM traces the destination
 * APIC's id, which QEMU sets to the vcpu_id for flat topologies (x2APIC id =
 * vcpu_id; docs/analyses.md). The VM is the emitting thread's (a vCPU
 * thread sending an IPI, the QEMU main thread or the VM's vhost thread);
 * from any other context (a timer firing in an interrupt on an idle or
 * foreign CPU) it is the only VM whose vCPU with that id awaits a wake-up,
 * preferring one that last ran on this CPU. NULL when it cannot be told.
 */
static struct vs_vcpu *accept_target(struct vcpu_state *s, const struct vf_event *ev,
				     const struct vf_thread *t)
{
	const struct vf_model *m = s->ctx->model;
	uint32_t apicid = ev->u.apic_accept_irq.apicid;
	int32_t pid = -1;
	struct vs_vcpu *found = NULL, *here = NULL;
	unsigned found_count = 0, here_count = 0;
	size_t i, n;

	if (t && t->vcpu) {
		pid = t->vcpu->vm->pid;
	} else if (t && t->role == VF_THREAD_ROLE_VHOST && t->vhost_owner_pid > 0) {
		pid = t->vhost_owner_pid;
	} else if (t && t->pid > 0 && vf_model_borrow_vm(m, t->pid)) {
		pid = t->pid;
	}
	if (pid > 0) {
		const struct vf_vcpu *v = vf_model_borrow_vcpu(m, pid, apicid);

		return v ? v->slots[VF_MODEL_SLOT_VCPU_STATE] : NULL;
	}
	n = vf_model_vm_count(m);
	for (i = 0; i < n; i++) {
		const struct vf_vcpu *v = vf_model_borrow_vcpu(m, vf_model_borrow_vm_at(m, i)->pid,
							       apicid);
		struct vs_vcpu *vs = v ? v->slots[VF_MODEL_SLOT_VCPU_STATE] : NULL;

		if (!vs || !has_pending_wait(vs)) {
			continue;
		}
		found = vs;
		found_count++;
		if (v->thread && v->thread->cpu == ev->cpu) {
			here = vs;
			here_count++;
		}
	}
	if (found_count == 1) {
		return found;
	}
	if (here_count == 1) {
		return here;
	}
	if (found_count > 1) {
		s->ctx->accept_irq_ambiguous_count++;
	}
	return NULL;
}

static enum vf_status on_accept_irq(void *self, const struct vf_event *ev,
				    const struct vf_model_update *up, struct vf_error *err)
{
	struct vcpu_state *s = self;
	struct vs_vcpu *vs = accept_target(s, ev, up->thread);

	(void)err;
	if (!vs || !has_pending_wait(vs)) {
		return VF_OK;
	}
	if (!vs->has_accept) {
		vs->has_accept = true;
		vs->accept_vec = ev->u.apic_accept_irq.vec;
	}
	if (vs->accept_count < sizeof(vs->accepts) / sizeof(vs->accepts[0])) {
		vs->accepts[vs->accept_count].src = up->thread;
		vs->accepts[vs->accept_count].vec = ev->u.apic_accept_irq.vec;
		vs->accept_count++;
	}
	return VF_OK;
}

/* ---- model news ---- */

static enum vf_status vs_vcpu_lost(void *self, struct vf_vcpu *v, int64_t begin_ns,
				   struct vf_error *err)
{
	struct vcpu_state *s = self;
	struct vs_vcpu *vs = v->slots[VF_MODEL_SLOT_VCPU_STATE];
	enum vf_status st;

	if (!vs) {
		return VF_OK;
	}
	if (has_pending_wait(vs)) {
		/* Its first injection may be among the lost events. */
		st = resolve_waits(s, vs, S_WAIT_UNKNOWN, err);
		if (st != VF_OK) {
			return st;
		}
	}
	vs->has_exit = false;
	return status_set(s, vs, S_UNKNOWN, begin_ns, err);
}

static enum vf_status vs_vcpu_missed_in(void *self, struct vf_vcpu *v, int64_t since_ns,
					struct vf_error *err)
{
	struct vcpu_state *s = self;
	struct vs_vcpu *vs = v->slots[VF_MODEL_SLOT_VCPU_STATE];

	if (!vs) {
		return VF_OK;
	}
	switch (vs->open.status) {
	case S_PENDING_PREEMPT:
	case S_PENDING_WAIT:
	case S_WAIT_HOST:
	case S_UNKNOWN:
		/* It was off-CPU for us but runs: it came back unseen, some time since since_ns. */
		vs->has_exit = false;
		return status_set(s, vs, S_UNKNOWN, since_ns, err);
	default:
		return VF_OK;
	}
}

static enum vf_status vs_finish(void *self, int64_t end_ns, struct vf_error *err)
{
	struct vcpu_state *s = self;
	size_t i;

	for (i = 0; i < s->vcpu_count; i++) {
		struct vs_vcpu *vs = s->vcpus[i];
		enum vf_status st = VF_OK;

		if (has_pending_wait(vs)) {
			/* Still waiting, or woken without an injection or entry seen. */
			st = settle_waits(s, vs, fallback_label(s, vs, false),
					  vs->has_accept ? vs->accept_vec : -1, err);
		}
		if (st == VF_OK) {
			st = status_set(s, vs, S_NONE, end_ns, err);
		}
		if (st == VF_OK) {
			st = flush_queue(s, vs, err);
		}
		if (st == VF_OK) {
			st = release(s->ctx->history, vs->status_path, &vs->status_held, err);
		}
		if (st == VF_OK) {
			st = release(s->ctx->history, vs->exit_path, &vs->exit_held, err);
		}
		if (st != VF_OK) {
			return st;
		}
	}
	return VF_OK;
}

static _Thread_local const struct vcpu_state *g_sort_s; /* qsort context, per thread */

static int cmp_edge(const void *x, const void *y)
{
	const struct wait_edge *p = x, *q = y;
	int c = strcmp(vf_strtab_get(&g_sort_s->names, p->wakee),
		       vf_strtab_get(&g_sort_s->names, q->wakee));

	if (c) {
		return c;
	}
	c = strcmp(vf_strtab_get(&g_sort_s->names, p->waker),
		   vf_strtab_get(&g_sort_s->names, q->waker));
	if (c) {
		return c;
	}
	return strcmp(status_names[p->status], status_names[q->status]);
}

struct vf_history *vf_vcpu_state_borrow_wait_sources(const void *self)
{
	return ((const struct vcpu_state *)self)->sources;
}

enum vf_status vf_vcpu_state_write_wait_wakers(const void *self, FILE *fp, struct vf_error *err)
{
	const struct vcpu_state *s = self;
	struct wait_edge *sorted = NULL;
	size_t i;

	if (s->edge_count) {
		sorted = malloc(s->edge_count * sizeof(*sorted));
		if (!sorted) {
			return nomem(err);
		}
		memcpy(sorted, s->edges, s->edge_count * sizeof(*sorted));
		g_sort_s = s;
		qsort(sorted, s->edge_count, sizeof(*sorted), cmp_edge);
	}
	for (i = 0; i < s->edge_count; i++) {
		const char *waker = vf_strtab_get(&s->names, sorted[i].waker);
		const char *wakee = vf_strtab_get(&s->names, sorted[i].wakee);

		fprintf(fp, "wait\t%s\t%s\t%s\t%" PRIu64 "\n", waker ? waker : "-", wakee ? wakee : "-",
			status_names[sorted[i].status] + 5 /* "wait_" */, sorted[i].count);
	}
	free(sorted);
	return VF_OK;
}

static const struct vf_analysis_handler vs_handlers[] = {
	{VF_EV_SCHED_SWITCH, on_sched_switch},
	{VF_EV_KVM_ENTRY, on_kvm_entry},
	{VF_EV_KVM_EXIT, on_kvm_exit},
	{VF_EV_KVM_INJ_VIRQ, on_inj_virq},
	{VF_EV_KVM_APIC_ACCEPT_IRQ, on_accept_irq},
};

const struct vf_analysis_module vf_vcpu_state_module = {
	.name = "vcpu_state",
	.create = vs_create,
	.destroy = vs_destroy,
	.vcpu_bound = vs_vcpu_bound,
	.vcpu_lost = vs_vcpu_lost,
	.vcpu_missed_in = vs_vcpu_missed_in,
	.finish = vs_finish,
	.handlers = vs_handlers,
	.handler_count = sizeof(vs_handlers) / sizeof(vs_handlers[0]),
};
