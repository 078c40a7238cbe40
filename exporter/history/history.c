/* SPDX-License-Identifier: MIT */
/*
 * history.c - attribute paths with [start, end) intervals, spilled to disk.
 *
 * Each path keeps its newest intervals in a fixed buffer of CHUNK_RECORDS
 * records; a full buffer is appended to one unlinked spill file, compressed,
 * after the offset of the path's next chunk (patched in when that one is
 * written): each path's chunks form a list on disk and only its first and
 * last offsets stay in memory. A chunk on disk is [u64 next offset][u32 next
 * size][u32 size][size bytes] (a reader knows each chunk's size before it
 * reads it: one exact pread a chunk): per record the varints of (start - previous end) (the first
 * record: its start, zigzag), (end - start) and the value id. Intervals of a
 * path mostly touch and last micro- to milliseconds: ~5 bytes a record
 * instead of 24, so the spill file writes and re-reads a fifth of the bytes. Memory is O(paths * CHUNK_RECORDS) whatever the number of
 * intervals. Reading back sorts the path ids by name and streams each path's
 * chunks (pread: readers on several threads share no file position),
 * then its in-memory tail.
 */
#include "vmflow/history.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/strtab.h"

#define CHUNK_RECORDS 256
#define NO_CHUNK UINT64_MAX
#define CHUNK_HEADER 16u                          /* u64 next, u32 next size, u32 size */
#define CHUNK_MAX_BYTES (CHUNK_RECORDS * 25u)     /* 10 + 10 + 5 varint bytes a record */

struct record {
	int64_t start_ns;
	int64_t end_ns;
	uint32_t value_id;
	uint32_t pad;
};

struct path_state {
	struct record *buf;       /* owned, CHUNK_RECORDS, allocated on first add */
	uint32_t buf_count;
	uint64_t first_chunk;     /* spill offset of the oldest spilled chunk (NO_CHUNK: none) */
	uint64_t last_chunk;      /* ... of the newest one, whose `next` is NO_CHUNK */
	uint32_t first_chunk_size; /* bytes after the header of the oldest one */
	int64_t last_end_ns;      /* end of the newest closed interval (INT64_MIN if none) */
	uint32_t open_value;      /* VF_HISTORY_NONE when no open interval */
	int64_t open_start_ns;
};

struct vf_history {
	struct vf_strtab paths;
	struct vf_strtab values;
	struct path_state *states; /* owned, indexed by path id */
	uint32_t state_cap;
	int spill;                 /* owned, unlinked temporary file; -1 until the first spill */
	uint8_t *enc;              /* owned: CHUNK_HEADER + CHUNK_MAX_BYTES, the chunk being written */
	char tmp_dir[512];
	uint64_t spill_size;
	uint64_t interval_count;
};

struct vf_history *vf_history_new(const char *tmp_dir, struct vf_error *err)
{
	struct vf_history *h = calloc(1, sizeof(*h));

	if (!h) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory creating the state history");
		return NULL;
	}
	vf_strtab_init(&h->paths);
	vf_strtab_init(&h->values);
	h->spill = -1;
	if (!tmp_dir || !*tmp_dir) {
		tmp_dir = getenv("TMPDIR");
	}
	snprintf(h->tmp_dir, sizeof(h->tmp_dir), "%s", tmp_dir && *tmp_dir ? tmp_dir : "/tmp");
	return h;
}

void vf_history_free(struct vf_history *h)
{
	uint32_t i;

	if (!h) {
		return;
	}
	for (i = 0; i < h->paths.count; i++) {
		free(h->states[i].buf);
	}
	free(h->states);
	if (h->spill >= 0) {
		close(h->spill);
	}
	free(h->enc);
	vf_strtab_fini(&h->paths);
	vf_strtab_fini(&h->values);
	free(h);
}

uint32_t vf_history_path(struct vf_history *h, const char *path)
{
	uint32_t id = vf_strtab_intern(&h->paths, path);

	if (id == VF_STRTAB_NONE) {
		return VF_HISTORY_NONE;
	}
	if (id >= h->state_cap) {
		uint32_t cap = h->state_cap ? h->state_cap * 2 : 64;
		struct path_state *n;

		while (cap <= id) {
			cap *= 2;
		}
		n = realloc(h->states, (size_t)cap * sizeof(*n));
		if (!n) {
			return VF_HISTORY_NONE;
		}
		memset(n + h->state_cap, 0, (size_t)(cap - h->state_cap) * sizeof(*n));
		for (uint32_t i = h->state_cap; i < cap; i++) {
			n[i].open_value = VF_HISTORY_NONE;
			n[i].last_end_ns = INT64_MIN;
			n[i].first_chunk = NO_CHUNK;
			n[i].last_chunk = NO_CHUNK;
		}
		h->states = n;
		h->state_cap = cap;
	}
	return id;
}

uint32_t vf_history_value(struct vf_history *h, const char *value)
{
	uint32_t id = vf_strtab_intern(&h->values, value);

	return id == VF_STRTAB_NONE ? VF_HISTORY_NONE : id;
}

uint32_t vf_history_find_path(const struct vf_history *h, const char *path)
{
	uint32_t id = vf_strtab_find(&h->paths, path);

	return id == VF_STRTAB_NONE ? VF_HISTORY_NONE : id;
}

const char *vf_history_path_name(const struct vf_history *h, uint32_t path_id)
{
	return vf_strtab_get(&h->paths, path_id);
}

const char *vf_history_value_name(const struct vf_history *h, uint32_t value_id)
{
	return vf_strtab_get(&h->values, value_id);
}

uint32_t vf_history_path_count(const struct vf_history *h)
{
	return h->paths.count;
}

uint32_t vf_history_value_count(const struct vf_history *h)
{
	return h->values.count;
}

uint64_t vf_history_interval_count(const struct vf_history *h)
{
	return h->interval_count;
}

static enum vf_status open_spill(struct vf_history *h, struct vf_error *err)
{
	char tmpl[600];
	int fd;

	snprintf(tmpl, sizeof(tmpl), "%s/vmflow-history-XXXXXX", h->tmp_dir);
	fd = mkstemp(tmpl);
	if (fd < 0) {
		VF_ERROR_SET(err, VF_ERR_IO, h->tmp_dir, "cannot create a temporary file: %s",
			     strerror(errno));
		return VF_ERR_IO;
	}
	unlink(tmpl);
	h->spill = fd;
	return VF_OK;
}

/* pwrite() of all n bytes (0 on success). */
static int pwrite_all(int fd, const void *buf, size_t n, uint64_t offset)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = pwrite(fd, (const char *)buf + done, n - done, (off_t)(offset + done));

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			if (w == 0) {
				errno = ENOSPC;
			}
			return -1;
		}
		done += (size_t)w;
	}
	return 0;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Reads a varint from p[*pos..len); 0 when it runs past len or past 10 bytes. */
static int get_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t r = 0;

	for (unsigned shift = 0; shift < 70 && *pos < len; shift += 7) {
		uint8_t b = p[(*pos)++];

		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return 1;
		}
	}
	return 0;
}

/* Encodes a full buffer into out (CHUNK_MAX_BYTES); returns the size. */
static size_t encode_chunk(const struct record *recs, uint8_t *out)
{
	size_t n = 0;
	int64_t prev_end = 0;

	for (uint32_t i = 0; i < CHUNK_RECORDS; i++) {
		const struct record *r = &recs[i];

		if (i == 0) {
			uint64_t s = (uint64_t)r->start_ns;

			n += put_varint(out + n, (s << 1) ^ (uint64_t)(r->start_ns >> 63)); /* zigzag */
		} else {
			n += put_varint(out + n, (uint64_t)r->start_ns - (uint64_t)prev_end);
		}
		n += put_varint(out + n, (uint64_t)r->end_ns - (uint64_t)r->start_ns);
		n += put_varint(out + n, r->value_id);
		prev_end = r->end_ns;
	}
	return n;
}

/* Decodes a chunk's bytes into CHUNK_RECORDS records; 0 if they are not a chunk. */
static int decode_chunk(const uint8_t *in, size_t len, struct record *recs)
{
	size_t pos = 0;
	int64_t prev_end = 0;

	for (uint32_t i = 0; i < CHUNK_RECORDS; i++) {
		uint64_t a, d, v;

		if (!get_varint(in, len, &pos, &a) || !get_varint(in, len, &pos, &d) ||
		    !get_varint(in, len, &pos, &v)) {
			return 0;
		}
		/* unsigned arithmetic: the differences were taken modulo 2^64 */
		recs[i].start_ns =
			(int64_t)(i == 0 ? (a >> 1) ^ (0 - (a & 1)) : (uint64_t)prev_end + a);
		recs[i].end_ns = (int64_t)((uint64_t)recs[i].start_ns + d);
		recs[i].value_id = (uint32_t)v;
		recs[i].pad = 0;
		prev_end = recs[i].end_ns;
	}
	return pos == len;
}

/* Appends the path's full buffer as a chunk and links it from the path's previous chunk. */
static enum vf_status spill_chunk(struct vf_history *h, struct path_state *ps,
				  struct vf_error *err)
{
	uint64_t off, next = NO_CHUNK;
	uint32_t size, zero = 0;
	uint8_t link[sizeof(off) + sizeof(size)];

	if (h->spill < 0 && open_spill(h, err) != VF_OK) {
		return VF_ERR_IO;
	}
	if (!h->enc && !(h->enc = malloc(CHUNK_HEADER + CHUNK_MAX_BYTES))) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory in the state history");
		return VF_ERR_NOMEM;
	}
	size = (uint32_t)encode_chunk(ps->buf, h->enc + CHUNK_HEADER);
	memcpy(h->enc, &next, sizeof(next));
	memcpy(h->enc + 8, &zero, sizeof(zero));
	memcpy(h->enc + 12, &size, sizeof(size));
	off = h->spill_size;
	memcpy(link, &off, sizeof(off));
	memcpy(link + sizeof(off), &size, sizeof(size));
	if (pwrite_all(h->spill, h->enc, CHUNK_HEADER + size, off) != 0 ||
	    (ps->last_chunk != NO_CHUNK &&
	     pwrite_all(h->spill, link, sizeof(link), ps->last_chunk) != 0)) {
		VF_ERROR_SET(err, VF_ERR_IO, h->tmp_dir, "cannot write the history spill file: %s",
			     strerror(errno));
		return VF_ERR_IO;
	}
	if (ps->first_chunk == NO_CHUNK) {
		ps->first_chunk = off;
		ps->first_chunk_size = size;
	}
	ps->last_chunk = off;
	h->spill_size += CHUNK_HEADER + size;
	ps->buf_count = 0;
	return VF_OK;
}

enum vf_status vf_history_add(struct vf_history *h, uint32_t path_id, int64_t start_ns,
			      int64_t end_ns, uint32_t value_id, struct vf_error *err)
{
	struct path_state *ps;
	struct record *r;

	if (path_id >= h->paths.count || value_id >= h->values.count) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL, "history: bad path or value id");
		return VF_ERR_INTERNAL;
	}
	if (end_ns <= start_ns) {
		return VF_OK;
	}
	ps = &h->states[path_id];
	if (start_ns < ps->last_end_ns) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL,
			     "history: interval [%lld, %lld) on %s overlaps the previous one ending at %lld",
			     (long long)start_ns, (long long)end_ns, h->paths.strings[path_id],
			     (long long)ps->last_end_ns);
		return VF_ERR_INTERNAL;
	}
	if (!ps->buf) {
		ps->buf = malloc(CHUNK_RECORDS * sizeof(*ps->buf));
		if (!ps->buf) {
			VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory in the state history");
			return VF_ERR_NOMEM;
		}
	}
	if (ps->buf_count == CHUNK_RECORDS && spill_chunk(h, ps, err) != VF_OK) {
		return err ? err->status : VF_ERR_IO;
	}
	r = &ps->buf[ps->buf_count++];
	r->start_ns = start_ns;
	r->end_ns = end_ns;
	r->value_id = value_id;
	r->pad = 0;
	ps->last_end_ns = end_ns;
	h->interval_count++;
	return VF_OK;
}

enum vf_status vf_history_set(struct vf_history *h, uint32_t path_id, int64_t ts_ns,
			      uint32_t value_id, struct vf_error *err)
{
	struct path_state *ps;
	enum vf_status st;

	if (path_id >= h->paths.count) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL, "history: bad path id");
		return VF_ERR_INTERNAL;
	}
	ps = &h->states[path_id];
	if (ps->open_value == value_id) {
		return VF_OK;
	}
	st = vf_history_end(h, path_id, ts_ns, err);
	if (st != VF_OK) {
		return st;
	}
	ps->open_value = value_id;
	ps->open_start_ns = ts_ns;
	return VF_OK;
}

enum vf_status vf_history_end(struct vf_history *h, uint32_t path_id, int64_t ts_ns,
			      struct vf_error *err)
{
	struct path_state *ps;
	enum vf_status st = VF_OK;

	if (path_id >= h->paths.count) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL, "history: bad path id");
		return VF_ERR_INTERNAL;
	}
	ps = &h->states[path_id];
	if (ps->open_value != VF_HISTORY_NONE) {
		st = vf_history_add(h, path_id, ps->open_start_ns, ts_ns, ps->open_value, err);
		ps->open_value = VF_HISTORY_NONE;
	}
	return st;
}

uint32_t vf_history_current(const struct vf_history *h, uint32_t path_id)
{
	return path_id < h->paths.count ? h->states[path_id].open_value : VF_HISTORY_NONE;
}

int64_t vf_history_current_start(const struct vf_history *h, uint32_t path_id)
{
	return path_id < h->paths.count ? h->states[path_id].open_start_ns : 0;
}

enum vf_status vf_history_close_all(struct vf_history *h, int64_t end_ns, struct vf_error *err)
{
	uint32_t i;

	for (i = 0; i < h->paths.count; i++) {
		enum vf_status st = vf_history_end(h, i, end_ns, err);

		if (st != VF_OK) {
			return st;
		}
	}
	return VF_OK;
}

/* ---- reading back ---- */

/* Reads one path's intervals in time order: its spilled chunks, then its in-memory tail. */
struct cursor {
	const struct vf_history *h; /* borrowed */
	uint32_t path_id;
	uint64_t next_chunk;        /* spill offset of the next chunk to load; NO_CHUNK: the tail */
	uint32_t next_size;         /* its size after the header */
	int tail_done;              /* the in-memory tail was loaded */
	struct record *rbuf;        /* owned: CHUNK_RECORDS */
	uint8_t *bytes;             /* owned: CHUNK_HEADER + CHUNK_MAX_BYTES, a chunk as read */
	uint32_t rcount;
	uint32_t rpos;
	int io_failed;
};

static void cursor_restart(struct cursor *c, uint32_t path_id)
{
	c->path_id = path_id;
	c->next_chunk = c->h->states ? c->h->states[path_id].first_chunk : NO_CHUNK;
	c->next_size = c->h->states ? c->h->states[path_id].first_chunk_size : 0;
	c->tail_done = 0;
	c->rcount = 0;
	c->rpos = 0;
}

static int cursor_init(struct cursor *c, const struct vf_history *h, uint32_t path_id)
{
	memset(c, 0, sizeof(*c));
	c->h = h;
	c->rbuf = malloc(CHUNK_RECORDS * sizeof(*c->rbuf));
	c->bytes = malloc(CHUNK_HEADER + CHUNK_MAX_BYTES);
	if (path_id < h->paths.count) {
		cursor_restart(c, path_id);
	} else {
		c->next_chunk = NO_CHUNK;
		c->tail_done = 1;
	}
	if (!c->rbuf || !c->bytes) {
		free(c->rbuf);
		free(c->bytes);
		c->rbuf = NULL;
		c->bytes = NULL;
		return 0;
	}
	return 1;
}

/*
 * Reads and decodes the spilled chunk at offset (size bytes after its header)
 * and the offset and size of the path's next one, with one pread() of exactly
 * that chunk: no shared file position, so readers on several threads (the
 * exports run in parallel) never disturb each other.
 */
static int read_chunk(const struct vf_history *h, uint64_t offset, uint32_t size, uint8_t *bytes,
		      struct record *buf, uint64_t *next, uint32_t *next_size)
{
	size_t want = CHUNK_HEADER + (size_t)size, got = 0;
	uint32_t stored;

	if (size > CHUNK_MAX_BYTES) {
		return 0;
	}
	while (got < want) {
		ssize_t n = pread(h->spill, bytes + got, want - got, (off_t)(offset + got));

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return 0;
		}
		got += (size_t)n;
	}
	memcpy(next, bytes, sizeof(*next));
	memcpy(next_size, bytes + 8, sizeof(*next_size));
	memcpy(&stored, bytes + 12, sizeof(stored));
	return stored == size && decode_chunk(bytes + CHUNK_HEADER, size, buf);
}

/* Returns 1 and the next record of the path, or 0 at its end or on a read error (io_failed). */
static int cursor_next(struct cursor *c, struct record *out)
{
	const struct path_state *ps = &c->h->states[c->path_id];

	while (c->rpos >= c->rcount) {
		if (c->io_failed) {
			return 0;
		}
		if (c->next_chunk != NO_CHUNK) {
			uint64_t next;
			uint32_t next_size;

			if (!read_chunk(c->h, c->next_chunk, c->next_size, c->bytes, c->rbuf, &next,
					&next_size)) {
				c->io_failed = 1;
				return 0;
			}
			c->next_chunk = next;
			c->next_size = next_size;
			c->rcount = CHUNK_RECORDS;
		} else if (!c->tail_done && ps->buf_count > 0) {
			memcpy(c->rbuf, ps->buf, ps->buf_count * sizeof(struct record));
			c->rcount = ps->buf_count;
			c->tail_done = 1;
		} else {
			return 0;
		}
		c->rpos = 0;
	}
	*out = c->rbuf[c->rpos++];
	return 1;
}

static enum vf_status cursor_fini(struct cursor *c, struct vf_error *err)
{
	enum vf_status st = VF_OK;

	if (c->io_failed) {
		VF_ERROR_SET(err, VF_ERR_IO, c->h->tmp_dir, "cannot read the history spill file");
		st = VF_ERR_IO;
	}
	free(c->rbuf);
	free(c->bytes);
	c->rbuf = NULL;
	c->bytes = NULL;
	return st;
}

struct vf_history_iter {
	struct vf_history *h; /* borrowed */
	uint32_t *order;      /* owned: path ids sorted by name (the selected ones) */
	uint32_t order_count;
	uint32_t order_pos;
	struct cursor cur;
};

static _Thread_local const struct vf_strtab *sort_names; /* per thread: exports sort in parallel */

static int cmp_path_names(const void *a, const void *b)
{
	return strcmp(sort_names->strings[*(const uint32_t *)a],
		      sort_names->strings[*(const uint32_t *)b]);
}

struct vf_history_iter *vf_history_iter_new(struct vf_history *h, struct vf_error *err)
{
	return vf_history_iter_new_selected(h, NULL, NULL, err);
}

struct vf_history_iter *vf_history_iter_new_selected(struct vf_history *h,
						     bool (*keep)(const char *path, void *ctx),
						     void *ctx, struct vf_error *err)
{
	struct vf_history_iter *it = calloc(1, sizeof(*it));
	uint32_t i;

	if (!it || !cursor_init(&it->cur, h, 0)) {
		goto nomem;
	}
	it->h = h;
	it->order = malloc(((size_t)h->paths.count + 1) * sizeof(*it->order));
	if (!it->order) {
		goto nomem;
	}
	for (i = 0; i < h->paths.count; i++) {
		if (!keep || keep(h->paths.strings[i], ctx)) {
			it->order[it->order_count++] = i;
		}
	}
	/* qsort has no context argument in C11: the names go through a thread-local. */
	sort_names = &h->paths;
	qsort(it->order, it->order_count, sizeof(*it->order), cmp_path_names);
	sort_names = NULL;
	if (it->order_count) {
		cursor_restart(&it->cur, it->order[0]);
	}
	return it;
nomem:
	if (it) {
		free(it->order);
		free(it->cur.rbuf);
		free(it->cur.bytes);
		free(it);
	}
	VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory reading the state history");
	return NULL;
}

int vf_history_iter_next(struct vf_history_iter *it, uint32_t *path_id, int64_t *start_ns,
			 int64_t *end_ns, uint32_t *value_id)
{
	struct record r;

	while (it->order_pos < it->order_count) {
		if (cursor_next(&it->cur, &r)) {
			*path_id = it->cur.path_id;
			*start_ns = r.start_ns;
			*end_ns = r.end_ns;
			*value_id = r.value_id;
			return 1;
		}
		if (it->cur.io_failed || ++it->order_pos >= it->order_count) {
			return 0;
		}
		cursor_restart(&it->cur, it->order[it->order_pos]);
	}
	return 0;
}

enum vf_status vf_history_iter_free(struct vf_history_iter *it, struct vf_error *err)
{
	enum vf_status st;

	if (!it) {
		return VF_OK;
	}
	st = cursor_fini(&it->cur, err);
	free(it->order);
	free(it);
	return st;
}

struct vf_history_path_iter {
	struct cursor cur;
};

struct vf_history_path_iter *vf_history_path_iter_new(const struct vf_history *h,
						      uint32_t path_id, struct vf_error *err)
{
	struct vf_history_path_iter *it;

	if (path_id >= h->paths.count) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL, "history: bad path id");
		return NULL;
	}
	it = calloc(1, sizeof(*it));
	if (!it || !cursor_init(&it->cur, h, path_id)) {
		free(it);
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory reading the state history");
		return NULL;
	}
	return it;
}

int vf_history_path_iter_next(struct vf_history_path_iter *it, int64_t *start_ns,
			      int64_t *end_ns, uint32_t *value_id)
{
	struct record r;

	if (!cursor_next(&it->cur, &r)) {
		return 0;
	}
	*start_ns = r.start_ns;
	*end_ns = r.end_ns;
	*value_id = r.value_id;
	return 1;
}

enum vf_status vf_history_path_iter_free(struct vf_history_path_iter *it, struct vf_error *err)
{
	enum vf_status st;

	if (!it) {
		return VF_OK;
	}
	st = cursor_fini(&it->cur, err);
	free(it);
	return st;
}

enum vf_status vf_history_check(struct vf_history *h, struct vf_error *err)
{
	struct vf_history_iter *it = vf_history_iter_new(h, err);
	uint32_t p, v, last_p = VF_HISTORY_NONE;
	int64_t s, e, last_e = INT64_MIN;
	enum vf_status st = VF_OK;

	if (!it) {
		return VF_ERR_NOMEM;
	}
	while (vf_history_iter_next(it, &p, &s, &e, &v)) {
		if (p != last_p) {
			last_p = p;
			last_e = INT64_MIN;
		}
		if (e <= s || s < last_e) {
			VF_ERROR_SET(err, VF_ERR_INTERNAL, h->paths.strings[p],
				     "interval [%lld, %lld) is empty or overlaps the previous one",
				     (long long)s, (long long)e);
			st = VF_ERR_INTERNAL;
			break;
		}
		last_e = e;
	}
	if (vf_history_iter_free(it, err) != VF_OK && st == VF_OK) {
		st = VF_ERR_IO;
	}
	return st;
}
