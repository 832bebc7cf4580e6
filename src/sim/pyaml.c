/**
 * @file pyaml.c  libyaml events into a tree that remembers where each node
 * was written, for the persona loader's file:line:col errors.
 *
 * Persona files are edited by hand and fuzzed, so the reader is strict
 * and bounded: aliases, duplicate keys, non-scalar keys and nesting deeper
 * than PNODE_MAXDEPTH are errors, never surprises or deep recursion. Only
 * the first document counts; a second one is an error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <yaml.h>
#include <re.h>
#include "sim/persona.h"
#include "sim/sim_priv.h"

#define PNODE_MAXDEPTH 32

struct preader {
	yaml_parser_t p;
	struct persona_diags *d;
	unsigned depth;
};

void *pmem_grow(void *p, size_t size)
{
	return p ? mem_realloc(p, size) : mem_alloc(size, NULL);
}

void pdiag(struct persona_diags *d, unsigned line, unsigned col,
	   const char *fmt, ...)
{
	struct persona_diag *dg;
	va_list ap;

	if (!d)
		return;
	++d->errors;
	if (d->n == d->alloc) {
		size_t na = d->alloc ? d->alloc * 2 : 8;
		struct persona_diag *v = pmem_grow(d->v, na * sizeof(*v));

		if (!v)
			return;
		d->v = v;
		d->alloc = na;
	}
	dg = &d->v[d->n++];
	dg->line = line;
	dg->col = col;
	va_start(ap, fmt);
	(void)vsnprintf(dg->msg, sizeof(dg->msg), fmt, ap);
	va_end(ap);
}

void persona_diags_reset(struct persona_diags *d)
{
	if (!d)
		return;
	d->v = mem_deref(d->v);
	d->n = d->alloc = 0;
	d->errors = 0;
}

void persona_diags_print(const struct persona_diags *d, const char *file,
			 FILE *f)
{
	size_t i;

	for (i = 0; d && i < d->n; i++) {
		const struct persona_diag *dg = &d->v[i];

		if (dg->line)
			fprintf(f, "%s:%u:%u: error: %s\n", file, dg->line,
				dg->col, dg->msg);
		else
			fprintf(f, "%s: error: %s\n", file, dg->msg);
	}
}

static void pnode_destructor(void *arg)
{
	struct pnode *n = arg;
	size_t i;

	for (i = 0; i < n->n; i++)
		mem_deref(n->items[i]);
	mem_deref(n->items);
	mem_deref(n->str);
}

static struct pnode *pnode_new(enum pnode_type t, const yaml_mark_t *m)
{
	struct pnode *n = mem_zalloc(sizeof(*n), pnode_destructor);

	if (!n)
		return NULL;
	n->type = t;
	n->line = (unsigned)m->line + 1;
	n->col = (unsigned)m->column + 1;
	return n;
}

static int pnode_add(struct pnode *n, struct pnode *child)
{
	if (n->n == n->alloc) {
		size_t na = n->alloc ? n->alloc * 2 : 4;
		struct pnode **v = pmem_grow(n->items, na * sizeof(*v));

		if (!v)
			return ENOMEM;
		n->items = v;
		n->alloc = na;
	}
	n->items[n->n++] = child;
	return 0;
}

static int yaml_fail(struct preader *r)
{
	const yaml_mark_t *m = &r->p.problem_mark;
	const char *what = r->p.problem ? r->p.problem : "syntax error";

	if (r->p.error == YAML_MEMORY_ERROR)
		return ENOMEM;
	if (r->p.error == YAML_READER_ERROR)
		pdiag(r->d, 1, 1, "YAML: %s (byte %zu)", what,
		      r->p.problem_offset);
	else
		pdiag(r->d, (unsigned)m->line + 1, (unsigned)m->column + 1,
		      "YAML: %s%s%s", what, r->p.context ? " " : "",
		      r->p.context ? r->p.context : "");
	return EINVAL;
}

static int read_node(struct preader *r, yaml_event_t *ev,
		     struct pnode **np);

static bool key_seen(const struct pnode *map, const char *key)
{
	size_t i;

	for (i = 0; i + 1 < map->n; i += 2) {
		if (!strcmp(map->items[i]->str, key))
			return true;
	}
	return false;
}

static int read_children(struct preader *r, struct pnode *n,
			 yaml_event_type_t end)
{
	for (;;) {
		yaml_event_t ev;
		struct pnode *child = NULL;
		bool is_key = n->type == PNODE_MAP && n->n % 2 == 0;
		int err;

		if (!yaml_parser_parse(&r->p, &ev))
			return yaml_fail(r);
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return 0;
		}
		err = read_node(r, &ev, &child);
		yaml_event_delete(&ev);
		if (err)
			return err;
		if (is_key && child->type != PNODE_SCALAR) {
			pdiag(r->d, child->line, child->col,
			      "a key must be a plain word");
			mem_deref(child);
			return EINVAL;
		}
		if (is_key && key_seen(n, child->str)) {
			pdiag(r->d, child->line, child->col,
			      "key '%s' given twice", child->str);
			mem_deref(child);
			return EINVAL;
		}
		err = pnode_add(n, child);
		if (err) {
			mem_deref(child);
			return err;
		}
	}
}

static int read_node(struct preader *r, yaml_event_t *ev, struct pnode **np)
{
	struct pnode *n = NULL;
	int err = 0;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = pnode_new(PNODE_SCALAR, &ev->start_mark);
		if (!n)
			return ENOMEM;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		n->str = mem_zalloc(ev->data.scalar.length + 1, NULL);
		if (!n->str) {
			err = ENOMEM;
			break;
		}
		memcpy(n->str, ev->data.scalar.value, ev->data.scalar.length);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (r->depth >= PNODE_MAXDEPTH) {
			pdiag(r->d, (unsigned)ev->start_mark.line + 1,
			      (unsigned)ev->start_mark.column + 1,
			      "nested too deep");
			return EINVAL;
		}
		n = pnode_new(ev->type == YAML_SEQUENCE_START_EVENT
				      ? PNODE_SEQ
				      : PNODE_MAP,
			      &ev->start_mark);
		if (!n)
			return ENOMEM;
		++r->depth;
		err = read_children(r, n,
				    n->type == PNODE_SEQ
					    ? YAML_SEQUENCE_END_EVENT
					    : YAML_MAPPING_END_EVENT);
		--r->depth;
		break;
	case YAML_ALIAS_EVENT:
		pdiag(r->d, (unsigned)ev->start_mark.line + 1,
		      (unsigned)ev->start_mark.column + 1,
		      "aliases (*name) are not supported: write it out");
		return EINVAL;
	default:
		pdiag(r->d, (unsigned)ev->start_mark.line + 1,
		      (unsigned)ev->start_mark.column + 1,
		      "unexpected YAML event");
		return EINVAL;
	}
	if (err) {
		mem_deref(n);
		return err;
	}
	*np = n;
	return 0;
}

/* the next event must be of type t */
static int expect_event(struct preader *r, yaml_event_type_t t,
			yaml_event_t *ev)
{
	if (!yaml_parser_parse(&r->p, ev))
		return yaml_fail(r);
	if (ev->type != t) {
		yaml_event_delete(ev);
		return EPROTO;
	}
	return 0;
}

int pnode_parse(struct pnode **rootp, const char *buf, size_t len,
		struct persona_diags *d)
{
	struct preader r;
	struct pnode *root = NULL;
	yaml_event_t ev;
	int err;

	if (!rootp || (!buf && len))
		return EINVAL;
	memset(&r, 0, sizeof(r));
	r.d = d;
	if (!yaml_parser_initialize(&r.p))
		return ENOMEM;
	yaml_parser_set_input_string(&r.p, (const unsigned char *)buf, len);

	err = expect_event(&r, YAML_STREAM_START_EVENT, &ev);
	if (err)
		goto out;
	yaml_event_delete(&ev);

	if (!yaml_parser_parse(&r.p, &ev)) {
		err = yaml_fail(&r);
		goto out;
	}
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		goto out; /* empty file */
	}
	yaml_event_delete(&ev); /* DOCUMENT-START */

	if (!yaml_parser_parse(&r.p, &ev)) {
		err = yaml_fail(&r);
		goto out;
	}
	err = read_node(&r, &ev, &root);
	yaml_event_delete(&ev);
	if (err)
		goto out;

	err = expect_event(&r, YAML_DOCUMENT_END_EVENT, &ev);
	if (err)
		goto out;
	yaml_event_delete(&ev);
	if (!yaml_parser_parse(&r.p, &ev)) {
		err = yaml_fail(&r);
		goto out;
	}
	if (ev.type != YAML_STREAM_END_EVENT) {
		pdiag(d, (unsigned)ev.start_mark.line + 1,
		      (unsigned)ev.start_mark.column + 1,
		      "one YAML document per file (a second one starts here)");
		err = EINVAL;
	}
	yaml_event_delete(&ev);

out:
	yaml_parser_delete(&r.p);
	if (err == EPROTO) {
		pdiag(d, 1, 1, "YAML: unexpected structure");
		err = EINVAL;
	}
	if (err)
		mem_deref(root);
	else
		*rootp = root;
	return err;
}
