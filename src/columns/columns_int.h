/*
 * columns internals: the record scanner (columns_json.c) and the coercion
 * functions (columns_coerce.c, columns_time.c, columns_decimal.c) shared
 * with the extractor, and the extractor's state shared by
 * columns_extract.c and columns_rows.c.
 *
 * The scanner parses one record value into a flat, pre-order array of
 * nodes owned by the caller (reused from record to record: grown, never
 * shrunk). Strings are unescaped into a scratch buffer reserved to the
 * value's length before parsing (an unescaped string is never longer than
 * its escaped form), so pointers into it stay valid for the record.
 */
#ifndef ICP_COLUMNS_INT_H
#define ICP_COLUMNS_INT_H

#include "columns/columns.h"
#include "vtree/vtree.h"

/* The scanner's nodes are the shared decoded-value tree (vtree.h): the
 * Avro and Protobuf decoders build the same nodes, so one shredder serves
 * every format. */
enum { CJ_NULL = ICP_VT_NULL, CJ_BOOL = ICP_VT_BOOL, CJ_NUM = ICP_VT_NUM, CJ_STR = ICP_VT_STR,
       CJ_ARR = ICP_VT_ARR, CJ_OBJ = ICP_VT_OBJ };

typedef icp_vt_node cj_node;
typedef icp_vt_doc cj_doc;

/* Parses text as one JSON value. ICP_OK; ICP_ERR_CORRUPT when it is not
 * valid JSON (UTF-8 included) or nests deeper than 64; ICP_ERR_NOMEM. */
int cj_parse(cj_doc *d, const uint8_t *text, size_t len);
/* Child node after child i (children of a container are consecutive
 * subtrees: the next starts at the previous one's end). */
static inline uint32_t cj_first(uint32_t i)
{
	return i + 1;
}

/* Coercions: return 1 (value set) or 0 (wrong kind or range: null). */
int icp_cc_long(const cj_node *v, int64_t *out);
int icp_cc_int(const cj_node *v, int32_t *out);
int icp_cc_double(const cj_node *v, double *out);
int icp_cc_float(const cj_node *v, float *out);
int icp_cc_bool(const cj_node *v, uint8_t *out);
/* Time kinds: fmt is the column's format (icp_columns_format); the plain
 * functions are the format-less rule. */
int icp_cc_timestamp(const cj_node *v, int64_t *out);
int icp_cc_timestamp_fmt(const cj_node *v, int fmt, int64_t *out);
int icp_cc_date(const cj_node *v, int32_t *out);
int icp_cc_date_fmt(const cj_node *v, int fmt, int32_t *out);
int icp_cc_time(const cj_node *v, int fmt, int64_t *out);
/* decimal(P,S) from a number or numeric string: the unscaled value as 16
 * big-endian two's-complement bytes. */
int icp_cc_decimal(const cj_node *v, int precision, int scale, uint8_t be[16]);
int icp_cc_uuid(const cj_node *v, uint8_t out[16]);

/* Exact decimal arithmetic (columns_decimal.c): a sign and a magnitude in
 * four little-endian 32-bit limbs, always below 10^38. */
typedef struct icp_dec {
	uint32_t m[4];
	int neg;
} icp_dec;
enum { ICP_DEC_HALF_UP, ICP_DEC_FLOOR };
/* Decimal text (JSON number grammar, plus a leading '+' and ".5"/"5.")
 * times 10^scale, digits past that rounded by mode. ICP_ERR_INVALID: not
 * a number; ICP_ERR_TOO_LARGE: max_digits (<= 38) digits do not hold it. */
int icp_dec_parse(const char *s, size_t n, int scale, int max_digits, int mode, icp_dec *out);
/* 1 with the value when it fits an int64, else 0. */
int icp_dec_to_i64(const icp_dec *x, int64_t *out);
void icp_dec_to_be(const icp_dec *x, uint8_t be[16]);
/* Big-endian two's complement (1..16 bytes, or more when the extra
 * leading bytes only extend the sign) to sign and magnitude: 1, or 0 when
 * empty or wider than 128 bits. */
int icp_dec_from_be(const uint8_t *b, size_t n, icp_dec *out);
/* 1 when the magnitude is >= 10^p (0 <= p <= 38). */
int icp_dec_ge_pow10(const icp_dec *x, int p);
/* magnitude * 10 (the caller keeps it below 10^37); / 10, returning the
 * remainder. */
void icp_dec_mul10(icp_dec *x);
unsigned icp_dec_div10(icp_dec *x);
int icp_dec_is_zero(const icp_dec *x);
/* Binary: decodes standard base64 (padded, length % 4 == 0) into out when
 * the string is valid base64, else appends the string's UTF-8 bytes. */
int icp_cc_binary(const cj_node *v, icp_buf *out);
/* fixed[n]: a base64 string of exactly n bytes, appended to out; 0 for
 * anything else; ICP_ERR_NOMEM. */
int icp_cc_fixed(const cj_node *v, size_t n, icp_buf *out);

/* ----------------------------------------------------------- extractor
 * The extractor's state, shared by columns_extract.c (compile, shred)
 * and columns_rows.c (handing rows to writers). */

typedef struct boff {
	size_t off, len;
} boff;

typedef struct leaf {
	int field_id;
	icp_ice_kind kind;
	size_t width;          /* bytes per value in vals (boff for bytes) */
	int bytes;             /* values are boffs into x->text (string, binary,
	                        * uuid, decimal wider than 18 digits) */
	int precision, scale;  /* decimal */
	int length;            /* fixed */
	int fmt;               /* time kinds: icp_columns_format */
	size_t col;            /* top-level column */
	int max_def, max_rep;
	int16_t *def, *rep;
	size_t n, cap;         /* entries */
	uint8_t *vals;
	size_t nv, capv;       /* values */
} leaf;

typedef struct tnode {
	icp_ice_kind kind;
	int optional;
	const char *name;      /* struct member / top-level column name */
	size_t name_len;
	int def_here;          /* def when this node is present (its own level) */
	int rep_level;         /* list/map: repetition depth of its entries */
	size_t kids, n_kids;   /* indices into x->kids */
	size_t leaf0, n_leaves;
	size_t col;            /* top-level column */
} tnode;

struct icp_columns {
	tnode *nodes;
	size_t n_nodes, cap_nodes;
	size_t *kids;
	size_t n_kids, cap_kids;
	size_t *tops;          /* node index of each top-level column */
	size_t n_tops;
	char **names;          /* top-level names (owned) */
	leaf *leaves;
	size_t n_leaves, cap_leaves;
	uint64_t *coerce_nulls; /* per top-level column */
	icp_columns_stats st;
	cj_doc doc;
	const cj_doc *cur;      /* the tree being shredded: &doc or the caller's */
	icp_buf text;          /* byte values of the batch */
	icp_slice *slices;     /* scratch for the writer */
	size_t cap_slices;
	uint32_t *starts;      /* per row, per leaf: entry then value index
	                        * where the row begins (2 * n_leaves a row) */
	size_t n_rows, cap_rows; /* rows added since _begin; starts has room
	                          * for cap_rows rows */
	int16_t *sdef, *srep;  /* _write_rows scratch: levels */
	size_t cap_slev;
	uint8_t *svals;        /* _write_rows scratch: fixed-width values */
	size_t cap_svals;      /* bytes */
	icp_arena *strings;    /* nested field names (the schema is not kept) */
	const char *invalid;   /* column of the last invalid record */
	size_t cur_col;
};

/* A binary vtree kind (LONG .. TIME, columns_binary.c) as leaf l's
 * value: 1 with the value in out (l->width bytes) or, for byte leaves,
 * appended to x->text as *bo; 0 null (wrong kind, range, inexact
 * decimal); ICP_ERR_NOMEM. */
int icp_cb_leaf(icp_columns *x, const leaf *l, const cj_node *v, void *out, boff *bo);

/* Gives ids from *next to every nested field of t, depth first (struct
 * fields in order, a list's element, a map's key then value, each
 * followed by its own nested ids). all_optional: list elements and map
 * values become optional (parsed type text); else requiredness is kept. */
void icp_cx_assign_ids(icp_ice_type *t, int32_t *next, int all_optional);

/* Grows *p (cap elements of width bytes) to hold need, doubling. */
int icp_cx_grow(void **p, size_t *cap, size_t need, size_t width);

#endif
