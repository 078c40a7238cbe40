/* SPDX-License-Identifier: MIT */
/*
 * exits_tsv.c - writes exits.tsv:
 *
 *   column     format   meaning
 *   vm_pid     integer  QEMU process id
 *   vcpu_id    integer  vCPU id, or "all" for the VM's rows over all its vCPUs
 *   reason     string   exit reason name (vf_exit_reason_name: "HLT", "UNKNOWN_<n>")
 *   count      integer  completed exits
 *   percent    %.3f     share of this vCPU's (or VM's, for "all") completed exits
 *   total_ns   integer  sum of the handling times
 *   min_ns     integer  shortest handling time
 *   max_ns     integer  longest handling time
 *   mean_ns    %.1f     total_ns / count
 *   stddev_ns  %.1f     population standard deviation, sqrt(sum_sq/count - mean^2)
 *
 * Rows are sorted by vm_pid, then vcpu_id (numeric; the "all" rows of a VM
 * come after its vCPUs), then count descending, then reason name, then ISA.
 * The "all" rows are what `perf kvm stat report --pid <pid>` shows (it sums
 * over vCPUs unless --vcpu is given); the per-vCPU rows match `--vcpu <n>`.
 * Fixed decimals and no locale-dependent formatting (the C locale is never
 * changed by vmflow) keep the file byte-stable for the same statistics.
 */
#include "exports/exits_tsv.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/exit_reasons.h"

struct out_row {
	struct vf_exit_stat_row stat; /* copied; for "all" rows the merged figures */
	char name[48];
};

static int cmp_key(const struct out_row *x, const struct out_row *y, int with_vcpu)
{
	int c;

	if (x->stat.vm_pid != y->stat.vm_pid) {
		return x->stat.vm_pid < y->stat.vm_pid ? -1 : 1;
	}
	if (with_vcpu && x->stat.vcpu_id != y->stat.vcpu_id) {
		return x->stat.vcpu_id < y->stat.vcpu_id ? -1 : 1;
	}
	if (x->stat.count != y->stat.count) {
		return x->stat.count > y->stat.count ? -1 : 1;
	}
	c = strcmp(x->name, y->name);
	if (c) {
		return c;
	}
	if (x->stat.isa != y->stat.isa) {
		return x->stat.isa < y->stat.isa ? -1 : 1;
	}
	return 0;
}

static int cmp_vcpu_rows(const void *a, const void *b)
{
	return cmp_key(a, b, 1);
}

static int cmp_vm_rows(const void *a, const void *b)
{
	return cmp_key(a, b, 0);
}

/* Groups rows of the same VM and reason next to each other (for merging). */
static int cmp_merge(const void *a, const void *b)
{
	const struct out_row *x = a, *y = b;

	if (x->stat.vm_pid != y->stat.vm_pid) {
		return x->stat.vm_pid < y->stat.vm_pid ? -1 : 1;
	}
	if (x->stat.isa != y->stat.isa) {
		return x->stat.isa < y->stat.isa ? -1 : 1;
	}
	if (x->stat.reason != y->stat.reason) {
		return x->stat.reason < y->stat.reason ? -1 : 1;
	}
	return 0;
}

static void write_row(FILE *fp, const struct out_row *r, const char *vcpu, uint64_t group_count)
{
	const struct vf_exit_stat_row *s = &r->stat;
	double mean = 0.0, stddev = 0.0, percent = 0.0;

	if (s->count) {
		double var;

		mean = (double)s->total_ns / (double)s->count;
		var = s->sum_sq_ns / (double)s->count - mean * mean;
		stddev = var > 0.0 ? sqrt(var) : 0.0;
	}
	if (group_count) {
		percent = 100.0 * (double)s->count / (double)group_count;
	}
	fprintf(fp,
	        "%" PRId32 "\t%s\t%s\t%" PRIu64 "\t%.3f\t%" PRId64 "\t%" PRId64 "\t%" PRId64
	        "\t%.1f\t%.1f\n",
	        s->vm_pid, vcpu, r->name, s->count, percent, s->total_ns, s->count ? s->min_ns : 0,
	        s->count ? s->max_ns : 0, mean, stddev);
}

enum vf_status vf_exits_tsv_write(FILE *fp, const struct vf_exit_stats *s, struct vf_error *err)
{
	size_t n = s->row_count, i, j, vm_count = 0;
	struct out_row *rows = NULL, *vm_rows = NULL;

	if (n) {
		rows = calloc(n, sizeof(*rows));
		vm_rows = calloc(n, sizeof(*vm_rows));
		if (!rows || !vm_rows) {
			free(rows);
			free(vm_rows);
			VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory writing exits.tsv");
			return VF_ERR_NOMEM;
		}
	}
	for (i = 0; i < n; i++) {
		const char *name;

		rows[i].stat = s->rows[i];
		name = vf_exit_reason_name(rows[i].stat.isa, rows[i].stat.reason, rows[i].name,
		                           sizeof(rows[i].name));
		if (name != rows[i].name) {
			snprintf(rows[i].name, sizeof(rows[i].name), "%s", name);
		}
	}
	/* merge (VM, ISA, reason) over the vCPUs for the "all" rows */
	if (n) {
		memcpy(vm_rows, rows, n * sizeof(*rows));
		qsort(vm_rows, n, sizeof(*vm_rows), cmp_merge);
		for (i = 0; i < n; i++) {
			struct vf_exit_stat_row *m;
			const struct vf_exit_stat_row *r = &vm_rows[i].stat;

			if (vm_count && cmp_merge(&vm_rows[vm_count - 1], &vm_rows[i]) == 0) {
				m = &vm_rows[vm_count - 1].stat;
				if (r->count && (m->count == 0 || r->min_ns < m->min_ns)) {
					m->min_ns = r->min_ns;
				}
				if (r->count && (m->count == 0 || r->max_ns > m->max_ns)) {
					m->max_ns = r->max_ns;
				}
				m->count += r->count;
				m->total_ns += r->total_ns;
				m->sum_sq_ns += r->sum_sq_ns;
			} else {
				vm_rows[vm_count++] = vm_rows[i];
			}
		}
		qsort(rows, n, sizeof(*rows), cmp_vcpu_rows);
		qsort(vm_rows, vm_count, sizeof(*vm_rows), cmp_vm_rows);
	}
	fputs(VF_EXITS_TSV_HEADER "\n", fp);
	for (i = 0, j = 0; i < n;) {
		int32_t pid = rows[i].stat.vm_pid;
		uint64_t vm_total = 0;
		size_t k;

		/* this VM's vCPU groups */
		while (i < n && rows[i].stat.vm_pid == pid) {
			uint32_t vcpu = rows[i].stat.vcpu_id;
			uint64_t vcpu_total = 0;
			char vcpu_text[16];

			for (k = i;
			     k < n && rows[k].stat.vm_pid == pid && rows[k].stat.vcpu_id == vcpu;
			     k++) {
				vcpu_total += rows[k].stat.count;
			}
			snprintf(vcpu_text, sizeof(vcpu_text), "%" PRIu32, vcpu);
			for (; i < k; i++) {
				write_row(fp, &rows[i], vcpu_text, vcpu_total);
			}
			vm_total += vcpu_total;
		}
		/* then its "all" rows (vm_rows is sorted by pid the same way) */
		for (; j < vm_count && vm_rows[j].stat.vm_pid == pid; j++) {
			write_row(fp, &vm_rows[j], "all", vm_total);
		}
	}
	free(rows);
	free(vm_rows);
	if (fflush(fp) != 0 || ferror(fp)) {
		VF_ERROR_SET(err, VF_ERR_IO, NULL, "cannot write exits.tsv: %s", strerror(errno));
		return VF_ERR_IO;
	}
	return VF_OK;
}
