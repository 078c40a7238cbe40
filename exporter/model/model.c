/* SPDX-License-Identifier: MIT */
/*
 * model.c - host threads, per-CPU current thread, VMs and vCPUs, updated from
 * events (see model.h).
 *
 * Owns: vf_thread (one malloc per tid, never freed before the model: analyses
 * may keep pointers to them), vf_vm (one per QEMU pid) and, through each VM,
 * its vf_vcpus. Hot path: one tid lookup per event (two for sched_switch);
 * allocation only when an entity is first seen.
 *
 * Thread resolution: the tid context when the trace has it, else the CPU's
 * current thread from the last sched_switch on that CPU. The idle task (tid 0,
 * one per CPU) is never tracked as running anywhere.
 */
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

#include "common/u64map.h"
#include "model/exit_reasons.h"

struct vf_model {
	struct vf_u64map threads;   /* tid -> struct vf_thread* (owned) */
	struct vf_u64map vms;       /* pid -> struct vf_vm* (owned, also in vm_list) */
	struct vf_u64map vcpus;     /* key2(pid, vcpu_id) -> struct vf_vcpu* (borrowed from its VM) */
	struct vf_vm **vm_list;     /* borrowed from `vms`, sorted by pid */
	size_t vm_count;
	size_t vm_cap;
	struct vf_cpu_state *cpus;  /* owned, indexed by cpu id */
	uint32_t cpu_cap;
	uint32_t cpu_count;         /* highest cpu seen + 1 */
	struct vf_model_counters counters;
	bool nested_vmrun_seen;     /* the trace records kvm_x86_nested_vmrun (nested VM-entries) */
};

struct vf_model *vf_model_new(struct vf_error *err)
{
	struct vf_model *m = calloc(1, sizeof(*m));

	if (!m) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory creating the host model");
		return NULL;
	}
	vf_u64map_init(&m->threads);
	vf_u64map_init(&m->vms);
	vf_u64map_init(&m->vcpus);
	return m;
}

static void vm_free(struct vf_vm *vm)
{
	size_t i;

	for (i = 0; i < vm->vcpu_count; i++) {
		free(vm->vcpus[i]);
	}
	free(vm->vcpus);
	free(vm);
}

void vf_model_free(struct vf_model *m)
{
	size_t cursor = 0, i;
	uint64_t key;
	void *value;

	if (!m) {
		return;
	}
	while (vf_u64map_next(&m->threads, &cursor, &key, &value)) {
		free(value);
	}
	for (i = 0; i < m->vm_count; i++) {
		vm_free(m->vm_list[i]);
	}
	vf_u64map_fini(&m->threads);
	vf_u64map_fini(&m->vms);
	vf_u64map_fini(&m->vcpus);
	free(m->vm_list);
	free(m->cpus);
	free(m);
}

static enum vf_status nomem(struct vf_error *err)
{
	VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory in the host model");
	return VF_ERR_NOMEM;
}

/* ---- entities ---- */

static struct vf_cpu_state *get_cpu(struct vf_model *m, uint32_t cpu, struct vf_error *err)
{
	if (cpu >= m->cpu_cap) {
		uint32_t cap = m->cpu_cap ? m->cpu_cap : 8;
		struct vf_cpu_state *n;

		if (cpu >= VF_MODEL_MAX_CPUS) {
			VF_ERROR_SET(err, VF_ERR_INPUT, NULL, "cpu id %u is out of range (at most %u CPUs)",
				     cpu, VF_MODEL_MAX_CPUS);
			return NULL;
		}
		while (cap <= cpu) {
			cap *= 2;
		}
		n = realloc(m->cpus, (size_t)cap * sizeof(*n));
		if (!n) {
			nomem(err);
			return NULL;
		}
		memset(n + m->cpu_cap, 0, (size_t)(cap - m->cpu_cap) * sizeof(*n));
		m->cpus = n;
		m->cpu_cap = cap;
	}
	if (cpu >= m->cpu_count) {
		m->cpu_count = cpu + 1;
	}
	return &m->cpus[cpu];
}

static void set_comm(struct vf_thread *t, const char *comm)
{
	const char *p;
	long owner = 0;

	if (!comm || !*comm) {
		return;
	}
	memcpy(t->comm, comm, VF_COMM_LEN);
	t->comm[VF_COMM_LEN - 1] = '\0';
	if (t->role != VF_THREAD_ROLE_UNKNOWN && t->role != VF_THREAD_ROLE_VHOST) {
		return;
	}
	/* "vhost-<pid>": the kernel's vhost worker of QEMU process <pid>. */
	if (strncmp(t->comm, "vhost-", 6) != 0 || !t->comm[6]) {
		return;
	}
	for (p = t->comm + 6; *p; p++) {
		if (*p < '0' || *p > '9' || owner > 100000000) {
			return;
		}
		owner = owner * 10 + (*p - '0');
	}
	t->role = VF_THREAD_ROLE_VHOST;
	t->vhost_owner_pid = (int32_t)owner;
}

static struct vf_thread *get_thread(struct vf_model *m, int32_t tid, struct vf_error *err)
{
	struct vf_thread *t = vf_u64map_get(&m->threads, (uint64_t)(uint32_t)tid);

	if (t) {
		return t;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		nomem(err);
		return NULL;
	}
	t->tid = tid;
	t->pid = tid == 0 ? 0 : -1;
	t->role = tid == 0 ? VF_THREAD_ROLE_HOST : VF_THREAD_ROLE_UNKNOWN;
	t->cpu = VF_MODEL_NO_CPU;
	t->last_switch_in_ns = INT64_MIN;
	t->last_switch_out_ns = INT64_MIN;
	t->last_seen_ns = INT64_MIN;
	t->vhost_owner_pid = -1;
	if (!vf_u64map_put(&m->threads, (uint64_t)(uint32_t)tid, t)) {
		free(t);
		nomem(err);
		return NULL;
	}
	return t;
}

static struct vf_vm *get_vm(struct vf_model *m, int32_t pid, struct vf_error *err)
{
	struct vf_vm *vm = vf_u64map_get(&m->vms, (uint64_t)(uint32_t)pid);
	size_t pos;

	if (vm) {
		return vm;
	}
	if (m->vm_count == m->vm_cap) {
		size_t cap = m->vm_cap ? m->vm_cap * 2 : 8;
		struct vf_vm **n = realloc(m->vm_list, cap * sizeof(*n));

		if (!n) {
			nomem(err);
			return NULL;
		}
		m->vm_list = n;
		m->vm_cap = cap;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		nomem(err);
		return NULL;
	}
	vm->pid = pid;
	if (!vf_u64map_put(&m->vms, (uint64_t)(uint32_t)pid, vm)) {
		free(vm);
		nomem(err);
		return NULL;
	}
	/* Keep vm_list sorted by pid (VMs are few and created rarely). */
	for (pos = m->vm_count; pos > 0 && m->vm_list[pos - 1]->pid > pid; pos--) {
		m->vm_list[pos] = m->vm_list[pos - 1];
	}
	m->vm_list[pos] = vm;
	m->vm_count++;
	return vm;
}

static struct vf_vcpu *get_vcpu(struct vf_model *m, struct vf_vm *vm, uint32_t vcpu_id,
				struct vf_error *err)
{
	uint64_t key = vf_u64map_key2((uint32_t)vm->pid, vcpu_id);
	struct vf_vcpu *v = vf_u64map_get(&m->vcpus, key);
	size_t pos;

	if (v) {
		return v;
	}
	if (vm->vcpu_count == vm->vcpu_cap) {
		size_t cap = vm->vcpu_cap ? vm->vcpu_cap * 2 : 4;
		struct vf_vcpu **n = realloc(vm->vcpus, cap * sizeof(*n));

		if (!n) {
			nomem(err);
			return NULL;
		}
		vm->vcpus = n;
		vm->vcpu_cap = cap;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		nomem(err);
		return NULL;
	}
	v->vm = vm;
	v->vcpu_id = vcpu_id;
	if (!vf_u64map_put(&m->vcpus, key, v)) {
		free(v);
		nomem(err);
		return NULL;
	}
	for (pos = vm->vcpu_count; pos > 0 && vm->vcpus[pos - 1]->vcpu_id > vcpu_id; pos--) {
		vm->vcpus[pos] = vm->vcpus[pos - 1];
	}
	vm->vcpus[pos] = v;
	vm->vcpu_count++;
	return v;
}

/* ---- prelog ---- */

static struct vf_prelog_entry *prelog_push(struct vf_thread *t)
{
	struct vf_prelog_entry *e;

	if (t->prelog_count == VF_MODEL_PRELOG_LEN) {
		t->prelog_head = (uint8_t)((t->prelog_head + 1) % VF_MODEL_PRELOG_LEN);
		t->prelog_count--;
		t->prelog_truncated = true;
	}
	e = &t->prelog[(t->prelog_head + t->prelog_count) % VF_MODEL_PRELOG_LEN];
	t->prelog_count++;
	memset(e, 0, sizeof(*e));
	return e;
}

static void prelog_lose(struct vf_thread *t)
{
	t->prelog_head = 0;
	t->prelog_count = 0;
	t->prelog_truncated = true;
}

void vf_model_prelog_clear(struct vf_thread *t)
{
	t->prelog_head = 0;
	t->prelog_count = 0;
}

const struct vf_prelog_entry *vf_model_prelog_at(const struct vf_thread *t, unsigned i)
{
	return &t->prelog[(t->prelog_head + i) % VF_MODEL_PRELOG_LEN];
}

static bool is_identified(const struct vf_thread *t)
{
	return t->role == VF_THREAD_ROLE_VCPU;
}

/* ---- sightings ---- */

/*
 * The thread t is seen running on cpu at ts (it emitted an event there, or is
 * the prev of a switch there). If the model did not have it there, it ran in
 * unseen: remember how, and take the CPU from the thread the model had there.
 */
static void sighting(struct vf_model *m, struct vf_cpu_state *c, uint32_t cpu, struct vf_thread *t,
		     int64_t ts, struct vf_model_update *up)
{
	if (t->tid == 0) {
		c->current = t;
		return;
	}
	if (!(t->run == VF_THREAD_RUN_RUNNING && t->cpu == cpu)) {
		int64_t since = ts;
		bool explained = c->had_discard && c->discard_end_ns >= t->last_seen_ns;

		if (explained) {
			/* Lost events on this CPU explain it: it came in during the loss. */
			since = c->discard_begin_ns;
			if (since < t->last_seen_ns) {
				since = t->last_seen_ns;
			}
			if (since > ts) {
				since = ts;
			}
		}
		if (t->first_sighting == VF_SIGHTING_NONE) {
			if (!c->had_switch && !c->had_discard) {
				t->first_sighting = VF_SIGHTING_RUNNING_AT_START;
			} else {
				t->first_sighting = VF_SIGHTING_MISSED_IN;
				m->counters.missed_switch_in_count += !explained;
			}
			t->first_seen_ns = since;
		} else {
			m->counters.missed_switch_in_count += !explained;
			if (!is_identified(t)) {
				prelog_lose(t);
			}
		}
		up->missed_in = true;
		up->missed_in_ns = since;
		if (c->current && c->current != t && c->current->tid != 0 &&
		    c->current->cpu == cpu && c->current->run == VF_THREAD_RUN_RUNNING) {
			c->current->run = VF_THREAD_RUN_UNKNOWN;
			if (!is_identified(c->current)) {
				prelog_lose(c->current);
			}
			up->displaced = c->current;
		}
		t->run = VF_THREAD_RUN_RUNNING;
		t->cpu = cpu;
	}
	c->current = t;
	t->last_seen_ns = ts;
}

/* ---- per kind ---- */

static enum vf_status on_sched_switch(struct vf_model *m, struct vf_cpu_state *c,
				      const struct vf_event *ev, struct vf_model_update *up,
				      struct vf_error *err)
{
	const struct vf_ev_sched_switch *sw = &ev->u.sched_switch;
	struct vf_thread *prev = get_thread(m, sw->prev_tid, err);
	struct vf_thread *next;

	if (!prev) {
		return VF_ERR_NOMEM;
	}
	set_comm(prev, sw->prev_comm);
	if (ev->pid >= 0 && sw->prev_tid != 0) {
		prev->pid = ev->pid;
	}
	up->thread = prev;
	if (prev->tid != 0 && prev->run == VF_THREAD_RUN_RUNNING && prev->cpu != ev->cpu &&
	    prev->last_switch_in_ns == ev->ts_ns) {
		/* Switched in elsewhere at this very ns (ties come ordered by cpu): stale out. */
		up->prev_stale = true;
	} else {
		sighting(m, c, ev->cpu, prev, ev->ts_ns, up);
		if (prev->tid != 0) {
			prev->run = vf_prev_state_is_runnable(sw->prev_state) ? VF_THREAD_RUN_RUNNABLE
									      : VF_THREAD_RUN_BLOCKED;
			prev->last_switch_out_ns = ev->ts_ns;
		}
	}

	next = get_thread(m, sw->next_tid, err);
	if (!next) {
		return VF_ERR_NOMEM;
	}
	set_comm(next, sw->next_comm);
	up->next = next;
	up->preempter = next;
	if (!up->prev_stale && !is_identified(prev) && prev->tid != 0) {
		struct vf_prelog_entry *e = prelog_push(prev);

		e->kind = VF_PRELOG_SWITCH_OUT;
		e->ts_ns = ev->ts_ns;
		e->cpu = ev->cpu;
		e->prev_state = sw->prev_state;
		e->next = next;
	}
	if (next->tid != 0) {
		if (next->run == VF_THREAD_RUN_RUNNING && next->cpu != ev->cpu &&
		    next->cpu < m->cpu_count && m->cpus[next->cpu].current == next) {
			/* Its switch out there is not seen yet (same ns) or was lost. */
			m->cpus[next->cpu].current = NULL;
		}
		if (next->first_sighting == VF_SIGHTING_NONE) {
			next->first_sighting = VF_SIGHTING_SWITCH_IN;
			next->first_seen_ns = ev->ts_ns;
		}
		next->run = VF_THREAD_RUN_RUNNING;
		next->cpu = ev->cpu;
		next->last_switch_in_ns = ev->ts_ns;
		next->last_seen_ns = ev->ts_ns;
		if (!is_identified(next)) {
			struct vf_prelog_entry *e = prelog_push(next);

			e->kind = VF_PRELOG_SWITCH_IN;
			e->ts_ns = ev->ts_ns;
			e->cpu = ev->cpu;
		}
	}
	c->current = next;
	c->had_switch = true;
	return VF_OK;
}

static enum vf_status bind_vcpu(struct vf_model *m, struct vf_thread *t, uint32_t vcpu_id,
				struct vf_model_update *up, struct vf_error *err)
{
	struct vf_vm *vm;
	struct vf_vcpu *v;

	if (is_identified(t)) {
		if (t->vcpu->vcpu_id != vcpu_id || t->vcpu->vm->pid != t->pid) {
			m->counters.vcpu_id_mismatch_count++;
		}
		return VF_OK;
	}
	if (t->pid <= 0) {
		m->counters.unknown_pid_kvm_event_count++;
		return VF_OK;
	}
	if (vcpu_id > VF_MODEL_MAX_VCPU_ID) {
		m->counters.implausible_vcpu_id_count++;
		return VF_OK;
	}
	vm = get_vm(m, t->pid, err);
	if (!vm) {
		return err ? err->status : VF_ERR_NOMEM;
	}
	v = get_vcpu(m, vm, vcpu_id, err);
	if (!v) {
		return err ? err->status : VF_ERR_NOMEM;
	}
	if (v->thread && v->thread != t) {
		/* QEMU replaced the vCPU thread (or the old tid was reused). */
		v->thread->role = VF_THREAD_ROLE_UNKNOWN;
		v->thread->vcpu = NULL;
	}
	v->thread = t;
	t->role = VF_THREAD_ROLE_VCPU;
	t->vcpu = v;
	up->bound = v;
	if (t->has_pre_cr3) {
		v->guest.reported_cr3 = t->pre_cr3;
		v->guest.has_reported_cr3 = true;
	}
	if (t->has_pre_sp) {
		v->guest.reported_sp = t->pre_sp;
		v->guest.has_reported_sp = true;
	}
	t->has_pre_cr3 = false;
	t->has_pre_sp = false;
	return VF_OK;
}

static void set_vector(uint64_t set[4], uint32_t vec, bool on)
{
	if (vec >= 256) {
		return;
	}
	if (on) {
		set[vec >> 6] |= (uint64_t)1 << (vec & 63);
	} else {
		set[vec >> 6] &= ~((uint64_t)1 << (vec & 63));
	}
}

static enum vf_status on_accept_irq(struct vf_model *m, struct vf_thread *t,
				    const struct vf_event *ev, struct vf_error *err)
{
	uint32_t vec = ev->u.apic_accept_irq.vec;
	struct vf_vm *vm;

	if (t->role == VF_THREAD_ROLE_VHOST && t->vhost_owner_pid > 0) {
		vm = get_vm(m, t->vhost_owner_pid, err);
		if (!vm) {
			return err ? err->status : VF_ERR_NOMEM;
		}
		set_vector(vm->net_vectors, vec, true);
		set_vector(vm->disk_vectors, vec, false);
	} else if (t->pid > 0 && t->tid == t->pid && !is_identified(t)) {
		vm = get_vm(m, t->pid, err);
		if (!vm) {
			return err ? err->status : VF_ERR_NOMEM;
		}
		t->role = VF_THREAD_ROLE_QEMU_MAIN;
		set_vector(vm->disk_vectors, vec, true);
		set_vector(vm->net_vectors, vec, false);
	}
	return VF_OK;
}

static enum vf_status vf_model_update_threads(struct vf_model *m, const struct vf_event *ev,
					      struct vf_model_update *up, struct vf_error *err);

bool vf_model_exit_enters_l2(uint32_t isa, uint32_t exit_reason)
{
	uint32_t basic = vf_exit_reason_basic(isa == VF_ISA_SVM ? VF_ISA_SVM : VF_ISA_VMX,
					      exit_reason);

	if (isa == VF_ISA_SVM) {
		return basic == VF_SVM_EXIT_VMRUN;
	}
	return basic == VF_VMX_EXIT_VMLAUNCH || basic == VF_VMX_EXIT_VMRESUME;
}

/* Nested mode starts; its owner is the L1 process loaded, if a CR3 said which. */
static void enter_nested(struct vf_guest_ctx *g)
{
	g->nested = true;
	g->nested_owner_known = g->has_loaded_cr3;
	g->nested_owner_cr3 = g->has_loaded_cr3 ? g->loaded_cr3 : 0;
}

/* Guest context of a bound vCPU (docs/states.md): CR3 reports, entries, nesting. */
static void guest_ctx_update(struct vf_model *m, struct vf_vcpu *v, const struct vf_event *ev)
{
	struct vf_guest_ctx *g = &v->guest;
	/* Reports between L1's VMLAUNCH/VMRESUME/VMRUN and the entry are L2's when that entry
	   will go to L2 without a kvm_x86_nested_vmrun to confirm it (see KVM_ENTRY). */
	bool l2_side = g->nested || (g->l2_pending && !m->nested_vmrun_seen);

	switch (ev->kind) {
	/* In nested mode a reported CR3 is L2's; the L1 one stays for after nesting ends. */
	case VF_EV_ADDONS_VCPU_ENTER_GUEST:
		if (l2_side) {
			g->l2_reported_cr3 = ev->u.enter_guest.cr3;
			g->has_l2_reported_cr3 = true;
		} else {
			g->reported_cr3 = ev->u.enter_guest.cr3;
			g->has_reported_cr3 = true;
			g->reported_sp = ev->u.enter_guest.sp;
			g->has_reported_sp = true;
		}
		break;
	case VF_EV_KVM_CR:
		if (ev->u.kvm_cr.rw == 1 && ev->u.kvm_cr.cr == 3) {
			if (l2_side) {
				g->l2_reported_cr3 = ev->u.kvm_cr.val;
				g->has_l2_reported_cr3 = true;
			} else {
				g->reported_cr3 = ev->u.kvm_cr.val;
				g->has_reported_cr3 = true;
			}
		}
		break;
	case VF_EV_KVM_ENTRY:
		if (g->l2_pending) {
			/*
			 * L1's VMLAUNCH/VMRESUME/VMRUN with no kvm_x86_nested_vmrun before this
			 * entry: if the tracer records that event (seen before), the emulated
			 * VM-entry failed and L1 resumes; if it never does (stock lttng-modules
			 * on 6.1+, event not enabled), the exit alone says L2 runs now.
			 */
			g->l2_pending = false;
			if (m->nested_vmrun_seen) {
				m->counters.unconfirmed_vmrun_count++;
			} else {
				enter_nested(g);
			}
		}
		g->entry_is_l2 = g->nested;
		if (g->nested) {
			m->counters.nested_entry_count++;
			if (g->has_l2_reported_cr3) {
				g->l2_cr3 = g->l2_reported_cr3;
				g->has_l2_cr3 = true;
			}
		} else if (g->has_reported_cr3) {
			g->loaded_cr3 = g->reported_cr3;
			g->has_loaded_cr3 = true;
		}
		break;
	case VF_EV_KVM_EXIT:
		if (!g->nested && !g->entry_is_l2 &&
		    vf_model_exit_enters_l2(ev->u.kvm_exit.isa, ev->u.kvm_exit.exit_reason)) {
			g->l2_pending = true; /* confirmed by kvm_x86_nested_vmrun or the entry */
		}
		break;
	case VF_EV_KVM_NESTED_VMRUN:
		/* L0 emulated L1's VM-entry: the next entries run L2, CR3 known or not. */
		m->nested_vmrun_seen = true;
		g->l2_pending = false;
		if (!g->nested) {
			enter_nested(g);
		}
		break;
	case VF_EV_KVM_NESTED_VMEXIT_INJECT:
		g->nested = false;
		g->l2_pending = false;
		break;
	case VF_EV_KVM_INJ_VIRQ:
		v->vm->inj_virq_count++;
		break;
	default:
		break;
	}
}

/* A vCPU whose events were lost: what runs inside it is no longer known. */
static void guest_ctx_lost(struct vf_vcpu *v)
{
	v->guest.has_reported_cr3 = false;
	v->guest.has_reported_sp = false;
	v->guest.has_loaded_cr3 = false; /* a CR3 load may be among the lost events */
	v->guest.l2_pending = false;     /* and the kvm_x86_nested_vmrun that confirmed it */
}

enum vf_status vf_model_update(struct vf_model *m, const struct vf_event *ev,
			       struct vf_model_update *up, struct vf_error *err)
{
	enum vf_status st = vf_model_update_threads(m, ev, up, err);
	struct vf_thread *t = up->thread;

	if (st != VF_OK || !t || t->tid == 0) {
		return st;
	}
	if (t->vcpu) {
		guest_ctx_update(m, t->vcpu, ev);
	} else if (ev->kind == VF_EV_ADDONS_VCPU_ENTER_GUEST) {
		t->pre_cr3 = ev->u.enter_guest.cr3;
		t->pre_sp = ev->u.enter_guest.sp;
		t->has_pre_cr3 = t->has_pre_sp = true;
	} else if (ev->kind == VF_EV_KVM_CR && ev->u.kvm_cr.rw == 1 && ev->u.kvm_cr.cr == 3) {
		t->pre_cr3 = ev->u.kvm_cr.val;
		t->has_pre_cr3 = true;
	}
	return st;
}

static enum vf_status vf_model_update_threads(struct vf_model *m, const struct vf_event *ev,
					      struct vf_model_update *up, struct vf_error *err)
{
	struct vf_cpu_state *c;
	struct vf_thread *t;

	memset(up, 0, sizeof(*up));
	c = get_cpu(m, ev->cpu, err);
	if (!c) {
		return err ? err->status : VF_ERR_INPUT;
	}
	if (ev->kind == VF_EV_SCHED_SWITCH) {
		return on_sched_switch(m, c, ev, up, err);
	}

	if (ev->tid >= 0) {
		t = get_thread(m, ev->tid, err);
		if (!t) {
			return VF_ERR_NOMEM;
		}
		if (ev->pid >= 0 && ev->tid != 0) {
			t->pid = ev->pid;
		}
		sighting(m, c, ev->cpu, t, ev->ts_ns, up);
	} else {
		t = c->current;
		if (t) {
			t->last_seen_ns = ev->ts_ns;
		}
	}
	up->thread = t;

	switch (ev->kind) {
	case VF_EV_STATEDUMP_PROCESS_STATE: {
		struct vf_thread *s = get_thread(m, ev->u.statedump.tid, err);

		if (!s) {
			return VF_ERR_NOMEM;
		}
		if (s->tid != 0) {
			s->pid = ev->u.statedump.pid;
		}
		set_comm(s, ev->u.statedump.name);
		return VF_OK;
	}
	case VF_EV_SCHED_PROCESS_FORK: {
		struct vf_thread *s = get_thread(m, ev->u.fork.child_tid, err);

		if (!s) {
			return VF_ERR_NOMEM;
		}
		if (s->tid != 0) {
			if (s->role == VF_THREAD_ROLE_VCPU && s->pid != ev->u.fork.child_pid) {
				/* A new task reuses the tid of an old vCPU thread. */
				s->vcpu->thread = NULL;
				s->vcpu = NULL;
				s->role = VF_THREAD_ROLE_UNKNOWN;
			}
			s->pid = ev->u.fork.child_pid;
		}
		set_comm(s, ev->u.fork.child_comm);
		return VF_OK;
	}
	default:
		break;
	}

	if (!vf_event_kind_is_kvm(ev->kind)) {
		return VF_OK;
	}
	if (!t) {
		m->counters.no_thread_event_count++;
		return VF_OK;
	}
	switch (ev->kind) {
	case VF_EV_KVM_ENTRY:
		return bind_vcpu(m, t, ev->u.kvm_entry.vcpu_id, up, err);
	case VF_EV_KVM_EXIT:
		if (ev->u.kvm_exit.has_vcpu_id) {
			return bind_vcpu(m, t, ev->u.kvm_exit.vcpu_id, up, err);
		}
		if (!is_identified(t)) {
			struct vf_prelog_entry *e = prelog_push(t);

			e->kind = VF_PRELOG_KVM_EXIT;
			e->ts_ns = ev->ts_ns;
			e->cpu = ev->cpu;
			e->code = ev->u.kvm_exit.exit_reason;
			e->isa = ev->u.kvm_exit.isa;
		}
		return VF_OK;
	case VF_EV_KVM_INJ_VIRQ:
		if (!is_identified(t)) {
			struct vf_prelog_entry *e;

			/* Only the first injection after a switch in matters. */
			if (t->prelog_count > 0 &&
			    vf_model_prelog_at(t, t->prelog_count - 1u)->kind == VF_PRELOG_INJ_VIRQ) {
				return VF_OK;
			}
			e = prelog_push(t);
			e->kind = VF_PRELOG_INJ_VIRQ;
			e->ts_ns = ev->ts_ns;
			e->cpu = ev->cpu;
			e->code = ev->u.inj_virq.irq;
		}
		return VF_OK;
	case VF_EV_KVM_APIC_ACCEPT_IRQ:
		return on_accept_irq(m, t, ev, err);
	default:
		return VF_OK;
	}
}

enum vf_status vf_model_discarded(struct vf_model *m, uint32_t cpu, uint64_t count,
				  int64_t begin_ns, int64_t end_ns,
				  struct vf_thread **was_current, struct vf_error *err)
{
	struct vf_cpu_state *c = get_cpu(m, cpu, err);
	struct vf_thread *t;

	*was_current = NULL;
	if (!c) {
		return err ? err->status : VF_ERR_INPUT;
	}
	c->had_discard = true;
	c->discard_begin_ns = begin_ns;
	c->discard_end_ns = end_ns < begin_ns ? begin_ns : end_ns;
	c->discarded_count += count;
	m->counters.discarded_event_count += count;
	t = c->current;
	c->current = NULL;
	if (t && t->tid != 0 && t->cpu == cpu && t->run == VF_THREAD_RUN_RUNNING) {
		t->run = VF_THREAD_RUN_UNKNOWN;
		if (!is_identified(t)) {
			prelog_lose(t);
		} else {
			guest_ctx_lost(t->vcpu);
		}
		*was_current = t;
	}
	return VF_OK;
}

struct vf_thread *vf_model_borrow_thread(const struct vf_model *m, int32_t tid)
{
	return vf_u64map_get(&m->threads, (uint64_t)(uint32_t)tid);
}

struct vf_vm *vf_model_borrow_vm(const struct vf_model *m, int32_t pid)
{
	return vf_u64map_get(&m->vms, (uint64_t)(uint32_t)pid);
}

struct vf_vcpu *vf_model_borrow_vcpu(const struct vf_model *m, int32_t pid, uint32_t vcpu_id)
{
	return vf_u64map_get(&m->vcpus, vf_u64map_key2((uint32_t)pid, vcpu_id));
}

size_t vf_model_vm_count(const struct vf_model *m)
{
	return m->vm_count;
}

struct vf_vm *vf_model_borrow_vm_at(const struct vf_model *m, size_t index)
{
	return index < m->vm_count ? m->vm_list[index] : NULL;
}

const struct vf_cpu_state *vf_model_borrow_cpu(const struct vf_model *m, uint32_t cpu)
{
	return cpu < m->cpu_count ? &m->cpus[cpu] : NULL;
}

uint32_t vf_model_cpu_count(const struct vf_model *m)
{
	return m->cpu_count;
}

const struct vf_model_counters *vf_model_borrow_counters(const struct vf_model *m)
{
	return &m->counters;
}
