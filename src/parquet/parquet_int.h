/*
 * Internals shared by the parquet module's files:
 *   thrift.c  Thrift compact-protocol encoder (footer, page headers, indexes)
 *   rle.c     RLE / bit-packed hybrid encoder and the page sections built
 *             with it (levels, dictionary indices, v2 booleans)
 *   schema.c  schema validation, leaf paths and levels, SchemaElement list
 *   stats.c   min/max under each sort order, Statistics struct
 *   column.c  one leaf's buffers: open page, dictionary, stats; closing a
 *             page hands it to page.c
 *   page.c    the jobs (pool workers or inline): encode, compress and append
 *             a closed page to the chunk; the dictionary page
 *   writer.c  sinks, options, writer lifecycle, row groups, page indexes
 *   footer.c  close: FileMetaData and the Iceberg metrics
 *   iceberg.c Iceberg single-value bounds (truncation, decimals)
 * Reader (icp_parquet_reader_*):
 *   reader_thrift.c  Thrift compact-protocol decoder (bounded, never aborts)
 *   reader.c         open: footer, row groups, column chunks; accessors
 *   reader_schema.c  SchemaElement list -> writer fields, leaf levels
 *   reader_page.c    one column chunk: pages, levels, values
 *   reader_decode.c  RLE/bit-packed hybrid and DELTA_BINARY_PACKED decoders
 *
 * Parquet enum values below are the numbers of parquet.thrift.
 */
#ifndef ICP_PARQUET_INT_H
#define ICP_PARQUET_INT_H

#include "parquet/parquet.h"
#include "pool/pool.h"

/* ---------------------------------------------------- parquet.thrift enums */

enum {
	PQ_T_BOOLEAN = 0, PQ_T_INT32 = 1, PQ_T_INT64 = 2, PQ_T_FLOAT = 4,
	PQ_T_DOUBLE = 5, PQ_T_BYTE_ARRAY = 6, PQ_T_FIXED = 7
};
enum { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };
enum {
	PQ_CT_UTF8 = 0, PQ_CT_MAP = 1, PQ_CT_LIST = 3, PQ_CT_DECIMAL = 5,
	PQ_CT_DATE = 6, PQ_CT_TIME_MICROS = 8, PQ_CT_TIMESTAMP_MICROS = 10
};
enum {
	PQ_ENC_PLAIN = 0, PQ_ENC_RLE = 3, PQ_ENC_RLE_DICTIONARY = 8
};
enum { PQ_PAGE_DATA = 0, PQ_PAGE_DICTIONARY = 2, PQ_PAGE_DATA_V2 = 3 };

/* Sort orders used for statistics. */
enum {
	PQ_ORD_BOOL, PQ_ORD_I32, PQ_ORD_I64, PQ_ORD_FLOAT, PQ_ORD_DOUBLE,
	PQ_ORD_UBYTES,  /* unsigned lexicographic: strings, binary, uuid, fixed */
	PQ_ORD_SBYTES   /* two's-complement big-endian: FIXED decimals */
};

/* ------------------------------------------------------------------ thrift */

enum {
	TC_TRUE = 1, TC_FALSE = 2, TC_BYTE = 3, TC_I16 = 4, TC_I32 = 5,
	TC_I64 = 6, TC_DOUBLE = 7, TC_BINARY = 8, TC_LIST = 9, TC_STRUCT = 12
};

#define PQ_THRIFT_DEPTH 16

/* Encoder state: the output buffer (sticky errors) and, per open struct,
 * the last field id written (compact field headers carry id deltas). */
typedef struct pq_thrift {
	icp_buf *b;
	int16_t last[PQ_THRIFT_DEPTH];
	int depth;
} pq_thrift;

void pq_tw_init(pq_thrift *t, icp_buf *b);        /* opens the top struct */
void pq_tw_end(pq_thrift *t);                     /* closes the top struct */
void pq_tw_i32(pq_thrift *t, int16_t id, int32_t v);
void pq_tw_i64(pq_thrift *t, int16_t id, int64_t v);
void pq_tw_bool(pq_thrift *t, int16_t id, int v);
void pq_tw_binary(pq_thrift *t, int16_t id, const void *p, size_t n);
void pq_tw_string(pq_thrift *t, int16_t id, const char *s);
void pq_tw_struct_begin(pq_thrift *t, int16_t id);
void pq_tw_struct_end(pq_thrift *t);
void pq_tw_list_begin(pq_thrift *t, int16_t id, uint8_t elem_type, size_t n);
/* List elements. */
void pq_tw_elem_struct_begin(pq_thrift *t);
void pq_tw_elem_i32(pq_thrift *t, int32_t v);
void pq_tw_elem_i64(pq_thrift *t, int64_t v);
void pq_tw_elem_bool(pq_thrift *t, int v);
void pq_tw_elem_binary(pq_thrift *t, const void *p, size_t n);
void pq_varint(icp_buf *b, uint64_t v);

/* --------------------------------------------------------------------- rle */

/* RLE / bit-packed hybrid encoder (parquet Encodings.md). Runs of >= 8
 * equal values aligned on groups of 8 become RLE runs, the rest bit-packed
 * groups of 8 (the last group zero-padded: readers know the value count). */
typedef struct pq_rle {
	icp_buf *out;
	int width;
	uint32_t buf[8];
	int nbuf;
	uint32_t prev;
	size_t repeat;
	size_t hdr;          /* position of the open bit-packed run header */
	int groups;          /* groups in the open bit-packed run */
	int have_hdr;
} pq_rle;

void pq_rle_init(pq_rle *r, icp_buf *out, int width);
void pq_rle_put(pq_rle *r, uint32_t v);
void pq_rle_put_run(pq_rle *r, uint32_t v, size_t count);
void pq_rle_finish(pq_rle *r);
int pq_bit_width(uint32_t max_value);
/* Page sections: levels (v2: bare runs; v1: with a 4-byte length), dictionary
 * indices (bit width byte, then runs), booleans RLE-encoded (v2 pages). */
void pq_put_levels(icp_buf *out, const int16_t *lv, size_t n, int width);
void pq_put_levels_v1(icp_buf *out, const int16_t *lv, size_t n, int width);
void pq_put_indices(icp_buf *out, const uint32_t *idx, size_t n, int width);
void pq_put_bool_rle(icp_buf *out, const uint8_t *bits, size_t n);

/* ------------------------------------------------------------------ schema */

typedef struct pq_node {
	char *name;
	int field_id;
	int kind;
	int required;
	int precision, scale, length;
	int parent;
	int codec, dictionary;         /* overrides, -1 = file default */
	int first_child, next_sibling; /* -1 terminated */
	int n_children;
	int leaf;                      /* leaf number or -1 */
} pq_node;

typedef struct pq_schema {
	pq_node *nodes;
	size_t n_nodes;
	size_t n_leaves;
	int *leaf_node;                /* leaf -> node */
} pq_schema;

int pq_schema_build(pq_schema *s, const icp_parquet_field *f, size_t n, icp_error *err);
void pq_schema_dispose(pq_schema *s);
/* Physical type, type length, sort order of a leaf node. */
void pq_leaf_physical(const pq_node *nd, int *phys, int *type_len, int *order);
/* Levels and path of a leaf: names (pointers into the schema) go to path,
 * which has room for cap names; returns the path length. */
size_t pq_leaf_path(const pq_schema *s, int node, const char **path, size_t cap,
                    int *max_def, int *max_rep, int *in_repeated);
/* Appends the schema element list (field 2 of FileMetaData). */
void pq_schema_write(const pq_schema *s, pq_thrift *t);

/* ------------------------------------------------------------------- stats */

typedef struct pq_stats {
	int has;          /* min/max set */
	uint64_t nulls;
	uint64_t nans;
	icp_buf min, max; /* PLAIN bytes (no length prefix) */
} pq_stats;

void pq_stats_init(pq_stats *s);
void pq_stats_dispose(pq_stats *s);
void pq_stats_reset(pq_stats *s);
/* Signed/unsigned comparison of two plain values under order. */
int pq_compare(int order, const uint8_t *a, size_t al, const uint8_t *b, size_t bl);
/* Folds src into dst (min/max/nulls/nans). */
void pq_stats_merge(pq_stats *dst, const pq_stats *src, int order);

/* ------------------------------------------------------------------ column */

typedef struct pq_page_loc {
	uint64_t offset;      /* within the chunk buffer, fixed up at flush */
	int32_t size;
	int64_t first_row;
	int null_page;
	uint64_t nulls;
	size_t min_off, min_len, max_off, max_len; /* into col->ci_vals */
} pq_page_loc;

/* Closed pages of one column that may be in flight at once. A constant:
 * when pages join the chunk (and so the size estimate) must not depend on
 * the thread count. */
/* A v1 page compresses its levels and values as one stream. So that the
 * values need not be copied behind the levels, `plain` of a column with
 * levels starts with this many reserved bytes; the page job writes the
 * levels into their tail when they fit (a non-repeated page of up to
 * ~30,000 rows) and compresses from there. Larger levels take a copy. */
#define PQ_LEV_ROOM 4096
#define PQ_IN_FLIGHT 3

/* A closed page on its way to the chunk: the open page's buffers, handed
 * over whole (swapped, not copied) by pq_col_flush_page() to a job, which
 * encodes the page body from them, compresses it and leaves header + body
 * in `out`; the caller appends `out` to the chunk in page order (retire). */
typedef struct pq_sealed {
	struct pq_col *col;
	icp_pool_group grp;         /* this page's job */
	int16_t *def, *rep;
	size_t lev_cap;
	uint32_t *idx;
	size_t idx_cap;
	icp_buf plain;
	size_t bool_bits;
	size_t lev_n, values, rows;
	size_t dict_n;              /* dictionary entries when the page was closed */
	int dict;                   /* encoded with the dictionary */
	pq_stats st;
	size_t est;                 /* (caller) size estimate when closed */
	icp_buf out;                /* (job) page header + compressed body */
	size_t hdr_len, page_len;   /* (job) header, uncompressed body bytes */
} pq_sealed;

/* Per worker scratch of a writer: a job running on worker i uses only
 * scr[i] (one job per worker at a time), so no lock guards it. */
typedef struct pq_scratch {
	icp_codec_ctx *codec;       /* not shareable across threads */
	icp_buf page, comp, hdr;
} pq_scratch;

/* A leaf column. Everything here belongs to the caller's thread except,
 * while their job is in flight (from icp_pool_submit to the wait on their
 * group), the sealed pages of the ring `sp` and, during a row group flush,
 * `dict_page` / `dict_hdr_len` (the dictionary job, group `dgrp`). The
 * chunk (chunk, pages, ci_vals, chunk_st and counters) is only ever
 * changed by the caller, when it retires the oldest sealed page. */
typedef struct pq_col {
	struct icp_parquet_writer *w;
	pq_sealed sp[PQ_IN_FLIGHT]; /* ring of closed pages, oldest at sp_head */
	size_t sp_head, sp_n;
	size_t sealed_est;          /* sum of the ring's `est` */
	int broken;                 /* a retire failed half way: its status,
	                             * returned again, nothing retried */
	icp_pool_group dgrp;        /* the dictionary page job */
	icp_buf dict_page;          /* dictionary page header + compressed body */
	size_t dict_hdr_len;

	/* from the schema */
	int node;
	int field_id;
	int kind;
	int phys, type_len, order;
	int max_def, max_rep, in_repeated;
	int codec, codec_level;
	int dict_enabled;
	const char *path[32];
	size_t path_len;

	/* open page */
	int16_t *def, *rep;
	size_t lev_n, lev_cap;
	size_t page_values, page_rows;
	size_t page_plain_bytes;    /* PLAIN size of the page's values */
	icp_buf plain;              /* PLAIN values (bit-packed for booleans) */
	size_t bool_bits;           /* booleans in plain */
	uint32_t *idx;              /* dictionary indices */
	size_t idx_cap;
	pq_stats page_st;

	/* dictionary of the open chunk */
	int dict_on;                /* encoding new values with the dictionary */
	int dict_probed;            /* the early distinctness check ran (column.c) */
	int dict_pages;             /* (caller) data pages closed with it */
	icp_buf dict;               /* PLAIN-encoded entries */
	uint32_t *dict_off, *dict_len, *dict_hash;
	size_t dict_n, dict_cap;
	uint32_t *slots;            /* open addressing: entry + 1, 0 = empty */
	size_t slot_mask;
	size_t plain_room;          /* bytes reserved at the front of `plain` (and of
	                             * every sealed page's): see PQ_LEV_ROOM */
	uint32_t dict_last;         /* entry + 1 of the last value looked up, 0 = none:
	                             * runs (topic, partition, empty headers) skip
	                             * the hash */

	/* open chunk */
	icp_buf chunk;              /* headers + compressed data pages */
	uint64_t chunk_values, chunk_rows, chunk_uncompressed;
	int n_plain_pages, n_dict_pages; /* (caller) */
	pq_stats chunk_st;
	pq_page_loc *pages;
	size_t n_pages, pages_cap;
	icp_buf ci_vals;            /* page min/max bytes for the column index */
	uint64_t rows;              /* rows received in the open row group */

	/* whole file */
	pq_stats file_st;
	uint64_t file_size, file_values;
} pq_col;

struct icp_parquet_writer;
int pq_col_init(pq_col *c, const pq_schema *s, int node, const icp_parquet_options *o);
void pq_col_dispose(pq_col *c);
int pq_col_write(struct icp_parquet_writer *w, pq_col *c, const icp_parquet_batch *b,
                 icp_error *err);
/* Closes the open page (if it has entries) and hands it to a compression
 * job (run inline without a pool), after waiting for the column's previous
 * job. Returns that job's error, or the page's. */
int pq_col_flush_page(struct icp_parquet_writer *w, pq_col *c, icp_error *err);
/* Queues the job of a just sealed page (page.c). */
void pq_page_submit(pq_sealed *sp);
/* Waits for the oldest sealed page's job and appends its bytes to the
 * chunk (with its page index entry and statistics). */
int pq_col_retire(pq_col *c, icp_error *err);
/* Queues the dictionary page job (fills dict_page, dict_hdr_len). */
void pq_col_submit_dict(pq_col *c);
/* Retires every sealed page and waits for the dictionary job: the caller
 * owns the whole column again. */
int pq_col_settle(pq_col *c, icp_error *err);
/* Waits for every job of the column, reporting nothing (free after error). */
void pq_col_quiesce(pq_col *c);
/* Bytes the column holds for the open row group: the chunk (retired
 * pages), the estimates of the pages in flight and the open page. Only
 * caller-owned numbers that change at the same points for every thread
 * count, so it never waits and the writer's output does not depend on the
 * thread count. */
size_t pq_col_buffered(const pq_col *c);
/* Forget the chunk (after it was written); keeps allocations. */
void pq_col_reset_chunk(pq_col *c);
void pq_stats_write(pq_thrift *t, int16_t id, const pq_stats *s, int order,
                    size_t max_len);
/* Whether min/max exist and fit in max_len bytes. */
int pq_stats_publishable(const pq_stats *s, size_t max_len);
/* The min (is_max 0) or max as written (float zero rule applied; tmp is
 * scratch that *p may point to). */
void pq_stats_out(const pq_stats *s, int order, int is_max, uint8_t tmp[8],
                  const uint8_t **p, size_t *n);

/* ------------------------------------------------------------------ writer */

typedef struct pq_chunk_meta {
	int64_t data_off, dict_off;   /* dict_off < 0: no dictionary page */
	int64_t compressed, uncompressed, num_values;
	int n_plain_pages, n_dict_pages;
	int has_stats;
	uint64_t nulls;
	uint8_t *min, *max;           /* arena; NULL when !has_stats */
	size_t min_len, max_len;
	int64_t ci_off, oi_off;       /* relative to the index buffers */
	int32_t ci_len, oi_len;
} pq_chunk_meta;

typedef struct pq_rg_meta {
	int64_t num_rows, file_offset, total_byte_size, total_compressed;
	pq_chunk_meta *chunks;        /* n_leaves */
} pq_rg_meta;

struct icp_parquet_writer {
	icp_parquet_options opt;
	char *created_by;
	icp_parquet_sink sink;
	pq_schema schema;
	pq_col *cols;
	size_t n_cols;
	icp_pool *pool;               /* borrowed; NULL = inline */
	pq_scratch *scr;              /* icp_pool_workers(pool) entries */
	unsigned n_scr;
	icp_arena *arena;             /* footer metadata (stats, kv) */

	uint64_t offset;              /* bytes handed to the sink */
	uint64_t rows, rg_rows;
	int failed, closed;

	icp_buf hdr;                  /* caller's scratch (footer) */

	pq_rg_meta *rgs;
	size_t n_rgs, rgs_cap;
	icp_buf colidx, offidx;       /* serialized page indexes, written at close */
	char **kv;                    /* key, value pairs */
	size_t n_kv, kv_cap;
};

int pq_sink_write(struct icp_parquet_writer *w, const void *p, size_t n, icp_error *err);
/* Writes the open row group (if it has rows) and records its metadata. */
int pq_flush_row_group(struct icp_parquet_writer *w, icp_error *err);
/* Whether an icp_codec_id has a Parquet CompressionCodec. */
int pq_codec_supported(int codec);

/* ----------------------------------------------------------------- iceberg */

/* Iceberg bounds of one leaf from its file statistics. */
int pq_iceberg_bounds(const pq_col *c, size_t truncate, icp_parquet_field_metrics *m,
                      const pq_node *nd);

/* ------------------------------------------------------------------ reader */

enum { PQ_T_INT96 = 3 };
enum {
	PQ_ENC_PLAIN_DICTIONARY = 2, PQ_ENC_BIT_PACKED = 4, PQ_ENC_DELTA_BINARY_PACKED = 5,
	PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6, PQ_ENC_DELTA_BYTE_ARRAY = 7,
	PQ_ENC_BYTE_STREAM_SPLIT = 9
};
enum { TC_SET = 10, TC_MAP = 11 };

/* Thrift compact decoder over [p, end). Errors are sticky (`bad`): after
 * one, every call returns zero values and pq_tr_field() returns 0, so a
 * parser loops without checking each read and tests `bad` at the end. */
typedef struct pq_tr {
	const uint8_t *p, *end;
	int16_t last[PQ_THRIFT_DEPTH];
	int depth;
	int bad;
} pq_tr;

void pq_tr_init(pq_tr *r, const uint8_t *p, size_t n);
/* Next field of the open struct: 1 with its type and id, or 0 at the stop
 * byte (the struct is closed) or on error. */
int pq_tr_field(pq_tr *r, int *type, int16_t *id);
/* Integer of a field or list element of type TC_BYTE/I16/I32/I64. */
int64_t pq_tr_int(pq_tr *r, int type);
/* An i32 in [lo, hi] (anything else is bad). */
int32_t pq_tr_i32(pq_tr *r, int type, int32_t lo, int32_t hi);
int pq_tr_bool(pq_tr *r, int type);               /* a bool field */
icp_slice pq_tr_binary(pq_tr *r, int type);
/* Enters a struct field or struct list element (type must be TC_STRUCT). */
int pq_tr_struct(pq_tr *r, int type);
/* A list header: element count (at most the bytes left) and type. */
size_t pq_tr_list(pq_tr *r, int type, int *elem_type);
/* Skips a field value (in_list: a list element, bools are one byte). */
void pq_tr_skip(pq_tr *r, int type, int in_list);

/* A column chunk of a row group, from its ColumnMetaData. */
typedef struct pq_rchunk {
	int64_t start, len;           /* bytes of the chunk (dictionary page first) */
	int64_t num_values, uncompressed;
	int codec;                    /* icp_codec_id */
} pq_rchunk;

/* Value conversions from the physical type to the writer's C type (files
 * of other writers; ours never need one). */
enum {
	PQ_CV_NONE, PQ_CV_I64_TO_I32, PQ_CV_I32_TO_I64, PQ_CV_U32_TO_I64,
	PQ_CV_MILLIS32, PQ_CV_MILLIS64, PQ_CV_DEC_BYTES
};

#define PQ_MAX_DEPTH 30

typedef struct pq_rleaf {
	int field;                    /* index into the fields */
	int phys, type_len;           /* physical type (type_len: FIXED) */
	int max_def, max_rep;
	int conv;                     /* PQ_CV_* */
	int16_t rep_def[PQ_MAX_DEPTH + 4]; /* def level of the r-th repeated node */
	const char *path;             /* dotted Parquet path (messages, checks) */
} pq_rleaf;

struct icp_parquet_reader {
	icp_parquet_read_at_fn read_at;
	void *ctx;
	uint64_t file_size;
	uint64_t data_end;            /* where the footer starts */
	icp_arena *meta;              /* names, paths, kv strings */
	icp_parquet_field *fields;
	size_t n_fields;
	pq_rleaf *leaves;
	size_t n_leaves;
	uint64_t rows;
	size_t n_rgs;
	int64_t *rg_rows, *rg_bytes;
	pq_rchunk *chunks;            /* n_rgs * n_leaves */
	const char **kv;              /* key, value pairs */
	size_t n_kv;
	const char *created_by;
	icp_codec_ctx *codec;
	icp_buf chunk, page, tmp;     /* scratch reused from read to read */
	size_t max_values, max_bytes; /* limits (icp_parquet_reader_limits) */
};

/* A SchemaElement as read. -1 = absent for the optional numbers. */
typedef struct pq_selem {
	int type, type_len, rep, num_children, converted, scale, precision;
	int has_id, field_id;
	int logical;                  /* LogicalType union member, 0 = none */
	int l_scale, l_precision, l_utc, l_unit, l_bits, l_signed;
	const char *name;             /* reader arena */
} pq_selem;

/* reader_schema.c: turns the element list into r->fields and r->leaves. */
int pq_reader_schema(struct icp_parquet_reader *r, const pq_selem *el, size_t n,
                     icp_error *err);

/* reader_decode.c. RLE / bit-packed hybrid decoder of `width`-bit values
 * over [p, end). */
typedef struct pq_rle_dec {
	const uint8_t *p, *end;
	int width;
	uint32_t value;               /* open RLE run */
	size_t left;                  /* values left in the open run */
	int packed;                   /* the open run is bit-packed */
	const uint8_t *bits;          /* its data */
	size_t bit;                   /* next bit in it */
	int bad;
} pq_rle_dec;

void pq_rle_dec_init(pq_rle_dec *d, const uint8_t *p, size_t n, int width);
/* Decodes n values; returns 0, or -1 when the data ends early or is bad. */
int pq_rle_dec_get(pq_rle_dec *d, uint32_t *out, size_t n);
/* DELTA_BINARY_PACKED: exactly n values (64-bit arithmetic, modular),
 * consumed bytes in *used. Returns 0 or -1 with a reason in *why. */
int pq_delta_decode(const uint8_t *p, size_t len, size_t n, int64_t *out, size_t *used,
                    const char **why);

#endif
