/* SPDX-License-Identifier: MIT */
/*
 * manifest.h - the regression corpus manifest (corpora/manifest.tsv): one row
 * per scenario with its seed, trace and truth checksums and the pinned
 * agreement per analysis path family. Format in docs/corpus.md.
 */
#ifndef VMFLOW_CORPUS_MANIFEST_H
#define VMFLOW_CORPUS_MANIFEST_H

#include <stddef.h>

#include "vmflow/error.h"

struct vf_manifest_row {
	char *name;         /* owned: "default", "real/tcg-svm-nested" */
	char *seed;         /* owned: decimal, or "-" */
	char *trace_sha256; /* owned: 64 hex digits */
	char *truth_sha256; /* owned: 64 hex digits, or "-" */
	char *agreement;    /* owned: "all=99.950,Exit=100.000,...", or "-" */
};

struct vf_manifest {
	struct vf_manifest_row *rows; /* owned, sorted by name after vf_manifest_sort() */
	size_t count;
	size_t cap;
};

/* Reads path into m (empty when the file does not exist). Malformed: VF_ERR_INPUT with file:line. */
enum vf_status vf_manifest_read(const char *path, struct vf_manifest *m, struct vf_error *err);
/* The row of that name, or NULL. */
struct vf_manifest_row *vf_manifest_find(struct vf_manifest *m, const char *name);
/* Adds or replaces the row of row->name (the strings are copied). */
enum vf_status vf_manifest_put(struct vf_manifest *m, const struct vf_manifest_row *row,
			       struct vf_error *err);
/* Removes the row of that name if present. */
void vf_manifest_remove(struct vf_manifest *m, const char *name);
/* Writes the manifest atomically, rows sorted by name. */
enum vf_status vf_manifest_write(struct vf_manifest *m, const char *path, struct vf_error *err);
void vf_manifest_free(struct vf_manifest *m);

#endif /* VMFLOW_CORPUS_MANIFEST_H */
