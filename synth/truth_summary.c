/* SPDX-License-Identifier: MIT */
/*
 * truth_summary.c - the ground truth in figures (`--truth-summary FILE`): per
 * VM and vCPU the time in each Status value and the exits per reason (count,
 * total handling ns), wait totals per class per VM, the wake-up edges, the
 * nesting levels and the CR3 -> process name map. Deterministic JSON: keys in
 * a fixed order, VMs and vCPUs in scenario order, values sorted by name.
 *
 * Reads the truth's history after vf_truth_finish(); owns nothing.
 */
#include "synth/truth_summary.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model/exit_reasons.h"

/* Time per Status value of one vCPU path (a handful of values: linear lists). */
struct status_sum {
	uint32_t path;
	uint32_t values[32];
	int64_t ns[32];
	uint32_t count;
};

static const char *const wake_names[] = {"timer", "task", "disk", "net", "unknown"};

static void json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			fprintf(fp, "\\%c", c);
		} else if (c < 0x20) {
			fprintf(fp, "\\u%04x", c);
		} else {
			fputc(c, fp);
		}
	}
	fputc('"', fp);
}

static void write_status(FILE *fp, struct vf_history *h, const struct status_sum *ss,
                         const char *indent)
{
	uint32_t order[32], i;

	for (i = 0; i < ss->count; i++) {
		order[i] = i;
	}
	/* sort indexes by value name */
	for (i = 1; i < ss->count; i++) {
		uint32_t x = order[i], j = i;

		while (j > 0 && strcmp(vf_history_value_name(h, ss->values[order[j - 1]]),
		                       vf_history_value_name(h, ss->values[x])) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = x;
	}
	fprintf(fp, "{");
	for (i = 0; i < ss->count; i++) {
		fprintf(fp, "%s\n%s  ", i ? "," : "", indent);
		json_str(fp, vf_history_value_name(h, ss->values[order[i]]));
		fprintf(fp, ": %" PRId64, ss->ns[order[i]]);
	}
	fprintf(fp, "%s%s}", ss->count ? "\n" : "", ss->count ? indent : "");
}

static void add_ns(struct status_sum *ss, uint32_t value, int64_t ns)
{
	uint32_t i;

	for (i = 0; i < ss->count; i++) {
		if (ss->values[i] == value) {
			ss->ns[i] += ns;
			return;
		}
	}
	if (ss->count < 32) {
		ss->values[ss->count] = value;
		ss->ns[ss->count++] = ns;
	}
}

enum vf_status vf_truth_write_summary(const struct vf_truth *t, struct vf_history *h,
                                      const struct vf_scenario *scn, FILE *fp,
                                      struct vf_error *err)
{
	size_t vcpu_total = 0, v, k, r, row_count, edge_count, idx;
	const struct vf_truth_exit_row *rows = vf_truth_exit_rows(t, &row_count);
	const struct vf_truth_wake_edge *edges = vf_truth_wake_edges(t, &edge_count);
	struct status_sum *sums, *vm_waits;
	struct vf_history_iter *it;
	uint32_t path, value;
	int64_t s, e, l2_ns = 0;
	char buf[256];

	for (v = 0; v < scn->vm_count; v++) {
		vcpu_total += scn->vms[v].vcpu_count;
	}
	sums = calloc(vcpu_total ? vcpu_total : 1, sizeof(*sums));
	vm_waits = calloc(scn->vm_count ? scn->vm_count : 1, sizeof(*vm_waits));
	if (!sums || !vm_waits) {
		free(sums);
		free(vm_waits);
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
		return VF_ERR_NOMEM;
	}
	idx = 0;
	for (v = 0; v < scn->vm_count; v++) {
		for (k = 0; k < scn->vms[v].vcpu_count; k++, idx++) {
			snprintf(buf, sizeof(buf), "VMs/%d/vCPUs/%zu/Status", (int)scn->vms[v].pid, k);
			sums[idx].path = vf_history_find_path(h, buf);
		}
	}
	it = vf_history_iter_new(h, err);
	if (!it) {
		free(sums);
		free(vm_waits);
		return err->status;
	}
	while (vf_history_iter_next(it, &path, &s, &e, &value)) {
		const char *vn;

		idx = 0;
		for (v = 0; v < scn->vm_count; v++) {
			for (k = 0; k < scn->vms[v].vcpu_count; k++, idx++) {
				if (sums[idx].path != path || path == VF_HISTORY_NONE) {
					continue;
				}
				add_ns(&sums[idx], value, e - s);
				vn = vf_history_value_name(h, value);
				if (!strncmp(vn, "wait_", 5)) {
					add_ns(&vm_waits[v], value, e - s);
				}
				if (!strcmp(vn, "guest_l2")) {
					l2_ns += e - s;
				}
			}
		}
	}
	if (vf_history_iter_free(it, err) != VF_OK) {
		free(sums);
		free(vm_waits);
		return err->status;
	}

	fprintf(fp, "{\n  \"format\": \"vmflow-truth-summary-1\",\n");
	fprintf(fp, "  \"seed\": %" PRIu64 ",\n  \"begin_ns\": %" PRId64 ",\n  \"end_ns\": %" PRId64
	            ",\n",
	        scn->seed, scn->trace.clock_offset_ns + scn->trace.start_ns,
	        scn->trace.clock_offset_ns + scn->duration_ns);
	fprintf(fp, "  \"levels\": {\"max\": %d, \"guest_l2_ns\": %" PRId64 "},\n", l2_ns > 0 ? 2 : 1,
	        l2_ns);
	fprintf(fp, "  \"vms\": [");
	idx = 0;
	for (v = 0; v < scn->vm_count; v++) {
		const struct vf_scn_vm *vm = &scn->vms[v];

		fprintf(fp, "%s\n    {\n      \"pid\": %d,\n      \"name\": ", v ? "," : "", (int)vm->pid);
		json_str(fp, vm->name);
		fprintf(fp, ",\n      \"isa\": \"%s\",\n      \"vcpus\": [",
		        vm->isa == VF_ISA_SVM ? "svm" : "vmx");
		for (k = 0; k < vm->vcpu_count; k++, idx++) {
			bool first = true;

			fprintf(fp, "%s\n        {\n          \"vcpu\": %zu,\n          \"status_ns\": ",
			        k ? "," : "", k);
			write_status(fp, h, &sums[idx], "          ");
			fprintf(fp, ",\n          \"exits\": [");
			for (r = 0; r < row_count; r++) {
				if (rows[r].vm_pid != vm->pid || rows[r].vcpu_id != k) {
					continue;
				}
				fprintf(fp, "%s\n            {\"reason\": ", first ? "" : ",");
				json_str(fp, vf_exit_reason_name(rows[r].isa, rows[r].reason, buf,
				                                 sizeof(buf)));
				fprintf(fp,
				        ", \"code\": %u, \"count\": %" PRIu64 ", \"total_ns\": %" PRId64
				        "}",
				        rows[r].reason, rows[r].count, rows[r].total_ns);
				first = false;
			}
			fprintf(fp, "%s]\n        }", first ? "" : "\n          ");
		}
		fprintf(fp, "\n      ],\n      \"waits_ns\": ");
		write_status(fp, h, &vm_waits[v], "      ");
		fprintf(fp, ",\n      \"processes\": [");
		for (k = 0; scn->trace.cr3 != VF_SCN_CR3_NONE && k < vm->gproc_count; k++) {
			fprintf(fp, "%s\n        {\"cr3\": \"0x%" PRIx64 "\", \"name\": ", k ? "," : "",
			        vm->gprocs[k].cr3);
			json_str(fp, vm->gprocs[k].name);
			fprintf(fp, ", \"threads\": %u, \"level\": 1}", vm->gprocs[k].threads);
		}
		if (vm->nested.on) {
			for (k = 0; k < vm->nested.proc_count; k++) {
				fprintf(fp, ",\n        {\"cr3\": \"0x%" PRIx64 "\", \"name\": ",
				        vm->nested.procs[k].cr3);
				json_str(fp, vm->nested.procs[k].name);
				fprintf(fp, ", \"threads\": %u, \"level\": 2, \"hypervisor\": \"0x%" PRIx64
				            "\"}",
				        vm->nested.procs[k].threads,
				        vm->gprocs[vm->nested.hypervisor].cr3);
			}
		}
		fprintf(fp, "%s]\n    }",
		        (scn->trace.cr3 != VF_SCN_CR3_NONE && vm->gproc_count) ? "\n      " : "");
	}
	fprintf(fp, "%s],\n  \"wakeups\": [", scn->vm_count ? "\n  " : "");
	for (r = 0; r < edge_count; r++) {
		fprintf(fp, "%s\n    {\"waker\": ", r ? "," : "");
		json_str(fp, edges[r].waker);
		fprintf(fp, ", \"wakee\": \"VMs/%d/vCPUs/%u\", \"class\": \"%s\", \"count\": %" PRIu64 "}",
		        (int)edges[r].vm_pid, edges[r].vcpu_id,
		        wake_names[(unsigned)edges[r].wake <= 4 ? edges[r].wake : 4], edges[r].count);
	}
	fprintf(fp, "%s]\n}\n", edge_count ? "\n  " : "");
	free(sums);
	free(vm_waits);
	if (ferror(fp)) {
		VF_ERROR_SET(err, VF_ERR_IO, NULL, "cannot write the truth summary");
		return VF_ERR_IO;
	}
	return VF_OK;
}
