/* SPDX-License-Identifier: MIT */
/*
 * summary_json.c - writes summary.json:
 *
 * {
 *   "vmflow_version": "0.1.0",
 *   "trace": {                         (null without trace facts)
 *     "path": "/traces/host/kernel",
 *     "hostname": "host1",
 *     "begin_ns": 1000,                (null when the trace has no event)
 *     "end_ns": 9000,                  (null when the trace has no event)
 *     "duration_ns": 8000,             (end_ns - begin_ns, null when no event)
 *     "event_count": 123,
 *     "kvm_event_count": 100,
 *     "uninterpreted_event_count": 0,  (events of classes vmflow does not interpret:
 *                                       irq_*, timer_*, syscalls, ...; ignored)
 *     "discarded_events": 0,
 *     "cpu_count": 4
 *   },
 *   "vms": [                           (sorted by pid)
 *     {
 *       "pid": 1234,
 *       "vcpus": [                     (sorted by vcpu_id)
 *         {
 *           "vcpu_id": 0,
 *           "states_ns": {"guest": 500, "guest_l2": 0, ...},
 *           "wait_ns": 200,            (sum of the wait_* states)
 *           "wait_counts": {"wait_disk": 0, ..., "wait_timer": 2, "wait_unknown": 0},
 *                                      (number of wait periods per wait_* class)
 *           "total_ns": 900,           (sum of all states: the vCPU's line)
 *           "exits": 3
 *         }
 *       ],
 *       "wait_ns_by_class": {"wait_disk": 0, ...},   (the VM's wait time per class)
 *       "wait_counts": {"wait_disk": 0, ...}         (the VM's wait periods per class)
 *     }
 *   ],
 *   "warnings": ["..."]
 * }
 *
 * Objects keep this fixed key order; "states_ns" lists every Status value of
 * docs/states.md (0 when never seen) plus any other value seen on that vCPU,
 * sorted by name (byte order). "exits" counts the `hypervisor` intervals that
 * start exactly where a `guest`/`guest_l<n>` interval of the same vCPU ended,
 * i.e. the guest-to-host transitions the history shows; a preempted exit
 * that resumes is not counted twice. Memory: one small record per vCPU.
 */
#include "exports/summary_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "exports/json_write.h"

/* The Status values of docs/states.md, always listed in states_ns. */
static const char *const standard_states[] = {
    "guest",     "guest_l2",  "hypervisor", "preempted_host", "preempted_vm", "wait_timer",
    "wait_task", "wait_disk", "wait_net",   "wait_unknown",   "wait_host",    "unknown",
};
#define STANDARD_STATE_COUNT (sizeof(standard_states) / sizeof(standard_states[0]))

struct state_time {
	const char *name; /* borrowed from the history, or standard_states */
	int64_t ns;
	uint64_t count;   /* intervals of this value (adjacent equal ones count once) */
};

struct vcpu_sum {
	int64_t pid;
	uint32_t vcpu_id;
	struct state_time *states; /* owned */
	size_t state_count;
	size_t state_cap;
	uint64_t exit_count;
};

struct sums {
	struct vcpu_sum *vcpus; /* owned */
	size_t count;
	size_t cap;
};

/* Parses a canonical non-negative decimal (no sign, no leading zero) ending at `end`. */
static int parse_component(const char *s, const char *end, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (s == end || (end - s > 1 && *s == '0')) {
		return 0;
	}
	for (p = s; p < end; p++) {
		if (*p < '0' || *p > '9') {
			return 0;
		}
		if (v > (max - (uint64_t)(*p - '0')) / 10) {
			return 0;
		}
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 1;
}

/* True for "VMs/<pid>/vCPUs/<n>/Status" with canonical numbers. */
static int parse_status_path(const char *path, int64_t *pid, uint32_t *vcpu_id)
{
	const char *p, *slash;
	uint64_t v;

	if (strncmp(path, "VMs/", 4) != 0) {
		return 0;
	}
	p = path + 4;
	slash = strchr(p, '/');
	if (!slash || !parse_component(p, slash, INT64_MAX, &v)) {
		return 0;
	}
	*pid = (int64_t)v;
	p = slash + 1;
	if (strncmp(p, "vCPUs/", 6) != 0) {
		return 0;
	}
	p += 6;
	slash = strchr(p, '/');
	if (!slash || !parse_component(p, slash, UINT32_MAX, &v)) {
		return 0;
	}
	*vcpu_id = (uint32_t)v;
	return strcmp(slash + 1, "Status") == 0;
}

static int is_guest_value(const char *v)
{
	return strcmp(v, "guest") == 0 ||
	       (strncmp(v, "guest_l", 7) == 0 && v[7] >= '0' && v[7] <= '9');
}

static struct state_time *state_slot(struct vcpu_sum *vs, const char *name)
{
	size_t i;

	for (i = 0; i < vs->state_count; i++) {
		if (strcmp(vs->states[i].name, name) == 0) {
			return &vs->states[i];
		}
	}
	if (vs->state_count == vs->state_cap) {
		size_t cap = vs->state_cap ? vs->state_cap * 2 : 16;
		struct state_time *n = realloc(vs->states, cap * sizeof(*n));

		if (!n) {
			return NULL;
		}
		vs->states = n;
		vs->state_cap = cap;
	}
	vs->states[vs->state_count].name = name;
	vs->states[vs->state_count].ns = 0;
	vs->states[vs->state_count].count = 0;
	return &vs->states[vs->state_count++];
}

static struct vcpu_sum *new_vcpu(struct sums *s, int64_t pid, uint32_t vcpu_id)
{
	struct vcpu_sum *vs;
	size_t i;

	if (s->count == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct vcpu_sum *n = realloc(s->vcpus, cap * sizeof(*n));

		if (!n) {
			return NULL;
		}
		s->vcpus = n;
		s->cap = cap;
	}
	vs = &s->vcpus[s->count++];
	memset(vs, 0, sizeof(*vs));
	vs->pid = pid;
	vs->vcpu_id = vcpu_id;
	for (i = 0; i < STANDARD_STATE_COUNT; i++) {
		if (!state_slot(vs, standard_states[i])) {
			return NULL;
		}
	}
	return vs;
}

static int cmp_vcpu(const void *a, const void *b)
{
	const struct vcpu_sum *x = a, *y = b;

	if (x->pid != y->pid) {
		return x->pid < y->pid ? -1 : 1;
	}
	if (x->vcpu_id != y->vcpu_id) {
		return x->vcpu_id < y->vcpu_id ? -1 : 1;
	}
	return 0;
}

static int cmp_state(const void *a, const void *b)
{
	return strcmp(((const struct state_time *)a)->name, ((const struct state_time *)b)->name);
}

static void free_sums(struct sums *s)
{
	size_t i;

	for (i = 0; i < s->count; i++) {
		free(s->vcpus[i].states);
	}
	free(s->vcpus);
}

static bool is_status_path(const char *path, void *ctx)
{
	int64_t pid;
	uint32_t vcpu_id;

	(void)ctx;
	return parse_status_path(path, &pid, &vcpu_id);
}

static enum vf_status collect(struct vf_history *h, struct sums *s, struct vf_error *err)
{
	/* only the vCPU Status paths are read (not their Exit, Process... intervals) */
	struct vf_history_iter *it = vf_history_iter_new_selected(h, is_status_path, NULL, err);
	uint32_t path_id, value_id, prev_path = VF_HISTORY_NONE;
	int64_t start_ns, end_ns, prev_end_ns = 0;
	struct vcpu_sum *cur = NULL;
	const char *prev_value = NULL;
	enum vf_status st = VF_OK;

	if (!it) {
		return err->status;
	}
	while (vf_history_iter_next(it, &path_id, &start_ns, &end_ns, &value_id)) {
		const char *value = vf_history_value_name(h, value_id);
		struct state_time *slot;

		if (path_id != prev_path) {
			int64_t pid;
			uint32_t vcpu_id;

			prev_path = path_id;
			prev_value = NULL;
			cur = NULL;
			if (parse_status_path(vf_history_path_name(h, path_id), &pid, &vcpu_id)) {
				cur = new_vcpu(s, pid, vcpu_id);
				if (!cur) {
					st = VF_ERR_NOMEM;
					break;
				}
			}
		}
		if (!cur || !value) {
			continue;
		}
		slot = state_slot(cur, value);
		if (!slot) {
			st = VF_ERR_NOMEM;
			break;
		}
		slot->ns += end_ns - start_ns;
		if (!prev_value || prev_end_ns != start_ns || prev_value != value) { /* interned */
			slot->count++;
		}
		if (strcmp(value, "hypervisor") == 0 && prev_value && prev_end_ns == start_ns &&
		    is_guest_value(prev_value)) {
			cur->exit_count++;
		}
		prev_value = value;
		prev_end_ns = end_ns;
	}
	if (st == VF_ERR_NOMEM) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory summing vCPU states");
	}
	if (vf_history_iter_free(it, err) != VF_OK && st == VF_OK) {
		st = err->status;
	}
	return st;
}

static void write_trace(FILE *fp, const struct vf_trace_info *info)
{
	int has_events = info->begin_ns != INT64_MAX && info->end_ns != INT64_MIN &&
	                 info->begin_ns <= info->end_ns;

	fputs("  \"trace\": {\n    \"path\": ", fp);
	vf_json_write_string(fp, info->path);
	fputs(",\n    \"hostname\": ", fp);
	vf_json_write_string(fp, info->hostname);
	if (has_events) {
		fprintf(fp,
		        ",\n    \"begin_ns\": %" PRId64 ",\n    \"end_ns\": %" PRId64
		        ",\n    \"duration_ns\": %" PRId64,
		        info->begin_ns, info->end_ns, info->end_ns - info->begin_ns);
	} else {
		fputs(
		    ",\n    \"begin_ns\": null,\n    \"end_ns\": null,\n    \"duration_ns\": null",
		    fp);
	}
	fprintf(fp,
	        ",\n    \"event_count\": %" PRIu64 ",\n    \"kvm_event_count\": %" PRIu64
	        ",\n    \"uninterpreted_event_count\": %" PRIu64
	        ",\n    \"discarded_events\": %" PRIu64 ",\n    \"cpu_count\": %" PRIu32 "\n  },\n",
	        info->event_count, info->kvm_event_count, info->other_event_count,
	        info->discarded_count, info->cpu_count);
}

static void write_vcpu(FILE *fp, struct vcpu_sum *vs)
{
	int64_t wait_ns = 0, total_ns = 0;
	size_t i;
	int first;

	qsort(vs->states, vs->state_count, sizeof(vs->states[0]), cmp_state);
	fprintf(fp, "        {\n          \"vcpu_id\": %" PRIu32 ",\n          \"states_ns\": {",
	        vs->vcpu_id);
	for (i = 0; i < vs->state_count; i++) {
		fputs(i ? ", " : "", fp);
		vf_json_write_string(fp, vs->states[i].name);
		fprintf(fp, ": %" PRId64, vs->states[i].ns);
		total_ns += vs->states[i].ns;
		if (strncmp(vs->states[i].name, "wait_", 5) == 0) {
			wait_ns += vs->states[i].ns;
		}
	}
	fprintf(fp, "},\n          \"wait_ns\": %" PRId64 ",\n          \"wait_counts\": {", wait_ns);
	for (i = 0, first = 1; i < vs->state_count; i++) {
		if (strncmp(vs->states[i].name, "wait_", 5) == 0) {
			fputs(first ? "" : ", ", fp);
			vf_json_write_string(fp, vs->states[i].name);
			fprintf(fp, ": %" PRIu64, vs->states[i].count);
			first = 0;
		}
	}
	fprintf(fp,
	        "},\n          \"total_ns\": %" PRId64 ",\n          \"exits\": %" PRIu64
	        "\n        }",
	        total_ns, vs->exit_count);
}

/* The wait_* classes of the VM's vCPUs vcpus[0..n) (sorted states), summed: ns or counts. */
static void write_vm_waits(FILE *fp, const struct vcpu_sum *vcpus, size_t n, int counts)
{
	const char *last = NULL;
	int first = 1;

	fputs("{", fp);
	for (;;) {
		const char *next = NULL;
		uint64_t sum = 0;
		size_t v, i;

		/* the smallest wait_* name above `last` among the vCPUs */
		for (v = 0; v < n; v++) {
			for (i = 0; i < vcpus[v].state_count; i++) {
				const char *name = vcpus[v].states[i].name;

				if (strncmp(name, "wait_", 5) == 0 &&
				    (!last || strcmp(name, last) > 0) && (!next || strcmp(name, next) < 0)) {
					next = name;
				}
			}
		}
		if (!next) {
			break;
		}
		for (v = 0; v < n; v++) {
			for (i = 0; i < vcpus[v].state_count; i++) {
				if (strcmp(vcpus[v].states[i].name, next) == 0) {
					sum += counts ? vcpus[v].states[i].count
						      : (uint64_t)vcpus[v].states[i].ns;
				}
			}
		}
		fputs(first ? "" : ", ", fp);
		vf_json_write_string(fp, next);
		fprintf(fp, ": %" PRIu64, sum);
		first = 0;
		last = next;
	}
	fputs("}", fp);
}

enum vf_status vf_summary_json_write(FILE *fp, struct vf_history *h,
                                     const struct vf_trace_info *info, const char *const *warnings,
                                     size_t warning_count, struct vf_error *err)
{
	struct sums s = {0};
	enum vf_status st;
	size_t i, vm_first;

	st = collect(h, &s, err);
	if (st != VF_OK) {
		free_sums(&s);
		return st;
	}
	if (s.count) {
		qsort(s.vcpus, s.count, sizeof(s.vcpus[0]), cmp_vcpu);
	}
	fputs("{\n  \"vmflow_version\": ", fp);
	vf_json_write_string(fp, VMFLOW_VERSION);
	fputs(",\n", fp);
	if (info) {
		write_trace(fp, info);
	} else {
		fputs("  \"trace\": null,\n", fp);
	}
	fputs("  \"vms\": [", fp);
	for (i = 0, vm_first = 0; i < s.count; i++) {
		int new_vm = i == 0 || s.vcpus[i].pid != s.vcpus[i - 1].pid;
		int last_of_vm = i + 1 == s.count || s.vcpus[i + 1].pid != s.vcpus[i].pid;

		if (new_vm) {
			vm_first = i;
			fprintf(fp, "%s\n    {\n      \"pid\": %" PRId64 ",\n      \"vcpus\": [\n",
			        i ? "," : "", s.vcpus[i].pid);
		}
		write_vcpu(fp, &s.vcpus[i]);
		if (last_of_vm) {
			fputs("\n      ],\n      \"wait_ns_by_class\": ", fp);
			write_vm_waits(fp, s.vcpus + vm_first, i + 1 - vm_first, 0);
			fputs(",\n      \"wait_counts\": ", fp);
			write_vm_waits(fp, s.vcpus + vm_first, i + 1 - vm_first, 1);
			fputs("\n    }", fp);
		} else {
			fputs(",\n", fp);
		}
	}
	fputs(s.count ? "\n  ],\n" : "],\n", fp);
	fputs("  \"warnings\": [", fp);
	for (i = 0; i < warning_count; i++) {
		fputs(i ? ",\n    " : "\n    ", fp);
		vf_json_write_string(fp, warnings[i]);
	}
	fputs(warning_count ? "\n  ]\n}\n" : "]\n}\n", fp);
	free_sums(&s);
	if (fflush(fp) != 0 || ferror(fp)) {
		VF_ERROR_SET(err, VF_ERR_IO, NULL, "cannot write summary.json: %s",
		             strerror(errno));
		return VF_ERR_IO;
	}
	return VF_OK;
}
