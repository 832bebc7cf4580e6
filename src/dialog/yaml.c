/**
 * @file yaml.c  libyaml events into a small tree that remembers where each
 * node was written, so every later complaint can name file:line:column.
 *
 * Scripts are edited by hand by people who are not programmers, so the
 * parser is strict: aliases, duplicate keys and non-scalar keys are errors
 * rather than silent surprises. Depth is bounded (fuzzed input).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <yaml.h>
#include "dialog/dialog.h"
#include "dialog/dialog_priv.h"

#define YTREE_MAXDEPTH 64

struct yparse {
	yaml_parser_t p;
	const char *buf;
	size_t len;
	struct dialog_diags *diags;
	unsigned depth;
};

void ytree_free(struct ynode *n)
{
	size_t i, cnt;

	if (!n)
		return;
	cnt = n->nitems;
	for (i = 0; i < cnt; i++)
		ytree_free(n->items[i]);
	free(n->items);
	free(n->str);
	free(n);
}

static struct ynode *ynode_new(enum ynode_type t, const yaml_mark_t *m)
{
	struct ynode *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->type = t;
	n->line = (unsigned)m->line + 1;
	n->col = (unsigned)m->column + 1;
	return n;
}

static int ynode_add(struct ynode *n, struct ynode *child)
{
	struct ynode **v;

	/* maps store key and value as consecutive items; n counts pairs */
	v = realloc(n->items, (n->nitems + 1) * sizeof(*v));
	if (!v)
		return ENOMEM;
	n->items = v;
	n->items[n->nitems++] = child;
	n->n = n->type == YNODE_MAP ? n->nitems / 2 : n->nitems;
	return 0;
}

static int parse_error(struct yparse *yp)
{
	const yaml_mark_t *m = &yp->p.problem_mark;
	const char *what = yp->p.problem ? yp->p.problem : "syntax error";
	unsigned line = (unsigned)m->line + 1, col = (unsigned)m->column + 1;

	/* reader errors (bad bytes) only give a byte offset */
	if (yp->p.error == YAML_READER_ERROR) {
		size_t i, off = yp->p.problem_offset;

		line = col = 1;
		for (i = 0; i < off && i < yp->len; i++) {
			if (yp->buf[i] == '\n') {
				++line;
				col = 1;
			}
			else if (((unsigned char)yp->buf[i] & 0xc0) != 0x80) {
				++col;
			}
		}
	}
	if (yp->p.context)
		diag_add(yp->diags, DIALOG_ERROR, line, col, "YAML: %s %s",
			 what, yp->p.context);
	else
		diag_add(yp->diags, DIALOG_ERROR, line, col, "YAML: %s", what);
	return EINVAL;
}

static int parse_node(struct yparse *yp, yaml_event_t *ev,
		      struct ynode **np);

/* Parse the children of a sequence or mapping until its end event. */
static int parse_children(struct yparse *yp, struct ynode *n,
			  yaml_event_type_t endtype)
{
	int err = 0;

	for (;;) {
		yaml_event_t ev;
		struct ynode *child = NULL;

		if (!yaml_parser_parse(&yp->p, &ev))
			return parse_error(yp);
		if (ev.type == endtype) {
			yaml_event_delete(&ev);
			break;
		}
		err = parse_node(yp, &ev, &child);
		yaml_event_delete(&ev);
		if (err)
			return err;
		if (n->type == YNODE_MAP && (n->nitems % 2) == 0) {
			size_t i;

			if (child->type != YNODE_SCALAR) {
				diag_err(yp->diags, child,
					 "a key must be a plain word");
				ytree_free(child);
				return EINVAL;
			}
			for (i = 0; i < n->n; i++) {
				const struct ynode *k = n->items[2 * i];

				if (!strcmp(k->str, child->str)) {
					diag_err(yp->diags, child,
						 "duplicate key '%s' (first at "
						 "line %u)",
						 child->str, k->line);
					ytree_free(child);
					return EINVAL;
				}
			}
		}
		err = ynode_add(n, child);
		if (err) {
			ytree_free(child);
			return err;
		}
	}
	return 0;
}

static int parse_node(struct yparse *yp, yaml_event_t *ev,
		      struct ynode **np)
{
	struct ynode *n = NULL;
	int err = 0;

	switch (ev->type) {

	case YAML_SCALAR_EVENT:
		n = ynode_new(YNODE_SCALAR, &ev->start_mark);
		if (!n)
			return ENOMEM;
		n->str = malloc(ev->data.scalar.length + 1);
		if (!n->str) {
			free(n);
			return ENOMEM;
		}
		memcpy(n->str, ev->data.scalar.value, ev->data.scalar.length);
		n->str[ev->data.scalar.length] = '\0';
		if (strlen(n->str) != ev->data.scalar.length) {
			diag_err(yp->diags, n, "text contains a NUL byte");
			ytree_free(n);
			return EINVAL;
		}
		n->quoted = ev->data.scalar.style !=
			    YAML_PLAIN_SCALAR_STYLE;
		break;

	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (++yp->depth > YTREE_MAXDEPTH) {
			diag_add(yp->diags, DIALOG_ERROR,
				 (unsigned)ev->start_mark.line + 1,
				 (unsigned)ev->start_mark.column + 1,
				 "nested more than %d levels deep",
				 YTREE_MAXDEPTH);
			return EINVAL;
		}
		if (ev->type == YAML_SEQUENCE_START_EVENT) {
			n = ynode_new(YNODE_SEQ, &ev->start_mark);
			if (!n)
				return ENOMEM;
			err = parse_children(yp, n, YAML_SEQUENCE_END_EVENT);
		}
		else {
			n = ynode_new(YNODE_MAP, &ev->start_mark);
			if (!n)
				return ENOMEM;
			err = parse_children(yp, n, YAML_MAPPING_END_EVENT);
		}
		--yp->depth;
		if (err) {
			ytree_free(n);
			return err;
		}
		break;

	case YAML_ALIAS_EVENT:
		diag_add(yp->diags, DIALOG_ERROR,
			 (unsigned)ev->start_mark.line + 1,
			 (unsigned)ev->start_mark.column + 1,
			 "YAML aliases (*name) are not supported: write the "
			 "value out");
		return EINVAL;

	default:
		diag_add(yp->diags, DIALOG_ERROR,
			 (unsigned)ev->start_mark.line + 1,
			 (unsigned)ev->start_mark.column + 1,
			 "YAML: unexpected event");
		return EINVAL;
	}

	*np = n;
	return 0;
}

int ytree_parse(struct ynode **rootp, const char *buf, size_t len,
		struct dialog_diags *diags)
{
	struct yparse yp;
	struct ynode *root = NULL;
	yaml_event_t ev;
	int err = 0;
	bool done = false;

	memset(&yp, 0, sizeof(yp));
	yp.diags = diags;
	yp.buf = buf;
	yp.len = len;
	if (!yaml_parser_initialize(&yp.p))
		return ENOMEM;
	yaml_parser_set_input_string(&yp.p, (const unsigned char *)buf, len);

	while (!done) {
		if (!yaml_parser_parse(&yp.p, &ev)) {
			err = parse_error(&yp);
			goto out;
		}
		switch (ev.type) {

		case YAML_STREAM_END_EVENT:
			done = true;
			break;

		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
			if (root) {
				diag_add(diags, DIALOG_ERROR,
					 (unsigned)ev.start_mark.line + 1, 1,
					 "only one YAML document per file");
				err = EINVAL;
			}
			else {
				err = parse_node(&yp, &ev, &root);
			}
			break;

		default:
			break;
		}
		yaml_event_delete(&ev);
		if (err)
			goto out;
	}

	if (!root) {
		diag_add(diags, DIALOG_ERROR, 1, 1, "the file is empty");
		err = EINVAL;
	}

out:
	yaml_parser_delete(&yp.p);
	if (err)
		ytree_free(root);
	else
		*rootp = root;
	return err;
}

const struct ynode *ymap_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (!map || map->type != YNODE_MAP)
		return NULL;
	for (i = 0; i < map->n; i++) {
		if (!strcmp(map->items[2 * i]->str, key))
			return map->items[2 * i + 1];
	}
	return NULL;
}
