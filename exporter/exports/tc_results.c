/* SPDX-License-Identifier: MIT */
/*
 * tc_results.c - the results trace: vCPU Status/Exit intervals as CTF events
 * on the host trace's clock (API and event classes in tc_results.h).
 *
 * Layout: dir/metadata (text TSDL with the "CTF 1.8" signature, lttng's typealiases,
 * packet header/context and event_header_compact from common/ctfser.c),
 * dir/vmflow_0 (one stream, 64 KiB packets padded to 4 KiB, cpu_id 0):
 *
 *   event header   compact u32 (id:5, ts:27) or u8 31 + u32 id + u64 ts
 *   vmflow_vcpu_state (id 0)      s64 vm_pid, u32 vcpu_id, string attribute, string value,
 *                                 s64 duration
 *   vmflow_vcpu_state_end (id 1)  s64 vm_pid, u32 vcpu_id, string attribute
 *   vmflow_state_<d> (id 2d)      string a0 ... a<d-1>, string value, s64 duration
 *   vmflow_state_end_<d> (2d+1)   string a0 ... a<d-1>        (d = 1 .. VF_TC_RESULTS_MAX_DEPTH)
 * VMs/<pid>/vCPUs/<n>/Status and /Exit (canonical decimals) use the vCPU
 * events; every other path the generic ones, its '/'-separated components in
 * a0.. (so any path round-trips).
 *
 * The history hands intervals back sorted by path then start; the events must
 * be sorted by time. One cursor per vCPU path (vf_history_path_iter) holds the
 * path's current and next interval, and a binary min-heap keyed by (time,
 * end before start, path name) picks the next event, so memory grows with the
 * number of vCPU paths, never with the number of intervals.
 *
 * Reads the history only (exports never read the trace).
 */
#include "exports/tc_results.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_out.h"
#include "common/ctfser.h"

#define PACKET_SIZE (64u * 1024u)
#define PAGE_SIZE_BYTES 4096u
#define NS_PER_S 1000000000LL
#define EVENT_ID_STATE 0u
#define EVENT_ID_STATE_END 1u
#define EVENT_ID_GENERIC(depth) (2u * (uint32_t)(depth))
#define EVENT_ID_GENERIC_END(depth) (2u * (uint32_t)(depth) + 1u)

__extension__ typedef __int128 i128;

struct clock {
	char name[64];
	uint64_t freq;
	int64_t offset_s;
	uint64_t offset_cycles;
	bool has_uuid;
	uint8_t uuid[16];
	bool absolute; /* origin is the Unix epoch, as babeltrace2 takes LTTng clocks */
};

enum ev_type { EV_END = 0, EV_START = 1 }; /* ends sort first at equal times */

struct cursor {
	struct vf_history_path_iter *it; /* owned */
	uint32_t path_id;
	uint32_t rank;                   /* position of the path name in byte order */
	bool generic;                    /* path written as components (vmflow_state_<d>) */
	const char *path;                /* borrowed from the history */
	uint32_t depth;                  /* generic: number of components */
	int64_t vm_pid;
	uint32_t vcpu_id;
	const char *attribute;           /* static "Status" or "Exit" */
	uint32_t attribute_len;
	uint32_t path_len;
	int64_t cur_start, cur_end;      /* the interval being emitted */
	uint32_t cur_value;
	bool has_next;                   /* lookahead */
	int64_t next_start, next_end;
	uint32_t next_value;
	int64_t ev_ns;                   /* the cursor's next event */
	enum ev_type ev_type;
};

struct writer {
	const struct vf_history *h;
	struct clock clock;
	struct vf_ctfser *ser;   /* owned */
	uint64_t last_ts;
	struct cursor *cursors;  /* owned */
	uint32_t cursor_count;
	struct cursor **heap;    /* owned, points into cursors */
	uint32_t heap_count;
	uint32_t *value_len;     /* owned: strlen of each history value */
	char dir[4096];
};

/* "VMs/<pid>/vCPUs/<n>/Status" or ".../Exit" */
static bool parse_vcpu_path(const char *p, int64_t *vm_pid, uint32_t *vcpu_id,
			    const char **attribute)
{
	char *end;
	long long pid;
	unsigned long long n;

	if (strncmp(p, "VMs/", 4) != 0 || !isdigit((unsigned char)p[4])) {
		return false;
	}
	errno = 0;
	pid = strtoll(p + 4, &end, 10);
	if (errno || strncmp(end, "/vCPUs/", 7) != 0 || !isdigit((unsigned char)end[7])) {
		return false;
	}
	if ((p[4] == '0' && isdigit((unsigned char)p[5])) ||
	    (end[7] == '0' && isdigit((unsigned char)end[8]))) {
		return false; /* not canonical: "VMs/007" must round-trip as written */
	}
	n = strtoull(end + 7, &end, 10);
	if (errno || n > UINT32_MAX || *end != '/') {
		return false;
	}
	if (strcmp(end + 1, "Status") == 0) {
		*attribute = "Status";
	} else if (strcmp(end + 1, "Exit") == 0) {
		*attribute = "Exit";
	} else {
		return false;
	}
	*vm_pid = pid;
	*vcpu_id = (uint32_t)n;
	return true;
}

/* Number of '/'-separated components, 0 if one is empty (or the path is empty). */
static uint32_t path_depth(const char *p)
{
	uint32_t d = 1;
	const char *c;

	if (!*p || *p == '/') {
		return 0;
	}
	for (c = p; *c; c++) {
		if (*c == '/') {
			if (c[1] == '/' || c[1] == '\0') {
				return 0;
			}
			d++;
		}
	}
	return d;
}

static bool is_identifier(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_')) {
		return false;
	}
	for (; *s; s++) {
		if (!(isalnum((unsigned char)*s) || *s == '_')) {
			return false;
		}
	}
	return true;
}

static void clock_from_info(struct clock *c, const struct vf_trace_info *info)
{
	memset(c, 0, sizeof(*c));
	if (info && info->clock_frequency > 0) {
		snprintf(c->name, sizeof(c->name), "%s",
			 is_identifier(info->clock_name) ? info->clock_name : "monotonic");
		c->freq = info->clock_frequency;
		c->offset_s = info->clock_offset_seconds;
		c->offset_cycles = info->clock_offset_cycles;
		c->has_uuid = info->clock_has_uuid;
		memcpy(c->uuid, info->clock_uuid, sizeof(c->uuid));
		/*
		 * babeltrace2's muxer merges traces only if their clocks are all
		 * absolute or all share one uuid, and it takes the clock of an
		 * lttng-modules/lttng-ust trace as absolute without saying so in
		 * the metadata: say it explicitly for such hosts.
		 */
		c->absolute = strncmp(info->tracer_name, "lttng", 5) == 0;
	} else {
		snprintf(c->name, sizeof(c->name), "monotonic");
		c->freq = (uint64_t)NS_PER_S;
	}
}

/* ns from the clock origin -> clock value; false if it falls outside the clock. */
static bool ns_to_cycles(const struct clock *c, int64_t ns, uint64_t *cycles)
{
	i128 rel = (i128)ns - (i128)c->offset_s * NS_PER_S;
	i128 cyc;

	if (c->freq == (uint64_t)NS_PER_S) {
		cyc = rel;
	} else {
		i128 num = rel * (i128)c->freq;

		/* round to nearest, also below zero */
		cyc = num >= 0 ? (num + NS_PER_S / 2) / NS_PER_S : -((-num + NS_PER_S / 2) / NS_PER_S);
	}
	cyc -= (i128)c->offset_cycles;
	if (cyc < 0 || cyc > (i128)UINT64_MAX) {
		return false;
	}
	*cycles = (uint64_t)cyc;
	return true;
}

static bool cursor_before(const struct cursor *a, const struct cursor *b)
{
	if (a->ev_ns != b->ev_ns) {
		return a->ev_ns < b->ev_ns;
	}
	if (a->ev_type != b->ev_type) {
		return a->ev_type < b->ev_type;
	}
	return a->rank < b->rank;
}

static void heap_down(struct writer *w, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		struct cursor *t;

		if (l < w->heap_count && cursor_before(w->heap[l], w->heap[m])) {
			m = l;
		}
		if (r < w->heap_count && cursor_before(w->heap[r], w->heap[m])) {
			m = r;
		}
		if (m == i) {
			return;
		}
		t = w->heap[i];
		w->heap[i] = w->heap[m];
		w->heap[m] = t;
		i = m;
	}
}

static void cursor_load_next(struct cursor *c)
{
	c->has_next = vf_history_path_iter_next(c->it, &c->next_start, &c->next_end,
						 &c->next_value) != 0;
}

/* Moves the lookahead into the current interval; false if there is none. */
static bool cursor_take_next(struct cursor *c)
{
	if (!c->has_next) {
		return false;
	}
	c->cur_start = c->next_start;
	c->cur_end = c->next_end;
	c->cur_value = c->next_value;
	cursor_load_next(c);
	c->ev_ns = c->cur_start;
	c->ev_type = EV_START;
	return true;
}

/* After the cursor's event was written: its next event, or false when the path is done. */
static bool cursor_advance(struct cursor *c)
{
	if (c->ev_type == EV_START) {
		if (c->has_next && c->next_start == c->cur_end) {
			return cursor_take_next(c); /* back-to-back: no end event */
		}
		c->ev_ns = c->cur_end;
		c->ev_type = EV_END;
		return true;
	}
	return cursor_take_next(c);
}

static _Thread_local const struct vf_history *sort_history; /* qsort context, per thread */

static int cmp_path_name(const void *a, const void *b)
{
	return strcmp(vf_history_path_name(sort_history, *(const uint32_t *)a),
		      vf_history_path_name(sort_history, *(const uint32_t *)b));
}

/* Creates one cursor per path that has intervals, ranked by path name. */
static enum vf_status open_cursors(struct writer *w, struct vf_error *err)
{
	uint32_t count = vf_history_path_count(w->h);
	uint32_t *ids = malloc(((size_t)count + 1) * sizeof(*ids));
	uint32_t n = 0;

	w->cursors = calloc((size_t)count + 1, sizeof(*w->cursors));
	w->heap = calloc((size_t)count + 1, sizeof(*w->heap));
	if (!ids || !w->cursors || !w->heap) {
		free(ids);
		VF_ERROR_SET(err, VF_ERR_NOMEM, w->dir, "out of memory writing the results trace");
		return VF_ERR_NOMEM;
	}
	for (uint32_t i = 0; i < count; i++) {
		const char *name = vf_history_path_name(w->h, i);
		uint32_t depth = path_depth(name);

		if (depth == 0 || depth > VF_TC_RESULTS_MAX_DEPTH) {
			free(ids);
			VF_ERROR_SET(err, VF_ERR_INPUT, name,
				     "path cannot be written to the results trace (empty component or "
				     "more than %d components)",
				     VF_TC_RESULTS_MAX_DEPTH);
			return VF_ERR_INPUT;
		}
		ids[n++] = i;
	}
	sort_history = w->h;
	qsort(ids, n, sizeof(*ids), cmp_path_name);
	sort_history = NULL;
	for (uint32_t r = 0; r < n; r++) {
		struct cursor *c = &w->cursors[w->cursor_count];

		c->path_id = ids[r];
		c->rank = r;
		c->path = vf_history_path_name(w->h, ids[r]);
		c->depth = path_depth(c->path);
		c->generic = !parse_vcpu_path(c->path, &c->vm_pid, &c->vcpu_id, &c->attribute);
		c->path_len = (uint32_t)strlen(c->path);
		c->attribute_len = c->generic ? 0 : (uint32_t)strlen(c->attribute);
		c->it = vf_history_path_iter_new(w->h, ids[r], err);
		if (!c->it) {
			free(ids);
			return err ? err->status : VF_ERR_NOMEM;
		}
		w->cursor_count++;
		cursor_load_next(c);
		if (cursor_take_next(c)) {
			w->heap[w->heap_count++] = c;
		}
	}
	free(ids);
	for (uint32_t i = w->heap_count / 2; i-- > 0;) {
		heap_down(w, i);
	}
	return VF_OK;
}

static enum vf_status write_event(struct writer *w, const struct cursor *c, struct vf_error *err)
{
	bool start = c->ev_type == EV_START;
	uint32_t id = c->generic ? (start ? EVENT_ID_GENERIC(c->depth) : EVENT_ID_GENERIC_END(c->depth))
				 : (start ? EVENT_ID_STATE : EVENT_ID_STATE_END);
	const char *value = start ? vf_history_value_name(w->h, c->cur_value) : NULL;
	size_t value_len = value ? w->value_len[c->cur_value] : 0;
	uint64_t size;
	uint64_t ts;
	bool ext;

	if (!ns_to_cycles(&w->clock, c->ev_ns, &ts) || ts < w->last_ts) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, c->path, "time %lld ns cannot be written on the host clock",
			     (long long)c->ev_ns);
		return VF_ERR_INTERNAL;
	}
	ext = vf_ctfser_needs_extended_header(id, ts, w->last_ts);
	size = (ext ? VF_CTFSER_EXTENDED_HEADER_SIZE : VF_CTFSER_COMPACT_HEADER_SIZE) +
	       (value ? value_len + 1 + 8 : 0);
	if (c->generic) {
		size += c->path_len + 1; /* components: the path's bytes, '/' become NULs */
	} else {
		size += 8 + 4 + c->attribute_len + 1;
	}
	if (size > vf_ctfser_max_event_size(w->ser)) {
		VF_ERROR_SET(err, VF_ERR_INPUT, c->path,
			     "path and value of %llu bytes are too long for the results trace",
			     (unsigned long long)size);
		return VF_ERR_INPUT;
	}
	if (!vf_ctfser_has_room(w->ser, (uint32_t)size)) {
		enum vf_status st = vf_ctfser_switch_packet(w->ser, ts, err);

		if (st != VF_OK) {
			return st;
		}
	}
	vf_ctfser_write_compact_header(w->ser, id, ts, ext);
	if (c->generic) {
		const char *p = c->path;

		for (;;) {
			const char *slash = strchr(p, '/');
			size_t len = slash ? (size_t)(slash - p) : strlen(p);

			vf_ctfser_write_string(w->ser, p, len);
			if (!slash) {
				break;
			}
			p = slash + 1;
		}
	} else {
		vf_ctfser_write_s64(w->ser, c->vm_pid);
		vf_ctfser_write_u32(w->ser, c->vcpu_id);
		vf_ctfser_write_string(w->ser, c->attribute, c->attribute_len);
	}
	if (value) {
		vf_ctfser_write_string(w->ser, value, value_len);
		vf_ctfser_write_s64(w->ser, c->cur_end - c->cur_start);
	}
	w->last_ts = ts;
	return VF_OK;
}

static void derive_trace_uuid(const struct clock *c, uint8_t out[16])
{
	static const uint8_t salt[16] = {'v', 'm', 'f', 'l', 'o', 'w', '-', 'r',
					 'e', 's', 'u', 'l', 't', 's', '-', '1'};

	for (int i = 0; i < 16; i++) {
		out[i] = (uint8_t)((c->has_uuid ? c->uuid[i] : 0) ^ salt[i]);
	}
	out[6] = (uint8_t)((out[6] & 0x0f) | 0x40); /* looks like a v4 uuid */
	out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
}

static void build_metadata(struct vf_ctfser_text *t, const struct clock *c,
			   const uint8_t trace_uuid[16], const char *hostname)
{
	int major = 0, minor = 0, patch = 0;

	sscanf(VMFLOW_VERSION, "%d.%d.%d", &major, &minor, &patch);
	vf_ctfser_text_printf(t, "/* CTF 1.8 */\n\n");
	vf_ctfser_tsdl_trace(t, trace_uuid);
	vf_ctfser_text_printf(t, "env {\n\thostname = \"");
	vf_ctfser_text_escaped(t, hostname);
	vf_ctfser_text_printf(t,
			      "\";\n"
			      "\tdomain = \"vmflow\";\n"
			      "\ttracer_name = \"vmflow\";\n"
			      "\ttracer_major = %d;\n"
			      "\ttracer_minor = %d;\n"
			      "\ttracer_patchlevel = %d;\n"
			      "};\n\n",
			      major, minor, patch);
	vf_ctfser_text_printf(t, "clock {\n\tname = \"%s\";\n", c->name);
	if (c->has_uuid) {
		char uuid_s[37];

		vf_ctfser_uuid_format(c->uuid, uuid_s);
		vf_ctfser_text_printf(t, "\tuuid = \"%s\";\n", uuid_s);
	}
	vf_ctfser_text_printf(t,
			      "\tdescription = \"vmflow results on the host trace clock\";\n"
			      "\tfreq = %llu; /* Frequency, in Hz */\n"
			      "\toffset_s = %lld;\n"
			      "\toffset = %llu;\n"
			      "%s"
			      "};\n\n",
			      (unsigned long long)c->freq, (long long)c->offset_s,
			      (unsigned long long)c->offset_cycles,
			      c->absolute ? "\tabsolute = true;\n" : "");
	vf_ctfser_tsdl_stream_types(t, c->name);
	vf_ctfser_text_printf(t, "stream {\n"
				 "\tid = 0;\n"
				 "\tevent.header := struct event_header_compact;\n"
				 "\tpacket.context := struct packet_context;\n"
				 "};\n\n");
	vf_ctfser_text_printf(t,
		"event {\n"
		"\tname = \"vmflow_vcpu_state\";\n"
		"\tid = 0;\n"
		"\tstream_id = 0;\n"
		"\tfields := struct {\n"
		"\t\tinteger { size = 64; align = 8; signed = 1; encoding = none; base = 10; } _vm_pid;\n"
		"\t\tinteger { size = 32; align = 8; signed = 0; encoding = none; base = 10; } _vcpu_id;\n"
		"\t\tstring _attribute;\n"
		"\t\tstring _value;\n"
		"\t\tinteger { size = 64; align = 8; signed = 1; encoding = none; base = 10; } _duration;\n"
		"\t};\n"
		"};\n\n"
		"event {\n"
		"\tname = \"vmflow_vcpu_state_end\";\n"
		"\tid = 1;\n"
		"\tstream_id = 0;\n"
		"\tfields := struct {\n"
		"\t\tinteger { size = 64; align = 8; signed = 1; encoding = none; base = 10; } _vm_pid;\n"
		"\t\tinteger { size = 32; align = 8; signed = 0; encoding = none; base = 10; } _vcpu_id;\n"
		"\t\tstring _attribute;\n"
		"\t};\n"
		"};\n\n");
	for (uint32_t d = 1; d <= VF_TC_RESULTS_MAX_DEPTH; d++) {
		for (int end = 0; end < 2; end++) {
			vf_ctfser_text_printf(t,
					      "event {\n\tname = \"vmflow_state%s_%u\";\n\tid = %u;\n"
					      "\tstream_id = 0;\n\tfields := struct {\n",
					      end ? "_end" : "", d,
					      end ? EVENT_ID_GENERIC_END(d) : EVENT_ID_GENERIC(d));
			for (uint32_t a = 0; a < d; a++) {
				vf_ctfser_text_printf(t, "\t\tstring _a%u;\n", a);
			}
			if (!end) {
				vf_ctfser_text_printf(t, "\t\tstring _value;\n"
							 "\t\tinteger { size = 64; align = 8; signed = 1; "
							 "encoding = none; base = 10; } _duration;\n");
			}
			vf_ctfser_text_printf(t, "\t};\n};\n\n");
		}
	}
}

static void writer_fini(struct writer *w)
{
	for (uint32_t i = 0; i < w->cursor_count; i++) {
		vf_history_path_iter_free(w->cursors[i].it, NULL);
	}
	free(w->cursors);
	free(w->heap);
	free(w->value_len);
	vf_ctfser_free(w->ser);
}

enum vf_status vf_tc_results_write(const char *dir, const struct vf_history *h,
				   const struct vf_trace_info *clock_src, struct vf_error *err)
{
	struct writer w;
	struct vf_ctfser_text meta;
	struct vf_ctfser_params sp = {0};
	char path[4200];
	int64_t begin_ns, end_ns;
	uint64_t begin_ts, end_ts;
	enum vf_status st;

	memset(&w, 0, sizeof(w));
	w.h = h;
	snprintf(w.dir, sizeof(w.dir), "%s", dir);
	clock_from_info(&w.clock, clock_src);
	derive_trace_uuid(&w.clock, sp.uuid);
	if (vf_mkdir_p(dir, err) != VF_OK) {
		return VF_ERR_IO;
	}
	/* every value's length once: the history's values are all known by now */
	w.value_len = malloc(((size_t)vf_history_value_count(h) + 1) * sizeof(*w.value_len));
	if (!w.value_len) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, dir, "out of memory writing the results trace");
		return VF_ERR_NOMEM;
	}
	for (uint32_t v = 0; v < vf_history_value_count(h); v++) {
		w.value_len[v] = (uint32_t)strlen(vf_history_value_name(h, v));
	}
	st = open_cursors(&w, err);
	if (st != VF_OK) {
		goto out;
	}

	/* The packets cover the host trace when it is known, and every event anyway. */
	begin_ns = w.heap_count ? w.heap[0]->ev_ns : INT64_MAX;
	if (clock_src && clock_src->begin_ns != INT64_MAX && clock_src->begin_ns < begin_ns) {
		begin_ns = clock_src->begin_ns;
	}
	if (begin_ns == INT64_MAX || !ns_to_cycles(&w.clock, begin_ns, &begin_ts)) {
		begin_ts = 0;
	}
	end_ts = begin_ts;

	vf_ctfser_text_init(&meta);
	build_metadata(&meta, &w.clock, sp.uuid,
		       clock_src && clock_src->hostname[0] ? clock_src->hostname : "");
	snprintf(path, sizeof(path), "%s/metadata", dir);
	st = vf_ctfser_text_write_file(&meta, path, err);
	vf_ctfser_text_fini(&meta);
	if (st != VF_OK) {
		goto out;
	}

	snprintf(path, sizeof(path), "%s/vmflow_0", dir);
	sp.path = path;
	sp.packet_size = PACKET_SIZE;
	sp.page_size = PAGE_SIZE_BYTES;
	/* gigabytes for a long trace, opened later in Trace Compass */
	sp.write_behind_mib = VF_WRITE_BEHIND_START >> 20;
	w.ser = vf_ctfser_new(&sp, err);
	if (!w.ser) {
		st = err ? err->status : VF_ERR_IO;
		goto out;
	}
	vf_ctfser_open_packet(w.ser, begin_ts);
	w.last_ts = begin_ts;
	while (w.heap_count > 0) {
		struct cursor *c = w.heap[0];

		st = write_event(&w, c, err);
		if (st != VF_OK) {
			goto out;
		}
		if (!cursor_advance(c)) {
			w.heap[0] = w.heap[--w.heap_count];
		}
		heap_down(&w, 0);
	}
	for (uint32_t i = 0; i < w.cursor_count; i++) {
		st = vf_history_path_iter_free(w.cursors[i].it, err);
		w.cursors[i].it = NULL;
		if (st != VF_OK) {
			goto out;
		}
	}
	end_ts = w.last_ts;
	end_ns = clock_src ? clock_src->end_ns : INT64_MIN;
	if (end_ns != INT64_MIN) {
		uint64_t ts;

		if (ns_to_cycles(&w.clock, end_ns, &ts) && ts > end_ts) {
			end_ts = ts;
		}
	}
	st = vf_ctfser_finish(w.ser, end_ts, err);
out:
	writer_fini(&w);
	return st;
}
