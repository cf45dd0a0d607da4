/*
 * jsonschema internals shared by js_compile.c, js_validate.c and
 * js_util.c.
 *
 * A compiled schema is a graph of js_node, all in the validator's arena,
 * next to the schema DOM it was compiled from (enum/const values and
 * numeric bounds point into that DOM). $ref edges may form cycles; the
 * validator bounds its recursion instead of detecting them.
 */
#ifndef ICP_JSONSCHEMA_INT_H
#define ICP_JSONSCHEMA_INT_H

#include "jsonschema/jsonschema.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Type bits for "type". */
enum {
	JS_T_NULL = 1 << 0,
	JS_T_BOOL = 1 << 1,
	JS_T_INTEGER = 1 << 2,
	JS_T_NUMBER = 1 << 3, /* includes integers */
	JS_T_STRING = 1 << 4,
	JS_T_ARRAY = 1 << 5,
	JS_T_OBJECT = 1 << 6
};

enum { JS_FMT_NONE = 0, JS_FMT_DATE_TIME, JS_FMT_DATE, JS_FMT_EMAIL, JS_FMT_UUID };

typedef struct js_node js_node;

typedef struct js_regex {
	pcre2_code *code;
	const char *src; /* the pattern text, for messages */
	struct js_regex *next; /* all regexes of a validator, to free them */
} js_regex;

typedef struct js_prop {
	const char *name;
	size_t len;
	js_node *schema;
} js_prop;

typedef struct js_pprop {
	js_regex *re;
	js_node *schema;
} js_pprop;

typedef struct js_str {
	const char *ptr;
	size_t len;
} js_str;

typedef struct js_depreq {
	js_str name;       /* when this property is present ... */
	js_str *required;  /* ... these must be too */
	size_t n;
} js_depreq;

typedef struct js_list {
	js_node **v;
	size_t n;
} js_list;

struct js_node {
	const char *path;      /* "#/properties/a": where it was compiled from */
	int boolean;           /* -1: an object schema; 0/1: false/true schema */
	unsigned types;        /* JS_T_* mask; 0 = no "type" keyword */
	js_node *ref;          /* $ref target */

	/* objects */
	js_prop *props;
	size_t n_props;
	js_pprop *pprops;
	size_t n_pprops;
	js_node *addl_props;
	js_str *required;
	size_t n_required;
	js_node *prop_names;
	int64_t min_props, max_props; /* -1 = absent */
	js_depreq *dep_req;
	size_t n_dep_req;
	js_prop *dep_schemas;
	size_t n_dep_schemas;

	/* arrays */
	js_list prefix;        /* items array (07) / prefixItems (2020) */
	js_node *items;        /* for indexes >= prefix.n */
	js_node *contains;
	int64_t min_contains;  /* default 1 */
	int64_t max_contains;  /* -1 = absent */
	int64_t min_items, max_items;
	int unique;

	/* numbers: DOM nodes (INT or DOUBLE), NULL = absent */
	const icp_json *minimum, *maximum, *xminimum, *xmaximum, *multiple_of;

	/* strings */
	int64_t min_len, max_len;
	js_regex *pattern;
	int format;             /* JS_FMT_* (0 when not asserted) */
	const char *format_name;

	/* any */
	const icp_json *enum_;  /* array */
	const icp_json *const_;
	js_list all_of, any_of, one_of;
	js_node *not_, *if_, *then_, *else_;
};

struct icp_jsonschema {
	icp_arena *arena;      /* the DOM and every node */
	js_node *root;
	js_regex *regexes;
	pcre2_general_context *gctx; /* icp_malloc-backed, for NULL scratch */
	pcre2_match_context *mctx;   /* match/depth limits, read-only */
	int draft;
	int max_depth;
};

/* Compiler state (js_compile.c, js_ref.c). */
/* A schema resource (is_id: name is its absolute URI, no fragment) or a
 * plain-name anchor (name, inside the resource whose URI is base). */
typedef struct js_anchor {
	const char *name;
	size_t len;
	int is_id;
	const char *base;  /* anchors: URI of the resource they belong to */
	const char *outer; /* base URI around node (before its own $id) */
	const icp_json *node;
	const char *path;
} js_anchor;

typedef struct js_cc {
	icp_jsonschema *v;
	icp_error *err;
	const icp_json *root;
	int draft;
	int format_assert;
	/* DOM node -> js_node, open addressing, icp_malloc'd */
	const icp_json **mkeys;
	js_node **mvals;
	size_t mcap, mn;
	js_anchor *anchors;
	size_t n_anchors, cap_anchors;
	pcre2_compile_context *ccx;
	const char *base; /* base URI of the schema being compiled ("" = none) */
	int depth;        /* js_compile_node nesting (children and $ref chains) */
} js_cc;

/* js_compile.c */
int js_fail(js_cc *c, const char *path, const char *kw, const char *what);
const char *js_sub_path(js_cc *c, const char *parent, const char *seg, size_t n);
const char *js_idx_path(js_cc *c, const char *parent, const char *kw, size_t i);
void *js_cc_alloc(js_cc *c, size_t count, size_t size);
js_node *js_compile_node(js_cc *c, const icp_json *dom, const char *path);
/* js_ref.c */
int js_scan(js_cc *c, const icp_json *s, const char *path, const char *base);
/* The base URI a schema object sets for itself and its subschemas: its
 * "$id" resolved against base, or base. NULL only on allocation failure. */
const char *js_node_base(js_cc *c, const icp_json *s, const char *base);
js_node *js_resolve_ref(js_cc *c, const char *ref, size_t rlen, const char *path);

/* js_util.c */
/* Deep equality as JSON Schema defines it (1 == 1.0, objects unordered). */
int js_equal(const icp_json *a, const icp_json *b);
/* A hash consistent with js_equal (equal values hash equal). */
uint64_t js_hash(const icp_json *v);
/* -1, 0, 1 for numbers a <=> b (INT/DOUBLE, exact across kinds). */
int js_num_cmp(const icp_json *a, const icp_json *b);
/* 1 when n (INT or DOUBLE) is a multiple of m (> 0). */
int js_multiple_of(const icp_json *n, const icp_json *m);
/* 1 when n is an integral number (1.0 counts). */
int js_is_integer(const icp_json *n);
/* Unicode code points in a valid UTF-8 string. */
size_t js_utf8_len(const char *s, size_t n);
int js_format_check(int fmt, const char *s, size_t n);
int js_format_lookup(const char *name);

#endif
