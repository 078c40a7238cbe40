/* SPDX-License-Identifier: MIT */
/*
 * stub_reader.c - the Trace Compass XML stub trace reader
 * (TmfXmlDevelopmentTrace.xsd: <trace><set_aspects/>?<event timestamp name>
 * <field name type value/>*</event>*</trace>).
 *
 * The file is streamed with libxml2's xmlTextReader with the safe options
 * (no network, no entity substitution, no DTD loading), so a trace of any
 * length is read in constant memory. Timestamps are integer ns (the `Ns`
 * stub variant). Field types follow the Java stub: `int` is a 32-bit
 * integer (a parse failure gives 0), `long` a 64-bit one, `string` and
 * `double` are strings, arrays are kept as their text. The event's `cpu`
 * field is its CPU. Known event names are also decoded into vf_event kinds
 * (fields by their lttng names), so `vmflow analyze host.xml` works.
 *
 * For `vmflow analyze` (no generic consumer), an event of a class vmflow
 * interprets must carry the fields it needs (input/event_check.h: a
 * kvm_exit without exit_reason is refused, naming file:line, the class and
 * the field); other missing fields are 0. Generic consumers (Trace Compass
 * XML analyses) read any event, as Trace Compass does.
 *
 * Stub traces have no tid/pid contexts. Like Trace Compass's KernelTidAspect,
 * the reader gives each event the thread running on its CPU (the last
 * sched_switch next_tid there); its pid comes from statedump / fork events,
 * and a thread never described by them is taken as its own process (pid =
 * tid), which is what lets the model attribute vCPU threads to a VM.
 */
#include "input/reader.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>

#include "common/strtab.h"
#include "common/u64map.h"
#include "input/event_check.h"

#define STUB_MAX_FIELDS 256

enum dst { D_I32, D_U32, D_I64, D_U64, D_U16, D_U8, D_COMM };

struct fmap {
	enum vf_event_kind kind;
	const char *name;
	size_t off;
	enum dst dst;
};

#define F(kind, name, member, dst) {kind, name, offsetof(struct vf_event, u.member), dst}

static const struct fmap field_map[] = {
	F(VF_EV_SCHED_SWITCH, "prev_comm", sched_switch.prev_comm, D_COMM),
	F(VF_EV_SCHED_SWITCH, "prev_tid", sched_switch.prev_tid, D_I32),
	F(VF_EV_SCHED_SWITCH, "prev_prio", sched_switch.prev_prio, D_I32),
	F(VF_EV_SCHED_SWITCH, "prev_state", sched_switch.prev_state, D_I64),
	F(VF_EV_SCHED_SWITCH, "next_comm", sched_switch.next_comm, D_COMM),
	F(VF_EV_SCHED_SWITCH, "next_tid", sched_switch.next_tid, D_I32),
	F(VF_EV_SCHED_SWITCH, "next_prio", sched_switch.next_prio, D_I32),
	F(VF_EV_SCHED_WAKING, "comm", sched_wake.comm, D_COMM),
	F(VF_EV_SCHED_WAKING, "tid", sched_wake.tid, D_I32),
	F(VF_EV_SCHED_WAKING, "prio", sched_wake.prio, D_I32),
	F(VF_EV_SCHED_WAKING, "target_cpu", sched_wake.target_cpu, D_I32),
	F(VF_EV_SCHED_PROCESS_FORK, "parent_comm", fork.parent_comm, D_COMM),
	F(VF_EV_SCHED_PROCESS_FORK, "parent_tid", fork.parent_tid, D_I32),
	F(VF_EV_SCHED_PROCESS_FORK, "parent_pid", fork.parent_pid, D_I32),
	F(VF_EV_SCHED_PROCESS_FORK, "child_comm", fork.child_comm, D_COMM),
	F(VF_EV_SCHED_PROCESS_FORK, "child_tid", fork.child_tid, D_I32),
	F(VF_EV_SCHED_PROCESS_FORK, "child_pid", fork.child_pid, D_I32),
	F(VF_EV_SCHED_PROCESS_EXIT, "comm", process_exit.comm, D_COMM),
	F(VF_EV_SCHED_PROCESS_EXIT, "tid", process_exit.tid, D_I32),
	F(VF_EV_SCHED_PROCESS_EXIT, "prio", process_exit.prio, D_I32),
	F(VF_EV_STATEDUMP_PROCESS_STATE, "tid", statedump.tid, D_I32),
	F(VF_EV_STATEDUMP_PROCESS_STATE, "pid", statedump.pid, D_I32),
	F(VF_EV_STATEDUMP_PROCESS_STATE, "ppid", statedump.ppid, D_I32),
	F(VF_EV_STATEDUMP_PROCESS_STATE, "name", statedump.name, D_COMM),
	F(VF_EV_STATEDUMP_PROCESS_STATE, "type", statedump.type, D_I32),
	F(VF_EV_STATEDUMP_PROCESS_STATE, "mode", statedump.mode, D_I32),
	F(VF_EV_STATEDUMP_PROCESS_STATE, "submode", statedump.submode, D_I32),
	F(VF_EV_STATEDUMP_PROCESS_STATE, "status", statedump.status, D_I32),
	F(VF_EV_STATEDUMP_PROCESS_STATE, "cpu", statedump.cpu, D_U32),
	F(VF_EV_KVM_ENTRY, "vcpu_id", kvm_entry.vcpu_id, D_U32),
	F(VF_EV_KVM_EXIT, "exit_reason", kvm_exit.exit_reason, D_U32),
	F(VF_EV_KVM_EXIT, "guest_rip", kvm_exit.guest_rip, D_U64),
	F(VF_EV_KVM_EXIT, "isa", kvm_exit.isa, D_U32),
	F(VF_EV_KVM_EXIT, "info1", kvm_exit.info1, D_U64),
	F(VF_EV_KVM_EXIT, "info2", kvm_exit.info2, D_U64),
	F(VF_EV_KVM_EXIT, "intr_info", kvm_exit.intr_info, D_U32),
	F(VF_EV_KVM_EXIT, "error_code", kvm_exit.error_code, D_U32),
	F(VF_EV_KVM_EXIT, "vcpu_id", kvm_exit.vcpu_id, D_U32),
	F(VF_EV_KVM_INJ_VIRQ, "irq", inj_virq.irq, D_U32),
	F(VF_EV_KVM_CR, "rw", kvm_cr.rw, D_U32),
	F(VF_EV_KVM_CR, "cr", kvm_cr.cr, D_U32),
	F(VF_EV_KVM_CR, "val", kvm_cr.val, D_U64),
	F(VF_EV_KVM_HYPERCALL, "nr", hypercall.nr, D_U64),
	F(VF_EV_KVM_HYPERCALL, "a0", hypercall.a0, D_U64),
	F(VF_EV_KVM_HYPERCALL, "a1", hypercall.a1, D_U64),
	F(VF_EV_KVM_HYPERCALL, "a2", hypercall.a2, D_U64),
	F(VF_EV_KVM_HYPERCALL, "a3", hypercall.a3, D_U64),
	F(VF_EV_ADDONS_VCPU_ENTER_GUEST, "vcpuID", enter_guest.vcpu_id, D_U32),
	F(VF_EV_NET_IF_RX, "skbaddr", net.skbaddr, D_U64),
	F(VF_EV_NET_IF_RX, "len", net.len, D_U32),
	F(VF_EV_NET_IF_RX, "name", net.name, D_COMM),
};

struct stub_field {
	const char *name; /* interned */
	struct vf_field_value v;
	char *text; /* owned copy of the value text */
};

struct stub {
	const char *path;
	xmlTextReaderPtr xr;
	struct vf_strtab names; /* event and field names */
	struct stub_field fields[STUB_MAX_FIELDS];
	uint32_t field_count;
	struct vf_event ev;
	struct vf_u64map cur_tid; /* cpu -> running tid + 1 */
	struct vf_u64map pid_of;  /* tid -> pid + 1 (statedump, fork) */
};

static void thread_context(struct stub *s, struct vf_event *ev)
{
	void *cur = vf_u64map_get(&s->cur_tid, ev->cpu);
	void *pid;

	if (ev->kind == VF_EV_STATEDUMP_PROCESS_STATE) {
		vf_u64map_put(&s->pid_of, (uint32_t)ev->u.statedump.tid,
		              (void *)(uintptr_t)((uint32_t)ev->u.statedump.pid + 1u));
	} else if (ev->kind == VF_EV_SCHED_PROCESS_FORK) {
		vf_u64map_put(&s->pid_of, (uint32_t)ev->u.fork.child_tid,
		              (void *)(uintptr_t)((uint32_t)ev->u.fork.child_pid + 1u));
	}
	if (ev->kind == VF_EV_SCHED_SWITCH && !cur) {
		cur = (void *)(uintptr_t)((uint32_t)ev->u.sched_switch.prev_tid + 1u);
	}
	if (cur) {
		ev->tid = (int32_t)((uintptr_t)cur - 1);
		pid = vf_u64map_get(&s->pid_of, (uint32_t)ev->tid);
		ev->pid = pid ? (int32_t)((uintptr_t)pid - 1) : ev->tid;
	}
	if (ev->kind == VF_EV_SCHED_SWITCH) {
		vf_u64map_put(&s->cur_tid, ev->cpu,
		              (void *)(uintptr_t)((uint32_t)ev->u.sched_switch.next_tid + 1u));
	}
}

struct xerr {
	int line;
	char msg[300];
};

static void on_xml_error(void *arg, const char *msg, xmlParserSeverities sev,
                         xmlTextReaderLocatorPtr loc)
{
	struct xerr *x = arg;
	size_t n;

	if (x->line || (sev != XML_PARSER_SEVERITY_ERROR && sev != XML_PARSER_SEVERITY_VALIDITY_ERROR)) {
		return;
	}
	x->line = loc ? xmlTextReaderLocatorLineNumber(loc) : 0;
	if (x->line <= 0) {
		x->line = -1;
	}
	snprintf(x->msg, sizeof(x->msg), "%s", msg ? msg : "malformed XML");
	n = strlen(x->msg);
	while (n && (x->msg[n - 1] == '\n' || x->msg[n - 1] == ' ')) {
		x->msg[--n] = '\0';
	}
}

static enum vf_event_kind map_kind(enum vf_event_kind k)
{
	/* the wake family shares one payload layout */
	if (k == VF_EV_SCHED_WAKEUP || k == VF_EV_SCHED_WAKEUP_NEW || k == VF_EV_SCHED_TTWU) {
		return VF_EV_SCHED_WAKING;
	}
	if (k == VF_EV_NET_DEV_XMIT) {
		return VF_EV_NET_IF_RX;
	}
	return k;
}

static void store(struct vf_event *ev, const struct fmap *m, const struct vf_field_value *v)
{
	char *dst = (char *)ev + m->off;
	int64_t x = v->kind == VF_FIELD_STRING ? strtoll(v->s, NULL, 0) : v->i;

	switch (m->dst) {
	case D_I32: { int32_t y = (int32_t)x; memcpy(dst, &y, sizeof(y)); break; }
	case D_U32: { uint32_t y = (uint32_t)x; memcpy(dst, &y, sizeof(y)); break; }
	case D_I64: memcpy(dst, &x, sizeof(x)); break;
	case D_U64: { uint64_t y = (uint64_t)x; memcpy(dst, &y, sizeof(y)); break; }
	case D_U16: { uint16_t y = (uint16_t)x; memcpy(dst, &y, sizeof(y)); break; }
	case D_U8: { uint8_t y = (uint8_t)x; memcpy(dst, &y, sizeof(y)); break; }
	case D_COMM:
		if (v->kind == VF_FIELD_STRING) {
			snprintf(dst, VF_COMM_LEN, "%s", v->s);
		}
		break;
	}
}

static bool has_field(const struct stub *s, const char *name)
{
	uint32_t i;

	for (i = 0; i < s->field_count; i++) {
		if (strcmp(s->fields[i].name, name) == 0) {
			return true;
		}
	}
	return false;
}

/* A field of field_map (the stub's names) that the interpreted kind needs is missing. */
static enum vf_status check_required(const struct stub *s, int line, const char *name,
                                     enum vf_event_kind kind, struct vf_error *err)
{
	const char *const *req = vf_event_required_fields(kind);
	enum vf_event_kind mk = map_kind(kind);
	size_t i, j;

	for (i = 0; req[i]; i++) {
		bool mapped = false;

		for (j = 0; j < sizeof(field_map) / sizeof(field_map[0]) && !mapped; j++) {
			mapped = field_map[j].kind == mk && strcmp(field_map[j].name, req[i]) == 0;
		}
		if (mapped && !has_field(s, req[i])) {
			char where[600];

			snprintf(where, sizeof(where), "%s:%d", s->path, line);
			return vf_event_check_field(kind, name, req[i], VF_FIELD_CHECK_MISSING, NULL,
			                            false, where, err);
		}
	}
	return VF_OK;
}

static bool stub_field(const struct vf_generic_event *g, const char *name,
                       struct vf_field_value *out)
{
	const struct stub *s = g->impl;
	uint32_t i;

	for (i = 0; i < s->field_count; i++) {
		if (strcmp(s->fields[i].name, name) == 0) {
			*out = s->fields[i].v;
			return true;
		}
	}
	memset(out, 0, sizeof(*out));
	return false;
}

static void clear_fields(struct stub *s)
{
	uint32_t i;

	for (i = 0; i < s->field_count; i++) {
		free(s->fields[i].text);
	}
	s->field_count = 0;
}

static char *attr(xmlTextReaderPtr xr, const char *name)
{
	return (char *)xmlTextReaderGetAttribute(xr, (const xmlChar *)name);
}

/* Parses an integer as the Java stub does (int: failure gives 0). */
static bool parse_i64(const char *t, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(t, &end, 10);
	if (errno || end == t || *end) {
		return false;
	}
	*out = v;
	return true;
}

static enum vf_status add_field(struct stub *s, int line, struct vf_error *err)
{
	char *name = attr(s->xr, "name");
	char *type = attr(s->xr, "type");
	char *value = attr(s->xr, "value");
	struct stub_field *f;
	enum vf_status st = VF_OK;
	char where[600];

	snprintf(where, sizeof(where), "%s:%d", s->path, line);
	if (!name || !type || !value) {
		VF_ERROR_SET(err, VF_ERR_INPUT, where,
		             "a stub <field> needs the attributes name, type and value");
		st = VF_ERR_INPUT;
		goto end;
	}
	if (s->field_count >= STUB_MAX_FIELDS) {
		VF_ERROR_SET(err, VF_ERR_INPUT, where, "more than %d fields in one event",
		             STUB_MAX_FIELDS);
		st = VF_ERR_INPUT;
		goto end;
	}
	f = &s->fields[s->field_count++];
	memset(f, 0, sizeof(*f));
	f->name = vf_strtab_get(&s->names, vf_strtab_intern(&s->names, name));
	f->text = value;
	value = NULL;
	if (strcmp(type, "int") == 0) {
		int64_t v = 0;

		f->v.kind = VF_FIELD_INT32;
		f->v.i = parse_i64(f->text, &v) && v >= INT32_MIN && v <= INT32_MAX ? v : 0;
	} else if (strcmp(type, "long") == 0) {
		int64_t v = 0;

		if (!parse_i64(f->text, &v)) {
			VF_ERROR_SET(err, VF_ERR_INPUT, where, "field '%s': '%s' is not a long",
			             name, f->text);
			st = VF_ERR_INPUT;
			goto end;
		}
		f->v.kind = VF_FIELD_INT64;
		f->v.i = v;
	} else {
		/* string, double (a string in the Java stub), intArray, longArray */
		f->v.kind = VF_FIELD_STRING;
		f->v.s = f->text;
	}
end:
	xmlFree(name);
	xmlFree(type);
	xmlFree(value);
	return st;
}

static enum vf_status deliver(struct stub *s, int line, const char *name, int64_t ts,
                              const struct vf_reader_callbacks *cbs, vf_generic_event_fn generic,
                              struct vf_trace_info *info, struct vf_error *err)
{
	struct vf_event *ev = &s->ev;
	enum vf_event_kind mk;
	uint32_t i;
	size_t j;
	enum vf_status st = VF_OK;

	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = ts;
	ev->name = name;
	ev->kind = vf_event_kind_from_name(name);
	ev->pid = -1;
	ev->tid = -1;
	mk = map_kind(ev->kind);
	if (!generic && ev->kind != VF_EV_OTHER &&
	    check_required(s, line, name, ev->kind, err) != VF_OK) {
		return err->status;
	}
	for (i = 0; i < s->field_count; i++) {
		const struct stub_field *f = &s->fields[i];

		if (strcmp(f->name, "cpu") == 0 && f->v.kind != VF_FIELD_STRING) {
			ev->cpu = (uint32_t)f->v.i;
		}
		for (j = 0; j < sizeof(field_map) / sizeof(field_map[0]); j++) {
			if (field_map[j].kind == mk && strcmp(field_map[j].name, f->name) == 0) {
				store(ev, &field_map[j], &f->v);
				if (ev->kind == VF_EV_KVM_EXIT && strcmp(f->name, "vcpu_id") == 0) {
					ev->u.kvm_exit.has_vcpu_id = true;
				}
			}
		}
	}
	thread_context(s, ev);
	if (info->event_count == 0) {
		info->begin_ns = ts;
	}
	if (ts < info->end_ns && info->event_count > 0) {
		char where[600];

		snprintf(where, sizeof(where), "%s:%d", s->path, line);
		VF_ERROR_SET(err, VF_ERR_INPUT, where,
		             "event '%s' at %lld is earlier than the previous one (%lld): stub "
		             "traces must be in time order",
		             name, (long long)ts, (long long)info->end_ns);
		return VF_ERR_INPUT;
	}
	info->end_ns = ts;
	info->event_count++;
	if (vf_event_kind_is_kvm(ev->kind)) {
		info->kvm_event_count++;
		if (ev->kind == VF_EV_KVM_ENTRY || ev->kind == VF_EV_KVM_EXIT) {
			if (strcmp(name, "kvm_entry") == 0 || strcmp(name, "kvm_exit") == 0) {
				info->naming = VF_NAMING_LEGACY;
			}
		}
	} else if (ev->kind == VF_EV_OTHER) {
		info->other_event_count++;
	}
	if (ev->cpu + 1 > info->cpu_count) {
		info->cpu_count = ev->cpu + 1;
	}
	if (cbs && cbs->event) {
		st = cbs->event(cbs->user, ev, err);
	}
	if (st == VF_OK && generic) {
		struct vf_generic_event g = {
		    .ev = ev, .name = name, .ts = ts, .impl = s, .field = stub_field};

		st = generic(cbs ? cbs->user : NULL, &g, err);
	}
	return st;
}

enum vf_status vf_stub_read(const char *path, const struct vf_reader_callbacks *cbs,
                            vf_generic_event_fn generic, struct vf_trace_info *info,
                            struct vf_error *err)
{
	struct stub s;
	enum vf_status st = VF_OK;
	const char *base = strrchr(path, '/');
	char *ev_name = NULL;
	int64_t ev_ts = 0;
	int ev_line = 0;
	bool in_event = false, saw_root = false;
	struct xerr xe = {0};
	int rc;

	vf_trace_info_init(info);
	snprintf(info->path, sizeof(info->path), "%s", path);
	snprintf(info->hostname, sizeof(info->hostname), "%s", base ? base + 1 : path);
	snprintf(info->tracer_name, sizeof(info->tracer_name), "tracecompass-xml-stub");
	info->naming = VF_NAMING_LTTNG_2_13;
	info->stream_count = 1;
	memset(&s, 0, sizeof(s));
	s.path = path;
	vf_strtab_init(&s.names);
	vf_u64map_init(&s.cur_tid);
	vf_u64map_init(&s.pid_of);
	s.xr = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA);
	if (!s.xr) {
		FILE *fp = fopen(path, "rb");

		if (!fp) {
			VF_ERROR_SET(err, VF_ERR_IO, path, "cannot open: %s", strerror(errno));
			st = VF_ERR_IO;
		} else {
			fclose(fp);
			VF_ERROR_SET(err, VF_ERR_INPUT, path, "cannot parse the XML stub trace");
			st = VF_ERR_INPUT;
		}
		vf_strtab_fini(&s.names);
		vf_u64map_fini(&s.cur_tid);
		vf_u64map_fini(&s.pid_of);
		return st;
	}
	xmlTextReaderSetErrorHandler(s.xr, on_xml_error, &xe);
	while ((rc = xmlTextReaderRead(s.xr)) == 1) {
		int type = xmlTextReaderNodeType(s.xr);
		const char *el = (const char *)xmlTextReaderConstLocalName(s.xr);
		xmlNodePtr node = xmlTextReaderCurrentNode(s.xr);
		int line = node ? (int)xmlGetLineNo(node) : xmlTextReaderGetParserLineNumber(s.xr);
		char where[600];

		snprintf(where, sizeof(where), "%s:%d", path, line);
		if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
			VF_ERROR_SET(err, VF_ERR_INPUT, where,
			             "a DOCTYPE is not allowed in a stub trace (entities are refused)");
			st = VF_ERR_INPUT;
			break;
		}
		if (type == XML_READER_TYPE_ENTITY_REFERENCE) {
			VF_ERROR_SET(err, VF_ERR_INPUT, where, "entity references are refused");
			st = VF_ERR_INPUT;
			break;
		}
		if (type == XML_READER_TYPE_ELEMENT) {
			int depth = xmlTextReaderDepth(s.xr);
			bool empty = xmlTextReaderIsEmptyElement(s.xr) == 1;

			if (depth == 0) {
				if (strcmp(el, "trace") != 0) {
					VF_ERROR_SET(err, VF_ERR_INPUT, where,
					             "not a Trace Compass XML stub trace: the root element is "
					             "<%s>, not <trace>",
					             el);
					st = VF_ERR_INPUT;
					break;
				}
				saw_root = true;
			} else if (depth == 1 && strcmp(el, "event") == 0) {
				char *ts = attr(s.xr, "timestamp");

				ev_name = attr(s.xr, "name");
				if (!ts || !ev_name || !parse_i64(ts, &ev_ts)) {
					VF_ERROR_SET(err, VF_ERR_INPUT, where,
					             "a stub <event> needs an integer timestamp and a name");
					xmlFree(ts);
					st = VF_ERR_INPUT;
					break;
				}
				xmlFree(ts);
				ev_line = line;
				clear_fields(&s);
				in_event = true;
				if (empty) {
					const char *n = vf_strtab_get(&s.names,
					                              vf_strtab_intern(&s.names, ev_name));

					in_event = false;
					st = deliver(&s, ev_line, n, ev_ts, cbs, generic, info, err);
					xmlFree(ev_name);
					ev_name = NULL;
					if (st != VF_OK) {
						vf_error_set_where(err, "%s:%d", path, ev_line);
						break;
					}
				}
			} else if (depth == 2 && in_event && strcmp(el, "field") == 0) {
				st = add_field(&s, line, err);
				if (st != VF_OK) {
					break;
				}
			} else if (depth == 1 && strcmp(el, "set_aspects") == 0) {
				/* declares columns; every field is reachable by name anyway */
			} else if (depth <= 2 && !(depth == 2 && !in_event)) {
				VF_ERROR_SET(err, VF_ERR_INPUT, where,
				             "unexpected element <%s> in a stub trace", el);
				st = VF_ERR_INPUT;
				break;
			}
		} else if (type == XML_READER_TYPE_END_ELEMENT && in_event &&
		           xmlTextReaderDepth(s.xr) == 1 && strcmp(el, "event") == 0) {
			const char *n = vf_strtab_get(&s.names, vf_strtab_intern(&s.names, ev_name));

			in_event = false;
			st = deliver(&s, ev_line, n, ev_ts, cbs, generic, info, err);
			xmlFree(ev_name);
			ev_name = NULL;
			if (st != VF_OK) {
				vf_error_set_where(err, "%s:%d", path, ev_line);
				break;
			}
		}
	}
	if (st == VF_OK && (rc < 0 || xe.line)) {
		if (xe.line > 0) {
			char where[600];

			snprintf(where, sizeof(where), "%s:%d", path, xe.line);
			VF_ERROR_SET(err, VF_ERR_INPUT, where, "malformed XML: %s", xe.msg);
		} else {
			VF_ERROR_SET(err, VF_ERR_INPUT, path, "malformed XML stub trace%s%s",
			             xe.line ? ": " : "", xe.line ? xe.msg : "");
		}
		st = VF_ERR_INPUT;
	}
	if (st == VF_OK && !saw_root) {
		VF_ERROR_SET(err, VF_ERR_INPUT, path, "not a Trace Compass XML stub trace");
		st = VF_ERR_INPUT;
	}
	if (st == VF_OK && info->event_count == 0) {
		VF_ERROR_SET(err, VF_ERR_INPUT, path, "the stub trace has no events");
		st = VF_ERR_INPUT;
	}
	xmlFree(ev_name);
	clear_fields(&s);
	xmlFreeTextReader(s.xr);
	vf_strtab_fini(&s.names);
	vf_u64map_fini(&s.cur_tid);
	vf_u64map_fini(&s.pid_of);
	return st;
}
