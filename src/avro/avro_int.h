/*
 * avro internals shared by the writer and the reader: the compiled schema
 * (a graph of icp_avro_type nodes in an arena; named references point at
 * their definition, so recursive schemas are cycles) and varint helpers.
 */
#ifndef ICP_AVRO_INT_H
#define ICP_AVRO_INT_H

#include "avro/avro.h"

typedef enum avro_kind {
	AV_NULL,
	AV_BOOLEAN,
	AV_INT,
	AV_LONG,
	AV_FLOAT,
	AV_DOUBLE,
	AV_BYTES,
	AV_STRING,
	AV_RECORD,
	AV_ENUM,
	AV_ARRAY,
	AV_MAP,
	AV_UNION,
	AV_FIXED
} avro_kind;

/* Logical types the datum decoder knows (avro_datum.c); the OCF reader
 * ignores them. Set only when valid for the base type (the spec: an
 * invalid logical type is read as its base type). */
typedef enum avro_logical {
	AVL_NONE = 0,
	AVL_DECIMAL,      /* bytes, fixed: precision, scale */
	AVL_UUID,         /* string */
	AVL_DATE,         /* int */
	AVL_TIME_MS,      /* int */
	AVL_TIME_US,      /* long */
	AVL_TS_MS,        /* long; timestamp-* (instants) */
	AVL_TS_US,
	AVL_TS_NS,
	AVL_LTS_MS,       /* long; local-timestamp-* */
	AVL_LTS_US,
	AVL_LTS_NS
} avro_logical;

typedef struct avro_type avro_type;
struct avro_type {
	avro_kind kind;
	const char *name;     /* full name of records, enums, fixed */
	size_t n;             /* fields, symbols, branches; fixed: its size */
	avro_type **types;    /* record fields / union branches; [0] = items, values */
	const char **names;   /* record field names / enum symbols */
	size_t *name_lens;
	size_t min_size;      /* fewest bytes one value can encode to */
	int min_state;        /* 0 unknown, 1 computing, 2 done */
	avro_logical logical;
	int32_t precision, scale; /* decimal */
	const icp_json *json;     /* named types: the defining object */
	const icp_json **fields_json; /* record: each field's object (default, aliases) */
};

/* Named types known so far (full name -> type), in the compile's arena. */
typedef struct avro_named avro_named;

/* Compiles a parsed schema; every node lives in a. Returns ICP_OK,
 * ICP_ERR_NOMEM, or bad_status (the writer passes INVALID: the caller's
 * mistake; the reader CORRUPT: the file's) with what and where in err. */
int icp_avro_schema_compile(icp_arena *a, const icp_json *schema, int bad_status,
                            avro_type **root, icp_error *err);

/* As icp_avro_schema_compile, with the named types of earlier compiles in
 * *names (NULL at first; same arena): a schema may refer to the types of
 * the ones compiled before it (Confluent schema references). */
int icp_avro_schema_compile_named(icp_arena *a, const icp_json *schema, int bad_status,
                                  avro_named **names, avro_type **root, icp_error *err);

/* At most this many items per block when an item can encode to 0 bytes. */
#define AVRO_ZERO_SIZE_CAP 65536

/* ------------------------------------------- datum decoding (avro_datum.c)
 * A parsed schema: the JSON DOMs of its texts and the compiled graph, all
 * in one arena (defaults and aliases are read from the DOM). */
struct icp_avro_schema {
	icp_arena *a;
	avro_type *root;
};

/* What a step reads from the writer's bytes. */
typedef enum avro_rop {
	RO_NULL,
	RO_BOOL,
	RO_INT,
	RO_LONG,
	RO_FLOAT,
	RO_DOUBLE,
	RO_BYTES,     /* bytes or string */
	RO_FIXED,
	RO_ENUM,
	RO_ARRAY,
	RO_MAP,
	RO_RECORD,
	RO_UNION,     /* writer union: branches[index] */
	RO_WRAP,      /* reader union of several non-null branches: OBJ {wrap: item} */
	RO_FAIL       /* a writer union branch the reader cannot take: fail */
} avro_rop;

/* What the reader wants made of the value read (its node kind). */
typedef enum avro_rconv {
	RC_NONE,
	RC_LONG,
	RC_FLOAT,     /* DOUBLE rounded through float (reader float) */
	RC_DOUBLE,
	RC_DATE,
	RC_TIME_MS,
	RC_TIME_US,
	RC_TS_MS,
	RC_TS_US,
	RC_TS_NS,
	RC_STR,
	RC_BYTES,
	RC_DECIMAL
} avro_rconv;

typedef struct avro_rnode avro_rnode;
typedef struct avro_rstep avro_rstep;

struct avro_rnode {
	uint8_t op;               /* avro_rop */
	uint8_t conv;             /* avro_rconv */
	int16_t scale;            /* RC_DECIMAL */
	uint32_t n;               /* fixed: size; record: steps; union, enum: writer's count */
	avro_rnode *item;         /* array items, map values, RO_WRAP's inner */
	avro_rnode **branches;    /* RO_UNION, per writer branch */
	avro_rstep *steps;        /* RO_RECORD */
	const char **syms;        /* RO_ENUM: reader symbol per writer symbol (NULL: none) */
	size_t *sym_lens;
	const char *key;          /* RO_WRAP: "member<k>"; RO_FAIL: the message */
	size_t key_len;
	size_t item_min;          /* arrays, maps: fewest bytes per item */
};

/* One record step: a writer field (decoded into node and emitted under
 * key, or skipped when node is NULL), or a reader-only field whose default
 * is emitted (w == NULL: the template def[0..n_def), ends relative to
 * def[0]). */
struct avro_rstep {
	avro_rnode *node;
	const avro_type *w;
	const char *key;
	size_t key_len;
	const icp_vt_node *def;
	uint32_t n_def;
};

/* The node kind reader type r wants (avro_resolve.c). */
avro_rconv icp_avro_conv_of(const avro_type *r);

/* Sets node x from integer v converted as conv says (kinds LONG, DOUBLE,
 * DATE, TIME, TIMESTAMP). 0, or -1 when the microseconds overflow. */
static inline int icp_avro_conv_int(int conv, int64_t v, icp_vt_node *x)
{
	switch (conv) {
	case RC_FLOAT: x->type = ICP_VT_DOUBLE; x->d = (double)(float)v; return 0;
	case RC_DOUBLE: x->type = ICP_VT_DOUBLE; x->d = (double)v; return 0;
	case RC_DATE: x->type = ICP_VT_DATE; x->i = v; return 0;
	case RC_TIME_MS:
		x->type = ICP_VT_TIME;
		return __builtin_mul_overflow(v, 1000, &x->i) ? -1 : 0;
	case RC_TIME_US: x->type = ICP_VT_TIME; x->i = v; return 0;
	case RC_TS_MS:
		x->type = ICP_VT_TIMESTAMP;
		return __builtin_mul_overflow(v, 1000, &x->i) ? -1 : 0;
	case RC_TS_US: x->type = ICP_VT_TIMESTAMP; x->i = v; return 0;
	case RC_TS_NS:
		/* Floor division: -1 ns is -1 us, not 0. */
		x->type = ICP_VT_TIMESTAMP;
		x->i = v / 1000 - (v % 1000 < 0);
		return 0;
	default: x->type = ICP_VT_LONG; x->i = v; return 0;
	}
}

/* The vtree nodes of default value v for reader type r (avro_default.c),
 * allocated in a: *out[0..*n), ends relative to out[0]. ICP_ERR_INVALID
 * when v does not fit r (what, not where: the caller prefixes the path). */
int icp_avro_default_template(icp_arena *a, const avro_type *r, const icp_json *v,
                              const icp_vt_node **out, uint32_t *n, icp_error *err);

struct icp_avro_decoder {
	icp_arena *a;
	avro_rnode *root;
};

#endif
