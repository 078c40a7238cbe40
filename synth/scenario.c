/* SPDX-License-Identifier: MIT */
/*
 * scenario.c - YAML scenario parser: libyaml document -> struct vf_scenario,
 * defaults, validation and PID allocation (docs/scenario.md is the reference).
 *
 * Every map is read in two steps: collect_map() checks the keys (unknown or
 * duplicate keys are errors at the key's line:col), then the values are read
 * in a fixed order, so a key may depend on another one written after it
 * (vms[i].exits needs vms[i].isa, affinity needs host.cpus and vcpus).
 * Errors: VF_ERR_INPUT, where = "file:line:col", msg = "<key path>: <problem>".
 */
#include "synth/scenario.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "model/exit_reasons.h"
#include "synth/rng.h"

#define KEYPATH_MAX 256

struct pctx {
	const char *name;     /* borrowed: file name for messages */
	yaml_document_t *doc; /* borrowed */
	struct vf_scenario *scn;
	struct vf_error *err;
	uint64_t thread_total;
	/* explicit VM pids, for overlap checks: node of each VM's pid key (or NULL) */
	yaml_node_t **vm_pid_nodes; /* owned */
	yaml_node_t *nested_node;   /* the first vms[i].nested (needs trace.cr3) */
	size_t nested_vm;
	struct {
		char name[64];
		yaml_node_t *node;
		struct vf_scn_vm *vm;
	} *peer_names; /* owned: vms[i].net.peer, resolved once every VM is read */
	size_t peer_count;
};

struct key_spec {
	const char *name;
	yaml_node_t *key;   /* set by collect_map */
	yaml_node_t *value; /* set by collect_map */
};

static enum vf_status node_errv(struct pctx *c, const yaml_node_t *n, const char *keypath,
                                const char *fmt, va_list ap)
{
	char where[512], msg[400];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n) {
		snprintf(where, sizeof(where), "%s:%zu:%zu", c->name, n->start_mark.line + 1,
		         n->start_mark.column + 1);
	} else {
		snprintf(where, sizeof(where), "%s", c->name);
	}
	if (keypath && *keypath) {
		VF_ERROR_SET(c->err, VF_ERR_INPUT, where, "%s: %s", keypath, msg);
	} else {
		VF_ERROR_SET(c->err, VF_ERR_INPUT, where, "%s", msg);
	}
	return VF_ERR_INPUT;
}

static enum vf_status node_err(struct pctx *c, const yaml_node_t *n, const char *keypath,
                               const char *fmt, ...) VF_PRINTF(4, 5);

static enum vf_status node_err(struct pctx *c, const yaml_node_t *n, const char *keypath,
                               const char *fmt, ...)
{
	va_list ap;
	enum vf_status st;

	va_start(ap, fmt);
	st = node_errv(c, n, keypath, fmt, ap);
	va_end(ap);
	return st;
}

static void join_key(char *out, const char *keypath, const char *key)
{
	if (keypath && *keypath) {
		snprintf(out, KEYPATH_MAX, "%s.%s", keypath, key);
	} else {
		snprintf(out, KEYPATH_MAX, "%s", key);
	}
}

static yaml_node_t *node_of(struct pctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

static const char *scalar_of(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static const char *node_type_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

/* Checks the keys of a mapping against `keys` and records where each one is. */
static enum vf_status collect_map(struct pctx *c, yaml_node_t *map, const char *keypath,
                                  struct key_spec *keys, size_t key_count)
{
	yaml_node_pair_t *pair;
	size_t i;

	for (i = 0; i < key_count; i++) {
		keys[i].key = NULL;
		keys[i].value = NULL;
	}
	if (map->type != YAML_MAPPING_NODE) {
		return node_err(c, map, keypath, "expected a mapping, got %s", node_type_name(map));
	}
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_of(c, pair->key), *v = node_of(c, pair->value);
		const char *name = scalar_of(k);
		char sub[KEYPATH_MAX];

		if (!k || !v) {
			return node_err(c, map, keypath, "malformed mapping");
		}
		if (!name) {
			return node_err(c, k, keypath, "keys must be plain names, got %s",
			                node_type_name(k));
		}
		for (i = 0; i < key_count; i++) {
			if (strcmp(keys[i].name, name) == 0) {
				break;
			}
		}
		if (i == key_count) {
			if (keypath && *keypath) {
				return node_err(c, k, keypath, "unknown key '%s'", name);
			}
			return node_err(c, k, NULL, "unknown top-level key '%s'", name);
		}
		if (keys[i].key) {
			join_key(sub, keypath, name);
			return node_err(c, k, sub, "duplicate key");
		}
		keys[i].key = k;
		keys[i].value = v;
	}
	return VF_OK;
}

/*
 * GCC 12 at -O3 (CMake's Release) inlines the constant key tables and warns
 * that comparisons it can decide are always unequal: true, and the point.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstring-compare"
static yaml_node_t *spec_value(struct key_spec *keys, size_t key_count, const char *name)
{
	size_t i;

	for (i = 0; i < key_count; i++) {
		if (strcmp(keys[i].name, name) == 0) {
			return keys[i].value;
		}
	}
	return NULL;
}
#pragma GCC diagnostic pop

static enum vf_status need_scalar(struct pctx *c, yaml_node_t *n, const char *keypath,
                                  const char **out)
{
	*out = scalar_of(n);
	if (!*out) {
		return node_err(c, n, keypath, "expected a single value, got %s",
		                node_type_name(n));
	}
	return VF_OK;
}

static enum vf_status read_int(struct pctx *c, yaml_node_t *n, const char *keypath, int64_t min,
                               int64_t max, int64_t *out)
{
	const char *s;
	char *end;
	long long v;

	if (need_scalar(c, n, keypath, &s) != VF_OK) {
		return VF_ERR_INPUT;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno) {
		return node_err(c, n, keypath,
		                "expected an integer from %" PRId64 " to %" PRId64 ", got '%s'",
		                min, max, s);
	}
	if (v < min || v > max) {
		return node_err(c, n, keypath,
		                "%lld is out of range: expected an integer from %" PRId64
		                " to %" PRId64,
		                v, min, max);
	}
	*out = v;
	return VF_OK;
}

static enum vf_status read_u32(struct pctx *c, yaml_node_t *n, const char *keypath, uint32_t min,
                               uint32_t max, uint32_t *out)
{
	int64_t v = 0;

	if (read_int(c, n, keypath, min, max, &v) != VF_OK) {
		return VF_ERR_INPUT;
	}
	*out = (uint32_t)v;
	return VF_OK;
}

static enum vf_status read_string(struct pctx *c, yaml_node_t *n, const char *keypath, char *buf,
                                  size_t buf_size)
{
	const char *s;
	size_t len, i;

	if (need_scalar(c, n, keypath, &s) != VF_OK) {
		return VF_ERR_INPUT;
	}
	len = strlen(s);
	if (len == 0) {
		return node_err(c, n, keypath, "must not be empty");
	}
	if (len >= buf_size) {
		return node_err(c, n, keypath, "'%s' is too long (at most %zu characters)", s,
		                buf_size - 1);
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			return node_err(c, n, keypath, "control characters are not allowed");
		}
	}
	memcpy(buf, s, len + 1);
	return VF_OK;
}

static enum vf_status read_bool(struct pctx *c, yaml_node_t *n, const char *keypath, bool *out)
{
	const char *s;

	if (need_scalar(c, n, keypath, &s) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if (!strcmp(s, "true")) {
		*out = true;
	} else if (!strcmp(s, "false")) {
		*out = false;
	} else {
		return node_err(c, n, keypath, "expected true or false, got '%s'", s);
	}
	return VF_OK;
}

bool vf_scenario_parse_duration(const char *s, int64_t *out_ns)
{
	static const struct {
		const char *unit;
		int64_t mult;
	} units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
	int64_t ip = 0, frac = 0, frac_div = 1, mult = 0;
	bool has_frac = false;
	size_t i;

	if (!s || !(*s >= '0' && *s <= '9')) {
		return false;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		if (ip > (INT64_MAX - 9) / 10) {
			return false;
		}
		ip = ip * 10 + (*s - '0');
	}
	if (*s == '.') {
		s++;
		has_frac = true;
		if (!(*s >= '0' && *s <= '9')) {
			return false;
		}
		for (; *s >= '0' && *s <= '9'; s++) {
			if (frac_div < 1000000000) { /* finer than 1 ns of a second is dropped */
				frac = frac * 10 + (*s - '0');
				frac_div *= 10;
			}
		}
	}
	if (*s == '\0') {
		if (has_frac) {
			return false; /* bare numbers are integer ns */
		}
		*out_ns = ip;
		return true;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(s, units[i].unit)) {
			mult = units[i].mult;
		}
	}
	if (!mult || ip > INT64_MAX / mult) {
		return false;
	}
	*out_ns = ip * mult + frac * mult / frac_div;
	return true;
}

static enum vf_status read_duration(struct pctx *c, yaml_node_t *n, const char *keypath,
                                    int64_t min, int64_t max, int64_t *out)
{
	const char *s;
	int64_t v;

	if (need_scalar(c, n, keypath, &s) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if (s[0] == '-') {
		return node_err(c, n, keypath, "negative duration '%s'", s);
	}
	if (!vf_scenario_parse_duration(s, &v)) {
		return node_err(c, n, keypath,
		                "expected a duration such as 2s, 500ms, 100us, 10ns or an "
		                "integer number of ns, got '%s'",
		                s);
	}
	if (v < min) {
		return node_err(c, n, keypath,
		                "duration '%s' is too short (at least %" PRId64 " ns)", s, min);
	}
	if (v > max) {
		return node_err(c, n, keypath, "duration '%s' is too long (at most %" PRId64 " ns)",
		                s, max);
	}
	*out = v;
	return VF_OK;
}

static struct vf_dist dist_const(int64_t ns)
{
	struct vf_dist d = {VF_DIST_CONST, ns, 0, 0, VF_SCN_MAX_DURATION_NS};

	return d;
}

static struct vf_dist dist_exp(int64_t mean_ns, int64_t min_ns, int64_t max_ns)
{
	struct vf_dist d = {VF_DIST_EXP, mean_ns, 0, min_ns, max_ns};

	return d;
}

static struct vf_dist dist_uniform(int64_t min_ns, int64_t max_ns)
{
	struct vf_dist d = {VF_DIST_UNIFORM, (min_ns + max_ns) / 2, 0, min_ns, max_ns};

	return d;
}

/*
 * A distribution: a bare duration (constant; with scalar_is_exp, the mean of an
 * exponential) or {dist: exp|uniform|normal, mean, min, max, stddev}.
 */
static enum vf_status read_dist(struct pctx *c, yaml_node_t *n, const char *keypath,
                                bool scalar_is_exp, struct vf_dist *out)
{
	struct key_spec keys[] = {
	    {"dist", 0, 0}, {"mean", 0, 0}, {"min", 0, 0}, {"max", 0, 0}, {"stddev", 0, 0}};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	yaml_node_t *vdist, *vmean, *vmin, *vmax, *vstd;
	const char *kind;
	char sub[KEYPATH_MAX];
	struct vf_dist d = {VF_DIST_CONST, 0, 0, 0, VF_SCN_MAX_DURATION_NS};

	if (n->type == YAML_SCALAR_NODE) {
		int64_t v;

		if (read_duration(c, n, keypath, 0, VF_SCN_MAX_DURATION_NS, &v) != VF_OK) {
			return VF_ERR_INPUT;
		}
		*out = scalar_is_exp ? dist_exp(v, 0, VF_SCN_MAX_DURATION_NS) : dist_const(v);
		return VF_OK;
	}
	if (n->type != YAML_MAPPING_NODE) {
		return node_err(c, n, keypath,
		                "expected a duration or a mapping {dist: exp|uniform|normal, ...}");
	}
	if (collect_map(c, n, keypath, keys, nk) != VF_OK) {
		return VF_ERR_INPUT;
	}
	vdist = spec_value(keys, nk, "dist");
	vmean = spec_value(keys, nk, "mean");
	vmin = spec_value(keys, nk, "min");
	vmax = spec_value(keys, nk, "max");
	vstd = spec_value(keys, nk, "stddev");
	join_key(sub, keypath, "dist");
	if (!vdist) {
		return node_err(c, n, keypath, "missing key 'dist' (exp, uniform or normal)");
	}
	if (need_scalar(c, vdist, sub, &kind) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if (!strcmp(kind, "exp")) {
		d.kind = VF_DIST_EXP;
	} else if (!strcmp(kind, "uniform")) {
		d.kind = VF_DIST_UNIFORM;
	} else if (!strcmp(kind, "normal")) {
		d.kind = VF_DIST_NORMAL;
	} else if (!strcmp(kind, "constant")) {
		d.kind = VF_DIST_CONST;
	} else {
		return node_err(c, vdist, sub,
		                "unknown distribution '%s' (expected exp, uniform, normal or "
		                "constant)",
		                kind);
	}
	if (vmean) {
		join_key(sub, keypath, "mean");
		if (d.kind == VF_DIST_UNIFORM) {
			return node_err(c, vmean, sub,
			                "does not apply to dist uniform (use min and max)");
		}
		if (read_duration(c, vmean, sub, 0, VF_SCN_MAX_DURATION_NS, &d.mean_ns) != VF_OK) {
			return VF_ERR_INPUT;
		}
	} else if (d.kind != VF_DIST_UNIFORM) {
		return node_err(c, n, keypath, "missing key 'mean' for dist %s", kind);
	}
	if (vstd) {
		join_key(sub, keypath, "stddev");
		if (d.kind != VF_DIST_NORMAL) {
			return node_err(c, vstd, sub, "applies to dist normal only");
		}
		if (read_duration(c, vstd, sub, 0, VF_SCN_MAX_DURATION_NS, &d.stddev_ns) != VF_OK) {
			return VF_ERR_INPUT;
		}
	} else if (d.kind == VF_DIST_NORMAL) {
		return node_err(c, n, keypath, "missing key 'stddev' for dist normal");
	}
	if (vmin) {
		join_key(sub, keypath, "min");
		if (d.kind == VF_DIST_CONST) {
			return node_err(c, vmin, sub, "does not apply to dist constant");
		}
		if (read_duration(c, vmin, sub, 0, VF_SCN_MAX_DURATION_NS, &d.min_ns) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if (vmax) {
		join_key(sub, keypath, "max");
		if (d.kind == VF_DIST_CONST) {
			return node_err(c, vmax, sub, "does not apply to dist constant");
		}
		if (read_duration(c, vmax, sub, 0, VF_SCN_MAX_DURATION_NS, &d.max_ns) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if (d.kind == VF_DIST_UNIFORM && (!vmin || !vmax)) {
		return node_err(c, n, keypath, "dist uniform needs both 'min' and 'max'");
	}
	if (d.min_ns > d.max_ns) {
		return node_err(c, vmax ? vmax : n, keypath, "min is greater than max");
	}
	if (d.kind == VF_DIST_UNIFORM) {
		d.mean_ns = d.min_ns + (d.max_ns - d.min_ns) / 2;
	}
	*out = d;
	return VF_OK;
}

/* A list of pCPU numbers, each < host.cpus. */
static enum vf_status read_cpulist(struct pctx *c, yaml_node_t *n, const char *keypath,
                                   struct vf_cpuset *out)
{
	yaml_node_item_t *it;
	uint32_t cpus = c->scn->host.cpu_count;

	memset(out, 0, sizeof(*out));
	if (n->type != YAML_SEQUENCE_NODE) {
		return node_err(c, n, keypath, "expected a list of CPU numbers, got %s",
		                node_type_name(n));
	}
	if (n->data.sequence.items.start == n->data.sequence.items.top) {
		return node_err(c, n, keypath, "the CPU list is empty");
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *item = node_of(c, *it);
		uint32_t cpu;

		if (!item) {
			return node_err(c, n, keypath, "malformed list");
		}
		if (item->type != YAML_SCALAR_NODE) {
			return node_err(c, item, keypath, "expected a CPU number, got %s",
			                node_type_name(item));
		}
		if (read_u32(c, item, keypath, 0, UINT32_MAX, &cpu) != VF_OK) {
			return VF_ERR_INPUT;
		}
		if (cpu >= cpus) {
			return node_err(c, item, keypath, "CPU %u does not exist (host.cpus is %u)",
			                cpu, cpus);
		}
		vf_cpuset_add(out, cpu);
	}
	return VF_OK;
}

static void cpuset_all(struct vf_cpuset *s, uint32_t cpus)
{
	uint32_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < cpus; i++) {
		vf_cpuset_add(s, i);
	}
}

static enum vf_status add_threads(struct pctx *c, yaml_node_t *n, const char *keypath,
                                  uint64_t count)
{
	c->thread_total += count;
	if (c->thread_total > VF_SCN_MAX_THREADS) {
		return node_err(c, n, keypath,
		                "too many threads in the scenario (host processes plus VM "
		                "threads exceed %d)",
		                VF_SCN_MAX_THREADS);
	}
	return VF_OK;
}

static enum vf_status read_latency(struct pctx *c, yaml_node_t *n, const char *keypath)
{
	struct vf_scn_latency *lat = &c->scn->host.latency;
	struct key_spec keys[] = {{"wakeup", 0, 0},
	                          {"vcpu_load", 0, 0},
	                          {"inject", 0, 0},
	                          {"block", 0, 0},
	                          {"interrupt", 0, 0}};
	struct vf_dist *dst[] = {&lat->wakeup, &lat->vcpu_load, &lat->inject, &lat->block,
	                         &lat->interrupt};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	size_t i;

	if (collect_map(c, n, keypath, keys, nk) != VF_OK) {
		return VF_ERR_INPUT;
	}
	for (i = 0; i < nk; i++) {
		char sub[KEYPATH_MAX];

		if (!keys[i].value) {
			continue;
		}
		join_key(sub, keypath, keys[i].name);
		if (read_dist(c, keys[i].value, sub, false, dst[i]) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	return VF_OK;
}

static enum vf_status read_process(struct pctx *c, yaml_node_t *n, const char *keypath,
                                   struct vf_scn_process *p)
{
	struct key_spec keys[] = {{"name", 0, 0},
	                          {"count", 0, 0},
	                          {"cpu_burst", 0, 0},
	                          {"sleep", 0, 0},
	                          {"affinity", 0, 0}};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	char sub[KEYPATH_MAX];
	yaml_node_t *v;

	p->count = 1;
	p->cpu_burst = dist_exp(1000000, 0, VF_SCN_MAX_DURATION_NS);
	p->sleep = dist_exp(10000000, 0, VF_SCN_MAX_DURATION_NS);
	cpuset_all(&p->affinity, c->scn->host.cpu_count);
	if (collect_map(c, n, keypath, keys, nk) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if (!(v = spec_value(keys, nk, "name"))) {
		return node_err(c, n, keypath, "missing key 'name'");
	}
	join_key(sub, keypath, "name");
	if (read_string(c, v, sub, p->name, sizeof(p->name)) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "count"))) {
		join_key(sub, keypath, "count");
		if (read_u32(c, v, sub, 1, VF_SCN_MAX_THREADS, &p->count) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	join_key(sub, keypath, "count");
	if (add_threads(c, v ? v : n, sub, p->count) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "cpu_burst"))) {
		join_key(sub, keypath, "cpu_burst");
		if (read_dist(c, v, sub, false, &p->cpu_burst) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "sleep"))) {
		join_key(sub, keypath, "sleep");
		if (read_dist(c, v, sub, false, &p->sleep) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "affinity"))) {
		join_key(sub, keypath, "affinity");
		if (read_cpulist(c, v, sub, &p->affinity) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	return VF_OK;
}

static enum vf_status read_host(struct pctx *c, yaml_node_t *n)
{
	struct vf_scenario *scn = c->scn;
	struct key_spec keys[] = {
	    {"cpus", 0, 0},  {"hostname", 0, 0}, {"kernel_release", 0, 0}, {"kernel_version", 0, 0},
	    {"slice", 0, 0}, {"latency", 0, 0},  {"processes", 0, 0}};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	yaml_node_t *v;

	if (collect_map(c, n, "host", keys, nk) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "cpus")) &&
	    read_u32(c, v, "host.cpus", 1, VF_SCN_MAX_CPUS, &scn->host.cpu_count) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "hostname")) &&
	    read_string(c, v, "host.hostname", scn->host.hostname, sizeof(scn->host.hostname)) !=
	        VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "kernel_release")) &&
	    read_string(c, v, "host.kernel_release", scn->host.kernel_release,
	                sizeof(scn->host.kernel_release)) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "kernel_version")) &&
	    read_string(c, v, "host.kernel_version", scn->host.kernel_version,
	                sizeof(scn->host.kernel_version)) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "slice")) &&
	    read_duration(c, v, "host.slice", 1000, 10000000000LL, &scn->host.slice_ns) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "latency")) && read_latency(c, v, "host.latency") != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "processes"))) {
		yaml_node_item_t *it;
		size_t count, i = 0;

		if (v->type != YAML_SEQUENCE_NODE) {
			return node_err(c, v, "host.processes", "expected a list, got %s",
			                node_type_name(v));
		}
		count = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
		if (count > VF_SCN_MAX_PROCESSES) {
			return node_err(c, v, "host.processes", "too many entries (at most %d)",
			                VF_SCN_MAX_PROCESSES);
		}
		scn->host.processes = calloc(count ? count : 1, sizeof(*scn->host.processes));
		if (!scn->host.processes) {
			VF_ERROR_SET(c->err, VF_ERR_NOMEM, c->name, "out of memory");
			return VF_ERR_NOMEM;
		}
		for (it = v->data.sequence.items.start; it < v->data.sequence.items.top;
		     it++, i++) {
			char sub[KEYPATH_MAX];
			yaml_node_t *item = node_of(c, *it);

			snprintf(sub, sizeof(sub), "host.processes[%zu]", i);
			if (!item) {
				return node_err(c, v, sub, "malformed list");
			}
			scn->host.process_count = i + 1;
			if (read_process(c, item, sub, &scn->host.processes[i]) != VF_OK) {
				return VF_ERR_INPUT;
			}
		}
	}
	return VF_OK;
}

/* vms[i].affinity: a shared list of pCPUs, or one list per vCPU. */
static enum vf_status read_vm_affinity(struct pctx *c, yaml_node_t *n, const char *keypath,
                                       struct vf_scn_vm *vm)
{
	yaml_node_t *first;
	yaml_node_item_t *it;
	uint32_t i;

	if (n->type != YAML_SEQUENCE_NODE ||
	    n->data.sequence.items.start == n->data.sequence.items.top) {
		return node_err(c, n, keypath,
		                "expected a list of CPU numbers or one list per vCPU");
	}
	first = node_of(c, *n->data.sequence.items.start);
	if (first && first->type == YAML_SEQUENCE_NODE) {
		size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);

		if (count != vm->vcpu_count) {
			return node_err(c, n, keypath,
			                "has %zu per-vCPU lists but the VM has %u vCPUs", count,
			                vm->vcpu_count);
		}
		for (it = n->data.sequence.items.start, i = 0; it < n->data.sequence.items.top;
		     it++, i++) {
			char sub[KEYPATH_MAX];
			yaml_node_t *item = node_of(c, *it);

			snprintf(sub, sizeof(sub), "%s[%u]", keypath, i);
			if (!item || item->type != YAML_SEQUENCE_NODE) {
				return node_err(
				    c, item ? item : n, sub,
				    "expected a list of CPU numbers (all entries must be "
				    "lists when the first one is)");
			}
			if (read_cpulist(c, item, sub, &vm->vcpu_affinity[i]) != VF_OK) {
				return VF_ERR_INPUT;
			}
		}
		return VF_OK;
	}
	if (read_cpulist(c, n, keypath, &vm->vcpu_affinity[0]) != VF_OK) {
		return VF_ERR_INPUT;
	}
	for (i = 1; i < vm->vcpu_count; i++) {
		vm->vcpu_affinity[i] = vm->vcpu_affinity[0];
	}
	return VF_OK;
}


/* A non-negative real number at most max (weights, probabilities). */
static enum vf_status read_real(struct pctx *c, yaml_node_t *n, const char *keypath, double max,
                                double *out)
{
	const char *ws;
	double w;
	char *end;

	if (need_scalar(c, n, keypath, &ws) != VF_OK) {
		return VF_ERR_INPUT;
	}
	errno = 0;
	w = strtod(ws, &end);
	if (!*ws || *end || errno || !isfinite(w) || w < 0 || w > max) {
		return node_err(c, n, keypath, "expected a number from 0 to %g, got '%s'", max, ws);
	}
	*out = w;
	return VF_OK;
}

/* An exit reason name of the VM's isa (not HLT). */
static enum vf_status read_reason(struct pctx *c, yaml_node_t *n, const char *keypath,
                                  const struct vf_scn_vm *vm, uint32_t *out);

/* guest.waits: {timer, task, disk, net} weights. */
static enum vf_status read_waits(struct pctx *c, yaml_node_t *n, const char *keypath,
                                 struct vf_scn_vm *vm)
{
	static const char *const names[VF_SCN_WAIT_COUNT] = {"timer", "task", "disk", "net"};
	struct key_spec keys[] = {{"timer", 0, 0}, {"task", 0, 0}, {"disk", 0, 0}, {"net", 0, 0}};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	char sub[KEYPATH_MAX];
	double total = 0;
	size_t i;

	if (collect_map(c, n, keypath, keys, nk) != VF_OK) {
		return VF_ERR_INPUT;
	}
	for (i = 0; i < VF_SCN_WAIT_COUNT; i++) {
		yaml_node_t *v = spec_value(keys, nk, names[i]);

		vm->wait_weight[i] = 0;
		if (!v) {
			continue;
		}
		join_key(sub, keypath, names[i]);
		if (read_real(c, v, sub, 1e9, &vm->wait_weight[i]) != VF_OK) {
			return VF_ERR_INPUT;
		}
		total += vm->wait_weight[i];
	}
	if (total <= 0) {
		return node_err(c, n, keypath, "at least one wait class needs a weight above 0");
	}
	return VF_OK;
}

static enum vf_status add_gproc_to(struct pctx *c, yaml_node_t *n, const char *keypath,
                                   struct vf_scn_gproc **arr, size_t *count, const char *name,
                                   uint32_t threads)
{
	struct vf_scn_gproc *g, *grown;

	if (*count >= VF_SCN_MAX_GUEST_PROCS) {
		return node_err(c, n, keypath, "too many guest processes (at most %d)",
		                VF_SCN_MAX_GUEST_PROCS);
	}
	grown = realloc(*arr, (*count + 1) * sizeof(**arr));
	if (!grown) {
		VF_ERROR_SET(c->err, VF_ERR_NOMEM, c->name, "out of memory");
		return VF_ERR_NOMEM;
	}
	*arr = grown;
	g = &grown[(*count)++];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->threads = threads;
	return VF_OK;
}

static enum vf_status add_gproc(struct pctx *c, yaml_node_t *n, const char *keypath,
                                struct vf_scn_vm *vm, const char *name, uint32_t threads)
{
	return add_gproc_to(c, n, keypath, &vm->gprocs, &vm->gproc_count, name, threads);
}

/* guest.processes (and nested.processes): a count, or a list of {name, count, threads}. */
static enum vf_status read_gproc_list(struct pctx *c, yaml_node_t *n, const char *keypath,
                                      struct vf_scn_gproc **arr, size_t *count_out)
{
	yaml_node_item_t *it;
	size_t i = 0;

	free(*arr);
	*arr = NULL;
	*count_out = 0;
	if (n->type == YAML_SCALAR_NODE) {
		uint32_t count, k;
		char name[VF_COMM_LEN];

		if (read_u32(c, n, keypath, 1, VF_SCN_MAX_GUEST_PROCS, &count) != VF_OK) {
			return VF_ERR_INPUT;
		}
		for (k = 0; k < count; k++) {
			snprintf(name, sizeof(name), "task%u", k);
			if (add_gproc_to(c, n, keypath, arr, count_out, name, 1) != VF_OK) {
				return c->err->status;
			}
		}
		return VF_OK;
	}
	if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.start == n->data.sequence.items.top) {
		return node_err(c, n, keypath,
		                "expected a process count or a non-empty list of {name, count, "
		                "threads}");
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++, i++) {
		struct key_spec keys[] = {{"name", 0, 0}, {"count", 0, 0}, {"threads", 0, 0}};
		const size_t nk = sizeof(keys) / sizeof(keys[0]);
		yaml_node_t *item = node_of(c, *it), *v;
		char ip[KEYPATH_MAX], sub[KEYPATH_MAX], name[VF_COMM_LEN];
		uint32_t count = 1, threads = 1, k;

		snprintf(ip, sizeof(ip), "%s[%zu]", keypath, i);
		if (!item) {
			return node_err(c, n, keypath, "malformed list");
		}
		if (collect_map(c, item, ip, keys, nk) != VF_OK) {
			return VF_ERR_INPUT;
		}
		if (!(v = spec_value(keys, nk, "name"))) {
			return node_err(c, item, ip, "missing key 'name'");
		}
		join_key(sub, ip, "name");
		if (read_string(c, v, sub, name, sizeof(name)) != VF_OK) {
			return VF_ERR_INPUT;
		}
		if ((v = spec_value(keys, nk, "count"))) {
			join_key(sub, ip, "count");
			if (read_u32(c, v, sub, 1, VF_SCN_MAX_GUEST_PROCS, &count) != VF_OK) {
				return VF_ERR_INPUT;
			}
		}
		if ((v = spec_value(keys, nk, "threads"))) {
			join_key(sub, ip, "threads");
			if (read_u32(c, v, sub, 1, 256, &threads) != VF_OK) {
				return VF_ERR_INPUT;
			}
		}
		for (k = 0; k < count; k++) {
			if (add_gproc_to(c, item, ip, arr, count_out, name, threads) != VF_OK) {
				return c->err->status;
			}
		}
	}
	return VF_OK;
}

static enum vf_status read_gprocs(struct pctx *c, yaml_node_t *n, const char *keypath,
                                  struct vf_scn_vm *vm)
{
	return read_gproc_list(c, n, keypath, &vm->gprocs, &vm->gproc_count);
}

static enum vf_status read_guest(struct pctx *c, yaml_node_t *n, const char *keypath,
                                 struct vf_scn_vm *vm)
{
	struct key_spec keys[] = {{"cpu_burst", 0, 0},
	                          {"idle", 0, 0},
	                          {"timer_vector", 0, 0},
	                          {"tick", 0, 0},
	                          {"waits", 0, 0},
	                          {"processes", 0, 0},
	                          {"switch", 0, 0}};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	char sub[KEYPATH_MAX];
	yaml_node_t *v;

	if (collect_map(c, n, keypath, keys, nk) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "cpu_burst"))) {
		join_key(sub, keypath, "cpu_burst");
		if (read_dist(c, v, sub, false, &vm->guest_burst) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "idle"))) {
		join_key(sub, keypath, "idle");
		if (read_dist(c, v, sub, false, &vm->guest_idle) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "timer_vector"))) {
		join_key(sub, keypath, "timer_vector");
		if (read_u32(c, v, sub, 32, 255, &vm->timer_vector) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "tick"))) {
		join_key(sub, keypath, "tick");
		if (read_duration(c, v, sub, 0, VF_SCN_MAX_DURATION_NS, &vm->guest_tick_ns) !=
		    VF_OK) {
			return VF_ERR_INPUT;
		}
		if (vm->guest_tick_ns != 0 && vm->guest_tick_ns < 10000) {
			return node_err(c, v, sub,
			                "a guest tick shorter than 10us is not supported "
			                "(0 disables it)");
		}
	}
	if ((v = spec_value(keys, nk, "waits"))) {
		join_key(sub, keypath, "waits");
		if (read_waits(c, v, sub, vm) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "processes"))) {
		join_key(sub, keypath, "processes");
		if (read_gprocs(c, v, sub, vm) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "switch"))) {
		join_key(sub, keypath, "switch");
		if (read_real(c, v, sub, 1, &vm->proc_switch) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	return VF_OK;
}

static const char *isa_name(uint32_t isa)
{
	return isa == VF_ISA_SVM ? "svm" : "vmx";
}

static enum vf_status set_default_mix(struct pctx *c, struct vf_scn_vm *vm)
{
	static const char *vmx[] = {"EPT_VIOLATION", "MSR_WRITE", "IO_INSTRUCTION", "CPUID"};
	static const char *svm[] = {"NPF", "MSR", "IOIO", "CPUID"};
	static const double weights[] = {5, 3, 2, 1};
	size_t i;

	free(vm->exits);
	vm->exits = calloc(4, sizeof(*vm->exits));
	if (!vm->exits) {
		VF_ERROR_SET(c->err, VF_ERR_NOMEM, c->name, "out of memory");
		return VF_ERR_NOMEM;
	}
	for (i = 0; i < 4; i++) {
		const char *name = vm->isa == VF_ISA_SVM ? svm[i] : vmx[i];

		vm->exits[i].reason = (uint32_t)vf_exit_reason_from_name(vm->isa, name);
		vm->exits[i].weight = weights[i];
	}
	vm->exit_count = 4;
	return VF_OK;
}

/* vms[i].exits: `none`, or {rate, handling, <REASON>: weight, ...}. */
static enum vf_status read_exits(struct pctx *c, yaml_node_t *n, const char *keypath,
                                 struct vf_scn_vm *vm)
{
	yaml_node_pair_t *pair;
	size_t pair_count, i;
	bool seen_rate = false, seen_handling = false;
	char sub[KEYPATH_MAX];

	if (n->type == YAML_SCALAR_NODE && !strcmp(scalar_of(n), "none")) {
		vm->exit_count = 0;
		return VF_OK;
	}
	if (n->type != YAML_MAPPING_NODE) {
		return node_err(c, n, keypath,
		                "expected `none` or a mapping {rate, handling, REASON: weight...}");
	}
	pair_count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	free(vm->exits);
	vm->exits = calloc(pair_count ? pair_count : 1, sizeof(*vm->exits));
	vm->exit_count = 0;
	if (!vm->exits) {
		VF_ERROR_SET(c->err, VF_ERR_NOMEM, c->name, "out of memory");
		return VF_ERR_NOMEM;
	}
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_of(c, pair->key), *v = node_of(c, pair->value);
		const char *name = scalar_of(k), *ws;
		int64_t code;
		double w;
		char *end;

		if (!k || !v || !name) {
			return node_err(c, k ? k : n, keypath, "keys must be plain names");
		}
		join_key(sub, keypath, name);
		if (!strcmp(name, "rate")) {
			if (seen_rate) {
				return node_err(c, k, sub, "duplicate key");
			}
			seen_rate = true;
			if (read_dist(c, v, sub, true, &vm->exit_interval) != VF_OK) {
				return VF_ERR_INPUT;
			}
			if (vm->exit_interval.mean_ns < 100) {
				return node_err(c, v, sub,
				                "exits more often than every 100 ns are not "
				                "supported");
			}
			continue;
		}
		if (!strcmp(name, "handling")) {
			if (seen_handling) {
				return node_err(c, k, sub, "duplicate key");
			}
			seen_handling = true;
			if (read_dist(c, v, sub, false, &vm->exit_handling) != VF_OK) {
				return VF_ERR_INPUT;
			}
			continue;
		}
		code = vf_exit_reason_from_name(vm->isa, name);
		if (code < 0) {
			return node_err(
			    c, k, keypath,
			    "unknown key '%s' (expected rate, handling or an exit reason "
			    "name of isa %s)",
			    name, isa_name(vm->isa));
		}
		if (vf_exit_reason_is_hlt(vm->isa, (uint32_t)code)) {
			return node_err(c, k, sub,
			                "HLT exits come from guest.idle, not from the mix");
		}
		for (i = 0; i < vm->exit_count; i++) {
			if (vm->exits[i].reason == (uint32_t)code) {
				return node_err(c, k, sub, "duplicate key");
			}
		}
		if (need_scalar(c, v, sub, &ws) != VF_OK) {
			return VF_ERR_INPUT;
		}
		errno = 0;
		w = strtod(ws, &end);
		if (!*ws || *end || errno || !isfinite(w) || w < 0 || w > 1e9) {
			return node_err(c, v, sub, "expected a weight from 0 to 1e9, got '%s'", ws);
		}
		if (w > 0) {
			vm->exits[vm->exit_count].reason = (uint32_t)code;
			vm->exits[vm->exit_count].weight = w;
			vm->exit_count++;
		}
	}
	if (vm->exit_count == 0) {
		/* only rate/handling (or zero weights): the default mix */
		bool any_reason = pair_count > (size_t)seen_rate + (size_t)seen_handling;

		if (any_reason) {
			return VF_OK; /* every weight is 0: no non-HLT exits */
		}
		return set_default_mix(c, vm);
	}
	return VF_OK;
}


static enum vf_status read_reason(struct pctx *c, yaml_node_t *n, const char *keypath,
                                  const struct vf_scn_vm *vm, uint32_t *out)
{
	const char *name;
	int64_t code;

	if (need_scalar(c, n, keypath, &name) != VF_OK) {
		return VF_ERR_INPUT;
	}
	code = vf_exit_reason_from_name(vm->isa, name);
	if (code < 0) {
		return node_err(c, n, keypath, "unknown exit reason '%s' for isa %s", name,
		                isa_name(vm->isa));
	}
	if (vf_exit_reason_is_hlt(vm->isa, (uint32_t)code)) {
		return node_err(c, n, keypath, "HLT is not allowed here");
	}
	*out = (uint32_t)code;
	return VF_OK;
}

/* A vector 32 .. 255. */
static enum vf_status read_vector(struct pctx *c, yaml_node_t *n, const char *keypath,
                                  uint32_t *out)
{
	return read_u32(c, n, keypath, 32, 255, out);
}

/* What reads one item of a list of u32 (a vector, an exit reason of vm's ISA). */
typedef enum vf_status (*u32_item_reader)(struct pctx *c, yaml_node_t *n, const char *keypath,
                                          const struct vf_scn_vm *vm, uint32_t *out);

static enum vf_status read_vector_item(struct pctx *c, yaml_node_t *n, const char *keypath,
                                       const struct vf_scn_vm *vm, uint32_t *out)
{
	(void)vm;
	return read_vector(c, n, keypath, out);
}

/* A non-empty YAML list of at most max items, each read by read_item into out[]. */
static enum vf_status read_u32_list(struct pctx *c, yaml_node_t *v, const char *keypath,
                                    const char *list_what, const char *max_what, size_t max,
                                    u32_item_reader read_item, const struct vf_scn_vm *vm,
                                    uint32_t *out, uint32_t *count)
{
	yaml_node_item_t *it;

	if (v->type != YAML_SEQUENCE_NODE ||
	    v->data.sequence.items.start == v->data.sequence.items.top) {
		return node_err(c, v, keypath, "expected a non-empty list of %s", list_what);
	}
	if ((size_t)(v->data.sequence.items.top - v->data.sequence.items.start) > max) {
		return node_err(c, v, keypath, "at most %zu %s", max, max_what);
	}
	*count = 0;
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *item = node_of(c, *it);

		if (!item || read_item(c, item, keypath, vm, &out[*count]) != VF_OK) {
			return item ? VF_ERR_INPUT : node_err(c, v, keypath, "malformed list");
		}
		(*count)++;
	}
	return VF_OK;
}

/* vms[i].ipi: {vectors: [..], delay: dist}. */
static enum vf_status read_ipi(struct pctx *c, yaml_node_t *n, const char *keypath,
                               struct vf_scn_vm *vm)
{
	struct key_spec keys[] = {{"vectors", 0, 0}, {"delay", 0, 0}};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	char sub[KEYPATH_MAX];
	yaml_node_t *v;

	if (collect_map(c, n, keypath, keys, nk) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "vectors"))) {
		join_key(sub, keypath, "vectors");
		if (read_u32_list(c, v, sub, "vectors", "vectors", VF_SCN_MAX_IPI_VECTORS,
		                  read_vector_item, vm, vm->ipi_vectors,
		                  &vm->ipi_vector_count) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "delay"))) {
		join_key(sub, keypath, "delay");
		if (read_dist(c, v, sub, false, &vm->ipi_delay) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	return VF_OK;
}

/* vms[i].disk / vms[i].net. */
static enum vf_status read_device(struct pctx *c, yaml_node_t *n, const char *keypath,
                                  struct vf_scn_vm *vm, bool is_net)
{
	struct key_spec keys[] = {{"vector", 0, 0}, {"notify", 0, 0},  {"latency", 0, 0},
	                          {"bytes", 0, 0},  {"write", 0, 0},   {"irq_first", 0, 0},
	                          {"len", 0, 0},    {"ifname", 0, 0},  {"peer", 0, 0}};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	struct vf_scn_device *d = is_net ? &vm->net : &vm->disk;
	char sub[KEYPATH_MAX];
	yaml_node_t *v;
	size_t i;

	if (collect_map(c, n, keypath, keys, nk) != VF_OK) {
		return VF_ERR_INPUT;
	}
	for (i = 0; i < nk; i++) {
		static const char *const disk_only[] = {"bytes", "write", "irq_first"};
		static const char *const net_only[] = {"len", "ifname", "peer"};
		const char *const *bad = is_net ? disk_only : net_only;
		size_t nb = 3, j;

		for (j = 0; j < nb; j++) {
			if (keys[i].key && !strcmp(keys[i].name, bad[j])) {
				return node_err(c, keys[i].key, keypath,
				                "unknown key '%s' (it applies to %s only)",
				                keys[i].name, is_net ? "disk" : "net");
			}
		}
	}
	if ((v = spec_value(keys, nk, "vector"))) {
		join_key(sub, keypath, "vector");
		if (read_vector(c, v, sub, &d->vector) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "notify"))) {
		join_key(sub, keypath, "notify");
		if (read_reason(c, v, sub, vm, &d->notify) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "latency"))) {
		join_key(sub, keypath, "latency");
		if (read_dist(c, v, sub, false, &d->latency) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, is_net ? "len" : "bytes"))) {
		join_key(sub, keypath, is_net ? "len" : "bytes");
		if (read_u32(c, v, sub, 1, is_net ? 65535 : (1u << 30), &d->bytes) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "write"))) {
		join_key(sub, keypath, "write");
		if (read_real(c, v, sub, 1, &d->write_share) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "irq_first"))) {
		join_key(sub, keypath, "irq_first");
		if (read_u32(c, v, sub, 0, 1000000, &d->irq_first) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "ifname"))) {
		join_key(sub, keypath, "ifname");
		if (read_string(c, v, sub, d->ifname, sizeof(d->ifname)) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "peer"))) {
		join_key(sub, keypath, "peer");
		if (read_string(c, v, sub, c->peer_names[c->peer_count].name,
		                sizeof(c->peer_names[0].name)) != VF_OK) {
			return VF_ERR_INPUT;
		}
		c->peer_names[c->peer_count].node = v;
		c->peer_names[c->peer_count].vm = vm;
		c->peer_count++;
	}
	return VF_OK;
}

/* vms[i].host_block: {probability, reasons: [..], duration}. */
static enum vf_status read_host_block(struct pctx *c, yaml_node_t *n, const char *keypath,
                                      struct vf_scn_vm *vm)
{
	struct key_spec keys[] = {{"probability", 0, 0}, {"reasons", 0, 0}, {"duration", 0, 0}};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	char sub[KEYPATH_MAX];
	yaml_node_t *v;

	if (collect_map(c, n, keypath, keys, nk) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "probability"))) {
		join_key(sub, keypath, "probability");
		if (read_real(c, v, sub, 1, &vm->host_block_prob) != VF_OK) {
			return VF_ERR_INPUT;
		}
	} else {
		vm->host_block_prob = 0.1;
	}
	if ((v = spec_value(keys, nk, "reasons"))) {
		join_key(sub, keypath, "reasons");
		if (read_u32_list(c, v, sub, "exit reasons", "reasons", VF_SCN_MAX_BLOCK_REASONS,
		                  read_reason, vm, vm->host_block_reasons,
		                  &vm->host_block_reason_count) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "duration"))) {
		join_key(sub, keypath, "duration");
		if (read_dist(c, v, sub, false, &vm->host_block_time) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	return VF_OK;
}

/* vms[i].nested: {hypervisor, processes, l1_time, exit_rate, reflect, switch, reasons}. */
static enum vf_status read_nested(struct pctx *c, yaml_node_t *n, const char *keypath,
                                  struct vf_scn_vm *vm, yaml_node_t **hyp_node)
{
	struct key_spec keys[] = {{"hypervisor", 0, 0}, {"processes", 0, 0}, {"l1_time", 0, 0},
	                          {"exit_rate", 0, 0},  {"reflect", 0, 0},   {"switch", 0, 0},
	                          {"reasons", 0, 0}};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	struct vf_scn_nested *ns = &vm->nested;
	char sub[KEYPATH_MAX];
	yaml_node_t *v;

	if (collect_map(c, n, keypath, keys, nk) != VF_OK) {
		return VF_ERR_INPUT;
	}
	ns->on = true;
	*hyp_node = spec_value(keys, nk, "hypervisor");
	if ((v = spec_value(keys, nk, "processes"))) {
		join_key(sub, keypath, "processes");
		if (read_gproc_list(c, v, sub, &ns->procs, &ns->proc_count) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "l1_time"))) {
		join_key(sub, keypath, "l1_time");
		if (read_dist(c, v, sub, false, &ns->l1_time) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "exit_rate"))) {
		join_key(sub, keypath, "exit_rate");
		if (read_dist(c, v, sub, true, &ns->exit_rate) != VF_OK) {
			return VF_ERR_INPUT;
		}
		if (ns->exit_rate.mean_ns < 100) {
			return node_err(c, v, sub, "L2 exits more often than every 100 ns are not supported");
		}
	}
	if ((v = spec_value(keys, nk, "reflect"))) {
		join_key(sub, keypath, "reflect");
		if (read_real(c, v, sub, 1, &ns->reflect) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "switch"))) {
		join_key(sub, keypath, "switch");
		if (read_real(c, v, sub, 1, &ns->sw) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "reasons"))) {
		join_key(sub, keypath, "reasons");
		if (read_u32_list(c, v, sub, "exit reasons", "reasons", VF_SCN_MAX_BLOCK_REASONS,
		                  read_reason, vm, ns->reasons, &ns->reason_count) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	return VF_OK;
}

static enum vf_status read_main_thread(struct pctx *c, yaml_node_t *n, const char *keypath,
                                       struct vf_scn_vm *vm)
{
	struct key_spec keys[] = {{"cpu_burst", 0, 0}, {"sleep", 0, 0}};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	char sub[KEYPATH_MAX];
	yaml_node_t *v;

	if (n->type == YAML_SCALAR_NODE && !strcmp(scalar_of(n), "none")) {
		vm->main_thread_runs = false;
		return VF_OK;
	}
	if (collect_map(c, n, keypath, keys, nk) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "cpu_burst"))) {
		join_key(sub, keypath, "cpu_burst");
		if (read_dist(c, v, sub, false, &vm->main_burst) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "sleep"))) {
		join_key(sub, keypath, "sleep");
		if (read_dist(c, v, sub, false, &vm->main_sleep) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	return VF_OK;
}


/* Cross-key rules of one VM, checked once all its keys are read. */
static enum vf_status check_vm(struct pctx *c, yaml_node_t *n, const char *keypath,
                               struct key_spec *keys, size_t nk, struct vf_scn_vm *vm)
{
	yaml_node_t *guest = spec_value(keys, nk, "guest");
	char sub[KEYPATH_MAX];

	join_key(sub, keypath, "guest.waits");
	if (vm->wait_weight[VF_SCN_WAIT_TASK] > 0 && vm->vcpu_count < 2) {
		return node_err(c, guest ? guest : n, sub,
		                "task waits need at least 2 vCPUs (another vCPU sends the IPI)");
	}
	if (vm->wait_weight[VF_SCN_WAIT_DISK] > 0 && !vm->main_thread_runs) {
		return node_err(c, guest ? guest : n, sub,
		                "disk waits need the QEMU I/O thread (main_thread is none)");
	}
	if (vm->gproc_count == 0) {
		uint32_t k;
		char name[VF_COMM_LEN];

		for (k = 0; k <= vm->vcpu_count; k++) {
			snprintf(name, sizeof(name), "task%u", k);
			if (add_gproc(c, n, keypath, vm, name, 1) != VF_OK) {
				return c->err->status;
			}
		}
	} else if (vm->gproc_count < vm->vcpu_count) {
		join_key(sub, keypath, "guest.processes");
		return node_err(c, guest ? guest : n, sub,
		                "%zu guest processes for %u vCPUs: each vCPU needs its own", vm->gproc_count,
		                vm->vcpu_count);
	}
	vm->has_vhost = vm->wait_weight[VF_SCN_WAIT_NET] > 0;
	if (vm->has_vhost) {
		join_key(sub, keypath, "net");
		if (add_threads(c, n, sub, 1) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	return VF_OK;
}

/* Defaults and cross-checks of vms[i].nested once the guest processes are known. */
static enum vf_status finish_nested(struct pctx *c, yaml_node_t *n, const char *keypath,
                                    struct vf_scn_vm *vm, yaml_node_t *hyp_node)
{
	struct vf_scn_nested *ns = &vm->nested;
	char sub[KEYPATH_MAX];
	size_t k;

	if (hyp_node) {
		const char *name;

		join_key(sub, keypath, "nested.hypervisor");
		if (need_scalar(c, hyp_node, sub, &name) != VF_OK) {
			return VF_ERR_INPUT;
		}
		for (k = 0; k < vm->gproc_count; k++) {
			if (!strcmp(vm->gprocs[k].name, name)) {
				break;
			}
		}
		if (k == vm->gproc_count) {
			return node_err(c, hyp_node, sub, "no guest process is named '%s'", name);
		}
		ns->hypervisor = (uint32_t)k;
	}
	if (ns->proc_count == 0) {
		char name[VF_COMM_LEN];

		for (k = 0; k < 2; k++) {
			snprintf(name, sizeof(name), "l2task%zu", k);
			join_key(sub, keypath, "nested.processes");
			if (add_gproc_to(c, n, sub, &ns->procs, &ns->proc_count, name, 1) != VF_OK) {
				return VF_ERR_INPUT;
			}
		}
	}
	if (ns->reason_count == 0) {
		static const char *vmx[] = {"EPT_VIOLATION", "MSR_WRITE", "IO_INSTRUCTION", "CPUID"};
		static const char *svm[] = {"NPF", "MSR", "IOIO", "CPUID"};

		for (k = 0; k < 4; k++) {
			ns->reasons[k] = (uint32_t)vf_exit_reason_from_name(
			    vm->isa, vm->isa == VF_ISA_SVM ? svm[k] : vmx[k]);
		}
		ns->reason_count = 4;
	}
	return VF_OK;
}

static enum vf_status read_vm(struct pctx *c, yaml_node_t *n, size_t index, struct vf_scn_vm *vm)
{
	struct key_spec keys[] = {{"name", 0, 0},       {"pid", 0, 0},   {"vcpus", 0, 0},
	                          {"affinity", 0, 0},   {"guest", 0, 0}, {"exits", 0, 0},
	                          {"isa", 0, 0},        {"main_thread", 0, 0},
	                          {"ipi", 0, 0},        {"apicv", 0, 0}, {"disk", 0, 0},
	                          {"net", 0, 0},        {"host_block", 0, 0},
	                          {"nested", 0, 0}};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	char keypath[KEYPATH_MAX], sub[KEYPATH_MAX];
	yaml_node_t *v, *hyp_node = NULL;
	uint32_t i;

	snprintf(keypath, sizeof(keypath), "vms[%zu]", index);
	snprintf(vm->name, sizeof(vm->name), "vm%zu", index);
	vm->vcpu_count = 1;
	vm->isa = VF_ISA_VMX;
	vm->guest_burst = dist_exp(2000000, 0, VF_SCN_MAX_DURATION_NS);
	vm->guest_idle = dist_exp(2000000, 0, VF_SCN_MAX_DURATION_NS);
	vm->guest_tick_ns = 4000000;
	vm->timer_vector = 236;
	vm->exit_interval = dist_exp(40000, 0, VF_SCN_MAX_DURATION_NS);
	vm->exit_handling = dist_exp(4000, 1000, 20000);
	vm->main_thread_runs = true;
	vm->main_burst = dist_exp(20000, 0, VF_SCN_MAX_DURATION_NS);
	vm->main_sleep = dist_exp(10000000, 0, VF_SCN_MAX_DURATION_NS);
	vm->wait_weight[VF_SCN_WAIT_TIMER] = 1;
	vm->ipi_delay = dist_exp(500000, 0, VF_SCN_MAX_DURATION_NS);
	vm->ipi_vectors[0] = 251;
	vm->ipi_vectors[1] = 252;
	vm->ipi_vectors[2] = 253;
	vm->ipi_vector_count = 3;
	vm->disk.vector = 34;
	vm->disk.latency = dist_exp(200000, 20000, VF_SCN_MAX_DURATION_NS);
	vm->disk.bytes = 4096;
	vm->disk.write_share = 0.3;
	vm->net.vector = 35;
	vm->net.latency = dist_exp(100000, 10000, VF_SCN_MAX_DURATION_NS);
	vm->net.bytes = 1514;
	vm->net.peer = -1;
	vm->disk.peer = -1;
	snprintf(vm->net.ifname, sizeof(vm->net.ifname), "vnet%zu", index % 100000u);
	vm->host_block_time = dist_exp(50000, 1000, VF_SCN_MAX_DURATION_NS);
	vm->nested.l1_time = dist_exp(5000, 1000, VF_SCN_MAX_DURATION_NS);
	vm->nested.exit_rate = dist_exp(30000, 0, VF_SCN_MAX_DURATION_NS);
	vm->nested.reflect = 0.5;
	vm->nested.sw = 0.3;
	if (collect_map(c, n, keypath, keys, nk) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "name"))) {
		join_key(sub, keypath, "name");
		if (read_string(c, v, sub, vm->name, sizeof(vm->name)) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "isa"))) {
		const char *s;

		join_key(sub, keypath, "isa");
		if (need_scalar(c, v, sub, &s) != VF_OK) {
			return VF_ERR_INPUT;
		}
		if (!strcmp(s, "vmx")) {
			vm->isa = VF_ISA_VMX;
		} else if (!strcmp(s, "svm")) {
			vm->isa = VF_ISA_SVM;
		} else {
			return node_err(c, v, sub, "expected vmx or svm, got '%s'", s);
		}
	}
	/* virtio queue notifications: an MMIO write to an ioeventfd page */
	vm->disk.notify = vm->isa == VF_ISA_SVM ? VF_SVM_EXIT_NPF : 49; /* EPT_MISCONFIG */
	vm->net.notify = vm->disk.notify;
	if ((v = spec_value(keys, nk, "vcpus"))) {
		join_key(sub, keypath, "vcpus");
		if (read_u32(c, v, sub, 1, VF_SCN_MAX_VCPUS, &vm->vcpu_count) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	join_key(sub, keypath, "vcpus");
	if (add_threads(c, v ? v : n, sub, (uint64_t)vm->vcpu_count + 1) != VF_OK) {
		return VF_ERR_INPUT;
	}
	vm->vcpu_affinity = calloc(vm->vcpu_count, sizeof(*vm->vcpu_affinity));
	if (!vm->vcpu_affinity) {
		VF_ERROR_SET(c->err, VF_ERR_NOMEM, c->name, "out of memory");
		return VF_ERR_NOMEM;
	}
	if ((v = spec_value(keys, nk, "affinity"))) {
		join_key(sub, keypath, "affinity");
		if (read_vm_affinity(c, v, sub, vm) != VF_OK) {
			return VF_ERR_INPUT;
		}
	} else {
		for (i = 0; i < vm->vcpu_count; i++) {
			cpuset_all(&vm->vcpu_affinity[i], c->scn->host.cpu_count);
		}
	}
	if ((v = spec_value(keys, nk, "pid"))) {
		int64_t pid;

		join_key(sub, keypath, "pid");
		if (read_int(c, v, sub, 1, VF_SCN_MAX_PID - 2 - (int64_t)vm->vcpu_count, &pid) !=
		    VF_OK) {
			return VF_ERR_INPUT;
		}
		vm->pid = (int32_t)pid;
		c->vm_pid_nodes[index] = v;
	}
	if (set_default_mix(c, vm) != VF_OK) {
		return VF_ERR_NOMEM;
	}
	if ((v = spec_value(keys, nk, "guest"))) {
		join_key(sub, keypath, "guest");
		if (read_guest(c, v, sub, vm) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "exits"))) {
		join_key(sub, keypath, "exits");
		if (read_exits(c, v, sub, vm) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "main_thread"))) {
		join_key(sub, keypath, "main_thread");
		if (read_main_thread(c, v, sub, vm) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "ipi"))) {
		join_key(sub, keypath, "ipi");
		if (read_ipi(c, v, sub, vm) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "apicv"))) {
		join_key(sub, keypath, "apicv");
		if (read_bool(c, v, sub, &vm->apicv) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "disk"))) {
		join_key(sub, keypath, "disk");
		if (read_device(c, v, sub, vm, false) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "net"))) {
		join_key(sub, keypath, "net");
		if (read_device(c, v, sub, vm, true) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "host_block"))) {
		join_key(sub, keypath, "host_block");
		if (read_host_block(c, v, sub, vm) != VF_OK) {
			return VF_ERR_INPUT;
		}
	}
	if ((v = spec_value(keys, nk, "nested"))) {
		join_key(sub, keypath, "nested");
		if (read_nested(c, v, sub, vm, &hyp_node) != VF_OK) {
			return VF_ERR_INPUT;
		}
		if (!c->nested_node) {
			c->nested_node = v;
			c->nested_vm = index;
		}
	}
	if (check_vm(c, n, keypath, keys, nk, vm) != VF_OK) {
		return VF_ERR_INPUT;
	}
	return vm->nested.on ? finish_nested(c, v, keypath, vm, hyp_node) : VF_OK;
}

/* vms[i].net.peer: the named VM answers; it gets a vhost thread and must not wait for its own net. */
static enum vf_status resolve_peers(struct pctx *c)
{
	struct vf_scenario *scn = c->scn;
	size_t i, j;

	for (i = 0; i < c->peer_count; i++) {
		struct vf_scn_vm *vm = c->peer_names[i].vm, *peer = NULL;
		char sub[KEYPATH_MAX];

		snprintf(sub, sizeof(sub), "vms[%zu].net.peer", (size_t)(vm - scn->vms));
		for (j = 0; j < scn->vm_count; j++) {
			if (!strcmp(scn->vms[j].name, c->peer_names[i].name)) {
				peer = &scn->vms[j];
				break;
			}
		}
		if (!peer || peer == vm) {
			return node_err(c, c->peer_names[i].node, sub,
			                peer ? "a VM cannot be its own peer" : "no VM is named '%s'",
			                c->peer_names[i].name);
		}
		if (peer->wait_weight[VF_SCN_WAIT_NET] > 0) {
			return node_err(c, c->peer_names[i].node, sub,
			                "the peer '%s' waits for its own network replies; a peer only "
			                "answers",
			                peer->name);
		}
		if (vm->wait_weight[VF_SCN_WAIT_NET] <= 0) {
			return node_err(c, c->peer_names[i].node, sub,
			                "needs network waits (guest.waits.net) to send anything");
		}
		vm->net.peer = (int32_t)j;
		if (!peer->net.serves_peer) {
			peer->net.serves_peer = true;
			peer->has_vhost = true;
			if (add_threads(c, c->peer_names[i].node, sub, 1) != VF_OK) {
				return VF_ERR_INPUT;
			}
		}
	}
	return VF_OK;
}

static enum vf_status read_vms(struct pctx *c, yaml_node_t *n)
{
	struct vf_scenario *scn = c->scn;
	yaml_node_item_t *it;
	size_t count, i = 0;

	if (n->type != YAML_SEQUENCE_NODE) {
		return node_err(c, n, "vms", "expected a list, got %s", node_type_name(n));
	}
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count > VF_SCN_MAX_VMS) {
		return node_err(c, n, "vms", "too many VMs (at most %d)", VF_SCN_MAX_VMS);
	}
	scn->vms = calloc(count ? count : 1, sizeof(*scn->vms));
	c->vm_pid_nodes = calloc(count ? count : 1, sizeof(*c->vm_pid_nodes));
	c->peer_names = calloc(count ? count : 1, sizeof(*c->peer_names));
	if (!scn->vms || !c->vm_pid_nodes || !c->peer_names) {
		VF_ERROR_SET(c->err, VF_ERR_NOMEM, c->name, "out of memory");
		return VF_ERR_NOMEM;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++, i++) {
		yaml_node_t *item = node_of(c, *it);

		if (!item) {
			return node_err(c, n, "vms", "malformed list");
		}
		scn->vm_count = i + 1;
		if (read_vm(c, item, i, &scn->vms[i]) != VF_OK) {
			return VF_ERR_INPUT;
		}
		/* page-aligned, distinct across VMs: page frame 0x11a3c0 + 0x40000 i + 0x2b5 k */
		for (size_t k = 0; k < scn->vms[i].gproc_count; k++) {
			scn->vms[i].gprocs[k].cr3 =
			    ((uint64_t)0x11a3c0 + (uint64_t)i * 0x40000 + (uint64_t)k * 0x2b5) << 12;
		}
		/* L2 processes: page frame 0x2a1e00 + 0x40000 i + 0x1c3 k */
		for (size_t k = 0; k < scn->vms[i].nested.proc_count; k++) {
			scn->vms[i].nested.procs[k].cr3 =
			    ((uint64_t)0x2a1e00 + (uint64_t)i * 0x40000 + (uint64_t)k * 0x1c3) << 12;
		}
	}
	return resolve_peers(c);
}

/* trace.discard: a list of {cpu, at, duration}. */
static enum vf_status read_discards(struct pctx *c, yaml_node_t *n)
{
	struct vf_scenario *scn = c->scn;
	yaml_node_item_t *it;
	size_t i = 0;

	if (n->type != YAML_SEQUENCE_NODE) {
		return node_err(c, n, "trace.discard", "expected a list of {cpu, at, duration}");
	}
	if (n->data.sequence.items.top - n->data.sequence.items.start > VF_SCN_MAX_DISCARDS) {
		return node_err(c, n, "trace.discard", "at most %d windows", VF_SCN_MAX_DISCARDS);
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++, i++) {
		struct key_spec keys[] = {{"cpu", 0, 0}, {"at", 0, 0}, {"duration", 0, 0}};
		const size_t nk = sizeof(keys) / sizeof(keys[0]);
		struct vf_scn_discard *d = &scn->trace.discards[i];
		yaml_node_t *item = node_of(c, *it), *v;
		char ip[KEYPATH_MAX], sub[KEYPATH_MAX];
		size_t j;

		snprintf(ip, sizeof(ip), "trace.discard[%zu]", i);
		if (!item) {
			return node_err(c, n, "trace.discard", "malformed list");
		}
		if (collect_map(c, item, ip, keys, nk) != VF_OK) {
			return VF_ERR_INPUT;
		}
		for (j = 0; j < nk; j++) {
			if (!keys[j].value) {
				return node_err(c, item, ip, "missing key '%s'", keys[j].name);
			}
		}
		join_key(sub, ip, "cpu");
		v = spec_value(keys, nk, "cpu");
		if (read_u32(c, v, sub, 0, scn->host.cpu_count - 1, &d->cpu) != VF_OK) {
			return VF_ERR_INPUT;
		}
		join_key(sub, ip, "at");
		if (read_duration(c, spec_value(keys, nk, "at"), sub, 0, VF_SCN_MAX_DURATION_NS,
		                  &d->at_ns) != VF_OK) {
			return VF_ERR_INPUT;
		}
		join_key(sub, ip, "duration");
		if (read_duration(c, spec_value(keys, nk, "duration"), sub, 1, VF_SCN_MAX_DURATION_NS,
		                  &d->duration_ns) != VF_OK) {
			return VF_ERR_INPUT;
		}
		for (j = 0; j < i; j++) {
			const struct vf_scn_discard *o = &scn->trace.discards[j];

			if (o->cpu == d->cpu && d->at_ns < o->at_ns + o->duration_ns &&
			    o->at_ns < d->at_ns + d->duration_ns) {
				return node_err(c, item, ip, "overlaps trace.discard[%zu] on cpu %u", j,
				                d->cpu);
			}
		}
		scn->trace.discard_count = i + 1;
	}
	return VF_OK;
}

static enum vf_status read_trace(struct pctx *c, yaml_node_t *n)
{
	struct vf_scenario *scn = c->scn;
	struct key_spec keys[] = {
	    {"naming", 0, 0},       {"packet_size", 0, 0}, {"contexts", 0, 0},
	    {"clock_offset", 0, 0}, {"cr3", 0, 0},         {"start", 0, 0},
	    {"discard", 0, 0},      {"statedump", 0, 0}};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	yaml_node_t *v;
	bool statedump_given = false;

	if (collect_map(c, n, "trace", keys, nk) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "naming"))) {
		const char *s;

		if (need_scalar(c, v, "trace.naming", &s) != VF_OK) {
			return VF_ERR_INPUT;
		}
		if (!strcmp(s, "lttng-2.13")) {
			scn->trace.naming = VF_NAMING_LTTNG_2_13;
		} else if (!strcmp(s, "legacy")) {
			scn->trace.naming = VF_NAMING_LEGACY;
		} else {
			return node_err(c, v, "trace.naming",
			                "expected lttng-2.13 or legacy, got '%s'", s);
		}
	}
	if ((v = spec_value(keys, nk, "packet_size"))) {
		uint32_t size;

		if (read_u32(c, v, "trace.packet_size", 4096, 64u << 20, &size) != VF_OK) {
			return VF_ERR_INPUT;
		}
		if (size % 4096) {
			return node_err(c, v, "trace.packet_size", "%u is not a multiple of 4096",
			                size);
		}
		scn->trace.packet_size = size;
	}
	if ((v = spec_value(keys, nk, "contexts")) &&
	    read_bool(c, v, "trace.contexts", &scn->trace.contexts) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "statedump"))) {
		if (read_bool(c, v, "trace.statedump", &scn->trace.statedump) != VF_OK) {
			return VF_ERR_INPUT;
		}
		statedump_given = true;
	}
	/* Without pid/tid contexts the statedump is the only tid -> pid map, as with lttng. */
	if (!statedump_given) {
		scn->trace.statedump = !scn->trace.contexts;
	}
	if ((v = spec_value(keys, nk, "cr3"))) {
		const char *s;

		if (need_scalar(c, v, "trace.cr3", &s) != VF_OK) {
			return VF_ERR_INPUT;
		}
		if (!strcmp(s, "none")) {
			scn->trace.cr3 = VF_SCN_CR3_NONE;
		} else if (!strcmp(s, "addons")) {
			scn->trace.cr3 = VF_SCN_CR3_ADDONS;
		} else if (!strcmp(s, "kvm-cr")) {
			scn->trace.cr3 = VF_SCN_CR3_KVM_CR;
		} else {
			return node_err(c, v, "trace.cr3", "expected addons, kvm-cr or none, got '%s'",
			                s);
		}
	}
	if ((v = spec_value(keys, nk, "start"))) {
		if (read_duration(c, v, "trace.start", 0, VF_SCN_MAX_DURATION_NS,
		                  &scn->trace.start_ns) != VF_OK) {
			return VF_ERR_INPUT;
		}
		if (scn->trace.start_ns >= scn->duration_ns) {
			return node_err(c, v, "trace.start", "must be before the end (duration)");
		}
	}
	if ((v = spec_value(keys, nk, "discard")) && read_discards(c, v) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "clock_offset")) &&
	    read_duration(c, v, "trace.clock_offset", 0, 4000000000LL * 1000000000LL,
	                  &scn->trace.clock_offset_ns) != VF_OK) {
		return VF_ERR_INPUT;
	}
	return VF_OK;
}

/* Thread ids a VM uses: pid (main), pid + 1 + n (vCPUs), then vhost-<pid> if any. */
static int64_t vm_span(const struct vf_scn_vm *vm)
{
	return (int64_t)vm->vcpu_count + 1 + (vm->has_vhost ? 1 : 0);
}

static bool ranges_overlap(int64_t a, int64_t a_len, int64_t b, int64_t b_len)
{
	return a < b + b_len && b < a + a_len;
}

/* Gives every process and VM without an explicit pid a free block of ids. */
static enum vf_status allocate_pids(struct pctx *c)
{
	struct vf_scenario *scn = c->scn;
	int64_t cursor = 1000;
	size_t i, j;

	for (i = 0; i < scn->vm_count; i++) {
		if (!c->vm_pid_nodes[i]) {
			continue;
		}
		for (j = 0; j < i; j++) {
			if (c->vm_pid_nodes[j] &&
			    ranges_overlap(scn->vms[i].pid, vm_span(&scn->vms[i]),
			                   scn->vms[j].pid, vm_span(&scn->vms[j]))) {
				char sub[KEYPATH_MAX];

				snprintf(sub, sizeof(sub), "vms[%zu].pid", i);
				return node_err(c, c->vm_pid_nodes[i], sub,
				                "thread ids %d..%d overlap those of vms[%zu] "
				                "(%d..%d)",
				                scn->vms[i].pid,
				                scn->vms[i].pid + (int)vm_span(&scn->vms[i]) - 1, j,
				                scn->vms[j].pid,
				                scn->vms[j].pid + (int)vm_span(&scn->vms[j]) - 1);
			}
		}
	}
	for (i = 0; i < scn->host.process_count + scn->vm_count; i++) {
		bool is_vm = i >= scn->host.process_count;
		size_t vi = i - scn->host.process_count;
		int64_t len;
		bool moved;

		if (is_vm && c->vm_pid_nodes[vi]) {
			continue;
		}
		len = is_vm ? vm_span(&scn->vms[vi])
		            : (int64_t)scn->host.processes[i].count;
		do {
			moved = false;
			for (j = 0; j < scn->vm_count; j++) {
				if (c->vm_pid_nodes[j] &&
				    ranges_overlap(cursor, len, scn->vms[j].pid,
				                   vm_span(&scn->vms[j]))) {
					cursor = scn->vms[j].pid + vm_span(&scn->vms[j]);
					moved = true;
				}
			}
		} while (moved);
		if (cursor + len >= VF_SCN_MAX_PID) {
			return node_err(c, NULL, NULL, "no free thread id range left");
		}
		if (is_vm) {
			scn->vms[vi].pid = (int32_t)cursor;
		} else {
			scn->host.processes[i].first_pid = (int32_t)cursor;
		}
		cursor += len;
	}
	return VF_OK;
}

static void set_defaults(struct vf_scenario *scn)
{
	scn->seed = 1;
	scn->duration_ns = 1000000000;
	scn->host.cpu_count = 4;
	snprintf(scn->host.hostname, sizeof(scn->host.hostname), "vmflow-host");
	snprintf(scn->host.kernel_release, sizeof(scn->host.kernel_release), "6.1.0-27-amd64");
	snprintf(scn->host.kernel_version, sizeof(scn->host.kernel_version),
	         "#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)");
	scn->host.slice_ns = 4000000;
	scn->host.latency.wakeup = dist_uniform(2000, 6000);
	scn->host.latency.vcpu_load = dist_uniform(2000, 5000);
	scn->host.latency.inject = dist_uniform(200, 600);
	scn->host.latency.block = dist_uniform(1000, 3000);
	scn->host.latency.interrupt = dist_uniform(800, 2000);
	scn->trace.naming = VF_NAMING_LTTNG_2_13;
	scn->trace.packet_size = 262144;
	scn->trace.contexts = true;
	scn->trace.clock_offset_ns = 1767225600LL * 1000000000LL; /* 2026-01-01T00:00:00Z */
}

static enum vf_status read_root(struct pctx *c, yaml_node_t *root)
{
	struct vf_scenario *scn = c->scn;
	struct key_spec keys[] = {
	    {"seed", 0, 0}, {"duration", 0, 0}, {"host", 0, 0}, {"vms", 0, 0}, {"trace", 0, 0}};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	yaml_node_t *v;

	if (collect_map(c, root, NULL, keys, nk) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "seed"))) {
		const char *s;
		char *end;
		unsigned long long seed;

		if (need_scalar(c, v, "seed", &s) != VF_OK) {
			return VF_ERR_INPUT;
		}
		errno = 0;
		seed = strtoull(s, &end, 10);
		if (!*s || *s == '-' || *end || errno) {
			return node_err(c, v, "seed",
			                "expected an integer from 0 to 2^64-1, got '%s'", s);
		}
		scn->seed = seed;
	}
	if ((v = spec_value(keys, nk, "duration")) &&
	    read_duration(c, v, "duration", 1, VF_SCN_MAX_DURATION_NS, &scn->duration_ns) !=
	        VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "host")) && read_host(c, v) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "vms")) && read_vms(c, v) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if ((v = spec_value(keys, nk, "trace")) && read_trace(c, v) != VF_OK) {
		return VF_ERR_INPUT;
	}
	if (c->nested_node && scn->trace.cr3 == VF_SCN_CR3_NONE) {
		char sub[KEYPATH_MAX];

		snprintf(sub, sizeof(sub), "vms[%zu].nested", c->nested_vm);
		return node_err(c, c->nested_node, sub,
		                "nesting needs guest CR3s in the trace (trace.cr3: addons or kvm-cr)");
	}
	return allocate_pids(c);
}

struct vf_scenario *vf_scenario_new_from_string(const char *text, size_t len, const char *name,
                                                struct vf_error *err)
{
	struct vf_scenario *scn = calloc(1, sizeof(*scn));
	struct pctx c = {0};
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	enum vf_status st = VF_OK;

	if (!scn) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, name, "out of memory");
		return NULL;
	}
	snprintf(scn->source, sizeof(scn->source), "%s", name);
	set_defaults(scn);
	if (!yaml_parser_initialize(&parser)) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, name, "cannot initialise the YAML parser");
		free(scn);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		char where[600];
		yaml_mark_t m = parser.problem_mark;

		snprintf(where, sizeof(where), "%s:%zu:%zu", name, m.line + 1, m.column + 1);
		VF_ERROR_SET(err, VF_ERR_INPUT, where, "not valid YAML: %s%s%s",
		             parser.problem ? parser.problem : "parse error",
		             parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		free(scn);
		return NULL;
	}
	c.name = name;
	c.doc = &doc;
	c.scn = scn;
	c.err = err;
	root = yaml_document_get_root_node(&doc);
	if (root) {
		st = read_root(&c, root);
	} else {
		st = allocate_pids(&c); /* an empty file is the all-defaults scenario */
	}
	free(c.vm_pid_nodes);
	free(c.peer_names);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (st != VF_OK) {
		vf_scenario_free(scn);
		return NULL;
	}
	return scn;
}

struct vf_scenario *vf_scenario_new_from_file(const char *path, struct vf_error *err)
{
	FILE *fp = fopen(path, "rb");
	struct vf_scenario *scn;
	char *buf;
	size_t len;

	if (!fp) {
		VF_ERROR_SET(err, VF_ERR_IO, path, "cannot open the scenario: %s", strerror(errno));
		return NULL;
	}
	buf = malloc(VF_SCN_MAX_FILE_SIZE + 1);
	if (!buf) {
		fclose(fp);
		VF_ERROR_SET(err, VF_ERR_NOMEM, path, "out of memory");
		return NULL;
	}
	len = fread(buf, 1, VF_SCN_MAX_FILE_SIZE + 1, fp);
	if (ferror(fp)) {
		VF_ERROR_SET(err, VF_ERR_IO, path, "cannot read the scenario: %s", strerror(errno));
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	if (len > VF_SCN_MAX_FILE_SIZE) {
		VF_ERROR_SET(err, VF_ERR_INPUT, path, "the scenario is larger than %u bytes",
		             VF_SCN_MAX_FILE_SIZE);
		free(buf);
		return NULL;
	}
	scn = vf_scenario_new_from_string(buf, len, path, err);
	free(buf);
	return scn;
}

void vf_scenario_free(struct vf_scenario *scn)
{
	size_t i;

	if (!scn) {
		return;
	}
	for (i = 0; i < scn->vm_count; i++) {
		free(scn->vms[i].vcpu_affinity);
		free(scn->vms[i].exits);
		free(scn->vms[i].gprocs);
		free(scn->vms[i].nested.procs);
	}
	free(scn->vms);
	free(scn->host.processes);
	free(scn);
}

static void uuid_from(uint64_t *state, uint8_t out[16])
{
	uint64_t a = vf_rng_splitmix64(state), b = vf_rng_splitmix64(state);
	int i;

	for (i = 0; i < 8; i++) {
		out[i] = (uint8_t)(a >> (8 * i));
		out[8 + i] = (uint8_t)(b >> (8 * i));
	}
	out[6] = (uint8_t)((out[6] & 0x0f) | 0x40); /* version 4 */
	out[8] = (uint8_t)((out[8] & 0x3f) | 0x80); /* RFC 4122 variant */
}

void vf_scenario_trace_desc(const struct vf_scenario *scn, struct vf_trace_desc *desc)
{
	uint64_t state = scn->seed ^ 0x766d666c6f77ull; /* "vmflow" */
	const char *base = strrchr(scn->source, '/');
	time_t secs = (time_t)(scn->trace.clock_offset_ns / 1000000000LL);
	struct tm tm;
	char name[128];
	char *dot;

	memset(desc, 0, sizeof(*desc));
	snprintf(desc->hostname, sizeof(desc->hostname), "%s", scn->host.hostname);
	snprintf(desc->kernel_release, sizeof(desc->kernel_release), "%s",
	         scn->host.kernel_release);
	snprintf(desc->kernel_version, sizeof(desc->kernel_version), "%s",
	         scn->host.kernel_version);
	snprintf(name, sizeof(name), "%s", base ? base + 1 : scn->source);
	dot = strrchr(name, '.');
	if (dot && dot != name) {
		*dot = '\0';
	}
	snprintf(desc->trace_name, sizeof(desc->trace_name), "vmflow-synth-%s", name);
	if (gmtime_r(&secs, &tm)) {
		strftime(desc->creation_datetime, sizeof(desc->creation_datetime),
		         "%Y%m%dT%H%M%S+0000", &tm);
	}
	uuid_from(&state, desc->clock_uuid);
	uuid_from(&state, desc->trace_uuid);
	desc->clock_offset_ns = scn->trace.clock_offset_ns;
	desc->cpu_count = scn->host.cpu_count;
	desc->packet_size = scn->trace.packet_size;
	desc->naming = scn->trace.naming;
	desc->pid_tid_context = scn->trace.contexts;
}
