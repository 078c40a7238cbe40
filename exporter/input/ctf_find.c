/* SPDX-License-Identifier: MIT */
/*
 * ctf_find.c - find the CTF trace folder (the one holding `metadata`) in the
 * folder the user passed: the trace itself, or an lttng session output such
 * as "<session>/kernel" or "<session>/<host>/<name>-<date>/kernel".
 *
 * A bounded breadth of the file tree: depth VF_CTF_FIND_MAX_DEPTH, symlinks
 * followed but every folder visited once (by device and inode), so a symlink
 * loop costs nothing. Owns nothing after return.
 */
#define VF_LOG_TAG "INPUT/CTF-FIND"
#include "input/ctf_find.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"

/* Traces listed by name in the "several traces" message. */
#define LISTED_MAX 4

struct dir_id {
	dev_t dev;
	ino_t ino;
};

struct walk {
	struct dir_id *seen; /* owned */
	size_t seen_count;
	size_t seen_cap;
	char listed[LISTED_MAX][1024];
	size_t root_len; /* listed names are relative to the folder passed */
	size_t found_count;
	char first[4096];
	bool oom;
};

static bool has_metadata(const char *dir)
{
	char p[4200];
	struct stat st;

	snprintf(p, sizeof(p), "%s/metadata", dir);
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Returns false if the folder was already visited (a symlink loop or a second link). */
static bool mark_seen(struct walk *w, const struct stat *st)
{
	size_t i;

	for (i = 0; i < w->seen_count; i++) {
		if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino) {
			return false;
		}
	}
	if (w->seen_count == w->seen_cap) {
		size_t cap = w->seen_cap ? w->seen_cap * 2 : 32;
		struct dir_id *n = realloc(w->seen, cap * sizeof(*n));

		if (!n) {
			w->oom = true;
			return false;
		}
		w->seen = n;
		w->seen_cap = cap;
	}
	w->seen[w->seen_count].dev = st->st_dev;
	w->seen[w->seen_count].ino = st->st_ino;
	w->seen_count++;
	return true;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void found(struct walk *w, const char *dir)
{
	if (w->found_count == 0) {
		snprintf(w->first, sizeof(w->first), "%s", dir);
	}
	if (w->found_count < LISTED_MAX) {
		snprintf(w->listed[w->found_count], sizeof(w->listed[0]), "%s",
		         dir + w->root_len + (dir[w->root_len] == '/'));
	}
	w->found_count++;
}

/* Sorted names of the entries of dir (without . and ..); NULL with *count 0 if unreadable. */
static char **list_dir(const char *dir, size_t *count, int *errno_out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	size_t cap = 0;

	*count = 0;
	*errno_out = 0;
	if (!d) {
		*errno_out = errno;
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
			continue;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nn = realloc(names, ncap * sizeof(*nn));

			if (!nn) {
				*errno_out = ENOMEM;
				break;
			}
			names = nn;
			cap = ncap;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			*errno_out = ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 1) {
		qsort(names, n, sizeof(*names), cmp_names);
	}
	*count = n;
	return names;
}

static void free_names(char **names, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		free(names[i]);
	}
	free(names);
}

/* Visits the subfolders of dir (which has no metadata itself). */
static void walk_children(struct walk *w, const char *dir, int depth)
{
	char **names;
	size_t count;
	size_t i;
	int e;

	if (depth >= VF_CTF_FIND_MAX_DEPTH || w->oom) {
		return;
	}
	names = list_dir(dir, &count, &e);
	if (e == ENOMEM) {
		w->oom = true;
	} else if (e) {
		VF_LOGD("Cannot list folder, skipped: dir=%s, errno=%d", dir, e);
	}
	for (i = 0; i < count && !w->oom; i++) {
		char child[4096];
		struct stat st;
		size_t dir_len = strlen(dir);
		int len = snprintf(child, sizeof(child), "%s%s%s", dir,
		                   dir_len && dir[dir_len - 1] == '/' ? "" : "/", names[i]);

		if (len < 0 || (size_t)len >= sizeof(child)) {
			continue;
		}
		if (stat(child, &st) != 0 || !S_ISDIR(st.st_mode) || !mark_seen(w, &st)) {
			continue;
		}
		if (has_metadata(child)) {
			found(w, child);
		} else {
			walk_children(w, child, depth + 1);
		}
	}
	free_names(names, count);
}

enum vf_status vf_ctf_find_trace(const char *path, char *trace_dir, size_t trace_dir_size,
                                 struct vf_error *err)
{
	struct walk w;
	struct stat st;
	enum vf_status status = VF_OK;
	char **names;
	size_t count;
	int e;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			VF_ERROR_SET(err, VF_ERR_INPUT, path, "no such trace folder");
			return VF_ERR_INPUT;
		}
		VF_ERROR_SET(err, VF_ERR_IO, path, "cannot access the trace folder: %s",
		             strerror(errno));
		return VF_ERR_IO;
	}
	if (!S_ISDIR(st.st_mode)) {
		VF_ERROR_SET(err, VF_ERR_INPUT, path,
		             "not a folder: a CTF trace is a folder holding a metadata file");
		return VF_ERR_INPUT;
	}
	if (has_metadata(path)) {
		snprintf(trace_dir, trace_dir_size, "%s", path);
		return VF_OK;
	}
	names = list_dir(path, &count, &e);
	free_names(names, count);
	if (e) {
		VF_ERROR_SET(err, e == ENOMEM ? VF_ERR_NOMEM : VF_ERR_IO, path,
		             "cannot list the trace folder: %s", strerror(e));
		return e == ENOMEM ? VF_ERR_NOMEM : VF_ERR_IO;
	}
	if (count == 0) {
		VF_ERROR_SET(err, VF_ERR_INPUT, path, "the folder is empty (no CTF trace in it)");
		return VF_ERR_INPUT;
	}

	memset(&w, 0, sizeof(w));
	w.root_len = strlen(path);
	mark_seen(&w, &st);
	walk_children(&w, path, 0);
	if (w.oom) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, path, "out of memory while looking for the trace");
		status = VF_ERR_NOMEM;
	} else if (w.found_count == 0) {
		VF_ERROR_SET(err, VF_ERR_INPUT, path, "no CTF trace found (no metadata file)");
		status = VF_ERR_INPUT;
	} else if (w.found_count > 1) {
		char list[1024] = "";
		size_t i;
		size_t shown = w.found_count < LISTED_MAX ? w.found_count : LISTED_MAX;

		for (i = 0; i < shown; i++) {
			size_t len = strlen(list);

			snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
			         w.listed[i]);
		}
		VF_ERROR_SET(err, VF_ERR_INPUT, path,
		             "found %zu CTF traces (%s%s); pass one of them", w.found_count, list,
		             w.found_count > shown ? ", ..." : "");
		status = VF_ERR_INPUT;
	} else {
		snprintf(trace_dir, trace_dir_size, "%s", w.first);
	}
	free(w.seen);
	return status;
}
