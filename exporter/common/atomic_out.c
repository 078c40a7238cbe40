/* SPDX-License-Identifier: MIT */
/*
 * atomic_out.c - temporary sibling + rename for output folders and files.
 */
#include "common/atomic_out.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int vf_remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		return errno == ENOENT ? 0 : -1;
	}
	return nftw(path, rm_cb, 32, FTW_DEPTH | FTW_PHYS);
}

enum vf_status vf_mkdir_p(const char *path, struct vf_error *err)
{
	char buf[4096];
	size_t i, len = strlen(path);

	if (len == 0 || len >= sizeof(buf)) {
		VF_ERROR_SET(err, VF_ERR_IO, path, "bad folder name");
		return VF_ERR_IO;
	}
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];

			buf[i] = '\0';
			if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
				VF_ERROR_SET(err, VF_ERR_IO, buf, "cannot create folder: %s",
					     strerror(errno));
				return VF_ERR_IO;
			}
			buf[i] = c;
		}
	}
	return VF_OK;
}

/* 1 if dir is empty, 0 if not, -1 on error. */
static int dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (!d) {
		return -1;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = 0;
			break;
		}
	}
	closedir(d);
	return empty;
}

static enum vf_status check_destination(const char *final_path, struct vf_error *err)
{
	struct stat st;
	char marker[4200];

	if (lstat(final_path, &st) != 0) {
		if (errno == ENOENT) {
			return VF_OK;
		}
		VF_ERROR_SET(err, VF_ERR_IO, final_path, "cannot inspect output: %s", strerror(errno));
		return VF_ERR_IO;
	}
	if (!S_ISDIR(st.st_mode)) {
		VF_ERROR_SET(err, VF_ERR_IO, final_path, "output exists and is not a folder");
		return VF_ERR_IO;
	}
	snprintf(marker, sizeof(marker), "%s/%s", final_path, VF_OUTPUT_MARKER);
	if (access(marker, F_OK) == 0 || dir_is_empty(final_path) == 1) {
		return VF_OK;
	}
	VF_ERROR_SET(err, VF_ERR_IO, final_path,
		     "output folder exists and was not written by vmflow; refusing to replace it");
	return VF_ERR_IO;
}

enum vf_status vf_atomic_dir_begin(struct vf_atomic_dir *d, const char *final_path,
				   struct vf_error *err)
{
	char parent[4096], marker[4200];
	size_t len = strlen(final_path);
	FILE *fp;

	memset(d, 0, sizeof(*d));
	while (len > 1 && final_path[len - 1] == '/') {
		len--;
	}
	if (len == 0 || len + 32 >= sizeof(d->final_path)) {
		VF_ERROR_SET(err, VF_ERR_USAGE, final_path, "bad output folder name");
		return VF_ERR_USAGE;
	}
	memcpy(d->final_path, final_path, len);
	d->final_path[len] = '\0';
	if (check_destination(d->final_path, err) != VF_OK) {
		return err->status;
	}
	snprintf(parent, sizeof(parent), "%s", d->final_path);
	if (vf_mkdir_p(dirname(parent), err) != VF_OK) {
		return VF_ERR_IO;
	}
	snprintf(d->tmp_path, sizeof(d->tmp_path), "%s.vmflow-tmp-XXXXXX", d->final_path);
	if (!mkdtemp(d->tmp_path)) {
		VF_ERROR_SET(err, VF_ERR_IO, d->final_path, "cannot create a temporary folder: %s",
			     strerror(errno));
		d->tmp_path[0] = '\0';
		return VF_ERR_IO;
	}
	chmod(d->tmp_path, 0755);
	snprintf(marker, sizeof(marker), "%s/%s", d->tmp_path, VF_OUTPUT_MARKER);
	fp = fopen(marker, "w");
	if (!fp || fputs("written by vmflow; this folder may be replaced by the next run\n", fp) < 0 ||
	    fclose(fp) != 0) {
		VF_ERROR_SET(err, VF_ERR_IO, d->tmp_path, "cannot write into the output folder: %s",
			     strerror(errno));
		vf_atomic_dir_abort(d);
		return VF_ERR_IO;
	}
	return VF_OK;
}

enum vf_status vf_atomic_dir_commit(struct vf_atomic_dir *d, struct vf_error *err)
{
	char old[4200];
	struct stat st;
	int had_old = 0;

	if (lstat(d->final_path, &st) == 0) {
		/* Re-check: another process may have created it meanwhile. */
		if (check_destination(d->final_path, err) != VF_OK) {
			vf_atomic_dir_abort(d);
			return err->status;
		}
		snprintf(old, sizeof(old), "%s.vmflow-old-%ld", d->final_path, (long)getpid());
		vf_remove_tree(old);
		if (rename(d->final_path, old) != 0) {
			VF_ERROR_SET(err, VF_ERR_IO, d->final_path,
				     "cannot move the previous output away: %s", strerror(errno));
			vf_atomic_dir_abort(d);
			return VF_ERR_IO;
		}
		had_old = 1;
	}
	if (rename(d->tmp_path, d->final_path) != 0) {
		VF_ERROR_SET(err, VF_ERR_IO, d->final_path, "cannot rename the output into place: %s",
			     strerror(errno));
		if (had_old) {
			rename(old, d->final_path);
		}
		vf_atomic_dir_abort(d);
		return VF_ERR_IO;
	}
	d->tmp_path[0] = '\0';
	if (had_old) {
		vf_remove_tree(old);
	}
	return VF_OK;
}

void vf_atomic_dir_abort(struct vf_atomic_dir *d)
{
	if (d->tmp_path[0]) {
		vf_remove_tree(d->tmp_path);
		d->tmp_path[0] = '\0';
	}
}

enum vf_status vf_atomic_file_begin(struct vf_atomic_file *f, const char *final_path,
				    struct vf_error *err)
{
	int fd;

	memset(f, 0, sizeof(*f));
	if (strlen(final_path) + 32 >= sizeof(f->final_path)) {
		VF_ERROR_SET(err, VF_ERR_USAGE, final_path, "bad output file name");
		return VF_ERR_USAGE;
	}
	snprintf(f->final_path, sizeof(f->final_path), "%s", final_path);
	snprintf(f->tmp_path, sizeof(f->tmp_path), "%s.vmflow-tmp-XXXXXX", final_path);
	fd = mkstemp(f->tmp_path);
	if (fd < 0) {
		VF_ERROR_SET(err, VF_ERR_IO, final_path, "cannot create output file: %s",
			     strerror(errno));
		f->tmp_path[0] = '\0';
		return VF_ERR_IO;
	}
	fchmod(fd, 0644);
	f->fp = fdopen(fd, "wb");
	if (!f->fp) {
		close(fd);
		unlink(f->tmp_path);
		f->tmp_path[0] = '\0';
		VF_ERROR_SET(err, VF_ERR_IO, final_path, "cannot open output file: %s",
			     strerror(errno));
		return VF_ERR_IO;
	}
	return VF_OK;
}

enum vf_status vf_atomic_file_commit(struct vf_atomic_file *f, struct vf_error *err)
{
	int failed = ferror(f->fp) || fflush(f->fp) != 0 || fsync(fileno(f->fp)) != 0;
	int saved = errno;

	if (fclose(f->fp) != 0 && !failed) {
		failed = 1;
		saved = errno;
	}
	f->fp = NULL;
	if (failed) {
		VF_ERROR_SET(err, VF_ERR_IO, f->final_path, "cannot write output file: %s",
			     strerror(saved ? saved : EIO));
		unlink(f->tmp_path);
		f->tmp_path[0] = '\0';
		return VF_ERR_IO;
	}
	if (rename(f->tmp_path, f->final_path) != 0) {
		VF_ERROR_SET(err, VF_ERR_IO, f->final_path, "cannot rename output file into place: %s",
			     strerror(errno));
		unlink(f->tmp_path);
		f->tmp_path[0] = '\0';
		return VF_ERR_IO;
	}
	f->tmp_path[0] = '\0';
	return VF_OK;
}

void vf_atomic_file_abort(struct vf_atomic_file *f)
{
	if (f->fp) {
		fclose(f->fp);
		f->fp = NULL;
	}
	if (f->tmp_path[0]) {
		unlink(f->tmp_path);
		f->tmp_path[0] = '\0';
	}
}

enum vf_status vf_atomic_file_write(const char *final_path, vf_file_writer writer, const void *ctx,
				    struct vf_error *err)
{
	struct vf_atomic_file f;

	if (vf_atomic_file_begin(&f, final_path, err) != VF_OK) {
		return err->status;
	}
	if (writer(f.fp, ctx, err) != VF_OK) {
		vf_atomic_file_abort(&f);
		vf_error_set_where(err, "%s", final_path);
		return err->status;
	}
	if (vf_atomic_file_commit(&f, err) != VF_OK) {
		vf_error_set_where(err, "%s", final_path);
		return err->status;
	}
	return VF_OK;
}
