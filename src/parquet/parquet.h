/*
 * parquet: a streaming Parquet writer for Iceberg data files.
 *
 * Role: turn column batches into a Parquet file (format 2.x, Thrift compact
 * footer written by hand) that Spark, Trino, DuckDB, Snowflake and arrow
 * read, and report the per-field metrics an Iceberg manifest entry needs.
 *
 * Model:
 * - The schema is an array of icp_parquet_field in depth-first pre-order,
 *   each naming its parent by index (-1 = top level). Structs, lists (one
 *   child: the element) and maps (two children: key, then value) nest; the
 *   others are leaves. Leaves are numbered 0.. in that depth-first order
 *   (icp_parquet_writer_leaf() maps a field id to its leaf number).
 * - Data goes in column by column: icp_parquet_writer_write() appends a batch
 *   to one leaf; once every leaf has received the same number of rows the
 *   caller calls icp_parquet_writer_end_rows(), which is where a row group
 *   is flushed to the sink if it has reached the configured size. Values are
 *   packed (only the present ones); nulls and nesting are described by
 *   a validity vector (flat columns) or definition/repetition levels
 *   (nested columns), exactly as in the Parquet format.
 * - Output goes to an icp_parquet_sink (a one-entry vtable: write bytes);
 *   the writer tracks the file offset itself, never seeks, and holds at most
 *   one row group of encoded pages in memory (plus the footer's metadata).
 * - Encodings: PLAIN, RLE_DICTIONARY with a dictionary page (per column
 *   chunk; falls back to PLAIN when the dictionary passes its limit or does
 *   not pay), RLE/bit-packed hybrid for levels (and booleans in v2 pages).
 *   Data page v1 by default, v2 optional. Column and offset indexes.
 * - Statistics per page and per chunk with the type's sort order (signed
 *   ints and decimals, unsigned bytes for strings/binary/uuid, NaN left out
 *   of float min/max).
 *
 * Ownership: the writer copies the schema and options; batches are read
 * during the call only. The sink is borrowed and must outlive the writer.
 * icp_parquet_writer_close() fills caller-owned icp_parquet_file_metrics,
 * released with icp_parquet_file_metrics_dispose(). A writer is used by one
 * thread at a time (its pool's workers only ever get one column's closed
 * pages, handed over and waited for inside the writer's calls). After any error the writer is unusable except for _free.
 */
#ifndef ICP_PARQUET_H
#define ICP_PARQUET_H

#include "codec/codec.h"
#include "core/core.h"

#include <stdio.h>

/* ------------------------------------------------------------------ sink */

/* Where the bytes go. write() must take all n bytes or fail (setting err). */
typedef struct icp_parquet_sink_vtable {
	int (*write)(void *ctx, const uint8_t *p, size_t n, icp_error *err);
} icp_parquet_sink_vtable;

typedef struct icp_parquet_sink {
	const icp_parquet_sink_vtable *vt;
	void *ctx;
} icp_parquet_sink;

/* A sink appending to a caller-owned icp_buf (tests, small files). */
void icp_parquet_buf_sink(icp_buf *b, icp_parquet_sink *out);

/* A local file sink. _init opens (truncates) path; _dispose closes it and
 * returns ICP_ERR_IO if buffered data could not be flushed. */
typedef struct icp_parquet_file_sink {
	FILE *f;
	char path[512];
} icp_parquet_file_sink;
int icp_parquet_file_sink_init(icp_parquet_file_sink *fs, const char *path,
                               icp_parquet_sink *out, icp_error *err);
int icp_parquet_file_sink_dispose(icp_parquet_file_sink *fs, icp_error *err);

/* ---------------------------------------------------------------- schema */

typedef enum icp_parquet_kind {
	ICP_PARQUET_BOOLEAN,     /* values: uint8_t 0/1 */
	ICP_PARQUET_INT,         /* int32_t */
	ICP_PARQUET_LONG,        /* int64_t */
	ICP_PARQUET_FLOAT,       /* float */
	ICP_PARQUET_DOUBLE,      /* double */
	ICP_PARQUET_DECIMAL,     /* precision <= 9: int32_t unscaled; <= 18: int64_t;
	                          * else icp_slice of exactly
	                          * icp_parquet_decimal_bytes(P) big-endian bytes */
	ICP_PARQUET_DATE,        /* int32_t days since 1970-01-01 */
	ICP_PARQUET_TIME,        /* int64_t microseconds since midnight */
	ICP_PARQUET_TIMESTAMP,   /* int64_t micros, not adjusted to UTC */
	ICP_PARQUET_TIMESTAMPTZ, /* int64_t micros since the epoch, UTC */
	ICP_PARQUET_STRING,      /* icp_slice, UTF-8 (not validated) */
	ICP_PARQUET_UUID,        /* icp_slice of 16 bytes, big-endian */
	ICP_PARQUET_FIXED,       /* icp_slice of exactly `length` bytes */
	ICP_PARQUET_BINARY,      /* icp_slice */
	ICP_PARQUET_STRUCT,
	ICP_PARQUET_LIST,
	ICP_PARQUET_MAP,
	ICP_PARQUET__KIND_COUNT
} icp_parquet_kind;

typedef struct icp_parquet_field {
	const char *name;      /* list element / map key-value names are fixed
	                        * by the writer ("element", "key", "value") */
	int field_id;          /* Iceberg field id (> 0) */
	icp_parquet_kind kind;
	int required;
	int parent;            /* index into the field array; -1 = top level */
	int precision, scale;  /* decimal */
	int length;            /* fixed */
	int codec;             /* leaves: -1 = file default, else icp_codec_id */
	int dictionary;        /* leaves: -1 = file default, 0 = off, 1 = on */
} icp_parquet_field;

/* A field with defaults (no codec/dictionary override, top level). */
icp_parquet_field icp_parquet_field_make(const char *name, int field_id,
                                         icp_parquet_kind kind, int required);
/* Minimum bytes of a FIXED decimal of precision p (Iceberg's rule). */
int icp_parquet_decimal_bytes(int precision);

/* --------------------------------------------------------------- options */

typedef struct icp_parquet_options {
	icp_codec_id codec;         /* default ICP_CODEC_ZSTD */
	int codec_level;            /* 0 = codec default (zstd 3) */
	size_t page_size;           /* target uncompressed page bytes (1 MiB) */
	size_t page_row_limit;      /* max rows per page (20000, as parquet-mr) */
	size_t row_group_size;      /* target row group bytes (128 MiB) */
	size_t dict_page_limit;     /* dictionary bytes before fallback (1 MiB) */
	int dictionary;             /* default for leaves (1) */
	int page_version;           /* 1 (default) or 2 */
	int page_index;             /* write column + offset indexes (1) */
	int page_stats;             /* statistics in page headers (1) */
	size_t stats_max_len;       /* binary min/max longer than this are left
	                             * out of Parquet statistics (4096) */
	size_t iceberg_truncate;    /* Iceberg bound truncation, in code points
	                             * for strings, bytes for binary (16) */
	const char *created_by;     /* NULL = "iceberg-processor version ..." */
	struct icp_pool *pool;      /* borrowed, outlives the writer; NULL =
	                             * compress on the caller's thread. Pages of
	                             * different columns are encoded and
	                             * compressed on it concurrently; the file's
	                             * bytes are the same for any thread count */
} icp_parquet_options;

void icp_parquet_options_init(icp_parquet_options *o);

/* ---------------------------------------------------------------- writer */

typedef struct icp_parquet_writer icp_parquet_writer;

/* Validates the schema (ICP_ERR_INVALID with the offending field) and
 * creates a writer. Nothing is written until the first row group. */
int icp_parquet_writer_new(const icp_parquet_field *fields, size_t n_fields,
                           const icp_parquet_options *opts, icp_parquet_sink sink,
                           icp_parquet_writer **out, icp_error *err);
void icp_parquet_writer_free(icp_parquet_writer *w);

size_t icp_parquet_writer_leaf_count(const icp_parquet_writer *w);
/* Leaf number of a primitive field id, or -1. */
int icp_parquet_writer_leaf(const icp_parquet_writer *w, int field_id);
/* Maximum definition and repetition levels of a leaf. */
void icp_parquet_writer_leaf_levels(const icp_parquet_writer *w, size_t leaf,
                                    int *max_def, int *max_rep);

/* One batch for one leaf.
 * - n: number of entries (level pairs). For a column outside any list/map
 *   one entry is one row.
 * - def: definition level per entry, or NULL. When NULL: entries are present
 *   where valid[i] != 0 (valid NULL = all present) and null otherwise; only
 *   allowed for leaves with max_rep = 0 and, when valid has nulls, whose
 *   only optional node on the path is the leaf itself.
 * - rep: repetition level per entry, or NULL (all 0 = every entry starts a
 *   row). Required when max_rep > 0.
 * - values: packed present values (entries with def == max_def), as the
 *   icp_parquet_kind comment says: `fixed` points at an array of the C
 *   type, `bytes` at icp_slice for string/binary/uuid/fixed/wide decimal.
 * Fails with ICP_ERR_INVALID on a level out of range, a wrong fixed length
 * or a batch that is not made of whole rows (rep[0] must be 0). */
typedef struct icp_parquet_batch {
	size_t n;
	const int16_t *def;
	const int16_t *rep;
	const uint8_t *valid;
	const void *fixed;
	const icp_slice *bytes;
} icp_parquet_batch;

int icp_parquet_writer_write(icp_parquet_writer *w, size_t leaf,
                             const icp_parquet_batch *b, icp_error *err);

/* Declares that every leaf received whole rows up to now (all leaves must
 * hold the same number of rows: ICP_ERR_INVALID otherwise) and flushes the
 * row group if it reached the size target. */
int icp_parquet_writer_end_rows(icp_parquet_writer *w, icp_error *err);

/* Adds a key/value pair to the footer (copied). */
int icp_parquet_writer_add_kv(icp_parquet_writer *w, const char *key,
                              const char *value, icp_error *err);

/* Rows written so far (ended) and bytes handed to the sink so far. */
uint64_t icp_parquet_writer_rows(const icp_parquet_writer *w);
uint64_t icp_parquet_writer_offset(const icp_parquet_writer *w);
/* Approximate bytes buffered for the open row group. */
size_t icp_parquet_writer_buffered(const icp_parquet_writer *w);

/* ---------------------------------------------------------------- metrics */

/* Per leaf field, what an Iceberg data file entry records. Bounds are in
 * Iceberg's single-value binary serialization; strings and binary are
 * truncated (lower: prefix; upper: prefix rounded up, or no bound when it
 * cannot be). Leaves under a list or map get counts but no bounds. */
typedef struct icp_parquet_field_metrics {
	int field_id;
	uint64_t column_size;   /* compressed bytes of its chunks (with headers) */
	uint64_t value_count;   /* values including nulls (Parquet num_values) */
	uint64_t null_count;
	uint64_t nan_count;     /* float/double only */
	int has_nan_count;
	uint8_t *lower;         /* NULL = no bound; owned by the metrics */
	size_t lower_len;
	uint8_t *upper;
	size_t upper_len;
} icp_parquet_field_metrics;

typedef struct icp_parquet_file_metrics {
	uint64_t record_count;
	uint64_t file_size;
	size_t n_fields;                   /* one per leaf, leaf order */
	icp_parquet_field_metrics *fields;
	size_t n_splits;                   /* row group start offsets */
	uint64_t *split_offsets;
} icp_parquet_file_metrics;

/* Flushes the last row group, writes the page indexes and the footer, and
 * fills *m (may be NULL). The sink is not closed. */
int icp_parquet_writer_close(icp_parquet_writer *w, icp_parquet_file_metrics *m,
                             icp_error *err);
void icp_parquet_file_metrics_dispose(icp_parquet_file_metrics *m);

/* Iceberg bound helpers (exposed for tests and for callers that compute
 * bounds themselves). Append to out; return ICP_OK, or ICP_END when no
 * upper bound exists (every position is at its maximum). */
int icp_parquet_iceberg_truncate_string_lower(icp_slice s, size_t n_cp, icp_buf *out);
int icp_parquet_iceberg_truncate_string_upper(icp_slice s, size_t n_cp, icp_buf *out);
int icp_parquet_iceberg_truncate_binary_lower(icp_slice s, size_t n, icp_buf *out);
int icp_parquet_iceberg_truncate_binary_upper(icp_slice s, size_t n, icp_buf *out);
/* Iceberg decimal bound: the minimal two's-complement big-endian bytes. */
int icp_parquet_iceberg_decimal(const uint8_t *be, size_t len, icp_buf *out);

/* ---------------------------------------------------------------- reader
 *
 * A Parquet reader for table maintenance (compaction rewrites small data
 * files into large ones): it turns a file back into the schema and the
 * leaf batches the writer above takes, so that read + write round-trips.
 *
 * - Input is untrusted: every length, offset, count and level is checked
 *   (ICP_ERR_CORRUPT naming the row group, column and page); a file using
 *   something outside the supported subset is ICP_ERR_UNSUPPORTED naming it
 *   (the compactor then leaves that file alone).
 * - Supported: footer (Thrift compact FileMetaData), data pages v1 and v2,
 *   dictionary pages, PLAIN, PLAIN_DICTIONARY / RLE_DICTIONARY, RLE /
 *   bit-packed levels and v2 booleans, DELTA_BINARY_PACKED,
 *   DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT; codecs
 *   none, snappy, gzip, zstd, lz4_raw. Three-level lists and maps, and the
 *   legacy two-level lists (the repeated node is the element). Values are
 *   converted where another writer chose another physical type than ours:
 *   decimals in INT64 / BYTE_ARRAY / FIXED of another length, millisecond
 *   times and timestamps (to micros), UINT_32 (to long).
 *   Every schema element needs a field_id (Iceberg data files have them).
 * - Unsupported (ICP_ERR_UNSUPPORTED naming the column): INT96, nanosecond
 *   times, UINT_64, a column without field id, repeated fields outside a
 *   LIST/MAP, BIT_PACKED levels, LZO/BROTLI/hadoop LZ4, encryption,
 *   column chunks in other files. Page CRCs are not checked.
 * - Bytes come through a read_at callback, so a file is read in ranges
 *   (footer, then one column chunk at a time), from any store.
 *
 * Ownership: the reader owns its schema and footer; column data is
 * allocated in the caller's arena and lives as long as that arena. A
 * reader keeps scratch buffers (the chunk read, a page decompressed, a
 * codec context) from read to read: one thread uses it at a time; to read
 * columns of one file concurrently, open one reader per thread. */

typedef struct icp_parquet_reader icp_parquet_reader;

/* Appends exactly n bytes of the file at offset off to out (fewer is an
 * error the callback reports: ICP_ERR_CORRUPT or ICP_ERR_IO). */
typedef int (*icp_parquet_read_at_fn)(void *ctx, uint64_t off, size_t n, icp_buf *out,
                                      icp_error *err);

/* Reads and checks the footer of a file of file_size bytes. */
int icp_parquet_reader_open(icp_parquet_read_at_fn read_at, void *ctx, uint64_t file_size,
                            icp_parquet_reader **out, icp_error *err);
void icp_parquet_reader_free(icp_parquet_reader *r);
/* Limits on what one icp_parquet_reader_read() may allocate: entries of a
 * column chunk (default 2^27) and bytes of a page, decompressed or decoded
 * (default 1 GiB). Past them a read fails with ICP_ERR_TOO_LARGE. 0 keeps
 * a limit as it is. */
void icp_parquet_reader_limits(icp_parquet_reader *r, size_t max_values, size_t max_bytes);

/* The file's schema as writer fields (depth-first, parent indices, names,
 * field ids, kinds from the physical + logical types, required,
 * precision/scale/length; codec and dictionary -1), owned by the reader:
 * icp_parquet_writer_new(fields, n, ...) writes a file of the same
 * schema. */
const icp_parquet_field *icp_parquet_reader_fields(const icp_parquet_reader *r, size_t *n);
size_t icp_parquet_reader_leaf_count(const icp_parquet_reader *r);
/* Leaf number -> index into the fields array. */
size_t icp_parquet_reader_leaf_field(const icp_parquet_reader *r, size_t leaf);
void icp_parquet_reader_leaf_levels(const icp_parquet_reader *r, size_t leaf, int *max_def,
                                    int *max_rep);
uint64_t icp_parquet_reader_rows(const icp_parquet_reader *r);
size_t icp_parquet_reader_row_groups(const icp_parquet_reader *r);
uint64_t icp_parquet_reader_row_group_rows(const icp_parquet_reader *r, size_t rg);
/* Uncompressed bytes of a row group's column chunks (for memory planning). */
uint64_t icp_parquet_reader_row_group_bytes(const icp_parquet_reader *r, size_t rg);
/* A footer key/value (NULL when absent); created_by of the file. */
const char *icp_parquet_reader_kv(const icp_parquet_reader *r, const char *key);
const char *icp_parquet_reader_created_by(const icp_parquet_reader *r);

/* One leaf of one row group, decoded: exactly what icp_parquet_batch
 * takes (n entries; def NULL when max_def is 0, rep NULL when max_rep is
 * 0; the n_values present values packed in `fixed` (C type of the kind)
 * or `bytes` (icp_slice into the arena)). */
typedef struct icp_parquet_column {
	size_t n;
	int16_t *def;
	int16_t *rep;
	size_t n_values;
	void *fixed;
	icp_slice *bytes;
} icp_parquet_column;

int icp_parquet_reader_read(icp_parquet_reader *r, size_t rg, size_t leaf, icp_arena *a,
                            icp_parquet_column *out, icp_error *err);

#endif
