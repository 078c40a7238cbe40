/* SPDX-License-Identifier: MIT */
/*
 * manifest.c - reading and writing corpora/manifest.tsv (see manifest.h).
 */
#include "corpus/manifest.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_out.h"

#define FIELDS 5

static void row_free(struct vf_manifest_row *r)
{
	free(r->name);
	free(r->seed);
	free(r->trace_sha256);
	free(r->truth_sha256);
	free(r->agreement);
	memset(r, 0, sizeof(*r));
}

void vf_manifest_free(struct vf_manifest *m)
{
	size_t i;

	for (i = 0; i < m->count; i++) {
		row_free(&m->rows[i]);
	}
	free(m->rows);
	memset(m, 0, sizeof(*m));
}

struct vf_manifest_row *vf_manifest_find(struct vf_manifest *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->count; i++) {
		if (!strcmp(m->rows[i].name, name)) {
			return &m->rows[i];
		}
	}
	return NULL;
}

static bool copy_row(struct vf_manifest_row *dst, const struct vf_manifest_row *src)
{
	dst->name = strdup(src->name);
	dst->seed = strdup(src->seed);
	dst->trace_sha256 = strdup(src->trace_sha256);
	dst->truth_sha256 = strdup(src->truth_sha256);
	dst->agreement = strdup(src->agreement);
	return dst->name && dst->seed && dst->trace_sha256 && dst->truth_sha256 && dst->agreement;
}

enum vf_status vf_manifest_put(struct vf_manifest *m, const struct vf_manifest_row *row,
			       struct vf_error *err)
{
	struct vf_manifest_row *r = vf_manifest_find(m, row->name), fresh = {0};

	if (!copy_row(&fresh, row)) {
		row_free(&fresh);
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
		return err->status;
	}
	if (r) {
		row_free(r);
		*r = fresh;
		return VF_OK;
	}
	if (m->count == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 32;
		struct vf_manifest_row *rows = realloc(m->rows, cap * sizeof(*rows));

		if (!rows) {
			row_free(&fresh);
			VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
			return err->status;
		}
		m->rows = rows;
		m->cap = cap;
	}
	m->rows[m->count++] = fresh;
	return VF_OK;
}

void vf_manifest_remove(struct vf_manifest *m, const char *name)
{
	struct vf_manifest_row *r = vf_manifest_find(m, name);

	if (r) {
		row_free(r);
		*r = m->rows[--m->count];
	}
}

enum vf_status vf_manifest_read(const char *path, struct vf_manifest *m, struct vf_error *err)
{
	char line[8192];
	size_t lineno = 0;
	FILE *fp = fopen(path, "r");

	if (!fp) {
		if (errno == ENOENT) {
			return VF_OK;
		}
		VF_ERROR_SET(err, VF_ERR_IO, path, "cannot open: %s", strerror(errno));
		return err->status;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *f[FIELDS], *p = line, where[4200];
		struct vf_manifest_row row;
		size_t n = 0;

		lineno++;
		snprintf(where, sizeof(where), "%s:%zu", path, lineno);
		if (!strchr(line, '\n') && !feof(fp)) {
			VF_ERROR_SET(err, VF_ERR_INPUT, where, "line too long");
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0') {
			continue;
		}
		while (n < FIELDS) {
			f[n++] = p;
			p = strchr(p, '\t');
			if (!p) {
				break;
			}
			*p++ = '\0';
		}
		if (n != FIELDS || p) {
			VF_ERROR_SET(err, VF_ERR_INPUT, where,
				     "expected %d tab-separated fields: name, seed, trace_sha256, "
				     "truth_sha256, agreement",
				     FIELDS);
			break;
		}
		if (vf_manifest_find(m, f[0])) {
			VF_ERROR_SET(err, VF_ERR_INPUT, where, "scenario '%s' listed twice", f[0]);
			break;
		}
		row = (struct vf_manifest_row){f[0], f[1], f[2], f[3], f[4]};
		if (vf_manifest_put(m, &row, err) != VF_OK) {
			break;
		}
	}
	fclose(fp);
	return err->status;
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct vf_manifest_row *)a)->name,
		      ((const struct vf_manifest_row *)b)->name);
}

enum vf_status vf_manifest_write(struct vf_manifest *m, const char *path, struct vf_error *err)
{
	struct vf_atomic_file f;
	size_t i;

	qsort(m->rows, m->count, sizeof(*m->rows), cmp_row);
	if (vf_atomic_file_begin(&f, path, err) != VF_OK) {
		return err->status;
	}
	fprintf(f.fp, "# vmflow regression corpus: written by `vmflow corpus build`, checked by "
		      "`vmflow corpus verify` (docs/corpus.md).\n"
		      "# name\tseed\ttrace_sha256\ttruth_sha256\tagreement (minimum %% per path "
		      "family)\n");
	for (i = 0; i < m->count; i++) {
		const struct vf_manifest_row *r = &m->rows[i];

		fprintf(f.fp, "%s\t%s\t%s\t%s\t%s\n", r->name, r->seed, r->trace_sha256,
			r->truth_sha256, r->agreement);
	}
	return vf_atomic_file_commit(&f, err);
}
