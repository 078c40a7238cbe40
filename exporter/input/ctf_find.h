/* SPDX-License-Identifier: MIT */
/*
 * ctf_find.h - locate the one CTF trace folder in what the user passed.
 *
 * Private to input/: the CTF reader calls it before building its graph.
 */
#ifndef VMFLOW_INPUT_CTF_FIND_H
#define VMFLOW_INPUT_CTF_FIND_H

#include <stddef.h>

#include "vmflow/error.h"

/* How deep below the given folder a `metadata` file is looked for. */
#define VF_CTF_FIND_MAX_DEPTH 5

/*
 * Writes into trace_dir the folder holding the CTF trace: `path` itself when it
 * contains a `metadata` file, else the only folder below it (at most
 * VF_CTF_FIND_MAX_DEPTH levels, symlinks followed, loops skipped) that does.
 * Errors (VF_ERR_INPUT, where = path): missing, not a folder, empty, no trace,
 * several traces (the message lists them). VF_ERR_IO when a folder is unreadable.
 */
enum vf_status vf_ctf_find_trace(const char *path, char *trace_dir, size_t trace_dir_size,
                                 struct vf_error *err);

#endif /* VMFLOW_INPUT_CTF_FIND_H */
