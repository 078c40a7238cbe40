/* SPDX-License-Identifier: MIT */
/*
 * states_tsv.c - writes and reads states.tsv (design §4):
 *
 *   column  type                        meaning
 *   path    '/'-separated string        the attribute ("VMs/1234/vCPUs/0/Status")
 *   start   decimal int64, ns           interval start, inclusive
 *   end     decimal int64, ns           interval end, exclusive (start < end)
 *   value   string                      the state ("guest")
 *
 * Header line "path\tstart\tend\tvalue"; rows sorted by path (byte order, as
 * strcmp) then start; no two intervals of a path overlap. The reader holds one
 * line and the previous row's path and end, so `vmflow compare` can stream
 * files of any length. It accepts a final line without a newline and CRLF
 * line ends (a file edited on Windows), nothing else that is not the contract.
 */
#include "exports/states_tsv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/write_behind.h"

/*
 * The writer builds its lines in a buffer of its own and hands it to stdio in
 * large blocks: one locked stdio call per 256 KiB instead of eight per line;
 * a regular file goes to disk as it grows (common/write_behind.h).
 */
#define OUT_BUF_SIZE (256 * 1024)

struct out_buf {
	FILE *fp;
	char *buf; /* owned: OUT_BUF_SIZE */
	size_t len;
	uint64_t offset; /* of the buffer's first byte in the file */
	struct vf_write_behind wb;
};

/* Starts at fp's current position; the file goes to disk as it grows (write_behind.h). */
static void out_init(struct out_buf *o, FILE *fp, char *buf)
{
	off_t at;

	o->fp = fp;
	o->buf = buf;
	o->len = 0;
	fflush(fp);
	at = ftello(fp);
	o->offset = at > 0 ? (uint64_t)at : 0;
	vf_write_behind_init(&o->wb, at >= 0 ? fileno(fp) : -1, VF_WRITE_BEHIND_START);
	o->wb.started = o->wb.dropped = o->offset - o->offset % VF_WRITE_BEHIND_CHUNK;
}

static void out_flush(struct out_buf *o)
{
	if (o->len) {
		fwrite(o->buf, 1, o->len, o->fp);
		o->offset += o->len;
		o->len = 0;
		if (o->wb.enabled && fflush(o->fp) == 0) {
			vf_write_behind_advance(&o->wb, o->offset);
		}
	}
}

/* Room for n more bytes (a path or value longer than the buffer goes straight to stdio). */
static void out_put(struct out_buf *o, const char *s, size_t n)
{
	if (o->len + n > OUT_BUF_SIZE) {
		out_flush(o);
		if (n > OUT_BUF_SIZE) {
			fwrite(s, 1, n, o->fp);
			o->offset += n;
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
				     "25262728293031323334353637383940414243444546474849"
				     "50515253545556575859606162636465666768697071727374"
				     "75767778798081828384858687888990919293949596979899";

/* Writes v in decimal followed by sep; two digits per division (19-digit ns timestamps). */
static void out_i64(struct out_buf *o, int64_t v, char sep)
{
	char tmp[24];
	char *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	*--p = sep;
	while (u >= 100) {
		unsigned d = (unsigned)(u % 100) * 2;

		u /= 100;
		*--p = digit_pairs[d + 1];
		*--p = digit_pairs[d];
	}
	if (u >= 10) {
		*--p = digit_pairs[u * 2 + 1];
		*--p = digit_pairs[u * 2];
	} else {
		*--p = (char)('0' + u);
	}
	if (v < 0) {
		*--p = '-';
	}
	out_put(o, p, (size_t)(tmp + sizeof(tmp) - p));
}

static int has_separator(const char *s)
{
	return strpbrk(s, "\t\n\r") != NULL;
}

enum vf_status vf_states_tsv_write(FILE *fp, struct vf_history *h, struct vf_error *err)
{
	struct vf_history_iter *it;
	uint32_t path_id, value_id, prev_path = VF_HISTORY_NONE;
	int64_t start_ns, end_ns;
	uint32_t value_count = vf_history_value_count(h);
	uint8_t *value_checked;
	uint32_t *value_len;
	struct out_buf o;
	size_t path_len = 0;
	const char *path = NULL;
	enum vf_status st = VF_OK;

	/* 0 unchecked, 1 fine, 2 holds a separator: each value is checked (and measured) once */
	value_checked = calloc(value_count ? value_count : 1, 1);
	value_len = calloc(value_count ? value_count : 1, sizeof(*value_len));
	out_init(&o, fp, malloc(OUT_BUF_SIZE));
	if (!value_checked || !value_len || !o.buf) {
		free(value_checked);
		free(value_len);
		free(o.buf);
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory writing states.tsv");
		return VF_ERR_NOMEM;
	}
	it = vf_history_iter_new(h, err);
	if (!it) {
		free(value_checked);
		free(value_len);
		free(o.buf);
		return err->status;
	}
	out_put(&o, VF_STATES_TSV_HEADER "\n", sizeof(VF_STATES_TSV_HEADER));
	while (vf_history_iter_next(it, &path_id, &start_ns, &end_ns, &value_id)) {
		const char *value = vf_history_value_name(h, value_id);

		if (path_id != prev_path) {
			path = vf_history_path_name(h, path_id);
			if (has_separator(path)) {
				VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL,
				             "path '%s' holds a tab or line break and cannot be "
				             "written to states.tsv",
				             path);
				st = VF_ERR_INTERNAL;
				break;
			}
			path_len = strlen(path);
			prev_path = path_id;
		}
		if (value_id < value_count && value_checked[value_id] == 0) {
			value_checked[value_id] = has_separator(value) ? 2 : 1;
			value_len[value_id] = (uint32_t)strlen(value);
		}
		if (value_id >= value_count || value_checked[value_id] == 2) {
			VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL,
			             "value '%s' of path '%s' holds a tab or line break and cannot "
			             "be written to states.tsv",
			             value ? value : "(null)", path);
			st = VF_ERR_INTERNAL;
			break;
		}
		out_put(&o, path, path_len);
		out_put(&o, "\t", 1);
		out_i64(&o, start_ns, '\t');
		out_i64(&o, end_ns, '\t');
		out_put(&o, value, value_len[value_id]);
		out_put(&o, "\n", 1);
	}
	out_flush(&o);
	if (vf_history_iter_free(it, err) != VF_OK && st == VF_OK) {
		st = err->status;
	}
	free(value_checked);
	free(value_len);
	free(o.buf);
	if (st == VF_OK && (fflush(fp) != 0 || ferror(fp))) {
		VF_ERROR_SET(err, VF_ERR_IO, NULL, "cannot write states.tsv: %s", strerror(errno));
		st = VF_ERR_IO;
	}
	return st;
}

struct vf_states_tsv_reader {
	FILE *fp;   /* owned */
	char *name; /* owned: file name as given */
	char *line; /* owned: getline buffer */
	size_t line_cap;
	uint64_t line_no;
	char *prev_path; /* owned: path of the previous row ("" before the first) */
	size_t prev_path_cap;
	int64_t prev_start_ns;
	int64_t prev_end_ns;
	int have_prev;
};

const char *vf_states_tsv_reader_name(const struct vf_states_tsv_reader *r)
{
	return r->name;
}

void vf_states_tsv_reader_close(struct vf_states_tsv_reader *r)
{
	if (!r) {
		return;
	}
	if (r->fp) {
		fclose(r->fp);
	}
	free(r->name);
	free(r->line);
	free(r->prev_path);
	free(r);
}

/*
 * Reads one line into r->line without its line end. Returns 1 for a line,
 * 0 at the end of the file, -1 on a read error or a NUL byte (err set).
 */
static int read_line(struct vf_states_tsv_reader *r, size_t *len_out, struct vf_error *err)
{
	ssize_t len;

	errno = 0;
	len = getline(&r->line, &r->line_cap, r->fp);
	if (len < 0) {
		if (ferror(r->fp)) {
			VF_ERROR_SET(err, VF_ERR_IO, NULL, "read error: %s", strerror(errno));
			vf_error_set_where(err, "%s:%" PRIu64, r->name, r->line_no + 1);
			return -1;
		}
		return 0;
	}
	r->line_no++;
	if (len > 0 && r->line[len - 1] == '\n') {
		r->line[--len] = '\0';
	}
	if (len > 0 && r->line[len - 1] == '\r') {
		r->line[--len] = '\0';
	}
	if (strlen(r->line) != (size_t)len) {
		VF_ERROR_SET(err, VF_ERR_INPUT, NULL, "line holds a NUL byte");
		vf_error_set_where(err, "%s:%" PRIu64, r->name, r->line_no);
		return -1;
	}
	*len_out = (size_t)len;
	return 1;
}

struct vf_states_tsv_reader *vf_states_tsv_reader_open(const char *path, struct vf_error *err)
{
	struct vf_states_tsv_reader *r = calloc(1, sizeof(*r));
	size_t len;
	int rc;

	if (!r || !(r->name = strdup(path))) {
		free(r);
		VF_ERROR_SET(err, VF_ERR_NOMEM, path, "out of memory opening a states.tsv");
		return NULL;
	}
	r->fp = fopen(path, "rb");
	if (!r->fp) {
		VF_ERROR_SET(err, VF_ERR_IO, path, "cannot open: %s", strerror(errno));
		vf_states_tsv_reader_close(r);
		return NULL;
	}
	rc = read_line(r, &len, err);
	if (rc < 0) {
		vf_states_tsv_reader_close(r);
		return NULL;
	}
	if (rc == 0) {
		VF_ERROR_SET(err, VF_ERR_INPUT, NULL,
		             "empty file, expected the header 'path<TAB>start<TAB>end<TAB>value'");
		vf_error_set_where(err, "%s:1", path);
		vf_states_tsv_reader_close(r);
		return NULL;
	}
	if (strcmp(r->line, VF_STATES_TSV_HEADER) != 0) {
		VF_ERROR_SET(
		    err, VF_ERR_INPUT, NULL,
		    "not a states.tsv header: expected 'path<TAB>start<TAB>end<TAB>value'");
		vf_error_set_where(err, "%s:1", path);
		vf_states_tsv_reader_close(r);
		return NULL;
	}
	return r;
}

/* Parses a decimal int64 (optional '-', digits only). Returns 0 if malformed or out of range. */
static int parse_i64(const char *s, int64_t *out)
{
	const char *p = s;
	uint64_t limit = INT64_MAX, u = 0;
	int neg = 0;

	if (*p == '-') {
		neg = 1;
		limit = (uint64_t)INT64_MAX + 1;
		p++;
	}
	if (*p == '\0') {
		return 0;
	}
	for (; *p; p++) {
		unsigned d;

		if (*p < '0' || *p > '9') {
			return 0;
		}
		d = (unsigned)(*p - '0');
		if (u > (limit - d) / 10) {
			return 0;
		}
		u = u * 10 + d;
	}
	if (neg) {
		*out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	} else {
		*out = (int64_t)u;
	}
	return 1;
}

#define ROW_ERROR(r, err, ...)                                                                     \
	do {                                                                                       \
		VF_ERROR_SET((err), VF_ERR_INPUT, NULL, __VA_ARGS__);                              \
		vf_error_set_where((err), "%s:%" PRIu64, (r)->name, (r)->line_no);                 \
		return VF_ERR_INPUT;                                                               \
	} while (0)

enum vf_status vf_states_tsv_reader_next(struct vf_states_tsv_reader *r,
                                         struct vf_states_tsv_row *row, int *eof,
                                         struct vf_error *err)
{
	char *fields[4];
	char *p;
	size_t len, field_count = 1;
	int rc, cmp;

	*eof = 0;
	rc = read_line(r, &len, err);
	if (rc < 0) {
		return err->status;
	}
	if (rc == 0) {
		*eof = 1;
		return VF_OK;
	}
	if (len == 0) {
		ROW_ERROR(r, err, "empty line");
	}
	fields[0] = r->line;
	for (p = r->line; *p; p++) {
		if (*p == '\t') {
			if (field_count == 4) {
				ROW_ERROR(r, err, "more than 4 tab-separated fields");
			}
			*p = '\0';
			fields[field_count++] = p + 1;
		}
	}
	if (field_count != 4) {
		ROW_ERROR(r, err, "%zu tab-separated fields, expected 4 (path, start, end, value)",
		          field_count);
	}
	if (fields[0][0] == '\0') {
		ROW_ERROR(r, err, "empty path");
	}
	if (fields[3][0] == '\0') {
		ROW_ERROR(r, err, "empty value (periods without a value are left out)");
	}
	if (!parse_i64(fields[1], &row->start_ns)) {
		ROW_ERROR(r, err, "start '%s' is not an integer number of ns", fields[1]);
	}
	if (!parse_i64(fields[2], &row->end_ns)) {
		ROW_ERROR(r, err, "end '%s' is not an integer number of ns", fields[2]);
	}
	if (row->start_ns >= row->end_ns) {
		ROW_ERROR(r, err, "start %" PRId64 " is not before end %" PRId64, row->start_ns,
		          row->end_ns);
	}
	cmp = r->have_prev ? strcmp(fields[0], r->prev_path) : 1;
	if (cmp < 0) {
		ROW_ERROR(r, err, "not sorted: path '%s' comes after '%s'", fields[0],
		          r->prev_path);
	}
	if (cmp == 0) {
		if (row->start_ns < r->prev_start_ns) {
			ROW_ERROR(r, err,
			          "not sorted: start %" PRId64
			          " is before the previous start %" PRId64 " of path '%s'",
			          row->start_ns, r->prev_start_ns, fields[0]);
		}
		if (row->start_ns < r->prev_end_ns) {
			ROW_ERROR(r, err,
			          "interval [%" PRId64 ", %" PRId64
			          ") overlaps the previous one [%" PRId64 ", %" PRId64
			          ") of path '%s'",
			          row->start_ns, row->end_ns, r->prev_start_ns, r->prev_end_ns,
			          fields[0]);
		}
	} else {
		size_t path_len = strlen(fields[0]) + 1;

		if (path_len > r->prev_path_cap) {
			char *np = realloc(r->prev_path, path_len);

			if (!np) {
				VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory reading %s",
				             r->name);
				return VF_ERR_NOMEM;
			}
			r->prev_path = np;
			r->prev_path_cap = path_len;
		}
		memcpy(r->prev_path, fields[0], path_len);
		r->have_prev = 1;
	}
	r->prev_start_ns = row->start_ns;
	r->prev_end_ns = row->end_ns;
	row->path = fields[0];
	row->value = fields[3];
	row->line_no = r->line_no;
	return VF_OK;
}
