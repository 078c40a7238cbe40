/* SPDX-License-Identifier: MIT */
/*
 * ctfser.h - low-level CTF 1.8 serialiser shared by vmflow's CTF writers
 * (synth/sink_ctf.c, exports/tc_results.c), after babeltrace2's src/ctfser/.
 *
 * One struct vf_ctfser owns one data stream file and one packet buffer of
 * `packet_size` bytes (lttng's sub-buffer size), so memory is streams x
 * packet_size and I/O is one write() per packet. Every packet starts with
 * lttng-modules' packet header and context (byte-aligned, little-endian, as
 * lttng-modules writes them on x86-64):
 *
 *   off size  field
 *     0   4   magic = 0xC1FC1FC1
 *     4  16   uuid (trace uuid)
 *    20   4   stream_id
 *    24   8   stream_instance_id
 *    32   8   timestamp_begin      (clock cycles)
 *    40   8   timestamp_end        (patched when the packet closes)
 *    48   8   content_size         (bits, patched)
 *    56   8   packet_size          (bits, patched)
 *    64   8   packet_seq_num
 *    72   8   events_discarded     (patched)
 *    80   4   cpu_id
 *    84       first event
 *
 * A closed packet is padded with zeros to a multiple of `page_size` (lttng's
 * PAGE_ALIGN(data_size)), never beyond packet_size.
 *
 * The writer reserves room for a whole event with vf_ctfser_has_room() (and
 * switches packets itself when there is none), then writes its fields with
 * the unchecked inline vf_ctfser_write_*() helpers: no per-event malloc, no
 * per-event syscall.
 *
 * Also here: lttng's compact event header (5-bit id + 27-bit timestamp, or id
 * 31 + u32 id + u64 timestamp), and a text buffer with the TSDL text that all
 * lttng-style writers share, so that the metadata is written once per trace.
 */
#ifndef VMFLOW_COMMON_CTFSER_H
#define VMFLOW_COMMON_CTFSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/write_behind.h"
#include "vmflow/error.h"

#define VF_CTFSER_MAGIC 0xC1FC1FC1u
#define VF_CTFSER_PACKET_HEADER_SIZE 84u /* packet header + packet context, bytes */

/* lttng's event_header_compact */
#define VF_CTFSER_COMPACT_ID_BITS 5
#define VF_CTFSER_COMPACT_TS_BITS 27
#define VF_CTFSER_COMPACT_ID_EXTENDED 31u
#define VF_CTFSER_COMPACT_HEADER_SIZE 4u   /* id:5 + timestamp:27 */
#define VF_CTFSER_EXTENDED_HEADER_SIZE 13u /* id:5 (one byte) + u32 id + u64 timestamp */

struct vf_ctfser_params {
	const char *path;            /* data stream file to create (truncated) */
	uint8_t uuid[16];            /* trace uuid, copied into every packet header */
	uint32_t stream_id;
	uint64_t stream_instance_id; /* lttng: the cpu */
	uint32_t cpu_id;
	uint32_t packet_size;        /* bytes per packet at most; >= 4096 */
	uint32_t page_size;          /* a closed packet is padded to a multiple of this (0: packet_size) */
	uint32_t write_behind_mib;   /* stream the file to disk once it holds this many MiB
	                                (write_behind.h); 0: leave it to the page cache */
};

struct vf_ctfser {
	uint8_t *buf;            /* owned: packet_size bytes */
	uint32_t pos;            /* bytes used in the current packet */
	uint32_t packet_size;
	uint32_t page_size;
	bool packet_open;
	int fd;                  /* owned, -1 once closed */
	uint64_t packet_seq_num; /* of the next packet to open */
	uint64_t events_discarded;
	uint64_t packet_count;   /* packets written */
	uint64_t bytes_written;
	struct vf_write_behind wb; /* the stream file's write-behind */
	uint8_t uuid[16];
	uint32_t stream_id;
	uint64_t stream_instance_id;
	uint32_t cpu_id;
	char path[4096];
};

/* Creates the stream file and the packet buffer. NULL and err set on failure (names the file). */
struct vf_ctfser *vf_ctfser_new(const struct vf_ctfser_params *params, struct vf_error *err);
/* Closes the file (without flushing an open packet) and frees everything. Accepts NULL. */
void vf_ctfser_free(struct vf_ctfser *s);

/* Starts a packet at ts_begin (cycles): writes the header and context into the buffer. */
void vf_ctfser_open_packet(struct vf_ctfser *s, uint64_t ts_begin);
/* Patches timestamp_end/content_size/packet_size/events_discarded, pads, writes the packet. */
enum vf_status vf_ctfser_close_packet(struct vf_ctfser *s, uint64_t ts_end, struct vf_error *err);
/* Closes the current packet at ts and opens the next one at ts (lttng's sub-buffer switch). */
enum vf_status vf_ctfser_switch_packet(struct vf_ctfser *s, uint64_t ts, struct vf_error *err);
/* Closes the open packet (if any) at ts_end, then the file; reports close() errors. */
enum vf_status vf_ctfser_finish(struct vf_ctfser *s, uint64_t ts_end, struct vf_error *err);

/* Largest event a fresh packet can take. */
static inline uint32_t vf_ctfser_max_event_size(const struct vf_ctfser *s)
{
	return s->packet_size - VF_CTFSER_PACKET_HEADER_SIZE;
}

static inline bool vf_ctfser_has_room(const struct vf_ctfser *s, uint32_t size)
{
	return size <= s->packet_size - s->pos;
}

/* ---- unchecked writes at the cursor (room reserved with vf_ctfser_has_room()) ---- */

static inline void vf_ctfser_write_u8(struct vf_ctfser *s, uint8_t v)
{
	s->buf[s->pos++] = v;
}

static inline void vf_ctfser_write_u16(struct vf_ctfser *s, uint16_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(s->buf + s->pos, &v, 2);
#else
	s->buf[s->pos] = (uint8_t)v;
	s->buf[s->pos + 1] = (uint8_t)(v >> 8);
#endif
	s->pos += 2;
}

static inline void vf_ctfser_write_u32(struct vf_ctfser *s, uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(s->buf + s->pos, &v, 4);
#else
	for (int i = 0; i < 4; i++) {
		s->buf[s->pos + i] = (uint8_t)(v >> (8 * i));
	}
#endif
	s->pos += 4;
}

static inline void vf_ctfser_write_u64(struct vf_ctfser *s, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(s->buf + s->pos, &v, 8);
#else
	for (int i = 0; i < 8; i++) {
		s->buf[s->pos + i] = (uint8_t)(v >> (8 * i));
	}
#endif
	s->pos += 8;
}

static inline void vf_ctfser_write_s32(struct vf_ctfser *s, int32_t v)
{
	vf_ctfser_write_u32(s, (uint32_t)v);
}

static inline void vf_ctfser_write_s64(struct vf_ctfser *s, int64_t v)
{
	vf_ctfser_write_u64(s, (uint64_t)v);
}

/* Pads with zeros to a multiple of align_bytes (a power of two) from the packet start. */
static inline void vf_ctfser_align(struct vf_ctfser *s, uint32_t align_bytes)
{
	while (s->pos & (align_bytes - 1)) {
		s->buf[s->pos++] = 0;
	}
}

/* A NUL-terminated string of len bytes plus the NUL (reserve len + 1). */
static inline void vf_ctfser_write_string(struct vf_ctfser *s, const char *str, size_t len)
{
	memcpy(s->buf + s->pos, str, len);
	s->buf[s->pos + len] = 0;
	s->pos += (uint32_t)len + 1;
}

/* A char[n] text array: at most n - 1 chars of str, zero-filled to n bytes. */
static inline void vf_ctfser_write_char_array(struct vf_ctfser *s, const char *str, size_t n)
{
	size_t len = strnlen(str, n - 1);

	memcpy(s->buf + s->pos, str, len);
	memset(s->buf + s->pos + len, 0, n - len);
	s->pos += (uint32_t)n;
}

/* ---- lttng's event_header_compact ---- */

/*
 * lttng-modules writes the extended header when the event id does not fit in
 * 5 bits or when the time since the previous event of the stream does not fit
 * in 27 bits ((ts - last_ts) >> 27 != 0, frontend_internal.h
 * last_tsc_overflow()). A reader rebuilds the full time from the previous one
 * assuming at most one wrap of the 27 low bits, which that rule guarantees.
 */
static inline bool vf_ctfser_needs_extended_header(uint32_t id, uint64_t ts, uint64_t last_ts)
{
	return id >= VF_CTFSER_COMPACT_ID_EXTENDED ||
	       ((ts - last_ts) >> VF_CTFSER_COMPACT_TS_BITS) != 0;
}

static inline void vf_ctfser_write_compact_header(struct vf_ctfser *s, uint32_t id, uint64_t ts,
						  bool extended)
{
	if (!extended) {
		vf_ctfser_write_u32(s, id | (uint32_t)(ts << VF_CTFSER_COMPACT_ID_BITS));
	} else {
		vf_ctfser_write_u8(s, VF_CTFSER_COMPACT_ID_EXTENDED);
		vf_ctfser_write_u32(s, id);
		vf_ctfser_write_u64(s, ts);
	}
}

/* ---- metadata text ---- */

struct vf_ctfser_text {
	char *data; /* owned, NUL-terminated */
	size_t len;
	size_t cap;
	bool failed; /* an allocation failed: the text is incomplete */
};

void vf_ctfser_text_init(struct vf_ctfser_text *t);
void vf_ctfser_text_fini(struct vf_ctfser_text *t);
void vf_ctfser_text_printf(struct vf_ctfser_text *t, const char *fmt, ...) VF_PRINTF(2, 3);
/* Appends s with lttng's escaping for TSDL strings ('\\', '"' and newline). */
void vf_ctfser_text_escaped(struct vf_ctfser_text *t, const char *s);
/* Writes the text to path (created or truncated); IO error naming path, NOMEM if t->failed. */
enum vf_status vf_ctfser_text_write_file(const struct vf_ctfser_text *t, const char *path,
					 struct vf_error *err);

/* Formats a uuid as lower-case "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (out: 37 bytes). */
void vf_ctfser_uuid_format(const uint8_t uuid[16], char out[37]);

/*
 * lttng-modules' TSDL preamble (x86-64: every type byte-aligned): the basic
 * integer typealiases and the trace block with the packet header above.
 */
void vf_ctfser_tsdl_trace(struct vf_ctfser_text *t, const uint8_t trace_uuid[16]);
/*
 * The clock-mapped typealiases (uint27/32/64_clock_monotonic_t on clock
 * clock_name), struct packet_context and lttng's event_header_compact/large.
 */
void vf_ctfser_tsdl_stream_types(struct vf_ctfser_text *t, const char *clock_name);

#endif /* VMFLOW_COMMON_CTFSER_H */
