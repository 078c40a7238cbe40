/* SPDX-License-Identifier: MIT */
/*
 * features.c - workload feature vectors (thesis §8, features.tsv): the
 * injection counting module, and the writer that joins the history's state
 * intervals (VMs/<pid>/vCPUs/<n>/Status, VMs/<pid>/Processes/<cr3>/Status),
 * the exit statistics and the counters into one row per vCPU and process.
 *
 * Owns one struct ft_vcpu per vCPU (vf_vcpu.slots[VF_MODEL_SLOT_FEATURES]).
 * The writer holds one row per entity (vCPU or process) and one column per
 * exit reason seen: memory by entities, not events. Unlike the reference
 * code, exit counts are exact (each completed exit, repeated reasons
 * included; thesis §11.10).
 */
#include "analyses/features.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/exit_stats.h"
#include "model/exit_reasons.h"

#define SLOT VF_MODEL_SLOT_FEATURES

struct ft_vcpu {
	struct vf_vcpu *vcpu; /* borrowed from the model */
	struct vf_injection_counts inj;
};

/* Injections while a guest process was loaded (the process the interrupt went to). */
struct ft_process {
	int32_t pid;
	uint64_t cr3;
	struct vf_injection_counts inj;
};

struct features {
	struct vf_analysis_ctx *ctx; /* borrowed */
	struct ft_vcpu **vcpus;      /* owned */
	size_t count, cap;
	struct vf_u64map proc_index; /* hash(pid, cr3) -> index + 1 into procs (probed) */
	struct ft_process *procs;    /* owned */
	size_t proc_count, proc_cap;
};

static enum vf_status nomem(struct vf_error *err)
{
	VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory in the workload features");
	return VF_ERR_NOMEM;
}

static void *ft_create(struct vf_analysis_ctx *ctx, struct vf_error *err)
{
	struct features *f = calloc(1, sizeof(*f));

	if (!f) {
		nomem(err);
		return NULL;
	}
	f->ctx = ctx;
	vf_u64map_init(&f->proc_index);
	return f;
}

static void ft_destroy(void *self)
{
	struct features *f = self;
	size_t i;

	if (!f) {
		return;
	}
	for (i = 0; i < f->count; i++) {
		f->vcpus[i]->vcpu->slots[SLOT] = NULL;
		free(f->vcpus[i]);
	}
	free(f->vcpus);
	vf_u64map_fini(&f->proc_index);
	free(f->procs);
	free(f);
}

static enum vf_status ft_vcpu_bound(void *self, struct vf_vcpu *v,
				    const struct vf_vcpu_line_start *line, struct vf_error *err)
{
	struct features *f = self;
	struct ft_vcpu *fv;

	(void)line;
	if (v->slots[SLOT]) {
		return VF_OK;
	}
	if (f->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct ft_vcpu **n = realloc(f->vcpus, cap * sizeof(*n));

		if (!n) {
			return nomem(err);
		}
		f->vcpus = n;
		f->cap = cap;
	}
	fv = calloc(1, sizeof(*fv));
	if (!fv) {
		return nomem(err);
	}
	fv->vcpu = v;
	f->vcpus[f->count++] = fv;
	v->slots[SLOT] = fv;
	return VF_OK;
}

static uint64_t process_key(int32_t pid, uint64_t cr3)
{
	return vf_u64map_key2((uint32_t)pid, (uint32_t)(cr3 >> 12)) ^ (cr3 * 0x9e3779b97f4a7c15ULL);
}

/* The row of (pid, cr3); *key is left at the free probe position when absent. */
static struct ft_process *find_process(const struct features *f, int32_t pid, uint64_t cr3,
				       uint64_t *key)
{
	void *found;

	*key = process_key(pid, cr3);
	while ((found = vf_u64map_get(&f->proc_index, *key)) != NULL) {
		struct ft_process *p = &f->procs[(uintptr_t)found - 1];

		if (p->pid == pid && p->cr3 == cr3) {
			return p;
		}
		*key = *key * 0x5851f42d4c957f2dULL + 1442695040888963407ULL;
	}
	return NULL;
}

static struct ft_process *get_process(struct features *f, int32_t pid, uint64_t cr3)
{
	uint64_t key;
	struct ft_process *p = find_process(f, pid, cr3, &key);

	if (p) {
		return p;
	}
	if (f->proc_count == f->proc_cap) {
		size_t cap = f->proc_cap ? f->proc_cap * 2 : 16;
		struct ft_process *n = realloc(f->procs, cap * sizeof(*n));

		if (!n) {
			return NULL;
		}
		f->procs = n;
		f->proc_cap = cap;
	}
	if (!vf_u64map_put(&f->proc_index, key, (void *)(uintptr_t)(f->proc_count + 1))) {
		return NULL;
	}
	p = &f->procs[f->proc_count++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->cr3 = cr3;
	return p;
}

static void count_injection(const struct features *f, const struct vf_vm *vm, uint32_t vec,
			    struct vf_injection_counts *c)
{
	if (vf_vm_vector_in(f->ctx->timer_vectors, vec)) {
		c->timer++;
	} else if (vf_vm_vector_in(f->ctx->ipi_vectors, vec)) {
		c->ipi++;
	} else if (vf_vm_vector_in(vm->disk_vectors, vec) ||
		   vf_vm_vector_in(f->ctx->disk_vectors, vec)) {
		c->disk++;
	} else if (vf_vm_vector_in(vm->net_vectors, vec) ||
		   vf_vm_vector_in(f->ctx->net_vectors, vec)) {
		c->net++;
	} else {
		c->other++;
	}
}

static enum vf_status on_inj_virq(void *self, const struct vf_event *ev,
				  const struct vf_model_update *up, struct vf_error *err)
{
	struct features *f = self;
	struct ft_vcpu *fv;
	const struct vf_guest_ctx *g;

	if (!up->thread || !up->thread->vcpu || !(fv = up->thread->vcpu->slots[SLOT])) {
		return VF_OK;
	}
	count_injection(f, fv->vcpu->vm, ev->u.inj_virq.irq, &fv->inj);
	g = &fv->vcpu->guest;
	if (g->has_loaded_cr3 && !g->nested) {
		struct ft_process *p = get_process(f, fv->vcpu->vm->pid, g->loaded_cr3);

		if (!p) {
			return nomem(err);
		}
		count_injection(f, fv->vcpu->vm, ev->u.inj_virq.irq, &p->inj);
	}
	return VF_OK;
}

bool vf_features_get_process_injections(const void *self, int32_t pid, uint64_t cr3,
					struct vf_injection_counts *out)
{
	uint64_t key;
	const struct ft_process *p = find_process(self, pid, cr3, &key);

	memset(out, 0, sizeof(*out));
	if (p) {
		*out = p->inj;
	}
	return p != NULL;
}

static enum vf_status ft_finish(void *self, int64_t end_ns, struct vf_error *err)
{
	(void)self;
	(void)end_ns;
	(void)err;
	return VF_OK;
}

void vf_features_get_injections(const struct vf_vcpu *v, struct vf_injection_counts *out)
{
	const struct ft_vcpu *fv = v->slots[SLOT];

	memset(out, 0, sizeof(*out));
	if (fv) {
		*out = fv->inj;
	}
}

static const struct vf_analysis_handler ft_handlers[] = {
	{VF_EV_KVM_INJ_VIRQ, on_inj_virq},
};

const struct vf_analysis_module vf_features_module = {
	.name = "features",
	.create = ft_create,
	.destroy = ft_destroy,
	.vcpu_bound = ft_vcpu_bound,
	.vcpu_lost = NULL,
	.vcpu_missed_in = NULL,
	.finish = ft_finish,
	.handlers = ft_handlers,
	.handler_count = sizeof(ft_handlers) / sizeof(ft_handlers[0]),
};

/* ---- features.tsv ---- */

/* State columns: each gets <value>_count, <value>_mean_ns, <value>_total_ns. */
static const char *const state_cols[] = {
	"running",      "guest",        "guest_l2",   "hypervisor", "preempted_host",
	"preempted_vm", "preempted_guest", "wait_timer", "wait_task", "wait_disk",
	"wait_net",     "wait_host",    "wait_unknown", "unknown",
};
#define STATE_COLS (sizeof(state_cols) / sizeof(state_cols[0]))

struct reason_col {
	uint32_t isa;
	uint32_t reason;
	char name[48];
};

struct row {
	bool process;           /* else vCPU */
	int32_t pid;
	uint64_t id;            /* vcpu_id or cr3 */
	uint64_t count[STATE_COLS];
	int64_t total[STATE_COLS];
	int64_t first_ns, last_ns;
	bool has_line;
	bool has_inj;
	struct vf_injection_counts inj;
	uint64_t process_switches, thread_switches;
	uint64_t *exits;        /* owned: one per reason column */
};

struct table {
	struct row *rows;
	size_t count, cap;
	struct reason_col *reasons;
	size_t reason_count, reason_cap;
};

static struct row *find_row(struct table *t, bool process, int32_t pid, uint64_t id)
{
	size_t i;
	struct row *r;

	/* rows come grouped by path from the history; look back from the end first */
	for (i = t->count; i > 0; i--) {
		r = &t->rows[i - 1];
		if (r->process == process && r->pid == pid && r->id == id) {
			return r;
		}
	}
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct row *n = realloc(t->rows, cap * sizeof(*n));

		if (!n) {
			return NULL;
		}
		t->rows = n;
		t->cap = cap;
	}
	r = &t->rows[t->count++];
	memset(r, 0, sizeof(*r));
	r->process = process;
	r->pid = pid;
	r->id = id;
	return r;
}

/* "VMs/<pid>/vCPUs/<n>/Status" or "VMs/<pid>/Processes/0x<cr3>/Status". */
static bool parse_path(const char *path, bool *process, int32_t *pid, uint64_t *id)
{
	char *end;
	long p;

	if (strncmp(path, "VMs/", 4) != 0) {
		return false;
	}
	p = strtol(path + 4, &end, 10);
	if (end == path + 4 || p <= 0 || p > INT32_MAX) {
		return false;
	}
	*pid = (int32_t)p;
	if (strncmp(end, "/vCPUs/", 7) == 0) {
		const char *s = end + 7;

		*process = false;
		*id = strtoull(s, &end, 10);
		return end != s && strcmp(end, "/Status") == 0;
	}
	if (strncmp(end, "/Processes/0x", 13) == 0) {
		const char *s = end + 13;

		*process = true;
		*id = strtoull(s, &end, 16);
		return end != s && strcmp(end, "/Status") == 0;
	}
	return false;
}

static bool is_row_path(const char *path, void *ctx)
{
	bool process;
	int32_t pid;
	uint64_t id;

	(void)ctx;
	return parse_path(path, &process, &pid, &id);
}

static int state_index(const char *value)
{
	size_t i;

	for (i = 0; i < STATE_COLS; i++) {
		if (strcmp(value, state_cols[i]) == 0) {
			return (int)i;
		}
	}
	return -1;
}

static int reason_index(struct table *t, uint32_t isa, uint32_t reason)
{
	size_t i;

	isa = isa == VF_ISA_SVM ? VF_ISA_SVM : VF_ISA_VMX;
	for (i = 0; i < t->reason_count; i++) {
		if (t->reasons[i].isa == isa && t->reasons[i].reason == reason) {
			return (int)i;
		}
	}
	if (t->reason_count == t->reason_cap) {
		size_t cap = t->reason_cap ? t->reason_cap * 2 : 16;
		struct reason_col *n = realloc(t->reasons, cap * sizeof(*n));

		if (!n) {
			return -1;
		}
		t->reasons = n;
		t->reason_cap = cap;
	}
	t->reasons[t->reason_count].isa = isa;
	t->reasons[t->reason_count].reason = reason;
	{
		char buf[48];
		const char *n = vf_exit_reason_name(isa, reason, buf, sizeof(buf));

		snprintf(t->reasons[t->reason_count].name, sizeof(t->reasons[0].name), "%s%s",
			 isa == VF_ISA_SVM ? "svm_" : "", n);
	}
	return (int)t->reason_count++;
}

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->pid != y->pid) {
		return x->pid < y->pid ? -1 : 1;
	}
	if (x->process != y->process) {
		return x->process ? 1 : -1;
	}
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_reason(const void *a, const void *b)
{
	return strcmp(((const struct reason_col *)a)->name, ((const struct reason_col *)b)->name);
}

static enum vf_status add_exits(struct table *t, const struct vf_exit_stats *s, bool process,
				struct vf_error *err)
{
	size_t i;

	for (i = 0; i < s->row_count; i++) {
		const struct vf_exit_stat_row *e = &s->rows[i];
		struct row *r = find_row(t, process, e->vm_pid, process ? e->cr3 : e->vcpu_id);

		if (!r || reason_index(t, e->isa, e->reason) < 0) {
			return nomem(err);
		}
	}
	return VF_OK;
}

static enum vf_status fill_exits(struct table *t, const struct vf_exit_stats *s, bool process,
				 struct vf_error *err)
{
	size_t i;

	for (i = 0; i < s->row_count; i++) {
		const struct vf_exit_stat_row *e = &s->rows[i];
		struct row *r = find_row(t, process, e->vm_pid, process ? e->cr3 : e->vcpu_id);
		int k = reason_index(t, e->isa, e->reason);

		if (!r || k < 0) {
			return nomem(err);
		}
		if (!r->exits) {
			r->exits = calloc(t->reason_count ? t->reason_count : 1, sizeof(*r->exits));
			if (!r->exits) {
				return nomem(err);
			}
		}
		r->exits[k] += e->count;
	}
	return VF_OK;
}

enum vf_status vf_features_tsv_write(FILE *fp, struct vf_history *h, const struct vf_analysis *a,
				     struct vf_error *err)
{
	struct table t;
	struct vf_history_iter *it;
	uint32_t path, value, last_path = VF_HISTORY_NONE, last_value = VF_HISTORY_NONE;
	int last_si = -1;
	int64_t s, e;
	struct row *cur = NULL;
	size_t i, k, vm, vc;
	enum vf_status st = VF_OK;

	memset(&t, 0, sizeof(t));
	it = vf_history_iter_new_selected(h, is_row_path, NULL, err); /* Status paths only */
	if (!it) {
		return err->status;
	}
	while (vf_history_iter_next(it, &path, &s, &e, &value)) {
		int si;

		if (path != last_path) {
			bool process;
			int32_t pid;
			uint64_t id;

			last_path = path;
			cur = NULL;
			if (parse_path(vf_history_path_name(h, path), &process, &pid, &id)) {
				cur = find_row(&t, process, pid, id);
				if (!cur) {
					st = nomem(err);
					break;
				}
			}
		}
		if (!cur) {
			continue;
		}
		if (!cur->has_line) {
			cur->first_ns = s;
			cur->has_line = true;
		}
		cur->last_ns = e;
		if (value != last_value) { /* runs of one value: look it up once */
			last_value = value;
			last_si = state_index(vf_history_value_name(h, value));
		}
		si = last_si;
		if (si >= 0) {
			cur->count[si]++;
			cur->total[si] += e - s;
		}
	}
	if (vf_history_iter_free(it, err) != VF_OK && st == VF_OK) {
		st = err->status;
	}
	/* counters of the vCPUs */
	for (vm = 0; st == VF_OK && vm < vf_analysis_vm_count(a); vm++) {
		struct vf_analysis_vm_info vi;
		struct vf_analysis_vcpu_info ci;

		vf_analysis_get_vm(a, vm, &vi);
		for (vc = 0; vf_analysis_get_vcpu(a, vm, vc, &ci); vc++) {
			struct row *r = find_row(&t, false, vi.pid, ci.vcpu_id);

			if (!r) {
				st = nomem(err);
				break;
			}
			r->has_inj = true;
			r->inj.timer = ci.injections_timer;
			r->inj.ipi = ci.injections_ipi;
			r->inj.disk = ci.injections_disk;
			r->inj.net = ci.injections_net;
			r->inj.other = ci.injections_other;
			r->process_switches = ci.process_switch_count;
			r->thread_switches = ci.thread_switch_count;
		}
	}
	/* exit histograms: columns first (sorted by name), then counts */
	if (st == VF_OK) {
		st = add_exits(&t, vf_analysis_borrow_exit_stats(a), false, err);
	}
	if (st == VF_OK) {
		st = add_exits(&t, vf_analysis_borrow_process_exit_stats(a), true, err);
	}
	if (st == VF_OK && t.reason_count) {
		qsort(t.reasons, t.reason_count, sizeof(*t.reasons), cmp_reason);
	}
	if (st == VF_OK) {
		st = fill_exits(&t, vf_analysis_borrow_exit_stats(a), false, err);
	}
	if (st == VF_OK) {
		st = fill_exits(&t, vf_analysis_borrow_process_exit_stats(a), true, err);
	}
	if (st == VF_OK) {
		if (t.count) {
			qsort(t.rows, t.count, sizeof(*t.rows), cmp_row);
		}
		fputs("kind\tvm_pid\tid\tline_ns", fp);
		for (k = 0; k < STATE_COLS; k++) {
			fprintf(fp, "\t%s_count\t%s_mean_ns\t%s_total_ns", state_cols[k], state_cols[k],
				state_cols[k]);
		}
		fputs("\tinj_timer\tinj_ipi\tinj_disk\tinj_net\tinj_other\tprocess_switches"
		      "\tthread_switches\texits",
		      fp);
		for (k = 0; k < t.reason_count; k++) {
			fprintf(fp, "\texit_%s", t.reasons[k].name);
		}
		fputc('\n', fp);
		for (i = 0; i < t.count; i++) {
			const struct row *r = &t.rows[i];
			uint64_t exits = 0;

			if (r->process) {
				fprintf(fp, "process\t%" PRId32 "\t0x%" PRIx64, r->pid, r->id);
			} else {
				fprintf(fp, "vcpu\t%" PRId32 "\t%" PRIu64, r->pid, r->id);
			}
			fprintf(fp, "\t%" PRId64, r->has_line ? r->last_ns - r->first_ns : 0);
			for (k = 0; k < STATE_COLS; k++) {
				fprintf(fp, "\t%" PRIu64 "\t%.1f\t%" PRId64, r->count[k],
					r->count[k] ? (double)r->total[k] / (double)r->count[k] : 0.0,
					r->total[k]);
			}
			if (r->process) {
				uint64_t inj[5];

				vf_analysis_get_process_injections(a, r->pid, r->id, inj);
				fprintf(fp,
					"\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64
					"\tNA\tNA", /* switches are seen per vCPU */
					inj[0], inj[1], inj[2], inj[3], inj[4]);
			} else if (r->has_inj) {
				fprintf(fp,
					"\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64
					"\t%" PRIu64 "\t%" PRIu64,
					r->inj.timer, r->inj.ipi, r->inj.disk, r->inj.net, r->inj.other,
					r->process_switches, r->thread_switches);
			} else {
				fputs("\t0\t0\t0\t0\t0\t0\t0", fp);
			}
			for (k = 0; r->exits && k < t.reason_count; k++) {
				exits += r->exits[k];
			}
			fprintf(fp, "\t%" PRIu64, exits);
			for (k = 0; k < t.reason_count; k++) {
				fprintf(fp, "\t%" PRIu64, r->exits ? r->exits[k] : 0);
			}
			fputc('\n', fp);
		}
	}
	for (i = 0; i < t.count; i++) {
		free(t.rows[i].exits);
	}
	free(t.rows);
	free(t.reasons);
	return st;
}
