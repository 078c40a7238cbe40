/* SPDX-License-Identifier: MIT */
/*
 * ctfser.c - CTF 1.8 packets and lttng-style TSDL text (layout in ctfser.h).
 *
 * Owns one stream file and its packet buffer per struct vf_ctfser. A packet
 * is built in memory and written with one write() when it closes, so the hot
 * path (events) never allocates and never calls the system. On request the
 * stream file goes to disk as it grows (common/write_behind.h).
 */
#include "common/ctfser.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Offsets of the fields patched at close (see the table in ctfser.h). */
#define OFF_TIMESTAMP_BEGIN 32
#define OFF_TIMESTAMP_END 40
#define OFF_CONTENT_SIZE 48
#define OFF_PACKET_SIZE 56
#define OFF_EVENTS_DISCARDED 72

struct vf_ctfser *vf_ctfser_new(const struct vf_ctfser_params *params, struct vf_error *err)
{
	struct vf_ctfser *s;

	if (params->packet_size < 4096 ||
	    (params->page_size && params->packet_size % params->page_size != 0)) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, params->path,
			     "bad packet size %u (page size %u)", params->packet_size,
			     params->page_size);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->buf = malloc(params->packet_size))) {
		free(s);
		VF_ERROR_SET(err, VF_ERR_NOMEM, params->path, "out of memory for a %u-byte packet",
			     params->packet_size);
		return NULL;
	}
	s->packet_size = params->packet_size;
	s->page_size = params->page_size ? params->page_size : params->packet_size;
	memcpy(s->uuid, params->uuid, sizeof(s->uuid));
	s->stream_id = params->stream_id;
	s->stream_instance_id = params->stream_instance_id;
	s->cpu_id = params->cpu_id;
	snprintf(s->path, sizeof(s->path), "%s", params->path);
	s->fd = open(params->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->fd < 0) {
		VF_ERROR_SET(err, VF_ERR_IO, params->path, "cannot create the stream file: %s",
			     strerror(errno));
		free(s->buf);
		free(s);
		return NULL;
	}
	vf_write_behind_init(&s->wb, params->write_behind_mib ? s->fd : -1,
			     (uint64_t)params->write_behind_mib << 20);
	return s;
}

void vf_ctfser_free(struct vf_ctfser *s)
{
	if (!s) {
		return;
	}
	if (s->fd >= 0) {
		close(s->fd);
	}
	free(s->buf);
	free(s);
}

static void put_u64_at(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

void vf_ctfser_open_packet(struct vf_ctfser *s, uint64_t ts_begin)
{
	s->pos = 0;
	vf_ctfser_write_u32(s, VF_CTFSER_MAGIC);
	memcpy(s->buf + s->pos, s->uuid, 16);
	s->pos += 16;
	vf_ctfser_write_u32(s, s->stream_id);
	vf_ctfser_write_u64(s, s->stream_instance_id);
	vf_ctfser_write_u64(s, ts_begin);            /* timestamp_begin */
	vf_ctfser_write_u64(s, 0);                   /* timestamp_end: at close */
	vf_ctfser_write_u64(s, UINT64_MAX);          /* content_size: at close */
	vf_ctfser_write_u64(s, UINT64_MAX);          /* packet_size: at close */
	vf_ctfser_write_u64(s, s->packet_seq_num);
	vf_ctfser_write_u64(s, 0);                   /* events_discarded: at close */
	vf_ctfser_write_u32(s, s->cpu_id);
	s->packet_open = true;
}

static enum vf_status write_all(struct vf_ctfser *s, const uint8_t *p, size_t len,
				struct vf_error *err)
{
	while (len > 0) {
		ssize_t n = write(s->fd, p, len);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			VF_ERROR_SET(err, VF_ERR_IO, s->path, "cannot write packet %llu: %s",
				     (unsigned long long)s->packet_seq_num, strerror(errno));
			return VF_ERR_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	return VF_OK;
}

enum vf_status vf_ctfser_close_packet(struct vf_ctfser *s, uint64_t ts_end, struct vf_error *err)
{
	uint32_t content = s->pos;
	uint32_t padded = (content + s->page_size - 1) / s->page_size * s->page_size;
	enum vf_status st;

	if (!s->packet_open) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, s->path, "no open packet to close");
		return VF_ERR_INTERNAL;
	}
	if (padded > s->packet_size) {
		padded = s->packet_size;
	}
	put_u64_at(s->buf + OFF_TIMESTAMP_END, ts_end);
	put_u64_at(s->buf + OFF_CONTENT_SIZE, (uint64_t)content * 8);
	put_u64_at(s->buf + OFF_PACKET_SIZE, (uint64_t)padded * 8);
	put_u64_at(s->buf + OFF_EVENTS_DISCARDED, s->events_discarded);
	memset(s->buf + content, 0, padded - content);
	s->packet_open = false;
	st = write_all(s, s->buf, padded, err);
	if (st != VF_OK) {
		return st;
	}
	s->packet_seq_num++;
	s->packet_count++;
	s->bytes_written += padded;
	vf_write_behind_advance(&s->wb, s->bytes_written);
	s->pos = 0;
	return VF_OK;
}

enum vf_status vf_ctfser_switch_packet(struct vf_ctfser *s, uint64_t ts, struct vf_error *err)
{
	enum vf_status st = vf_ctfser_close_packet(s, ts, err);

	if (st == VF_OK) {
		vf_ctfser_open_packet(s, ts);
	}
	return st;
}

enum vf_status vf_ctfser_finish(struct vf_ctfser *s, uint64_t ts_end, struct vf_error *err)
{
	enum vf_status st = VF_OK;

	if (s->packet_open) {
		st = vf_ctfser_close_packet(s, ts_end, err);
	}
	if (s->fd >= 0) {
		if (close(s->fd) != 0 && st == VF_OK) {
			VF_ERROR_SET(err, VF_ERR_IO, s->path, "cannot close the stream file: %s",
				     strerror(errno));
			st = VF_ERR_IO;
		}
		s->fd = -1;
	}
	return st;
}

/* ---- metadata text ---- */

void vf_ctfser_text_init(struct vf_ctfser_text *t)
{
	memset(t, 0, sizeof(*t));
}

void vf_ctfser_text_fini(struct vf_ctfser_text *t)
{
	free(t->data);
	memset(t, 0, sizeof(*t));
}

static bool text_reserve(struct vf_ctfser_text *t, size_t more)
{
	size_t cap;
	char *n;

	if (t->failed) {
		return false;
	}
	if (t->len + more + 1 <= t->cap) {
		return true;
	}
	cap = t->cap ? t->cap : 4096;
	while (cap < t->len + more + 1) {
		cap *= 2;
	}
	n = realloc(t->data, cap);
	if (!n) {
		t->failed = true;
		return false;
	}
	t->data = n;
	t->cap = cap;
	return true;
}

void vf_ctfser_text_printf(struct vf_ctfser_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !text_reserve(t, (size_t)n)) {
		t->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(t->data + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void vf_ctfser_text_escaped(struct vf_ctfser_text *t, const char *s)
{
	for (; *s; s++) {
		if (!text_reserve(t, 2)) {
			return;
		}
		if (*s == '\n') {
			t->data[t->len++] = '\\';
			t->data[t->len++] = 'n';
		} else {
			if (*s == '\\' || *s == '"') {
				t->data[t->len++] = '\\';
			}
			t->data[t->len++] = *s;
		}
		t->data[t->len] = '\0';
	}
}

enum vf_status vf_ctfser_text_write_file(const struct vf_ctfser_text *t, const char *path,
					 struct vf_error *err)
{
	FILE *fp;
	bool ok;

	if (t->failed) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, path, "out of memory building the metadata");
		return VF_ERR_NOMEM;
	}
	fp = fopen(path, "wb");
	if (!fp) {
		VF_ERROR_SET(err, VF_ERR_IO, path, "cannot create the metadata file: %s",
			     strerror(errno));
		return VF_ERR_IO;
	}
	ok = fwrite(t->data, 1, t->len, fp) == t->len;
	ok = (fflush(fp) == 0) && ok;
	if (!ok) {
		int e = errno;

		fclose(fp);
		VF_ERROR_SET(err, VF_ERR_IO, path, "cannot write the metadata file: %s",
			     strerror(e));
		return VF_ERR_IO;
	}
	if (fclose(fp) != 0) {
		VF_ERROR_SET(err, VF_ERR_IO, path, "cannot write the metadata file: %s",
			     strerror(errno));
		return VF_ERR_IO;
	}
	return VF_OK;
}

void vf_ctfser_uuid_format(const uint8_t u[16], char out[37])
{
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
		 u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
		 u[14], u[15]);
}

/*
 * The texts below are lttng-modules 2.13's (src/lttng-events.c,
 * _lttng_session_metadata_statedump()) with the x86-64 values: lttng_alignof()
 * is 1 there (efficient unaligned access), so every alignment prints as 8.
 */
void vf_ctfser_tsdl_trace(struct vf_ctfser_text *t, const uint8_t trace_uuid[16])
{
	char uuid_s[37];

	vf_ctfser_uuid_format(trace_uuid, uuid_s);
	vf_ctfser_text_printf(t,
		"typealias integer { size = 8; align = 8; signed = false; } := uint8_t;\n"
		"typealias integer { size = 16; align = 8; signed = false; } := uint16_t;\n"
		"typealias integer { size = 32; align = 8; signed = false; } := uint32_t;\n"
		"typealias integer { size = 64; align = 8; signed = false; } := uint64_t;\n"
		"typealias integer { size = 64; align = 8; signed = false; } := unsigned long;\n"
		"typealias integer { size = 5; align = 1; signed = false; } := uint5_t;\n"
		"typealias integer { size = 27; align = 1; signed = false; } := uint27_t;\n"
		"\n"
		"trace {\n"
		"	major = 1;\n"
		"	minor = 8;\n"
		"	uuid = \"%s\";\n"
		"	byte_order = le;\n"
		"	packet.header := struct {\n"
		"		uint32_t magic;\n"
		"		uint8_t  uuid[16];\n"
		"		uint32_t stream_id;\n"
		"		uint64_t stream_instance_id;\n"
		"	};\n"
		"};\n\n",
		uuid_s);
}

void vf_ctfser_tsdl_stream_types(struct vf_ctfser_text *t, const char *clock_name)
{
	vf_ctfser_text_printf(t,
		"typealias integer {\n"
		"	size = 27; align = 1; signed = false;\n"
		"	map = clock.%s.value;\n"
		"} := uint27_clock_monotonic_t;\n"
		"\n"
		"typealias integer {\n"
		"	size = 32; align = 8; signed = false;\n"
		"	map = clock.%s.value;\n"
		"} := uint32_clock_monotonic_t;\n"
		"\n"
		"typealias integer {\n"
		"	size = 64; align = 8; signed = false;\n"
		"	map = clock.%s.value;\n"
		"} := uint64_clock_monotonic_t;\n\n",
		clock_name, clock_name, clock_name);
	vf_ctfser_text_printf(t,
		"struct packet_context {\n"
		"	uint64_clock_monotonic_t timestamp_begin;\n"
		"	uint64_clock_monotonic_t timestamp_end;\n"
		"	uint64_t content_size;\n"
		"	uint64_t packet_size;\n"
		"	uint64_t packet_seq_num;\n"
		"	unsigned long events_discarded;\n"
		"	uint32_t cpu_id;\n"
		"};\n\n");
	vf_ctfser_text_printf(t,
		"struct event_header_compact {\n"
		"	enum : uint5_t { compact = 0 ... 30, extended = 31 } id;\n"
		"	variant <id> {\n"
		"		struct {\n"
		"			uint27_clock_monotonic_t timestamp;\n"
		"		} compact;\n"
		"		struct {\n"
		"			uint32_t id;\n"
		"			uint64_clock_monotonic_t timestamp;\n"
		"		} extended;\n"
		"	} v;\n"
		"} align(8);\n"
		"\n"
		"struct event_header_large {\n"
		"	enum : uint16_t { compact = 0 ... 65534, extended = 65535 } id;\n"
		"	variant <id> {\n"
		"		struct {\n"
		"			uint32_clock_monotonic_t timestamp;\n"
		"		} compact;\n"
		"		struct {\n"
		"			uint32_t id;\n"
		"			uint64_clock_monotonic_t timestamp;\n"
		"		} extended;\n"
		"	} v;\n"
		"} align(8);\n\n");
}
