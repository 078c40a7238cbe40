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
	int64_t v;

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

static enum vf_status read_guest(struct pctx *c, yaml_node_t *n, const char *keypath,
                                 struct vf_scn_vm *vm)
{
	struct key_spec keys[] = {
	    {"cpu_burst", 0, 0}, {"idle", 0, 0}, {"timer_vector", 0, 0}, {"tick", 0, 0}};
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

static enum vf_status read_vm(struct pctx *c, yaml_node_t *n, size_t index, struct vf_scn_vm *vm)
{
	struct key_spec keys[] = {{"name", 0, 0},     {"pid", 0, 0},        {"vcpus", 0, 0},
	                          {"affinity", 0, 0}, {"guest", 0, 0},      {"exits", 0, 0},
	                          {"isa", 0, 0},      {"main_thread", 0, 0}};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	char keypath[KEYPATH_MAX], sub[KEYPATH_MAX];
	yaml_node_t *v;
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
		if (read_int(c, v, sub, 1, VF_SCN_MAX_PID - 1 - (int64_t)vm->vcpu_count, &pid) !=
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
	if (!scn->vms || !c->vm_pid_nodes) {
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
	}
	return VF_OK;
}

static enum vf_status read_trace(struct pctx *c, yaml_node_t *n)
{
	struct vf_scenario *scn = c->scn;
	struct key_spec keys[] = {
	    {"naming", 0, 0}, {"packet_size", 0, 0}, {"contexts", 0, 0}, {"clock_offset", 0, 0}};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	yaml_node_t *v;

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
	if ((v = spec_value(keys, nk, "clock_offset")) &&
	    read_duration(c, v, "trace.clock_offset", 0, 4000000000LL * 1000000000LL,
	                  &scn->trace.clock_offset_ns) != VF_OK) {
		return VF_ERR_INPUT;
	}
	return VF_OK;
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
			    ranges_overlap(scn->vms[i].pid, scn->vms[i].vcpu_count + 1,
			                   scn->vms[j].pid, scn->vms[j].vcpu_count + 1)) {
				char sub[KEYPATH_MAX];

				snprintf(sub, sizeof(sub), "vms[%zu].pid", i);
				return node_err(c, c->vm_pid_nodes[i], sub,
				                "thread ids %d..%d overlap those of vms[%zu] "
				                "(%d..%d)",
				                scn->vms[i].pid,
				                scn->vms[i].pid + (int)scn->vms[i].vcpu_count, j,
				                scn->vms[j].pid,
				                scn->vms[j].pid + (int)scn->vms[j].vcpu_count);
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
		len = is_vm ? (int64_t)scn->vms[vi].vcpu_count + 1
		            : (int64_t)scn->host.processes[i].count;
		do {
			moved = false;
			for (j = 0; j < scn->vm_count; j++) {
				if (c->vm_pid_nodes[j] &&
				    ranges_overlap(cursor, len, scn->vms[j].pid,
				                   scn->vms[j].vcpu_count + 1)) {
					cursor = scn->vms[j].pid + scn->vms[j].vcpu_count + 1;
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
