/* SPDX-License-Identifier: MIT */
/*
 * process.c - guest processes from CR3 (docs/states.md "Guest processes" and
 * "Nesting"): VMs/<pid>/vCPUs/<n>/Process (the CR3 loaded by the vCPU's
 * entries into L1), VMs/<pid>/Processes/<cr3>/Status, the nested VMs run by
 * an L1 hypervisor process h (VMs/<pid>/Nested/<h>/vCPUs/<n>/{Status,Process},
 * VMs/<pid>/Nested/<h>/Processes/<cr3>/Status), plus in-guest context switch
 * counts (another process, or another thread of the same process by its
 * kernel stack window) for the workload features.
 *
 * Owns one struct pr_vcpu per vCPU (vf_vcpu.slots[VF_MODEL_SLOT_PROCESS],
 * also listed in `vcpus`). The loaded CR3 comes from the model's guest
 * context (model.h, struct vf_guest_ctx). The Process path is written online
 * at entries. The process Status follows the final vCPU Status, which the
 * vCPU state analysis settles only later (pending wait labels), so it is
 * derived at the end: one time sweep per VM over the vCPUs' Status and
 * Process paths with one history cursor each, written into a scratch history
 * (the main one cannot take intervals while cursors read it) and copied over.
 * Memory: per vCPU and per process, not per event.
 */
#include "analyses/process.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/u64map.h"

/* A kernel-half stack pointer (docs/states.md: threads by 64 KiB kernel-stack window). */
#define KERNEL_HALF 0xffff800000000000ULL

/* Nested VMs seen per vCPU (L1 hypervisor processes); more are folded into the last. */
#define NESTED_SLOTS 4

/* One L1 hypervisor process h as seen on one vCPU. */
struct nested_slot {
	uint64_t h;
	int64_t first_l2_ns;   /* first entry into h's L2 on this vCPU: the nested lines start */
	uint32_t process_path; /* VMs/<pid>/Nested/<h>/vCPUs/<n>/Process (main history) */
	uint32_t status_path;  /* VMs/<pid>/Nested/<h>/vCPUs/<n>/Status (written at the end) */
	bool open;             /* an L2 Process interval is open */
	uint64_t cr3;
	int64_t start_ns;
};

struct pr_vcpu {
	struct vf_vcpu *vcpu;   /* borrowed from the model */
	struct nested_slot nested[NESTED_SLOTS];
	unsigned nested_count;
	bool was_nested;        /* nested mode as last synced from the model */
	uint64_t owner;         /* its owner h */
	int64_t nested_start_ns;
	uint32_t owner_path;    /* nested-mode periods, in the scratch history */
	uint32_t process_path;
	uint32_t status_path;   /* written by vcpu_state; looked up at the end */
	bool open;              /* a Process interval is open */
	uint64_t cr3;           /* its value */
	int64_t start_ns;
	bool has_kernel_key;
	uint64_t kernel_key;    /* sp >> 16 of the last kernel-half SP (the thread's stack window) */
	bool has_user_sp;
	uint64_t user_sp;       /* the last user-half SP (compared exactly) */
	struct vf_process_counts counts;
};

struct process {
	struct vf_analysis_ctx *ctx; /* borrowed from the facade */
	struct vf_history *scratch;  /* owned: nested-mode periods (value: the owner h) */
	struct pr_vcpu **vcpus;      /* owned */
	size_t vcpu_count;
	size_t vcpu_cap;
};

static enum vf_status nomem(struct vf_error *err)
{
	VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory in the guest process analysis");
	return VF_ERR_NOMEM;
}

static void *pr_create(struct vf_analysis_ctx *ctx, struct vf_error *err)
{
	struct process *p = calloc(1, sizeof(*p));

	if (!p) {
		nomem(err);
		return NULL;
	}
	p->ctx = ctx;
	p->scratch = vf_history_new(NULL, err);
	if (!p->scratch) {
		free(p);
		return NULL;
	}
	return p;
}

static void pr_destroy(void *self)
{
	struct process *p = self;
	size_t i;

	if (!p) {
		return;
	}
	for (i = 0; i < p->vcpu_count; i++) {
		p->vcpus[i]->vcpu->slots[VF_MODEL_SLOT_PROCESS] = NULL;
		free(p->vcpus[i]);
	}
	free(p->vcpus);
	vf_history_free(p->scratch);
	free(p);
}

static enum vf_status pr_vcpu_bound(void *self, struct vf_vcpu *v,
				    const struct vf_vcpu_line_start *line, struct vf_error *err)
{
	struct process *p = self;
	struct pr_vcpu *pv;

	(void)line;
	if (v->slots[VF_MODEL_SLOT_PROCESS]) {
		return VF_OK;
	}
	if (p->vcpu_count == p->vcpu_cap) {
		size_t cap = p->vcpu_cap ? p->vcpu_cap * 2 : 8;
		struct pr_vcpu **n = realloc(p->vcpus, cap * sizeof(*n));

		if (!n) {
			return nomem(err);
		}
		p->vcpus = n;
		p->vcpu_cap = cap;
	}
	pv = calloc(1, sizeof(*pv));
	if (!pv) {
		return nomem(err);
	}
	pv->vcpu = v;
	pv->process_path = VF_HISTORY_NONE;
	pv->status_path = VF_HISTORY_NONE;
	pv->owner_path = VF_HISTORY_NONE;
	p->vcpus[p->vcpu_count++] = pv;
	v->slots[VF_MODEL_SLOT_PROCESS] = pv;
	return VF_OK;
}

static void cr3_text(uint64_t cr3, char *buf, size_t size)
{
	snprintf(buf, size, "0x%" PRIx64, cr3);
}

static enum vf_status close_process(struct process *p, struct pr_vcpu *pv, int64_t ts,
				    struct vf_error *err)
{
	char buf[24];
	uint32_t value;

	if (!pv->open) {
		return VF_OK;
	}
	pv->open = false;
	cr3_text(pv->cr3, buf, sizeof(buf));
	value = vf_history_value(p->ctx->history, buf);
	if (value == VF_HISTORY_NONE) {
		return nomem(err);
	}
	return vf_history_add(p->ctx->history, pv->process_path, pv->start_ns, ts, value, err);
}

static struct pr_vcpu *of(const struct vf_model_update *up)
{
	return up->thread && up->thread->vcpu ? up->thread->vcpu->slots[VF_MODEL_SLOT_PROCESS]
					      : NULL;
}

/* Records the nested-mode periods of pv (owner h) from the model's guest context. */
static enum vf_status sync_nested(struct process *p, struct pr_vcpu *pv, int64_t ts,
				  struct vf_error *err)
{
	const struct vf_guest_ctx *g = &pv->vcpu->guest;
	bool nested = g->nested && g->nested_owner_known; /* Nested/<h> needs h */
	char buf[24];
	uint32_t value;
	enum vf_status st;

	if (nested == pv->was_nested && (!nested || g->nested_owner_cr3 == pv->owner)) {
		return VF_OK;
	}
	if (pv->was_nested) {
		if (pv->owner_path == VF_HISTORY_NONE) {
			snprintf(buf, sizeof(buf), "%p", (void *)pv);
			pv->owner_path = vf_history_path(p->scratch, buf);
		}
		cr3_text(pv->owner, buf, sizeof(buf));
		value = vf_history_value(p->scratch, buf);
		if (pv->owner_path == VF_HISTORY_NONE || value == VF_HISTORY_NONE) {
			return nomem(err);
		}
		st = vf_history_add(p->scratch, pv->owner_path, pv->nested_start_ns, ts, value, err);
		if (st != VF_OK) {
			return st;
		}
	}
	pv->was_nested = nested;
	pv->owner = g->nested_owner_cr3;
	pv->nested_start_ns = ts;
	return VF_OK;
}

static struct nested_slot *nested_slot(struct process *p, struct pr_vcpu *pv, uint64_t h,
				       int64_t ts)
{
	struct nested_slot *ns;
	char path[128];
	unsigned i;

	for (i = 0; i < pv->nested_count; i++) {
		if (pv->nested[i].h == h) {
			return &pv->nested[i];
		}
	}
	if (pv->nested_count == NESTED_SLOTS) {
		return NULL; /* more nested VMs on one vCPU than tracked: not followed */
	}
	ns = &pv->nested[pv->nested_count];
	memset(ns, 0, sizeof(*ns));
	ns->h = h;
	ns->first_l2_ns = ts;
	ns->status_path = VF_HISTORY_NONE;
	snprintf(path, sizeof(path), "VMs/%d/Nested/0x%" PRIx64 "/vCPUs/%u/Process",
		 (int)pv->vcpu->vm->pid, h, pv->vcpu->vcpu_id);
	ns->process_path = vf_history_path(p->ctx->history, path);
	if (ns->process_path == VF_HISTORY_NONE) {
		return NULL;
	}
	pv->nested_count++;
	return ns;
}

static enum vf_status close_l2(struct process *p, struct nested_slot *ns, int64_t ts,
			       struct vf_error *err)
{
	char buf[24];
	uint32_t value;

	if (!ns->open) {
		return VF_OK;
	}
	ns->open = false;
	cr3_text(ns->cr3, buf, sizeof(buf));
	value = vf_history_value(p->ctx->history, buf);
	if (value == VF_HISTORY_NONE) {
		return nomem(err);
	}
	return vf_history_add(p->ctx->history, ns->process_path, ns->start_ns, ts, value, err);
}

/* An entry into L2: the nested VM's line starts; its Process follows the L2 CR3. */
static enum vf_status l2_entry(struct process *p, struct pr_vcpu *pv, int64_t ts,
			       struct vf_error *err)
{
	const struct vf_guest_ctx *g = &pv->vcpu->guest;
	struct nested_slot *ns;
	enum vf_status st;

	if (!g->nested_owner_known) {
		return VF_OK; /* L2 runs, but no CR3 says which L1 process runs it */
	}
	ns = nested_slot(p, pv, g->nested_owner_cr3, ts);
	if (!ns || !g->has_l2_cr3 || (ns->open && ns->cr3 == g->l2_cr3)) {
		return VF_OK;
	}
	st = close_l2(p, ns, ts, err);
	if (st != VF_OK) {
		return st;
	}
	ns->open = true;
	ns->cr3 = g->l2_cr3;
	ns->start_ns = ts;
	return VF_OK;
}

static enum vf_status on_nesting_event(void *self, const struct vf_event *ev,
				       const struct vf_model_update *up, struct vf_error *err)
{
	struct pr_vcpu *pv = of(up);

	return pv ? sync_nested(self, pv, ev->ts_ns, err) : VF_OK;
}

static enum vf_status on_kvm_entry(void *self, const struct vf_event *ev,
				   const struct vf_model_update *up, struct vf_error *err)
{
	struct process *p = self;
	struct pr_vcpu *pv = of(up);
	const struct vf_guest_ctx *g;
	enum vf_status st;

	if (!pv) {
		return VF_OK;
	}
	st = sync_nested(p, pv, ev->ts_ns, err);
	if (st != VF_OK) {
		return st;
	}
	g = &pv->vcpu->guest;
	if (g->entry_is_l2) {
		return l2_entry(p, pv, ev->ts_ns, err); /* the L1 process does not change */
	}
	if (!g->has_loaded_cr3) {
		return VF_OK;
	}
	/*
	 * In-guest context switches seen at this entry (thesis 18 / 19): another CR3 is
	 * another process; else another kernel-stack window, or another user SP, is another
	 * thread. Kernel and user SPs are compared only with their own kind (the same
	 * thread enters in kernel and in user mode).
	 */
	if (pv->open && pv->cr3 != g->loaded_cr3) {
		pv->counts.process_switch_count++;
		pv->has_kernel_key = pv->has_user_sp = false;
	}
	if (g->has_reported_sp && g->reported_sp >= KERNEL_HALF) {
		uint64_t key = g->reported_sp >> 16;

		if (pv->has_kernel_key && pv->kernel_key != key) {
			pv->counts.thread_switch_count++;
			pv->has_user_sp = false;
		}
		pv->kernel_key = key;
		pv->has_kernel_key = true;
	} else if (g->has_reported_sp) {
		if (pv->has_user_sp && pv->user_sp != g->reported_sp) {
			pv->counts.thread_switch_count++;
			pv->has_kernel_key = false;
		}
		pv->user_sp = g->reported_sp;
		pv->has_user_sp = true;
	}
	if (pv->open && pv->cr3 == g->loaded_cr3) {
		return VF_OK;
	}
	if (pv->process_path == VF_HISTORY_NONE) {
		char path[96];

		snprintf(path, sizeof(path), "VMs/%d/vCPUs/%u/Process", (int)pv->vcpu->vm->pid,
			 pv->vcpu->vcpu_id);
		pv->process_path = vf_history_path(p->ctx->history, path);
		if (pv->process_path == VF_HISTORY_NONE) {
			return nomem(err);
		}
	}
	st = close_process(p, pv, ev->ts_ns, err);
	if (st != VF_OK) {
		return st;
	}
	pv->open = true;
	pv->cr3 = g->loaded_cr3;
	pv->start_ns = ev->ts_ns;
	return VF_OK;
}

/* ---- the end-of-trace sweep: VMs/<pid>/Processes/<cr3>/Status ---- */

static const char *const rank_order[] = {
	"running",   "hypervisor", "preempted_host", "preempted_vm", "wait_task",    "wait_disk",
	"wait_net",  "wait_timer", "wait_host",      "wait_unknown", "unknown",
};
#define RANK_COUNT (sizeof(rank_order) / sizeof(rank_order[0]))

struct cursor {
	struct vf_history_path_iter *it; /* owned; NULL: no path */
	bool valid;
	int64_t s, e;
	uint32_t v;
};

struct proc {
	uint64_t cr3;
	uint32_t path;       /* in the scratch history */
	int rank;            /* best rank this segment, -1: not loaded */
	bool loaded_prev;
};

struct sweep {
	struct vf_history *h;       /* borrowed: the main history */
	struct vf_history *tmp;     /* owned: the scratch history */
	struct vf_u64map procs;     /* cr3 -> struct proc * (owned) */
	struct proc **list;         /* owned array of borrowed entries */
	size_t count, cap;
	uint32_t rank_ids[RANK_COUNT + 1]; /* in tmp; [RANK_COUNT] = preempted_guest */
};

static void cursor_next(struct cursor *c)
{
	c->valid = c->it && vf_history_path_iter_next(c->it, &c->s, &c->e, &c->v);
}

static int rank_of(const char *status)
{
	size_t i;

	if (strcmp(status, "guest") == 0 || strncmp(status, "guest_l", 7) == 0) {
		return 0;
	}
	for (i = 1; i < RANK_COUNT; i++) {
		if (strcmp(status, rank_order[i]) == 0) {
			return (int)i;
		}
	}
	if (strcmp(status, "preempted_guest") == 0) {
		return (int)RANK_COUNT; /* a nested line while L1 runs another process */
	}
	return (int)RANK_COUNT - 1; /* anything else reads as unknown */
}

static struct proc *get_proc(struct sweep *sw, const char *prefix, uint64_t cr3)
{
	struct proc *pr = vf_u64map_get(&sw->procs, cr3);
	char path[160];

	if (pr) {
		return pr;
	}
	if (sw->count == sw->cap) {
		size_t cap = sw->cap ? sw->cap * 2 : 16;
		struct proc **n = realloc(sw->list, cap * sizeof(*n));

		if (!n) {
			return NULL;
		}
		sw->list = n;
		sw->cap = cap;
	}
	pr = calloc(1, sizeof(*pr));
	if (!pr) {
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/0x%" PRIx64 "/Status", prefix, cr3);
	pr->cr3 = cr3;
	pr->rank = -1;
	pr->path = vf_history_path(sw->tmp, path);
	if (pr->path == VF_HISTORY_NONE || !vf_u64map_put(&sw->procs, cr3, pr)) {
		free(pr);
		return NULL;
	}
	sw->list[sw->count++] = pr;
	return pr;
}

static void sweep_reset(struct sweep *sw)
{
	size_t i;

	for (i = 0; i < sw->count; i++) {
		free(sw->list[i]);
	}
	sw->count = 0;
	vf_u64map_fini(&sw->procs);
	vf_u64map_init(&sw->procs);
}

/* A line that loads processes: its status path and its process path (main history). */
struct unit {
	uint32_t status_path;  /* VF_HISTORY_NONE: no status (reads as unknown) */
	uint32_t process_path;
};

/*
 * One group of units (the vCPUs of a VM, or the vCPUs of one nested VM):
 * writes <prefix>/0x<cr3>/Status for every process their process paths load.
 */
static enum vf_status sweep_units(struct sweep *sw, const struct unit *units, size_t n,
				  const char *prefix, struct vf_error *err)
{
	struct cursor *cur = calloc(2 * n, sizeof(*cur));
	struct proc **loaded = calloc(n ? n : 1, sizeof(*loaded));
	struct proc **prev = calloc(n ? n : 1, sizeof(*prev));
	size_t i, k, loaded_count, prev_count = 0;
	enum vf_status st = VF_OK;
	int64_t t = INT64_MAX;

	if (!cur || !loaded || !prev) {
		st = nomem(err);
		goto end;
	}
	for (k = 0; k < n; k++) {
		if (units[k].status_path != VF_HISTORY_NONE) {
			cur[2 * k].it = vf_history_path_iter_new(sw->h, units[k].status_path, err);
			if (!cur[2 * k].it) {
				st = err->status;
				goto end;
			}
		}
		cur[2 * k + 1].it = vf_history_path_iter_new(sw->h, units[k].process_path, err);
		if (!cur[2 * k + 1].it) {
			st = err->status;
			goto end;
		}
		cursor_next(&cur[2 * k]);
		cursor_next(&cur[2 * k + 1]);
		if (cur[2 * k + 1].valid && cur[2 * k + 1].s < t) {
			t = cur[2 * k + 1].s; /* a process has no value before its first load */
		}
	}
	while (t != INT64_MAX) {
		int64_t next = INT64_MAX;

		for (i = 0; i < 2 * n; i++) {
			while (cur[i].valid && cur[i].e <= t) {
				cursor_next(&cur[i]);
			}
			if (cur[i].valid) {
				int64_t b = cur[i].s > t ? cur[i].s : cur[i].e;

				if (b < next) {
					next = b;
				}
			}
		}
		/* Which processes are loaded in [t, next), and their best vCPU status. */
		loaded_count = 0;
		for (k = 0; k < n; k++) {
			const struct cursor *pc = &cur[2 * k + 1], *sc = &cur[2 * k];
			struct proc *pr;
			int rank;

			if (!pc->valid || pc->s > t) {
				continue;
			}
			pr = get_proc(sw, prefix, strtoull(vf_history_value_name(sw->h, pc->v), NULL, 16));
			if (!pr) {
				st = nomem(err);
				goto end;
			}
			rank = sc->valid && sc->s <= t ? rank_of(vf_history_value_name(sw->h, sc->v))
						       : (int)RANK_COUNT - 1;
			if (pr->rank < 0) {
				loaded[loaded_count++] = pr;
				pr->rank = rank;
			} else if (rank < pr->rank) {
				pr->rank = rank;
			}
		}
		for (i = 0; i < prev_count; i++) {
			if (prev[i]->rank < 0) {
				/* Switched out inside the guest: preempted_guest until loaded again. */
				st = vf_history_set(sw->tmp, prev[i]->path, t, sw->rank_ids[RANK_COUNT],
						    err);
				if (st != VF_OK) {
					goto end;
				}
			}
		}
		for (i = 0; i < loaded_count; i++) {
			st = vf_history_set(sw->tmp, loaded[i]->path, t, sw->rank_ids[loaded[i]->rank],
					    err);
			if (st != VF_OK) {
				goto end;
			}
			prev[i] = loaded[i];
			loaded[i]->rank = -1;
		}
		prev_count = loaded_count;
		t = next;
	}
end:
	for (i = 0; cur && i < 2 * n; i++) {
		if (cur[i].it) {
			enum vf_status s2 = vf_history_path_iter_free(cur[i].it, err);

			if (st == VF_OK) {
				st = s2;
			}
		}
	}
	free(cur);
	free(loaded);
	free(prev);
	return st;
}

/* Copies every closed interval of the scratch history into the main one. */
static enum vf_status copy_over(struct vf_history *from, struct vf_history *to,
				struct vf_error *err)
{
	struct vf_history_iter *it = vf_history_iter_new(from, err);
	uint32_t path, value, last_from = VF_HISTORY_NONE, last_to = VF_HISTORY_NONE;
	int64_t s, e;
	enum vf_status st = VF_OK;

	if (!it) {
		return err->status;
	}
	while (st == VF_OK && vf_history_iter_next(it, &path, &s, &e, &value)) {
		uint32_t v = vf_history_value(to, vf_history_value_name(from, value));

		if (path != last_from) {
			last_from = path;
			last_to = vf_history_path(to, vf_history_path_name(from, path));
		}
		if (last_to == VF_HISTORY_NONE || v == VF_HISTORY_NONE) {
			st = nomem(err);
			break;
		}
		st = vf_history_add(to, last_to, s, e, v, err);
	}
	if (vf_history_iter_free(it, err) != VF_OK && st == VF_OK) {
		st = err->status;
	}
	return st;
}

static int cmp_by_vm(const void *a, const void *b)
{
	const struct pr_vcpu *x = *(const struct pr_vcpu *const *)a;
	const struct pr_vcpu *y = *(const struct pr_vcpu *const *)b;

	if (x->vcpu->vm->pid != y->vcpu->vm->pid) {
		return x->vcpu->vm->pid < y->vcpu->vm->pid ? -1 : 1;
	}
	return x->vcpu->vcpu_id < y->vcpu->vcpu_id ? -1 : x->vcpu->vcpu_id > y->vcpu->vcpu_id;
}

static enum vf_status sweep_open(struct sweep *sw, struct vf_history *h, struct vf_error *err)
{
	size_t i;

	memset(sw, 0, sizeof(*sw));
	vf_u64map_init(&sw->procs);
	sw->h = h;
	sw->tmp = vf_history_new(NULL, err);
	if (!sw->tmp) {
		return err->status;
	}
	for (i = 0; i <= RANK_COUNT; i++) {
		sw->rank_ids[i] = vf_history_value(sw->tmp, i < RANK_COUNT ? rank_order[i]
									 : "preempted_guest");
		if (sw->rank_ids[i] == VF_HISTORY_NONE) {
			return nomem(err);
		}
	}
	return VF_OK;
}

/* Closes the scratch at end_ns, copies it into the main history and frees the sweep. */
static enum vf_status sweep_close(struct sweep *sw, enum vf_status st, int64_t end_ns,
				  struct vf_error *err)
{
	if (st == VF_OK && sw->tmp) {
		st = vf_history_close_all(sw->tmp, end_ns, err);
	}
	if (st == VF_OK && sw->tmp) {
		st = copy_over(sw->tmp, sw->h, err);
	}
	sweep_reset(sw);
	vf_u64map_fini(&sw->procs);
	free(sw->list);
	vf_history_free(sw->tmp);
	memset(sw, 0, sizeof(*sw));
	return st;
}

/* The nested vCPU value (docs/states.md): in h's context the vCPU Status one level down. */
static const char *nested_value(const char *status, bool in_context)
{
	if (!in_context) {
		return "preempted_guest";
	}
	if (!status) {
		return "unknown";
	}
	if (strcmp(status, "guest_l2") == 0) {
		return "guest";
	}
	if (strcmp(status, "guest") == 0) {
		return "hypervisor"; /* L1 code: the L1 hypervisor h runs */
	}
	if (strncmp(status, "guest_l", 7) == 0 && status[7] >= '3' && status[7] <= '9' &&
	    status[8] == '\0') {
		static const char *const down[] = {"guest_l2", "guest_l3", "guest_l4", "guest_l5",
						   "guest_l6", "guest_l7", "guest_l8"};

		return down[status[7] - '3'];
	}
	return status;
}

/* VMs/<pid>/Nested/<h>/vCPUs/<n>/Status of every h seen on pv, into tmp. */
static enum vf_status nested_vcpu_pass(struct process *p, struct pr_vcpu *pv,
				       struct vf_history *tmp, struct vf_error *err)
{
	struct vf_history *h = p->ctx->history;
	struct cursor cur[3]; /* Status, Process (main), nested-mode owner (scratch) */
	uint32_t ids[NESTED_SLOTS];
	enum vf_status st = VF_OK;
	int64_t t = INT64_MAX;
	char path[128];
	unsigned i;

	memset(cur, 0, sizeof(cur));
	snprintf(path, sizeof(path), "VMs/%d/vCPUs/%u/Status", (int)pv->vcpu->vm->pid,
		 pv->vcpu->vcpu_id);
	if (vf_history_find_path(h, path) != VF_HISTORY_NONE) {
		cur[0].it = vf_history_path_iter_new(h, vf_history_find_path(h, path), err);
	}
	if (pv->process_path != VF_HISTORY_NONE) {
		cur[1].it = vf_history_path_iter_new(h, pv->process_path, err);
	}
	if (pv->owner_path != VF_HISTORY_NONE) {
		cur[2].it = vf_history_path_iter_new(p->scratch, pv->owner_path, err);
	}
	for (i = 0; i < 3; i++) {
		cursor_next(&cur[i]);
	}
	for (i = 0; i < pv->nested_count; i++) {
		snprintf(path, sizeof(path), "VMs/%d/Nested/0x%" PRIx64 "/vCPUs/%u/Status",
			 (int)pv->vcpu->vm->pid, pv->nested[i].h, pv->vcpu->vcpu_id);
		ids[i] = vf_history_path(tmp, path);
		if (ids[i] == VF_HISTORY_NONE) {
			st = nomem(err);
			goto end;
		}
		if (pv->nested[i].first_l2_ns < t) {
			t = pv->nested[i].first_l2_ns;
		}
	}
	while (t != INT64_MAX) {
		int64_t next = INT64_MAX;
		const char *status = NULL;
		bool has_owner, has_process;
		uint64_t owner = 0, process = 0;

		for (i = 0; i < 3; i++) {
			while (cur[i].valid && cur[i].e <= t) {
				cursor_next(&cur[i]);
			}
			if (cur[i].valid && (cur[i].s > t ? cur[i].s : cur[i].e) < next) {
				next = cur[i].s > t ? cur[i].s : cur[i].e;
			}
		}
		for (i = 0; i < pv->nested_count; i++) {
			if (pv->nested[i].first_l2_ns > t && pv->nested[i].first_l2_ns < next) {
				next = pv->nested[i].first_l2_ns;
			}
		}
		if (cur[0].valid && cur[0].s <= t) {
			status = vf_history_value_name(h, cur[0].v);
		}
		has_process = cur[1].valid && cur[1].s <= t;
		if (has_process) {
			process = strtoull(vf_history_value_name(h, cur[1].v), NULL, 16);
		}
		has_owner = cur[2].valid && cur[2].s <= t;
		if (has_owner) {
			owner = strtoull(vf_history_value_name(p->scratch, cur[2].v), NULL, 16);
		}
		for (i = 0; i < pv->nested_count && next != INT64_MAX; i++) {
			bool in_context = has_owner ? owner == pv->nested[i].h
						    : has_process && process == pv->nested[i].h;
			uint32_t v;

			if (t < pv->nested[i].first_l2_ns) {
				continue;
			}
			v = vf_history_value(tmp, nested_value(status, in_context));
			if (v == VF_HISTORY_NONE) {
				st = nomem(err);
				goto end;
			}
			st = vf_history_set(tmp, ids[i], t, v, err);
			if (st != VF_OK) {
				goto end;
			}
		}
		t = next;
	}
end:
	for (i = 0; i < 3; i++) {
		if (cur[i].it) {
			enum vf_status s2 = vf_history_path_iter_free(cur[i].it, err);

			if (st == VF_OK) {
				st = s2;
			}
		}
	}
	return st;
}

static enum vf_status pr_finish(void *self, int64_t end_ns, struct vf_error *err)
{
	struct process *p = self;
	struct pr_vcpu **with = NULL;
	struct unit *units = NULL;
	struct sweep sw;
	size_t i, j, k, n = 0;
	enum vf_status st = VF_OK;
	char prefix[96];

	memset(&sw, 0, sizeof(sw));
	for (i = 0; i < p->vcpu_count && st == VF_OK; i++) {
		struct pr_vcpu *pv = p->vcpus[i];

		st = close_process(p, pv, end_ns, err);
		for (k = 0; k < pv->nested_count && st == VF_OK; k++) {
			st = close_l2(p, &pv->nested[k], end_ns, err);
		}
		if (st == VF_OK && pv->was_nested) {
			/* close the nested-mode period at the end */
			pv->vcpu->guest.nested = false;
			st = sync_nested(p, pv, end_ns, err);
		}
	}
	if (st != VF_OK) {
		return st;
	}
	with = calloc(p->vcpu_count ? p->vcpu_count : 1, sizeof(*with));
	units = calloc(p->vcpu_count * NESTED_SLOTS + 1, sizeof(*units));
	if (!with || !units) {
		free(with);
		free(units);
		return nomem(err);
	}
	for (i = 0; i < p->vcpu_count; i++) {
		if (p->vcpus[i]->process_path != VF_HISTORY_NONE || p->vcpus[i]->nested_count) {
			with[n++] = p->vcpus[i];
		}
	}
	qsort(with, n, sizeof(*with), cmp_by_vm);

	/* 1. L1 processes, per VM. */
	st = sweep_open(&sw, p->ctx->history, err);
	for (i = 0; i < n && st == VF_OK; i = j) {
		size_t u = 0;

		for (j = i; j < n && with[j]->vcpu->vm == with[i]->vcpu->vm; j++) {
			char path[96];

			if (with[j]->process_path == VF_HISTORY_NONE) {
				continue;
			}
			snprintf(path, sizeof(path), "VMs/%d/vCPUs/%u/Status",
				 (int)with[j]->vcpu->vm->pid, with[j]->vcpu->vcpu_id);
			units[u].status_path = vf_history_find_path(p->ctx->history, path);
			units[u++].process_path = with[j]->process_path;
		}
		snprintf(prefix, sizeof(prefix), "VMs/%d/Processes", (int)with[i]->vcpu->vm->pid);
		st = sweep_units(&sw, units, u, prefix, err);
		sweep_reset(&sw);
	}
	st = sweep_close(&sw, st, end_ns, err);

	/* 2. Nested vCPUs (they read the L1 Process paths copied in by step 1). */
	if (st == VF_OK) {
		st = sweep_open(&sw, p->ctx->history, err);
	}
	for (i = 0; i < n && st == VF_OK; i++) {
		st = nested_vcpu_pass(p, with[i], sw.tmp, err);
	}
	st = sweep_close(&sw, st, end_ns, err);

	/* 3. Nested processes, per (VM, h). */
	if (st == VF_OK) {
		st = sweep_open(&sw, p->ctx->history, err);
	}
	for (i = 0; i < n && st == VF_OK; i = j) {
		for (j = i; j < n && with[j]->vcpu->vm == with[i]->vcpu->vm; j++) {
		}
		/* every h of this VM, each once */
		for (k = i; k < j && st == VF_OK; k++) {
			unsigned a, b;

			for (a = 0; a < with[k]->nested_count && st == VF_OK; a++) {
				uint64_t hv = with[k]->nested[a].h;
				size_t u = 0, m;
				bool seen = false;

				for (m = i; m < k && !seen; m++) {
					for (b = 0; b < with[m]->nested_count; b++) {
						seen = seen || with[m]->nested[b].h == hv;
					}
				}
				for (b = 0; b < a; b++) {
					seen = seen || with[k]->nested[b].h == hv;
				}
				if (seen) {
					continue;
				}
				for (m = k; m < j; m++) {
					for (b = 0; b < with[m]->nested_count; b++) {
						char path[128];

						if (with[m]->nested[b].h != hv) {
							continue;
						}
						snprintf(path, sizeof(path),
							 "VMs/%d/Nested/0x%" PRIx64 "/vCPUs/%u/Status",
							 (int)with[m]->vcpu->vm->pid, hv,
							 with[m]->vcpu->vcpu_id);
						units[u].status_path =
							vf_history_find_path(p->ctx->history, path);
						units[u++].process_path = with[m]->nested[b].process_path;
					}
				}
				snprintf(prefix, sizeof(prefix), "VMs/%d/Nested/0x%" PRIx64 "/Processes",
					 (int)with[k]->vcpu->vm->pid, hv);
				st = sweep_units(&sw, units, u, prefix, err);
				sweep_reset(&sw);
			}
		}
	}
	st = sweep_close(&sw, st, end_ns, err);
	free(with);
	free(units);
	return st;
}

bool vf_process_get_counts(const void *self, const struct vf_vcpu *v,
			   struct vf_process_counts *out)
{
	const struct pr_vcpu *pv = v->slots[VF_MODEL_SLOT_PROCESS];

	(void)self;
	memset(out, 0, sizeof(*out));
	if (!pv) {
		return false;
	}
	*out = pv->counts;
	return true;
}

static const struct vf_analysis_handler pr_handlers[] = {
	{VF_EV_KVM_ENTRY, on_kvm_entry},
	{VF_EV_KVM_EXIT, on_nesting_event},
	{VF_EV_KVM_NESTED_VMRUN, on_nesting_event},
	{VF_EV_KVM_NESTED_VMEXIT_INJECT, on_nesting_event},
};

const struct vf_analysis_module vf_process_module = {
	.name = "process",
	.create = pr_create,
	.destroy = pr_destroy,
	.vcpu_bound = pr_vcpu_bound,
	.vcpu_lost = NULL,
	.vcpu_missed_in = NULL,
	.finish = pr_finish,
	.handlers = pr_handlers,
	.handler_count = sizeof(pr_handlers) / sizeof(pr_handlers[0]),
};
