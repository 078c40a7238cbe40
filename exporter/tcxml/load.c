/* SPDX-License-Identifier: MIT */
/*
 * load.c - Trace Compass XML analysis file -> compiled model (model.h).
 *
 * The document is parsed with the safe options of xsd_validate.c (no
 * network, no entity substitution, no DTD loading); a document with a
 * DOCTYPE is refused outright (Trace Compass files never have one, and it
 * is where XXE and "billion laughs" live). Then the schema is checked, then
 * every stateProvider, pattern and view is compiled the way Trace Compass's
 * *Cu.java compilers do, collecting one diagnostic per problem with its line
 * (unknown defined value, location, mapping group, test, action or state,
 * unparsable int/long, stack combined with update/increment, script values).
 */
#include "tcxml/model.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "tcxml/xsd_validate.h"

/* ---- small helpers ---- */

struct kv {
	char *name;
	char *value;
};

struct loc {
	char *id;
	struct vf_tcx_path path;
};

struct ctx {
	struct vf_tcx_file *f;
	struct vf_tcx_analysis *a;
	bool pattern;
	struct kv *defs;
	size_t def_count;
	struct loc *locs;
	size_t loc_count;
};

static void diag(struct vf_tcx_file *f, bool warning, xmlNodePtr n, const char *fmt, ...)
    VF_PRINTF(4, 5);

static void diag(struct vf_tcx_file *f, bool warning, xmlNodePtr n, const char *fmt, ...)
{
	va_list ap;
	struct vf_tcx_diag *d;

	if (f->diag_count == f->diag_cap) {
		size_t cap = f->diag_cap ? f->diag_cap * 2 : 8;
		struct vf_tcx_diag *nd = realloc(f->diags, cap * sizeof(*nd));

		if (!nd) {
			return;
		}
		f->diags = nd;
		f->diag_cap = cap;
	}
	d = &f->diags[f->diag_count++];
	d->line = n ? (int)xmlGetLineNo(n) : 0;
	d->warning = warning;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	if (!warning) {
		f->error_count++;
	}
}

#define ERR(c, n, ...) diag((c)->f, false, (n), __VA_ARGS__)
#define WARN(c, n, ...) diag((c)->f, true, (n), __VA_ARGS__)

static bool is_el(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr first_el(xmlNodePtr parent, const char *name)
{
	xmlNodePtr c;

	for (c = parent ? parent->children : NULL; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE && (!name || strcmp((const char *)c->name, name) == 0)) {
			return c;
		}
	}
	return NULL;
}

static size_t count_el(xmlNodePtr parent, const char *name)
{
	xmlNodePtr c;
	size_t n = 0;

	for (c = parent ? parent->children : NULL; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE && (!name || strcmp((const char *)c->name, name) == 0)) {
			n++;
		}
	}
	return n;
}

/* Attribute value (new string, free()) or NULL. */
static char *get_attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s;

	if (!v) {
		return NULL;
	}
	s = strdup((const char *)v);
	xmlFree(v);
	return s;
}

static bool attr_bool(xmlNodePtr n, const char *name, bool dflt)
{
	char *v = get_attr(n, name);
	bool b;

	if (!v) {
		return dflt;
	}
	b = strcasecmp(v, "true") == 0; /* Java Boolean.parseBoolean */
	free(v);
	return b;
}

static const char *intern(struct ctx *c, const char *s)
{
	return vf_strtab_get(&c->f->strings, vf_strtab_intern(&c->f->strings, s));
}

/*
 * The value after defined-value substitution: a text starting with '$' is
 * replaced by the definedValue named by the rest. *undefined is set when it
 * names none (the result is then NULL).
 */
static const char *resolve(struct ctx *c, const char *v, bool *undefined)
{
	size_t i;

	*undefined = false;
	if (!v || v[0] != '$') {
		return v;
	}
	for (i = c->def_count; i > 0; i--) {
		if (strcmp(c->defs[i - 1].name, v + 1) == 0) {
			return c->defs[i - 1].value;
		}
	}
	*undefined = true;
	return NULL;
}

static bool parse_long(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s)) {
		return false;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end) {
		return false;
	}
	*out = v;
	return true;
}

static void *xcalloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* ---- paths ---- */

static void path_free(struct vf_tcx_path *p);

static void attr_free(struct vf_tcx_attr *a)
{
	if (a->sub) {
		path_free(a->sub);
		free(a->sub);
	}
}

static void path_free(struct vf_tcx_path *p)
{
	size_t i;

	for (i = 0; i < p->count; i++) {
		attr_free(&p->el[i]);
	}
	free(p->el);
	memset(p, 0, sizeof(*p));
}

static void path_add(struct vf_tcx_path *p, const struct vf_tcx_attr *a)
{
	struct vf_tcx_attr *n = realloc(p->el, (p->count + 1) * sizeof(*n));

	if (!n) {
		return;
	}
	p->el = n;
	p->el[p->count++] = *a;
}

static bool path_copy(struct vf_tcx_path *dst, const struct vf_tcx_path *src);

static bool attr_copy(struct vf_tcx_attr *dst, const struct vf_tcx_attr *src)
{
	*dst = *src;
	if (src->sub) {
		dst->sub = xcalloc(1, sizeof(*dst->sub));
		if (!dst->sub) {
			return false;
		}
		return path_copy(dst->sub, src->sub);
	}
	return true;
}

static bool path_copy(struct vf_tcx_path *dst, const struct vf_tcx_path *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->scenario = src->scenario;
	for (i = 0; i < src->count; i++) {
		struct vf_tcx_attr a;

		if (!attr_copy(&a, &src->el[i])) {
			return false;
		}
		path_add(dst, &a);
	}
	return true;
}

/* Compiles the stateAttribute children of parent into out (appending). */
static bool compile_path(struct ctx *c, xmlNodePtr parent, struct vf_tcx_path *out)
{
	xmlNodePtr n;
	bool ok = true;

	for (n = parent->children; n; n = n->next) {
		char *type, *value;
		const char *rv;
		bool undef;
		struct vf_tcx_attr a;

		if (!is_el(n, "stateAttribute")) {
			continue;
		}
		memset(&a, 0, sizeof(a));
		a.line = (int)xmlGetLineNo(n);
		type = get_attr(n, "type");
		value = get_attr(n, "value");
		rv = resolve(c, value, &undef);
		if (!type) {
			ERR(c, n, "stateAttribute without a type");
			ok = false;
		} else if (strcmp(type, "constant") == 0) {
			if (!rv || !*rv) {
				ERR(c, n, undef ? "constant stateAttribute: '%s' is not a defined value"
				                : "constant stateAttribute needs a non-empty value%s",
				    undef ? value : "");
				ok = false;
			} else if (strcmp(rv, "#CurrentScenario") == 0) {
				if (!c->pattern) {
					WARN(c, n, "#CurrentScenario is meaningful in patterns only");
				}
				out->scenario = true;
			} else {
				a.kind = VF_TCX_A_CONSTANT;
				a.str = intern(c, rv);
				path_add(out, &a);
			}
		} else if (strcmp(type, "eventField") == 0) {
			if (!rv || !*rv) {
				ERR(c, n, undef ? "eventField stateAttribute: '%s' is not a defined value"
				                : "eventField stateAttribute needs a field name%s",
				    undef ? value : "");
				ok = false;
			} else {
				a.kind = VF_TCX_A_EVENTFIELD;
				a.str = intern(c, rv);
				path_add(out, &a);
			}
		} else if (strcmp(type, "eventName") == 0) {
			a.kind = VF_TCX_A_EVENTNAME;
			path_add(out, &a);
		} else if (strcmp(type, "location") == 0) {
			size_t i;
			bool found = false;

			for (i = c->loc_count; rv && i > 0; i--) {
				if (strcmp(c->locs[i - 1].id, rv) == 0) {
					const struct vf_tcx_path *lp = &c->locs[i - 1].path;
					size_t k;

					for (k = 0; k < lp->count; k++) {
						struct vf_tcx_attr cp;

						if (attr_copy(&cp, &lp->el[k])) {
							path_add(out, &cp);
						}
					}
					if (lp->scenario) {
						out->scenario = true;
					}
					found = true;
					break;
				}
			}
			if (!found) {
				ERR(c, n, "location '%s' is not defined (before this point)",
				    value ? value : "");
				ok = false;
			}
		} else if (strcmp(type, "query") == 0) {
			a.kind = VF_TCX_A_QUERY;
			a.sub = xcalloc(1, sizeof(*a.sub));
			if (!a.sub || !compile_path(c, n, a.sub)) {
				ok = false;
				attr_free(&a);
			} else if (a.sub->count == 0 && !a.sub->scenario) {
				ERR(c, n, "query stateAttribute needs stateAttribute children");
				ok = false;
				attr_free(&a);
			} else {
				path_add(out, &a);
			}
		} else if (strcmp(type, "pool") == 0) {
			if (!c->pattern) {
				ERR(c, n, "a pool stateAttribute is allowed in patterns only");
				ok = false;
			} else {
				a.kind = VF_TCX_A_POOL;
				path_add(out, &a);
			}
		} else if (strcmp(type, "null") == 0) {
			a.kind = VF_TCX_A_NULL;
			path_add(out, &a);
		} else if (strcmp(type, "self") == 0) {
			/* views only; filtered out of paths */
		} else {
			ERR(c, n, "unknown stateAttribute type '%s'", type);
			ok = false;
		}
		free(type);
		free(value);
	}
	return ok;
}

/* ---- values ---- */

static int mapping_index(struct ctx *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->a->mapping_count; i++) {
		if (strcmp(c->a->mappings[i].id, id) == 0) {
			return (int)i;
		}
	}
	return -1;
}

static void value_free(struct vf_tcx_value *v)
{
	if (v->path) {
		path_free(v->path);
		free(v->path);
		v->path = NULL;
	}
}

static bool compile_value(struct ctx *c, xmlNodePtr n, struct vf_tcx_value *v)
{
	char *type = get_attr(n, "type");
	char *value = get_attr(n, "value");
	char *forced = get_attr(n, "forcedType");
	char *mapping = get_attr(n, "mappingGroup");
	char *stack = get_attr(n, "stack");
	const char *rv;
	bool undef, ok = true;

	memset(v, 0, sizeof(*v));
	v->mapping = -1;
	v->forced = -1;
	v->line = (int)xmlGetLineNo(n);
	v->increment = attr_bool(n, "increment", false);
	v->update = attr_bool(n, "update", false);
	rv = resolve(c, value, &undef);
	if (!type) {
		ERR(c, n, "%s without a type", (const char *)n->name);
		ok = false;
		goto end;
	}
	if (stack && strcmp(stack, "peek") == 0) {
		v->kind = VF_TCX_V_PEEK;
		v->stack = VF_TCX_STACK_PEEK;
		v->path = xcalloc(1, sizeof(*v->path));
		if (!v->path || !compile_path(c, n, v->path)) {
			ok = false;
		} else if (v->path->count == 0 && !v->path->scenario) {
			ERR(c, n, "stack=\"peek\" needs stateAttribute children naming the stack");
			ok = false;
		}
	} else if (strcmp(type, "null") == 0 || strcmp(type, "delete") == 0) {
		v->kind = VF_TCX_V_CONST;
	} else if (strcmp(type, "int") == 0 || strcmp(type, "long") == 0) {
		int64_t x;
		bool is_int = type[0] == 'i';

		v->kind = VF_TCX_V_CONST;
		if (!parse_long(rv, &x) || (is_int && (x < INT32_MIN || x > INT32_MAX))) {
			ERR(c, n, "%s stateValue: '%s' is not %s %s%s", type, value ? value : "",
			    is_int ? "an" : "a", type,
			    undef ? " (undefined defined value)" : "");
			ok = false;
		} else {
			v->c.type = is_int ? VF_TCV_INT : VF_TCV_LONG;
			v->c.i = x;
		}
	} else if (strcmp(type, "string") == 0) {
		v->kind = VF_TCX_V_CONST;
		if (!undef) {
			v->c.type = VF_TCV_STRING;
			v->c.s = intern(c, rv ? rv : "");
		} else {
			WARN(c, n, "string stateValue: '%s' is not a defined value (gives null)",
			     value);
		}
	} else if (strcmp(type, "eventField") == 0) {
		v->kind = VF_TCX_V_EVENTFIELD;
		if (!rv || !*rv) {
			ERR(c, n, "eventField stateValue needs a field name%s",
			    undef ? " (undefined defined value)" : "");
			ok = false;
		} else {
			v->field = intern(c, rv);
		}
	} else if (strcmp(type, "eventName") == 0) {
		v->kind = VF_TCX_V_EVENTNAME;
	} else if (strcmp(type, "query") == 0) {
		v->kind = VF_TCX_V_QUERY;
		v->path = xcalloc(1, sizeof(*v->path));
		if (!v->path || !compile_path(c, n, v->path)) {
			ok = false;
		} else if (v->path->count == 0 && !v->path->scenario) {
			ERR(c, n, "query stateValue needs stateAttribute children");
			ok = false;
		}
	} else if (strcmp(type, "script") == 0) {
		v->kind = VF_TCX_V_SCRIPT;
		if (c->f->allow_script) {
			WARN(c, n, "script stateValue is not supported by vmflow (needs JavaScript): "
			           "`run` refuses the file unless --allow-script is given, then it gives "
			           "null");
		} else {
			ERR(c, n, "script stateValue is not supported: vmflow does not run JavaScript");
			ok = false;
		}
	} else {
		ERR(c, n, "unknown stateValue type '%s'", type);
		ok = false;
	}
	if (stack && strcmp(stack, "peek") != 0) {
		if (strcmp(stack, "push") == 0) {
			v->stack = VF_TCX_STACK_PUSH;
		} else if (strcmp(stack, "pop") == 0) {
			v->stack = VF_TCX_STACK_POP;
		} else if (strcmp(stack, "popAll") == 0) {
			v->stack = VF_TCX_STACK_POPALL;
		} else {
			ERR(c, n, "unknown stack operation '%s'", stack);
			ok = false;
		}
		if (v->increment || v->update) {
			ERR(c, n, "stack=\"%s\" cannot be combined with %s", stack,
			    v->increment ? "increment" : "update");
			ok = false;
		}
	}
	if (forced) {
		if (strcmp(forced, "int") == 0) {
			v->forced = VF_TCV_INT;
		} else if (strcmp(forced, "long") == 0) {
			v->forced = VF_TCV_LONG;
		} else if (strcmp(forced, "double") == 0) {
			v->forced = VF_TCV_DOUBLE;
		} else if (strcmp(forced, "string") == 0) {
			v->forced = VF_TCV_STRING;
		} else {
			ERR(c, n, "unknown forcedType '%s'", forced);
			ok = false;
		}
	}
	if (mapping) {
		v->mapping = mapping_index(c, mapping);
		if (v->mapping < 0) {
			ERR(c, n, "mappingGroup '%s' is not defined", mapping);
			ok = false;
		}
	}
end:
	free(type);
	free(value);
	free(forced);
	free(mapping);
	free(stack);
	return ok;
}

/* ---- conditions ---- */

static void cond_free(struct vf_tcx_cond *k)
{
	size_t i;

	value_free(&k->left);
	value_free(&k->right);
	for (i = 0; i < k->kid_count; i++) {
		cond_free(&k->kids[i]);
	}
	free(k->kids);
	free(k->since);
	memset(k, 0, sizeof(*k));
}

static int64_t unit_factor(const char *unit)
{
	if (!unit || strcmp(unit, "ns") == 0) {
		return 1;
	}
	if (strcmp(unit, "us") == 0) {
		return 1000;
	}
	if (strcmp(unit, "ms") == 0) {
		return 1000000;
	}
	if (strcmp(unit, "s") == 0) {
		return 1000000000;
	}
	return 0;
}

static bool compile_cond(struct ctx *c, xmlNodePtr n, struct vf_tcx_cond *k);

static bool compile_cond_body(struct ctx *c, xmlNodePtr n, struct vf_tcx_cond *k)
{
	xmlNodePtr first = first_el(n, NULL);
	char *op = get_attr(n, "operator");
	bool ok = true;

	k->kind = VF_TCX_C_CMP;
	k->op = VF_TCX_EQ;
	if (op) {
		static const char *const ops[] = {"eq", "ne", "ge", "gt", "le", "lt"};
		size_t i;
		bool found = false;

		for (i = 0; i < 6; i++) {
			if (strcmp(op, ops[i]) == 0) {
				k->op = (uint8_t)i;
				found = true;
			}
		}
		if (!found) {
			ERR(c, n, "unknown condition operator '%s'", op);
			ok = false;
		}
		free(op);
	}
	if (!first) {
		ERR(c, n, "empty condition");
		return false;
	}
	if (is_el(first, "timerange") || is_el(first, "elapsedTime")) {
		char *unit = get_attr(first, "unit");
		int64_t f = unit_factor(unit);
		xmlNodePtr b = first_el(first, NULL);

		if (!c->pattern) {
			ERR(c, first, "<%s> is allowed in pattern tests only", (const char *)first->name);
			ok = false;
		}
		if (!f) {
			ERR(c, first, "unknown time unit '%s'", unit);
			ok = false;
			f = 1;
		}
		free(unit);
		if (!b) {
			ERR(c, first, "<%s> needs a child", (const char *)first->name);
			return false;
		}
		if (is_el(first, "timerange")) {
			char *bs = get_attr(b, "begin"), *es = get_attr(b, "end");

			k->kind = VF_TCX_C_TIMERANGE;
			k->out = is_el(b, "out");
			if (!parse_long(bs, &k->begin) || !parse_long(es, &k->end)) {
				ERR(c, b, "timerange needs integer begin and end");
				ok = false;
			}
			k->begin *= f;
			k->end *= f;
			free(bs);
			free(es);
		} else {
			char *vs = get_attr(b, "value");

			k->kind = VF_TCX_C_ELAPSED;
			k->elapsed_op = is_el(b, "less") ? -1 : is_el(b, "equal") ? 0 : 1;
			k->since = get_attr(b, "since");
			if (!parse_long(vs, &k->elapsed_ns)) {
				ERR(c, b, "elapsedTime needs an integer value");
				ok = false;
			}
			k->elapsed_ns *= f;
			free(vs);
		}
		k->line = (int)xmlGetLineNo(first);
		return ok;
	}
	if (is_el(first, "stateValue")) {
		xmlNodePtr second = first->next;

		while (second && second->type != XML_ELEMENT_NODE) {
			second = second->next;
		}
		if (!is_el(second, "stateValue")) {
			ERR(c, n, "a condition with a stateValue first needs a second stateValue");
			return false;
		}
		ok = compile_value(c, first, &k->left) && ok;
		ok = compile_value(c, second, &k->right) && ok;
		return ok;
	}
	if (is_el(first, "field")) {
		char *name = get_attr(first, "name");
		bool undef;
		const char *rv = resolve(c, name, &undef);
		xmlNodePtr sv = first_el(n, "stateValue");

		k->left.kind = VF_TCX_V_EVENTFIELD;
		k->left.mapping = -1;
		k->left.forced = -1;
		k->left.line = (int)xmlGetLineNo(first);
		if (!rv || !*rv) {
			ERR(c, first, "condition <field> needs a name%s",
			    undef ? " (undefined defined value)" : "");
			ok = false;
		} else {
			k->left.field = intern(c, rv);
		}
		free(name);
		if (!sv) {
			ERR(c, n, "condition needs a stateValue to compare with");
			return false;
		}
		return compile_value(c, sv, &k->right) && ok;
	}
	if (is_el(first, "stateAttribute")) {
		xmlNodePtr sv = first_el(n, "stateValue");

		k->left.kind = VF_TCX_V_QUERY;
		k->left.mapping = -1;
		k->left.forced = -1;
		k->left.line = (int)xmlGetLineNo(first);
		k->left.path = xcalloc(1, sizeof(*k->left.path));
		ok = k->left.path && compile_path(c, n, k->left.path);
		if (!sv) {
			ERR(c, n, "condition needs a stateValue to compare with");
			return false;
		}
		return compile_value(c, sv, &k->right) && ok;
	}
	ERR(c, first, "unexpected <%s> in a condition", (const char *)first->name);
	return false;
}

static bool compile_cond(struct ctx *c, xmlNodePtr n, struct vf_tcx_cond *k)
{
	memset(k, 0, sizeof(*k));
	k->line = (int)xmlGetLineNo(n);
	if (is_el(n, "condition")) {
		return compile_cond_body(c, n, k);
	}
	if (is_el(n, "not") || is_el(n, "and") || is_el(n, "or")) {
		size_t cnt = count_el(n, NULL), i = 0;
		xmlNodePtr ch;
		bool ok = true;

		k->kind = is_el(n, "not") ? VF_TCX_C_NOT : is_el(n, "and") ? VF_TCX_C_AND : VF_TCX_C_OR;
		if (cnt == 0 || (k->kind == VF_TCX_C_NOT && cnt != 1)) {
			ERR(c, n, "<%s> needs %s", (const char *)n->name,
			    k->kind == VF_TCX_C_NOT ? "exactly one child" : "children");
			return false;
		}
		k->kids = xcalloc(cnt, sizeof(*k->kids));
		if (!k->kids) {
			return false;
		}
		for (ch = n->children; ch; ch = ch->next) {
			if (ch->type == XML_ELEMENT_NODE) {
				ok = compile_cond(c, ch, &k->kids[i++]) && ok;
			}
		}
		k->kid_count = i;
		return ok;
	}
	ERR(c, n, "unexpected <%s> where a condition is expected", (const char *)n->name);
	return false;
}

/* ---- state changes, segments, actions ---- */

static void change_free(struct vf_tcx_change *ch);

static void segment_free(struct vf_tcx_segment *s)
{
	size_t i;

	if (!s) {
		return;
	}
	free(s->name);
	value_free(&s->name_value);
	value_free(&s->begin);
	value_free(&s->end);
	value_free(&s->duration);
	for (i = 0; i < s->field_count; i++) {
		free(s->fields[i].name);
		value_free(&s->fields[i].value);
	}
	free(s->fields);
	free(s);
}

static void change_free(struct vf_tcx_change *ch)
{
	path_free(&ch->path);
	value_free(&ch->value);
	value_free(&ch->future);
	cond_free(&ch->cond);
	if (ch->then_c) {
		change_free(ch->then_c);
		free(ch->then_c);
	}
	if (ch->else_c) {
		change_free(ch->else_c);
		free(ch->else_c);
	}
	segment_free(ch->seg);
	memset(ch, 0, sizeof(*ch));
}

static bool compile_change(struct ctx *c, xmlNodePtr n, struct vf_tcx_change *ch)
{
	xmlNodePtr ifn = first_el(n, "if");
	bool ok = true;

	memset(ch, 0, sizeof(*ch));
	ch->line = (int)xmlGetLineNo(n);
	if (ifn) {
		xmlNodePtr cn = first_el(ifn, NULL);
		xmlNodePtr th = first_el(n, "then"), el = first_el(n, "else");

		ch->kind = VF_TCX_SC_IF;
		if (!cn || count_el(ifn, NULL) != 1) {
			ERR(c, ifn, "<if> needs exactly one condition");
			ok = false;
		} else {
			ok = compile_cond(c, cn, &ch->cond) && ok;
		}
		if (!th) {
			ERR(c, n, "<if> without <then>");
			return false;
		}
		ch->then_c = xcalloc(1, sizeof(*ch->then_c));
		ok = ch->then_c && compile_change(c, th, ch->then_c) && ok;
		if (el) {
			ch->else_c = xcalloc(1, sizeof(*ch->else_c));
			ok = ch->else_c && compile_change(c, el, ch->else_c) && ok;
		}
		return ok;
	}
	ch->kind = VF_TCX_SC_ASSIGN;
	ok = compile_path(c, n, &ch->path);
	if (ch->path.count == 0 && !ch->path.scenario && ok) {
		ERR(c, n, "stateChange needs at least one stateAttribute");
		ok = false;
	}
	{
		xmlNodePtr sv = first_el(n, "stateValue");
		xmlNodePtr ft = first_el(n, "futureTime");

		if (!sv) {
			ERR(c, n, "stateChange needs a stateValue");
			return false;
		}
		ok = compile_value(c, sv, &ch->value) && ok;
		if (ft) {
			ch->has_future = true;
			ok = compile_value(c, ft, &ch->future) && ok;
			if (ch->value.update) {
				WARN(c, ft, "update=\"true\" is applied at the event time: futureTime is "
				            "ignored for it");
			}
		}
	}
	return ok;
}

static bool compile_segment(struct ctx *c, xmlNodePtr n, struct vf_tcx_change *ch)
{
	struct vf_tcx_segment *s = xcalloc(1, sizeof(*s));
	xmlNodePtr st = first_el(n, "segType"), tm = first_el(n, "segTime"),
	           ct = first_el(n, "segContent");
	bool ok = true;

	memset(ch, 0, sizeof(*ch));
	ch->kind = VF_TCX_SC_SEGMENT;
	ch->line = (int)xmlGetLineNo(n);
	ch->seg = s;
	if (!s) {
		return false;
	}
	s->line = ch->line;
	if (st) {
		xmlNodePtr sn = first_el(st, "segName");

		s->name = get_attr(st, "segName");
		if (sn) {
			xmlNodePtr sv = first_el(sn, "stateValue");

			if (sv) {
				s->has_name_value = true;
				ok = compile_value(c, sv, &s->name_value) && ok;
			}
		}
	}
	if (tm) {
		xmlNodePtr b = first_el(tm, "begin"), e = first_el(tm, "end"),
		           d = first_el(tm, "duration");

		if (b) {
			s->has_begin = true;
			ok = compile_value(c, b, &s->begin) && ok;
		}
		if (e) {
			s->has_end = true;
			ok = compile_value(c, e, &s->end) && ok;
		}
		if (d) {
			s->has_duration = true;
			ok = compile_value(c, d, &s->duration) && ok;
		}
	}
	if (ct) {
		size_t cnt = count_el(ct, "segField"), i = 0, k;
		xmlNodePtr f;

		s->fields = xcalloc(cnt, sizeof(*s->fields));
		for (f = ct->children; s->fields && f; f = f->next) {
			struct vf_tcx_segfield *sf;
			char *type;
			xmlNodePtr sv;

			if (!is_el(f, "segField")) {
				continue;
			}
			sf = &s->fields[i++];
			s->field_count = i;
			sf->name = get_attr(f, "name");
			type = get_attr(f, "type");
			sf->type = !type ? VF_TCV_NULL
			           : strcmp(type, "int") == 0 ? VF_TCV_INT
			           : strcmp(type, "long") == 0 ? VF_TCV_LONG
			           : strcmp(type, "string") == 0 ? VF_TCV_STRING
			                                            : VF_TCV_NULL;
			sv = first_el(f, "stateValue");
			if (sv) {
				ok = compile_value(c, sv, &sf->value) && ok;
			} else {
				char *value = get_attr(f, "value");
				bool undef;
				const char *rv = resolve(c, value, &undef);
				int64_t x;

				sf->value.kind = VF_TCX_V_CONST;
				sf->value.mapping = -1;
				sf->value.forced = -1;
				sf->value.line = (int)xmlGetLineNo(f);
				if (rv && sf->type == VF_TCV_STRING) {
					sf->value.c.type = VF_TCV_STRING;
					sf->value.c.s = intern(c, rv);
				} else if (rv && (sf->type == VF_TCV_INT || sf->type == VF_TCV_LONG)) {
					if (!parse_long(rv, &x)) {
						ERR(c, f, "segField '%s': '%s' is not %s", sf->name ? sf->name : "",
						    rv, type);
						ok = false;
					} else {
						sf->value.c.type = (uint8_t)sf->type;
						sf->value.c.i = sf->type == VF_TCV_INT ? (int32_t)x : x;
					}
				}
				free(value);
			}
			free(type);
			for (k = 0; k + 1 < i; k++) {
				if (sf->name && s->fields[k].name && strcmp(s->fields[k].name, sf->name) == 0) {
					ERR(c, f, "duplicate segField name '%s'", sf->name);
					ok = false;
				}
			}
		}
	}
	return ok;
}

static bool add_change(struct vf_tcx_change **arr, size_t *count)
{
	struct vf_tcx_change *n = realloc(*arr, (*count + 1) * sizeof(*n));

	if (!n) {
		return false;
	}
	*arr = n;
	memset(&n[*count], 0, sizeof(n[0]));
	(*count)++;
	return true;
}

static bool compile_action_body(struct ctx *c, xmlNodePtr n, struct vf_tcx_action *act)
{
	xmlNodePtr ch;
	bool ok = true;

	for (ch = n->children; ch; ch = ch->next) {
		if (is_el(ch, "stateChange")) {
			if (!add_change(&act->changes, &act->change_count)) {
				return false;
			}
			ok = compile_change(c, ch, &act->changes[act->change_count - 1]) && ok;
		} else if (is_el(ch, "segment")) {
			if (!add_change(&act->changes, &act->change_count)) {
				return false;
			}
			ok = compile_segment(c, ch, &act->changes[act->change_count - 1]) && ok;
		} else if (is_el(ch, "action")) {
			ok = compile_action_body(c, ch, act) && ok;
		} else if (is_el(ch, "fsmScheduleAction")) {
			WARN(c, ch, "fsmScheduleAction does nothing in Trace Compass (compiled to no "
			            "action)");
		}
	}
	return ok;
}

/* ---- event-name matching ---- */

static bool has_regex_meta(const char *p)
{
	return strpbrk(p, ".\\|()[]{}?+^$") != NULL;
}

/* Java regex with '*' -> '.*' to an anchored POSIX ERE; NULL if p is a plain glob. */
static void *compile_name_regex(struct ctx *c, xmlNodePtr n, const char *p)
{
	size_t len = strlen(p), i, j = 0;
	char *ere;
	regex_t *re;

	if (!has_regex_meta(p)) {
		return NULL;
	}
	ere = malloc(len * 2 + 8);
	re = malloc(sizeof(*re));
	if (!ere || !re) {
		free(ere);
		free(re);
		return NULL;
	}
	ere[j++] = '^';
	ere[j++] = '(';
	for (i = 0; i < len; i++) {
		if (p[i] == '*') {
			ere[j++] = '.';
		}
		ere[j++] = p[i];
	}
	ere[j++] = ')';
	ere[j++] = '$';
	ere[j] = '\0';
	if (regcomp(re, ere, REG_EXTENDED | REG_NOSUB) != 0) {
		ERR(c, n, "event name pattern '%s' is not a valid regular expression", p);
		free(re);
		re = NULL;
	}
	free(ere);
	return re;
}

static bool glob_match(const char *p, const char *s)
{
	const char *star = NULL, *ss = s;

	while (*s) {
		if (*p == '*') {
			star = p++;
			ss = s;
		} else if (*p == *s) {
			p++;
			s++;
		} else if (star) {
			p = star + 1;
			s = ++ss;
		} else {
			return false;
		}
	}
	while (*p == '*') {
		p++;
	}
	return *p == '\0';
}

bool vf_tcx_name_match(const char *pattern, void *regex, const char *name)
{
	if (regex) {
		return regexec(regex, name, 0, NULL, 0) == 0;
	}
	return glob_match(pattern, name);
}

static void free_regex(void *re)
{
	if (re) {
		regfree(re);
		free(re);
	}
}

/* ---- declarations: defined values, locations, mapping groups ---- */

static void collect_defs(struct ctx *c, xmlNodePtr parent)
{
	xmlNodePtr n;

	for (n = parent->children; n; n = n->next) {
		if (is_el(n, "definedValue")) {
			struct kv *d = realloc(c->defs, (c->def_count + 1) * sizeof(*d));

			if (!d) {
				return;
			}
			c->defs = d;
			d[c->def_count].name = get_attr(n, "name");
			d[c->def_count].value = get_attr(n, "value");
			if (!d[c->def_count].name || !d[c->def_count].value) {
				free(d[c->def_count].name);
				free(d[c->def_count].value);
				ERR(c, n, "definedValue needs a name and a value");
				continue;
			}
			c->def_count++;
		}
	}
}

static void collect_locs(struct ctx *c, xmlNodePtr parent)
{
	xmlNodePtr n;

	for (n = parent->children; n; n = n->next) {
		if (is_el(n, "location")) {
			struct loc *l = realloc(c->locs, (c->loc_count + 1) * sizeof(*l));
			struct vf_tcx_path p;

			if (!l) {
				return;
			}
			c->locs = l;
			memset(&p, 0, sizeof(p));
			if (!compile_path(c, n, &p)) {
				path_free(&p);
				continue;
			}
			if (p.count == 0 && !p.scenario) {
				ERR(c, n, "location needs at least one stateAttribute");
				continue;
			}
			l[c->loc_count].id = get_attr(n, "id");
			if (!l[c->loc_count].id) {
				path_free(&p);
				continue;
			}
			l[c->loc_count].path = p;
			c->loc_count++;
		}
	}
}

static void collect_mappings(struct ctx *c, xmlNodePtr parent)
{
	xmlNodePtr n, e;
	struct vf_tcx_analysis *a = c->a;

	for (n = parent->children; n; n = n->next) {
		struct vf_tcx_mapping *m;
		size_t cnt;

		if (!is_el(n, "mappingGroup")) {
			continue;
		}
		m = realloc(a->mappings, (a->mapping_count + 1) * sizeof(*m));
		if (!m) {
			return;
		}
		a->mappings = m;
		m = &a->mappings[a->mapping_count++];
		memset(m, 0, sizeof(*m));
		m->id = get_attr(n, "id");
		if (!m->id) {
			m->id = strdup("");
		}
		cnt = count_el(n, "entry");
		m->from = xcalloc(cnt, sizeof(*m->from));
		m->to = xcalloc(cnt, sizeof(*m->to));
		for (e = n->children; m->from && m->to && e; e = e->next) {
			xmlNodePtr v1, v2;

			if (!is_el(e, "entry")) {
				continue;
			}
			v1 = first_el(e, "stateValue");
			v2 = v1 ? v1->next : NULL;
			while (v2 && v2->type != XML_ELEMENT_NODE) {
				v2 = v2->next;
			}
			if (!v1 || !is_el(v2, "stateValue")) {
				ERR(c, e, "mappingGroup entry needs exactly two stateValues");
				continue;
			}
			compile_value(c, v1, &m->from[m->entry_count]);
			compile_value(c, v2, &m->to[m->entry_count]);
			m->entry_count++;
		}
	}
}

static void ctx_fini(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->def_count; i++) {
		free(c->defs[i].name);
		free(c->defs[i].value);
	}
	free(c->defs);
	for (i = 0; i < c->loc_count; i++) {
		free(c->locs[i].id);
		path_free(&c->locs[i].path);
	}
	free(c->locs);
}

static void read_head(struct vf_tcx_analysis *a, xmlNodePtr n)
{
	xmlNodePtr h = first_el(n, "head"), l;

	if (h && (l = first_el(h, "label"))) {
		a->label = get_attr(l, "value");
	}
	for (l = h ? h->children : NULL; l; l = l->next) {
		if (is_el(l, "traceType")) {
			char **nt = realloc(a->trace_types, (a->trace_type_count + 1) * sizeof(char *));
			char *id = get_attr(l, "id");

			if (!nt || !id) {
				free(id);
				if (nt) {
					a->trace_types = nt;
				}
				continue;
			}
			a->trace_types = nt;
			nt[a->trace_type_count++] = id;
		}
	}
}

bool vf_tcx_applies_to(const struct vf_tcx_analysis *a, bool stub)
{
	static const char *const ctf_types[] = {
	    "org.eclipse.linuxtools.lttng2.kernel.tracetype", "org.eclipse.linuxtools.tmf.ui.type.ctf",
	    "org.eclipse.tracecompass.lttng2.kernel.tracetype"};
	static const char *const stub_types[] = {"org.eclipse.linuxtools.tmf.core.tests.xmlstub",
	                                          "org.eclipse.linuxtools.tmf.core.tests.xmlstubsec"};
	size_t i, k;

	if (a->trace_type_count == 0) {
		return true;
	}
	for (i = 0; i < a->trace_type_count; i++) {
		const char *const *types = stub ? stub_types : ctf_types;
		size_t n = stub ? 2 : 3;

		for (k = 0; k < n; k++) {
			if (strcmp(a->trace_types[i], types[k]) == 0) {
				return true;
			}
		}
	}
	return false;
}

/* ---- state provider ---- */

static struct vf_tcx_analysis *new_analysis(struct vf_tcx_file *f)
{
	struct vf_tcx_analysis *n = realloc(f->analyses, (f->analysis_count + 1) * sizeof(*n));

	if (!n) {
		return NULL;
	}
	f->analyses = n;
	memset(&n[f->analysis_count], 0, sizeof(n[0]));
	return &n[f->analysis_count++];
}

static void compile_provider(struct vf_tcx_file *f, xmlNodePtr n)
{
	struct ctx c = {.f = f};
	struct vf_tcx_analysis *a = new_analysis(f);
	xmlNodePtr h;
	size_t cnt;

	if (!a) {
		return;
	}
	c.a = a;
	a->kind = VF_TCX_PROVIDER;
	a->id = get_attr(n, "id");
	a->line = (int)xmlGetLineNo(n);
	if (!a->id) {
		a->id = strdup("");
		ERR(&c, n, "stateProvider without an id");
	}
	read_head(a, n);
	collect_defs(&c, n);
	collect_locs(&c, n);
	collect_mappings(&c, n);
	cnt = count_el(n, "eventHandler");
	a->handlers = xcalloc(cnt, sizeof(*a->handlers));
	for (h = n->children; a->handlers && h; h = h->next) {
		struct vf_tcx_handler *eh;
		xmlNodePtr sc;

		if (!is_el(h, "eventHandler")) {
			continue;
		}
		eh = &a->handlers[a->handler_count++];
		eh->line = (int)xmlGetLineNo(h);
		eh->event = get_attr(h, "eventName");
		if (!eh->event) {
			eh->event = strdup("");
			ERR(&c, h, "eventHandler without an eventName");
		}
		eh->regex = compile_name_regex(&c, h, eh->event);
		for (sc = h->children; sc; sc = sc->next) {
			if (!is_el(sc, "stateChange")) {
				continue;
			}
			if (!add_change(&eh->changes, &eh->change_count)) {
				break;
			}
			compile_change(&c, sc, &eh->changes[eh->change_count - 1]);
		}
	}
	ctx_fini(&c);
}

/* ---- pattern ---- */

static int find_named(char **ids, size_t count, const char *id)
{
	size_t i;

	for (i = count; i > 0; i--) {
		if (ids[i - 1] && strcmp(ids[i - 1], id) == 0) {
			return (int)(i - 1);
		}
	}
	return -1;
}

static int test_index(struct vf_tcx_analysis *a, const char *id)
{
	size_t i;

	for (i = a->test_count; i > 0; i--) {
		if (strcmp(a->tests[i - 1].id, id) == 0) {
			return (int)(i - 1);
		}
	}
	return -1;
}

static int action_index(struct vf_tcx_analysis *a, const char *id)
{
	size_t i;

	for (i = a->action_count; i > 0; i--) {
		if (strcmp(a->actions[i - 1].id, id) == 0) {
			return (int)(i - 1);
		}
	}
	return -1;
}

/* Splits "a:b:c" into indexes with lookup; unknown names are errors. */
static bool split_refs(struct ctx *c, xmlNodePtr n, const char *list, bool tests, int **out,
                       size_t *count)
{
	char *copy, *tok, *save = NULL;
	bool ok = true;

	*out = NULL;
	*count = 0;
	if (!list || !*list) {
		return true;
	}
	copy = strdup(list);
	for (tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		int idx = tests ? test_index(c->a, tok) : action_index(c->a, tok);
		int *nn;

		if (idx < 0) {
			ERR(c, n, "%s '%s' is not defined in this pattern", tests ? "test" : "action",
			    tok);
			ok = false;
			continue;
		}
		nn = realloc(*out, (*count + 1) * sizeof(int));
		if (!nn) {
			break;
		}
		*out = nn;
		nn[(*count)++] = idx;
	}
	free(copy);
	return ok;
}

static void compile_event_match(struct ctx *c, xmlNodePtr n, const char *ev,
                                struct vf_tcx_event_match *m)
{
	char *copy, *tok, *save = NULL;

	memset(m, 0, sizeof(*m));
	if (!ev) {
		return;
	}
	copy = strdup(ev);
	for (tok = strtok_r(copy, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		char **na = realloc(m->alts, (m->alt_count + 1) * sizeof(char *));
		void **nr = realloc(m->regexes, (m->alt_count + 1) * sizeof(void *));

		if (na) {
			m->alts = na;
		}
		if (nr) {
			m->regexes = nr;
		}
		if (!na || !nr) {
			break;
		}
		m->alts[m->alt_count] = strdup(tok);
		m->regexes[m->alt_count] = compile_name_regex(c, n, tok);
		m->alt_count++;
	}
	free(copy);
	if (m->alt_count == 0) {
		/* event="" matches nothing sensible; keep an empty alternative */
		m->alts = calloc(1, sizeof(char *));
		m->regexes = calloc(1, sizeof(void *));
		if (m->alts && m->regexes) {
			m->alts[0] = strdup("");
			m->alt_count = 1;
		}
	}
}

static void event_match_free(struct vf_tcx_event_match *m)
{
	size_t i;

	for (i = 0; i < m->alt_count; i++) {
		free(m->alts[i]);
		free_regex(m->regexes[i]);
	}
	free(m->alts);
	free(m->regexes);
}

static void compile_transition(struct ctx *c, xmlNodePtr n, struct vf_tcx_transition *t)
{
	char *ev = get_attr(n, "event"), *cond = get_attr(n, "cond"), *act = get_attr(n, "action");

	memset(t, 0, sizeof(*t));
	t->line = (int)xmlGetLineNo(n);
	t->target = -1;
	compile_event_match(c, n, ev, &t->ev);
	split_refs(c, n, cond, true, &t->conds, &t->cond_count);
	split_refs(c, n, act, false, &t->actions, &t->action_count);
	t->target_id = get_attr(n, "target");
	if (!t->target_id) {
		ERR(c, n, "transition without a target");
	}
	free(ev);
	free(cond);
	free(act);
}

static bool add_state(struct vf_tcx_fsm *fsm, xmlNodePtr n, const char *id)
{
	struct vf_tcx_state *ns = realloc(fsm->states, (fsm->state_count + 1) * sizeof(*ns));

	if (!ns) {
		return false;
	}
	fsm->states = ns;
	memset(&ns[fsm->state_count], 0, sizeof(ns[0]));
	ns[fsm->state_count].id = strdup(id ? id : "");
	ns[fsm->state_count].line = (int)xmlGetLineNo(n);
	fsm->state_count++;
	return true;
}

static void compile_state_body(struct ctx *c, xmlNodePtr n, struct vf_tcx_state *st)
{
	xmlNodePtr ch;
	size_t cnt = count_el(n, "transition"), i = 0;

	for (ch = n->children; ch; ch = ch->next) {
		char *act;
		size_t k;

		if (is_el(ch, "onentry") || is_el(ch, "onexit")) {
			int *idx;

			act = get_attr(ch, "action");
			split_refs(c, ch, act, false, &idx, &k);
			if (is_el(ch, "onentry")) {
				st->onentry = idx;
				st->onentry_count = (int)k;
			} else {
				st->onexit = idx;
				st->onexit_count = (int)k;
			}
			free(act);
		} else if (is_el(ch, "state")) {
			WARN(c, ch, "a state nested in a state is ignored by Trace Compass");
		}
	}
	st->tr = xcalloc(cnt, sizeof(*st->tr));
	for (ch = n->children; st->tr && ch; ch = ch->next) {
		if (is_el(ch, "transition")) {
			compile_transition(c, ch, &st->tr[i++]);
		}
	}
	st->tr_count = i;
}

static void compile_fsm(struct ctx *c, xmlNodePtr n, struct vf_tcx_fsm *fsm)
{
	xmlNodePtr ch, init_el = first_el(n, "initial"), init_state = first_el(n, "initialState");
	char *initial = get_attr(n, "initial");
	size_t i, j, k;

	fsm->id = get_attr(n, "id");
	if (!fsm->id) {
		fsm->id = strdup("");
		ERR(c, n, "fsm without an id");
	}
	fsm->line = (int)xmlGetLineNo(n);
	fsm->multiple = attr_bool(n, "multiple", true);
	fsm->consuming = attr_bool(n, "consuming", true);
	fsm->initial = -1;
	/* states first (transitions may target later states) */
	for (ch = n->children; ch; ch = ch->next) {
		if (is_el(ch, "state") || is_el(ch, "final")) {
			char *id = get_attr(ch, "id");

			if (!id) {
				ERR(c, ch, "state without an id");
			}
			for (k = 0; id && k < fsm->state_count; k++) {
				if (strcmp(fsm->states[k].id, id) == 0) {
					ERR(c, ch, "duplicate state id '%s' in fsm '%s'", id, fsm->id);
				}
			}
			add_state(fsm, ch, id);
			free(id);
		}
	}
	i = 0;
	for (ch = n->children; ch; ch = ch->next) {
		if (is_el(ch, "state") || is_el(ch, "final")) {
			compile_state_body(c, ch, &fsm->states[i++]);
		}
	}
	if (init_state) {
		add_state(fsm, init_state, "initialState");
		compile_state_body(c, init_state, &fsm->states[fsm->state_count - 1]);
		fsm->initial = (int)fsm->state_count - 1;
	}
	/* resolve targets */
	for (i = 0; i < fsm->state_count; i++) {
		for (j = 0; j < fsm->states[i].tr_count; j++) {
			struct vf_tcx_transition *t = &fsm->states[i].tr[j];

			for (k = 0; t->target_id && k < fsm->state_count; k++) {
				if (strcmp(fsm->states[k].id, t->target_id) == 0 &&
				    !(init_state && k == fsm->state_count - 1 && k != i)) {
					t->target = (int)k;
					break;
				}
			}
			if (t->target < 0 && t->target_id) {
				diag(c->f, false, NULL, "%s", "");
				c->f->diags[c->f->diag_count - 1].line = t->line;
				snprintf(c->f->diags[c->f->diag_count - 1].msg,
				         sizeof(c->f->diags[0].msg),
				         "transition target '%s' is not a state of fsm '%s'", t->target_id,
				         fsm->id);
			}
		}
	}
	if (fsm->initial < 0 && initial) {
		for (k = 0; k < fsm->state_count; k++) {
			if (strcmp(fsm->states[k].id, initial) == 0) {
				fsm->initial = (int)k;
			}
		}
		if (fsm->initial < 0) {
			ERR(c, n, "initial state '%s' is not a state of fsm '%s'", initial, fsm->id);
		}
	}
	if (fsm->initial < 0 && init_el) {
		xmlNodePtr t = first_el(init_el, "transition");
		char *target = t ? get_attr(t, "target") : NULL;

		for (k = 0; target && k < fsm->state_count; k++) {
			if (strcmp(fsm->states[k].id, target) == 0) {
				fsm->initial = (int)k;
			}
		}
		if (fsm->initial < 0) {
			ERR(c, init_el, "<initial> transition target '%s' is not a state of fsm '%s'",
			    target ? target : "", fsm->id);
		}
		free(target);
	}
	if (fsm->initial < 0 && fsm->state_count > 0 && !initial && !init_el) {
		fsm->initial = 0;
	}
	if (fsm->state_count == 0) {
		ERR(c, n, "fsm '%s' has no states", fsm->id);
	}
	free(initial);
	/* preconditions */
	for (ch = n->children; ch; ch = ch->next) {
		struct vf_tcx_precond *p;
		char *ev, *cond;

		if (!is_el(ch, "precondition")) {
			continue;
		}
		p = realloc(fsm->pre, (fsm->pre_count + 1) * sizeof(*p));
		if (!p) {
			break;
		}
		fsm->pre = p;
		p = &fsm->pre[fsm->pre_count++];
		ev = get_attr(ch, "event");
		cond = get_attr(ch, "cond");
		compile_event_match(c, ch, ev, &p->ev);
		split_refs(c, ch, cond, true, &p->conds, &p->cond_count);
		free(ev);
		free(cond);
	}
}

static bool state_exists(const struct vf_tcx_analysis *a, const char *id)
{
	size_t i, k;

	for (i = 0; i < a->fsm_count; i++) {
		for (k = 0; k < a->fsms[i].state_count; k++) {
			if (strcmp(a->fsms[i].states[k].id, id) == 0) {
				return true;
			}
		}
	}
	return false;
}

static void check_cond_since(struct ctx *c, const struct vf_tcx_cond *k, xmlNodePtr ph)
{
	size_t i;

	if (k->kind == VF_TCX_C_ELAPSED && k->since && !state_exists(c->a, k->since)) {
		diag(c->f, true, NULL, "%s", "");
		c->f->diags[c->f->diag_count - 1].line = k->line;
		snprintf(c->f->diags[c->f->diag_count - 1].msg, sizeof(c->f->diags[0].msg),
		         "elapsedTime since=\"%s\": no fsm of this pattern has that state (the "
		         "condition could never be true)",
		         k->since);
	}
	for (i = 0; i < k->kid_count; i++) {
		check_cond_since(c, &k->kids[i], ph);
	}
}

static void check_since(struct ctx *c, xmlNodePtr ph)
{
	size_t i;

	for (i = 0; i < c->a->test_count; i++) {
		check_cond_since(c, &c->a->tests[i].cond, ph);
	}
}

static void compile_pattern(struct vf_tcx_file *f, xmlNodePtr n)
{
	struct ctx c = {.f = f, .pattern = true};
	struct vf_tcx_analysis *a = new_analysis(f);
	xmlNodePtr ph, ch;
	char *initial;

	if (!a) {
		return;
	}
	c.a = a;
	a->kind = VF_TCX_PATTERN;
	a->id = get_attr(n, "id");
	a->line = (int)xmlGetLineNo(n);
	if (!a->id) {
		a->id = strdup("");
		ERR(&c, n, "pattern without an id");
	}
	read_head(a, n);
	collect_defs(&c, n);
	collect_locs(&c, n);
	collect_mappings(&c, n);
	if (first_el(n, "storedField")) {
		WARN(&c, first_el(n, "storedField"),
		     "storedField is ignored by Trace Compass since 5.0 (the compiler looks for "
		     "<storedFields>)");
	}
	ph = first_el(n, "patternHandler");
	if (!ph) {
		ERR(&c, n, "pattern without a patternHandler");
		ctx_fini(&c);
		return;
	}
	a->tests = xcalloc(count_el(ph, "test"), sizeof(*a->tests));
	a->actions = xcalloc(count_el(ph, "action"), sizeof(*a->actions));
	a->fsms = xcalloc(count_el(ph, "fsm"), sizeof(*a->fsms));
	if (!a->tests || !a->actions || !a->fsms) {
		ctx_fini(&c);
		return;
	}
	/* tests and actions first: fsms refer to them by id */
	for (ch = ph->children; ch; ch = ch->next) {
		if (is_el(ch, "test")) {
			struct vf_tcx_test *t = &a->tests[a->test_count++];
			xmlNodePtr ifn = first_el(ch, "if");
			xmlNodePtr cn = ifn ? first_el(ifn, NULL) : NULL;

			t->id = get_attr(ch, "id");
			if (!t->id) {
				t->id = strdup("");
			}
			t->line = (int)xmlGetLineNo(ch);
			if (!cn) {
				ERR(&c, ch, "test '%s' needs <if> with a condition", t->id);
			} else {
				compile_cond(&c, cn, &t->cond);
			}
		}
	}
	for (ch = ph->children; ch; ch = ch->next) {
		if (is_el(ch, "action")) {
			struct vf_tcx_action *act = &a->actions[a->action_count++];

			act->id = get_attr(ch, "id");
			if (!act->id) {
				act->id = strdup("");
			}
			act->line = (int)xmlGetLineNo(ch);
			compile_action_body(&c, ch, act);
		}
	}
	for (ch = ph->children; ch; ch = ch->next) {
		if (is_el(ch, "fsm")) {
			compile_fsm(&c, ch, &a->fsms[a->fsm_count++]);
		}
	}
	check_since(&c, ph);
	initial = get_attr(ph, "initial");
	if (initial) {
		char *tok, *save = NULL;
		char **ids = xcalloc(a->fsm_count, sizeof(char *));
		size_t i;

		for (i = 0; ids && i < a->fsm_count; i++) {
			ids[i] = a->fsms[i].id;
		}
		a->has_initial_list = true;
		for (tok = strtok_r(initial, ":", &save); ids && tok;
		     tok = strtok_r(NULL, ":", &save)) {
			int idx = find_named(ids, a->fsm_count, tok);
			int *nn;

			if (idx < 0) {
				ERR(&c, ph, "initial fsm '%s' is not defined", tok);
				continue;
			}
			nn = realloc(a->initial_fsms, (a->initial_count + 1) * sizeof(int));
			if (!nn) {
				break;
			}
			a->initial_fsms = nn;
			nn[a->initial_count++] = idx;
		}
		free(ids);
		free(initial);
	}
	ctx_fini(&c);
}

/* ---- views ---- */

static void vpath_free(struct vf_tcx_vpath *p)
{
	size_t i;

	for (i = 0; i < p->count; i++) {
		free(p->el[i].str);
		if (p->el[i].sub) {
			vpath_free(p->el[i].sub);
			free(p->el[i].sub);
		}
	}
	free(p->el);
	memset(p, 0, sizeof(*p));
}

static bool vpath_push(struct vf_tcx_vpath *p, uint8_t kind, const char *str,
                       struct vf_tcx_vpath *sub)
{
	struct vf_tcx_vattr *el = realloc(p->el, (p->count + 1) * sizeof(*el));

	if (!el) {
		return false;
	}
	p->el = el;
	el = &p->el[p->count++];
	memset(el, 0, sizeof(*el));
	el->kind = kind;
	el->str = str ? strdup(str) : NULL;
	el->sub = sub;
	return true;
}

static bool compile_vpath(struct ctx *c, xmlNodePtr n, struct vf_tcx_vpath *p);

/* One viewStateAttribute element (display, id, parent, name, or a query child). */
static bool compile_vattr(struct ctx *c, xmlNodePtr ch, struct vf_tcx_vpath *p)
{
	char *type = get_attr(ch, "type");
	char *ref = get_attr(ch, "reference");
	bool ok = true;

	if (ref && strcmp(ref, "absolute") == 0) {
		WARN(c, ch, "reference=\"absolute\" is not implemented by Trace Compass either "
		            "(treated as relative)");
	}
	free(ref);
	if (type && strcmp(type, "constant") == 0) {
		char *v = get_attr(ch, "value");
		bool undef;
		const char *rv = resolve(c, v, &undef);

		if (!rv || !*rv) {
			ERR(c, ch, "constant stateAttribute needs a value");
			ok = false;
		} else {
			/* view paths are split on '/' */
			char *copy = strdup(rv), *tok, *save = NULL;

			for (tok = copy ? strtok_r(copy, "/", &save) : NULL; tok;
			     tok = strtok_r(NULL, "/", &save)) {
				vpath_push(p, VF_TCX_VA_CONSTANT, tok, NULL);
			}
			free(copy);
		}
		free(v);
	} else if (type && strcmp(type, "self") == 0) {
		vpath_push(p, VF_TCX_VA_SELF, NULL, NULL);
	} else if (type && strcmp(type, "query") == 0) {
		struct vf_tcx_vpath *sub = xcalloc(1, sizeof(*sub));

		if (!sub || !compile_vpath(c, ch, sub) || !vpath_push(p, VF_TCX_VA_QUERY, NULL, sub)) {
			ok = false;
			if (sub) {
				vpath_free(sub);
				free(sub);
			}
		}
	} else if (type && strcmp(type, "location") == 0) {
		WARN(c, ch, "location stateAttribute in a view is not supported by vmflow");
	} else {
		ERR(c, ch, "stateAttribute type '%s' is not allowed in a view", type ? type : "");
		ok = false;
	}
	free(type);
	return ok;
}

/* The stateAttribute children of n, as one path. */
static bool compile_vpath(struct ctx *c, xmlNodePtr n, struct vf_tcx_vpath *p)
{
	xmlNodePtr ch;
	bool ok = true;

	for (ch = n->children; ch; ch = ch->next) {
		if (is_el(ch, "stateAttribute")) {
			ok = compile_vattr(c, ch, p) && ok;
		}
	}
	return ok;
}

static void ventry_free(struct vf_tcx_ventry *e)
{
	size_t i;

	free(e->path);
	free(e->analysis_id);
	vpath_free(&e->display);
	vpath_free(&e->id);
	vpath_free(&e->parent);
	vpath_free(&e->name);
	for (i = 0; i < e->kid_count; i++) {
		ventry_free(&e->kids[i]);
	}
	free(e->kids);
}

static void compile_ventry(struct ctx *c, xmlNodePtr n, struct vf_tcx_ventry *e)
{
	xmlNodePtr ch;
	char *dt;
	size_t i = 0;

	memset(e, 0, sizeof(*e));
	e->line = (int)xmlGetLineNo(n);
	e->path = get_attr(n, "path");
	if (!e->path) {
		e->path = strdup("*");
	}
	e->analysis_id = get_attr(n, "analysisId");
	dt = get_attr(n, "displayType");
	e->delta = dt && strcmp(dt, "delta") == 0;
	free(dt);
	if ((ch = first_el(n, "display"))) {
		e->has_display = true;
		compile_vattr(c, ch, &e->display);
	}
	if ((ch = first_el(n, "id"))) {
		e->has_id = true;
		compile_vattr(c, ch, &e->id);
	}
	if ((ch = first_el(n, "parent"))) {
		e->has_parent = true;
		compile_vattr(c, ch, &e->parent);
	}
	if ((ch = first_el(n, "name"))) {
		e->has_name = true;
		compile_vattr(c, ch, &e->name);
	}
	e->kids = xcalloc(count_el(n, "entry"), sizeof(*e->kids));
	for (ch = n->children; e->kids && ch; ch = ch->next) {
		if (is_el(ch, "entry")) {
			compile_ventry(c, ch, &e->kids[i++]);
		}
	}
	e->kid_count = i;
}

static void compile_view(struct vf_tcx_file *f, xmlNodePtr n, bool xy)
{
	struct ctx c = {.f = f};
	struct vf_tcx_view *v = realloc(f->views, (f->view_count + 1) * sizeof(*v));
	xmlNodePtr h, ch;
	size_t i = 0;

	if (!v) {
		return;
	}
	f->views = v;
	v = &f->views[f->view_count++];
	memset(v, 0, sizeof(*v));
	v->xy = xy;
	v->id = get_attr(n, "id");
	if (!v->id) {
		v->id = strdup("");
	}
	v->line = (int)xmlGetLineNo(n);
	h = first_el(n, "head");
	for (ch = h ? h->children : NULL; ch; ch = ch->next) {
		if (is_el(ch, "analysis")) {
			char **na = realloc(v->analyses, (v->analysis_count + 1) * sizeof(char *));

			if (!na) {
				break;
			}
			v->analyses = na;
			na[v->analysis_count] = get_attr(ch, "id");
			if (na[v->analysis_count]) {
				v->analysis_count++;
			}
		} else if (is_el(ch, "label")) {
			free(v->label);
			v->label = get_attr(ch, "value");
		}
	}
	collect_defs(&c, n);
	v->entries = xcalloc(count_el(n, "entry"), sizeof(*v->entries));
	for (ch = n->children; v->entries && ch; ch = ch->next) {
		if (is_el(ch, "entry")) {
			compile_ventry(&c, ch, &v->entries[i++]);
		}
	}
	v->entry_count = i;
	ctx_fini(&c);
}

/* ---- whole file ---- */

static void walk(struct vf_tcx_file *f, xmlNodePtr n)
{
	xmlNodePtr ch;

	for (ch = n->children; ch; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE) {
			continue;
		}
		if (is_el(ch, "stateProvider")) {
			compile_provider(f, ch);
		} else if (is_el(ch, "pattern")) {
			compile_pattern(f, ch);
		} else if (is_el(ch, "timeGraphView")) {
			compile_view(f, ch, false);
		} else if (is_el(ch, "xyView")) {
			compile_view(f, ch, true);
		} else {
			walk(f, ch); /* e.g. a stateProvider inside a callstack */
		}
	}
}

#if LIBXML_VERSION >= 21200
static void vf_tcx_silent_error(void *user, const xmlError *e)
#else
static void vf_tcx_silent_error(void *user, xmlErrorPtr e)
#endif
{
	(void)user;
	(void)e;
}

struct xsd_err {
	bool have;
	int line;
	char msg[400];
};

#if LIBXML_VERSION >= 21200
static void on_xsd_error(void *user, const xmlError *e)
#else
static void on_xsd_error(void *user, xmlErrorPtr e)
#endif
{
	struct xsd_err *x = user;
	size_t n;

	if (!e || e->level < XML_ERR_ERROR || x->have) {
		return;
	}
	x->have = true;
	x->line = e->line;
	snprintf(x->msg, sizeof(x->msg), "%s", e->message ? e->message : "schema error");
	for (n = 0; x->msg[n]; n++) {
		if (x->msg[n] == '\n') {
			x->msg[n] = ' ';
		}
	}
	while (n && (x->msg[n - 1] == ' ' || x->msg[n - 1] == '.')) {
		x->msg[--n] = '\0';
	}
}

/*
 * Validates against xmlDefinition.xsd plus an extension schema, the way
 * Trace Compass passes several schema sources: a wrapper schema including both.
 */
static enum vf_status validate_with_extension(xmlDocPtr doc, const char *name, const char *xsd_dir,
                                              const char *ext, struct vf_error *err)
{
	char main_xsd[4096], ext_abs[4096], wrapper[9000];
	char *rp;
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaPtr schema;
	xmlSchemaValidCtxtPtr vc;
	struct xsd_err x = {0};
	int rc;

	snprintf(main_xsd, sizeof(main_xsd), "%s/%s", xsd_dir ? xsd_dir : vf_tcxml_default_xsd_dir(),
	         VF_TCXML_XSD_ENTRY);
	rp = realpath(main_xsd, NULL);
	if (!rp) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, main_xsd, "cannot find the Trace Compass schema");
		return VF_ERR_INTERNAL;
	}
	snprintf(main_xsd, sizeof(main_xsd), "%s", rp);
	free(rp);
	rp = realpath(ext, NULL);
	if (!rp) {
		VF_ERROR_SET(err, VF_ERR_IO, ext, "cannot open the extension schema");
		return VF_ERR_IO;
	}
	snprintf(ext_abs, sizeof(ext_abs), "%s", rp);
	free(rp);
	snprintf(wrapper, sizeof(wrapper),
	         "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
	         "attributeFormDefault=\"unqualified\" elementFormDefault=\"qualified\">"
	         "<xs:include schemaLocation=\"file://%s\"/>"
	         "<xs:include schemaLocation=\"file://%s\"/></xs:schema>",
	         main_xsd, ext_abs);
	pc = xmlSchemaNewMemParserCtxt(wrapper, (int)strlen(wrapper));
	if (!pc) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, name, "out of memory");
		return VF_ERR_NOMEM;
	}
	xmlSchemaSetParserStructuredErrors(pc, on_xsd_error, &x);
	schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	if (!schema) {
		VF_ERROR_SET(err, VF_ERR_INPUT, ext, "cannot load the extension schema: %s",
		             x.have ? x.msg : "unknown error");
		return VF_ERR_INPUT;
	}
	vc = xmlSchemaNewValidCtxt(schema);
	if (!vc) {
		xmlSchemaFree(schema);
		VF_ERROR_SET(err, VF_ERR_NOMEM, name, "out of memory");
		return VF_ERR_NOMEM;
	}
	xmlSchemaSetValidStructuredErrors(vc, on_xsd_error, &x);
	rc = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	if (rc != 0) {
		char where[600];

		snprintf(where, sizeof(where), "%s:%d", name, x.line);
		VF_ERROR_SET(err, VF_ERR_INPUT, x.have ? where : name, "%s",
		             x.have ? x.msg : "not valid against the Trace Compass schema");
		return VF_ERR_INPUT;
	}
	return VF_OK;
}

static bool has_dtd(xmlDocPtr doc)
{
	return doc->intSubset != NULL || doc->extSubset != NULL;
}

static struct vf_tcx_file *load_doc(xmlDocPtr doc, const char *name,
                                    const struct vf_tcx_load_opts *opts, struct vf_error *err)
{
	struct vf_tcx_file *f;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	size_t i;

	if (has_dtd(doc)) {
		char where[600];

		snprintf(where, sizeof(where), "%s:%d", name,
		         doc->intSubset ? (int)xmlGetLineNo((xmlNodePtr)doc->intSubset) : 1);
		VF_ERROR_SET(err, VF_ERR_INPUT, where,
		             "a DOCTYPE is not allowed in a Trace Compass analysis (refused: "
		             "entities and external DTDs are never loaded)");
		return NULL;
	}
	if (!root || !is_el(root, "tmfxml")) {
		VF_ERROR_SET(err, VF_ERR_INPUT, name, "not a Trace Compass analysis: the root element "
		                                      "is not <tmfxml>");
		return NULL;
	}
	if (!opts || !opts->skip_schema) {
		enum vf_status st =
		    opts && opts->extension_xsd
		        ? validate_with_extension(doc, name, opts->xsd_dir, opts->extension_xsd, err)
		        : vf_tcxml_validate_doc(doc, name, opts ? opts->xsd_dir : NULL, err);

		if (st != VF_OK) {
			return NULL;
		}
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, name, "out of memory");
		return NULL;
	}
	f->path = strdup(name);
	f->allow_script = opts && opts->allow_script;
	vf_strtab_init(&f->strings);
	if (opts && opts->schema_only) {
		return f;
	}
	walk(f, root);
	for (i = 0; i < f->analysis_count; i++) {
		size_t j;

		for (j = 0; j < i; j++) {
			if (strcmp(f->analyses[i].id, f->analyses[j].id) == 0) {
				diag(f, true, NULL, "analysis id '%s' is used twice (lines %d and %d): "
				                    "Trace Compass uses the last one",
				     f->analyses[i].id, f->analyses[j].line, f->analyses[i].line);
			}
		}
	}
	return f;
}

struct vf_tcx_file *vf_tcx_load(const char *path, const struct vf_tcx_load_opts *opts,
                                struct vf_error *err)
{
	xmlDocPtr doc = vf_tcxml_parse_file(path, err);
	struct vf_tcx_file *f;

	if (!doc) {
		return NULL;
	}
	f = load_doc(doc, path, opts, err);
	xmlFreeDoc(doc);
	return f;
}

struct vf_tcx_file *vf_tcx_load_memory(const char *buf, size_t len, const char *name,
                                       const struct vf_tcx_load_opts *opts,
                                       struct vf_error *err)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	struct vf_tcx_file *f;

	if (len > INT32_MAX) {
		VF_ERROR_SET(err, VF_ERR_INPUT, name, "document too large");
		return NULL;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, name, "out of memory");
		return NULL;
	}
	xmlSetStructuredErrorFunc(NULL, vf_tcx_silent_error);
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, name, NULL, XML_PARSE_NONET);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (!doc || !ctxt->wellFormed) {
		VF_ERROR_SET(err, VF_ERR_INPUT, name, "not a well-formed XML document");
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return NULL;
	}
	xmlFreeParserCtxt(ctxt);
	f = load_doc(doc, name, opts, err);
	xmlFreeDoc(doc);
	return f;
}

static void handler_free(struct vf_tcx_handler *h)
{
	size_t i;

	free(h->event);
	free_regex(h->regex);
	for (i = 0; i < h->change_count; i++) {
		change_free(&h->changes[i]);
	}
	free(h->changes);
}

static void analysis_free(struct vf_tcx_analysis *a)
{
	size_t i, j, k;

	free(a->id);
	free(a->label);
	for (i = 0; i < a->mapping_count; i++) {
		for (j = 0; j < a->mappings[i].entry_count; j++) {
			value_free(&a->mappings[i].from[j]);
			value_free(&a->mappings[i].to[j]);
		}
		free(a->mappings[i].from);
		free(a->mappings[i].to);
		free(a->mappings[i].id);
	}
	free(a->mappings);
	for (i = 0; i < a->handler_count; i++) {
		handler_free(&a->handlers[i]);
	}
	free(a->handlers);
	for (i = 0; i < a->test_count; i++) {
		free(a->tests[i].id);
		cond_free(&a->tests[i].cond);
	}
	free(a->tests);
	for (i = 0; i < a->action_count; i++) {
		free(a->actions[i].id);
		for (j = 0; j < a->actions[i].change_count; j++) {
			change_free(&a->actions[i].changes[j]);
		}
		free(a->actions[i].changes);
	}
	free(a->actions);
	for (i = 0; i < a->fsm_count; i++) {
		struct vf_tcx_fsm *fsm = &a->fsms[i];

		free(fsm->id);
		for (j = 0; j < fsm->state_count; j++) {
			struct vf_tcx_state *st = &fsm->states[j];

			free(st->id);
			free(st->onentry);
			free(st->onexit);
			for (k = 0; k < st->tr_count; k++) {
				event_match_free(&st->tr[k].ev);
				free(st->tr[k].conds);
				free(st->tr[k].actions);
				free(st->tr[k].target_id);
			}
			free(st->tr);
		}
		free(fsm->states);
		for (j = 0; j < fsm->pre_count; j++) {
			event_match_free(&fsm->pre[j].ev);
			free(fsm->pre[j].conds);
		}
		free(fsm->pre);
	}
	free(a->fsms);
	free(a->initial_fsms);
	for (i = 0; i < a->trace_type_count; i++) {
		free(a->trace_types[i]);
	}
	free(a->trace_types);
}

void vf_tcx_file_free(struct vf_tcx_file *f)
{
	size_t i, j;

	if (!f) {
		return;
	}
	for (i = 0; i < f->analysis_count; i++) {
		analysis_free(&f->analyses[i]);
	}
	free(f->analyses);
	for (i = 0; i < f->view_count; i++) {
		struct vf_tcx_view *v = &f->views[i];

		free(v->id);
		free(v->label);
		for (j = 0; j < v->analysis_count; j++) {
			free(v->analyses[j]);
		}
		free(v->analyses);
		for (j = 0; j < v->entry_count; j++) {
			ventry_free(&v->entries[j]);
		}
		free(v->entries);
	}
	free(f->views);
	free(f->diags);
	vf_strtab_fini(&f->strings);
	free(f->path);
	free(f);
}

const struct vf_tcx_analysis *vf_tcx_find(const struct vf_tcx_file *f, const char *id)
{
	size_t i;

	if (!id) {
		return f->analysis_count ? &f->analyses[0] : NULL;
	}
	for (i = f->analysis_count; i > 0; i--) {
		if (strcmp(f->analyses[i - 1].id, id) == 0) {
			return &f->analyses[i - 1];
		}
	}
	return NULL;
}

const struct vf_tcx_view *vf_tcx_find_view(const struct vf_tcx_file *f, const char *id)
{
	size_t i;

	for (i = f->view_count; i > 0; i--) {
		if (strcmp(f->views[i - 1].id, id) == 0) {
			return &f->views[i - 1];
		}
	}
	return NULL;
}
