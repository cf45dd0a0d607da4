/*
 * YAML text -> a small node tree (icp_ynode), using libyaml's event parser.
 *
 * Why events and not libyaml's document API: we refuse anchors and aliases
 * at the first event that has one, so an alias bomb never expands, and we
 * stop at ICP_YAML_MAX_DEPTH before libyaml has seen the rest of a deeply
 * nested input. Nodes live in the caller's arena; libyaml's own buffers are
 * freed before returning. Scalars keep their text exactly (no type
 * resolution here): the key tables decide what a scalar means.
 */
#include "config/config_int.h"

#include <yaml.h>

typedef struct ybuild {
	icp_arena *a;
	icp_ynode *stack[ICP_YAML_MAX_DEPTH];
	int depth;
	icp_ynode *root;
	size_t nodes;
	int docs;
	icp_error *err;
} ybuild;

static int is_null_text(const char *s, size_t n)
{
	return n == 0 || (n == 1 && s[0] == '~') ||
	       (n == 4 && (memcmp(s, "null", 4) == 0 ||
	                   memcmp(s, "Null", 4) == 0 ||
	                   memcmp(s, "NULL", 4) == 0));
}

static int attach(ybuild *b, icp_ynode *node)
{
	icp_ynode *parent;

	if (b->depth == 0) {
		if (b->root)
			return icp_error_set(b->err, ICP_ERR_INVALID,
			                     "YAML: more than one root node at line %zu",
			                     node->line);
		b->root = node;
		return ICP_OK;
	}
	parent = b->stack[b->depth - 1];
	if (parent->kind == ICP_YN_MAP) {
		/* Children alternate key, value: an even count before this one
		 * means it is a key. */
		int is_key = (parent->n % 2) == 0;
		if (is_key && node->kind != ICP_YN_SCALAR)
			return icp_error_set(b->err, ICP_ERR_INVALID,
			                     "YAML: complex (non-scalar) keys are not "
			                     "supported (line %zu column %zu)",
			                     node->line, node->col);
	}
	if (parent->last)
		parent->last->next = node;
	else
		parent->first = node;
	parent->last = node;
	parent->n++; /* MAP: counts keys and values; fixed up at the end */
	return ICP_OK;
}

static icp_ynode *new_node(ybuild *b, int kind, const yaml_event_t *ev)
{
	icp_ynode *n;

	if (++b->nodes > ICP_YAML_MAX_NODES) {
		icp_error_set(b->err, ICP_ERR_TOO_LARGE,
		              "YAML: more than %d nodes (line %zu)",
		              ICP_YAML_MAX_NODES, (size_t)ev->start_mark.line + 1);
		return NULL;
	}
	n = icp_arena_alloc(b->a, sizeof(*n));
	if (!n) {
		icp_error_set(b->err, ICP_ERR_NOMEM, "YAML: out of memory");
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = (size_t)ev->start_mark.line + 1;
	n->col = (size_t)ev->start_mark.column + 1;
	return n;
}

static int refuse_anchor(ybuild *b, const yaml_event_t *ev, const yaml_char_t *anchor)
{
	if (!anchor)
		return ICP_OK;
	return icp_error_set(b->err, ICP_ERR_INVALID,
	                     "YAML: anchors and aliases are not supported "
	                     "(line %zu column %zu)",
	                     (size_t)ev->start_mark.line + 1,
	                     (size_t)ev->start_mark.column + 1);
}

static int on_scalar(ybuild *b, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	icp_ynode *n;

	if (refuse_anchor(b, ev, ev->data.scalar.anchor))
		return b->err->status;
	if (memchr(v, '\0', len))
		return icp_error_set(b->err, ICP_ERR_INVALID,
		                     "YAML: scalar at line %zu contains a NUL byte",
		                     (size_t)ev->start_mark.line + 1);
	n = new_node(b, ICP_YN_SCALAR, ev);
	if (!n)
		return b->err->status;
	n->str = icp_arena_memdup(b->a, v, len + 1);
	if (!n->str)
		return icp_error_set(b->err, ICP_ERR_NOMEM, "YAML: out of memory");
	n->str[len] = '\0';
	n->len = len;
	/* An explicit !!str tag makes a plain scalar a string, never null. */
	n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	            (tag && strcmp(tag, YAML_STR_TAG) == 0);
	n->is_null = !n->quoted && is_null_text(v, len);
	return attach(b, n);
}

static int on_start(ybuild *b, const yaml_event_t *ev, int kind,
                    const yaml_char_t *anchor)
{
	icp_ynode *n;

	if (refuse_anchor(b, ev, anchor))
		return b->err->status;
	if (b->depth >= ICP_YAML_MAX_DEPTH)
		return icp_error_set(b->err, ICP_ERR_TOO_LARGE,
		                     "YAML: nesting deeper than %d at line %zu",
		                     ICP_YAML_MAX_DEPTH,
		                     (size_t)ev->start_mark.line + 1);
	n = new_node(b, kind, ev);
	if (!n)
		return b->err->status;
	if (attach(b, n))
		return b->err->status;
	b->stack[b->depth++] = n;
	return ICP_OK;
}

static int on_end(ybuild *b)
{
	icp_ynode *n;

	if (b->depth == 0) /* libyaml balances events; be safe anyway */
		return icp_error_set(b->err, ICP_ERR_INVALID, "YAML: unbalanced end");
	n = b->stack[--b->depth];
	if (n->kind == ICP_YN_MAP)
		n->n /= 2; /* keys and values were both counted */
	return ICP_OK;
}

static int syntax_error(const yaml_parser_t *p, icp_error *err)
{
	if (p->error == YAML_MEMORY_ERROR)
		return icp_error_set(err, ICP_ERR_NOMEM, "YAML: out of memory");
	if (p->context)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "YAML syntax error at line %zu column %zu: %s %s "
		                     "(line %zu)",
		                     (size_t)p->problem_mark.line + 1,
		                     (size_t)p->problem_mark.column + 1,
		                     p->problem ? p->problem : "invalid input",
		                     p->context, (size_t)p->context_mark.line + 1);
	return icp_error_set(err, ICP_ERR_INVALID,
	                     "YAML syntax error at line %zu column %zu: %s",
	                     (size_t)p->problem_mark.line + 1,
	                     (size_t)p->problem_mark.column + 1,
	                     p->problem ? p->problem : "invalid input");
}

int icp_yaml_parse(const char *text, size_t len, icp_arena *a,
                   icp_ynode **root, icp_error *err)
{
	yaml_parser_t p;
	yaml_event_t ev;
	ybuild b;
	int done = 0, rc = ICP_OK;

	memset(&b, 0, sizeof(b));
	b.a = a;
	b.err = err;
	*root = NULL;
	if (!yaml_parser_initialize(&p))
		return icp_error_set(err, ICP_ERR_NOMEM, "YAML: out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done && rc == ICP_OK) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = syntax_error(&p, err);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++b.docs > 1)
				rc = icp_error_set(err, ICP_ERR_INVALID,
				                   "YAML: more than one document (line %zu); "
				                   "a config is one document",
				                   (size_t)ev.start_mark.line + 1);
			break;
		case YAML_ALIAS_EVENT:
			rc = refuse_anchor(&b, &ev, ev.data.alias.anchor);
			break;
		case YAML_SCALAR_EVENT:
			rc = on_scalar(&b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = on_start(&b, &ev, ICP_YN_SEQ, ev.data.sequence_start.anchor);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = on_start(&b, &ev, ICP_YN_MAP, ev.data.mapping_start.anchor);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			rc = on_end(&b);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (rc == ICP_OK)
		*root = b.root;
	return rc;
}
