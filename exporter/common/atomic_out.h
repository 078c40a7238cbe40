/* SPDX-License-Identifier: MIT */
/*
 * atomic_out.h - outputs that appear whole or not at all.
 *
 * A folder is built under a temporary sibling name ("OUT.vmflow-tmp-XXXXXX")
 * and renamed into place by vf_atomic_dir_commit(); vf_atomic_dir_abort()
 * removes it. An existing destination is replaced only if it is empty or was
 * itself written by vmflow (it holds the marker file VF_OUTPUT_MARKER);
 * anything else is refused, so vmflow never deletes a user's folder.
 * Files work the same way with a temporary sibling file.
 */
#ifndef VMFLOW_COMMON_ATOMIC_OUT_H
#define VMFLOW_COMMON_ATOMIC_OUT_H

#include <stdio.h>

#include "vmflow/error.h"

#define VF_OUTPUT_MARKER ".vmflow-output"

struct vf_atomic_dir {
	char final_path[4096];
	char tmp_path[4096]; /* the folder to write into */
};

/* Checks the destination and creates the temporary folder (with the marker file). */
enum vf_status vf_atomic_dir_begin(struct vf_atomic_dir *d, const char *final_path,
				   struct vf_error *err);
/* Renames the temporary folder to the final path, replacing a previous vmflow output. */
enum vf_status vf_atomic_dir_commit(struct vf_atomic_dir *d, struct vf_error *err);
/* Removes the temporary folder and everything in it. Safe to call after a failed begin. */
void vf_atomic_dir_abort(struct vf_atomic_dir *d);

struct vf_atomic_file {
	char final_path[4096];
	char tmp_path[4096];
	FILE *fp; /* owned until commit/abort */
};

/* Opens a temporary sibling of final_path for writing ("wb"). */
enum vf_status vf_atomic_file_begin(struct vf_atomic_file *f, const char *final_path,
				    struct vf_error *err);
/* Flushes, fsyncs, closes and renames into place; reports write errors (disk full). */
enum vf_status vf_atomic_file_commit(struct vf_atomic_file *f, struct vf_error *err);
void vf_atomic_file_abort(struct vf_atomic_file *f);

/* Writes final_path atomically with writer(fp, ctx, err); errors name the file. */
typedef enum vf_status (*vf_file_writer)(FILE *fp, const void *ctx, struct vf_error *err);
enum vf_status vf_atomic_file_write(const char *final_path, vf_file_writer writer, const void *ctx,
				    struct vf_error *err);

/* Removes a folder tree (no symlink following). Returns 0 on success. */
int vf_remove_tree(const char *path);
/* mkdir -p; returns VF_OK or an IO error naming the path. */
enum vf_status vf_mkdir_p(const char *path, struct vf_error *err);

#endif /* VMFLOW_COMMON_ATOMIC_OUT_H */
