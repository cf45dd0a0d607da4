/*
 * Internals shared by the maintenance passes (expire.c, orphans.c): sets
 * of storage keys and the walk from snapshots to the files they reach
 * (reach.c).
 *
 * Files are named by storage key (icp_storage_key_of_url), so two URL
 * spellings of one object ("file:/x" and "file:///x") are one file. A URL
 * the store cannot map to a key (outside the warehouse, or spelt with
 * another scheme such as s3a://) is never a key: it is counted in
 * reach.outside and its file name kept in reach.outside_names, so that a
 * caller deleting by listing can refuse to touch a listed file that may be
 * the same object under another spelling.
 *
 * Ownership: sets own their key strings; _dispose frees them. A reader
 * borrows its store; its buffer and arena hold only the object read last.
 *
 * Also the compaction internals (used by their unit tests too): the
 * pure bin packing of compaction (compact_plan.c) and the rewrite of one
 * bin into one data file (compact_rewrite.c).
 */
#ifndef ICP_MAINT_INT_H
#define ICP_MAINT_INT_H

#include "maint/maint.h"
#include "iceberg/iceberg.h"

typedef struct icp_maint_fent {
	char *key;
	int64_t size; /* -1: unknown */
} icp_maint_fent;

/* A set of keys: add, then _seal (sort, drop duplicates), then _has. */
typedef struct icp_maint_fset {
	icp_maint_fent *v;
	size_t n, cap;
} icp_maint_fset;

/* ICP_OK or ICP_ERR_NOMEM. */
int icp_maint_fset_add(icp_maint_fset *s, const char *key, int64_t size);
void icp_maint_fset_seal(icp_maint_fset *s);
/* 1 when the sealed set holds key. */
int icp_maint_fset_has(const icp_maint_fset *s, const char *key);
void icp_maint_fset_dispose(icp_maint_fset *s);

/* What a set of snapshots reaches. */
typedef struct icp_maint_reach {
	icp_maint_fset lists, manifests, data;
	int64_t outside;              /* URLs that are no key of the store */
	icp_maint_fset outside_names; /* their last path segments */
} icp_maint_reach;

void icp_maint_reach_dispose(icp_maint_reach *r);

/* Reads manifest lists and manifests from a store. `what` prefixes every
 * error ("snapshot expiry"); with inline_ok a format v1 snapshot's inline
 * "manifests" are taken as they are, else such a snapshot is
 * ICP_ERR_UNSUPPORTED. */
typedef struct icp_maint_reader {
	icp_storage *st;
	icp_arena *arena;
	icp_buf buf;
	const char *what;
	int inline_ok;
} icp_maint_reader;

/* ICP_OK or ICP_ERR_NOMEM (named in err). */
int icp_maint_reader_init(icp_maint_reader *rd, icp_storage *st, const char *what,
                          icp_error *err);
void icp_maint_reader_dispose(icp_maint_reader *rd);

/* Adds url's key to s (with size), or counts it outside. ICP_ERR_NOMEM. */
int icp_maint_add_url(icp_maint_reader *rd, icp_maint_reach *r, icp_maint_fset *s,
                      const char *url, int64_t size);

/* The manifest lists of the snapshots of m that the ids select (ids[0..n)
 * when want_in, else those not in it: n = 0, want_in = 0 is every
 * snapshot), then the manifests those lists name except the ones in skip
 * (NULL: none). Seals r->lists and r->manifests. Any list that cannot be
 * read or decoded fails the call with its key named. */
int icp_maint_collect_lists(icp_maint_reader *rd, const icp_ice_metadata *m,
                            const int64_t *ids, size_t n, int want_in,
                            const icp_maint_fset *skip, icp_maint_reach *r, icp_error *err);

/* The data and delete files every manifest of r names (any entry
 * status). Seals r->data. A manifest that cannot be read or decoded fails
 * the call with its key named. */
int icp_maint_collect_data(icp_maint_reader *rd, icp_maint_reach *r, icp_error *err);


/* ------------------------------------------------ planning (pure) */

/* One candidate file: its size, its decoded bytes (the sum of its row
 * groups' uncompressed chunk bytes; for the sorted cap) and its group key
 * (bytes: spec id, partition tuple key, schema fingerprint; borrowed). */
typedef struct icp_compact_cand {
	int64_t size;
	int64_t mem;
	const uint8_t *key;
	size_t key_len;
} icp_compact_cand;

typedef struct icp_compact_bin {
	size_t *files;      /* candidate indices, largest first; owned */
	size_t n;
	int64_t bytes, mem;
} icp_compact_bin;

typedef struct icp_compact_plan {
	icp_compact_bin *bins;
	size_t n_bins;
	size_t groups;      /* groups with at least min_files candidates */
} icp_compact_plan;

/* 1 when a file of `size` bytes is small enough to compact: below 75% of
 * the target (Iceberg's min-file-size-bytes default ratio). */
int icp_compact_is_small(int64_t size, int64_t target);

/* Groups the candidates by key; a group of at least min_files is packed
 * first-fit decreasing (by size, then index: deterministic) into bins of
 * at most target bytes and, when mem_cap > 0, at most mem_cap decoded
 * bytes; bins of one file are dropped. Bins come in key order. ICP_OK or
 * ICP_ERR_NOMEM; dispose out either way. */
int icp_compact_plan_make(const icp_compact_cand *c, size_t n, int64_t target, int min_files,
                          int64_t mem_cap, icp_compact_plan *out);
void icp_compact_plan_dispose(icp_compact_plan *p);

/* ------------------------------------------------ rewriting one bin */

/* A sort key column: a leaf of the files' schema (top level, not under a
 * list or map) and its order (see icp_ice_sort_field). */
typedef struct icp_compact_sortkey {
	int field_id;
	int descending, nulls_last;
} icp_compact_sortkey;

typedef struct icp_compact_input {
	const char *key;    /* storage key of the data file */
	uint64_t size;
} icp_compact_input;

/* Reads the inputs (storage keys in `store`) and writes their rows into
 * one Parquet file through sink: streamed row group by row group, or, with
 * n_sort > 0, gathered and written sorted by the keys (stable: equal keys
 * keep input order). Every input must have the same fields (checked:
 * ICP_ERR_INVALID). m (caller-owned, dispose it) gets the metrics.
 * Errors of reading (ICP_ERR_CORRUPT/UNSUPPORTED naming the file),
 * writing, ICP_ERR_NOMEM. */
int icp_compact_rewrite(icp_storage *store, const icp_compact_input *in, size_t n,
                        const icp_compact_sortkey *sort, size_t n_sort,
                        const icp_parquet_options *po, icp_parquet_sink sink,
                        icp_parquet_file_metrics *m, icp_error *err);

/* The byte fingerprint of a Parquet schema (every field's name, id, kind,
 * requiredness, parent, precision, scale, length), appended to out: equal
 * for equal schemas. */
void icp_compact_schema_key(const icp_parquet_field *f, size_t n, icp_buf *out);

/* read_at over a storage object, for icp_parquet_reader_open. */
typedef struct icp_compact_src {
	icp_storage *store;
	const char *key;
} icp_compact_src;
int icp_compact_read_at(void *ctx, uint64_t off, size_t n, icp_buf *out, icp_error *err);

#endif

/* ------------------------------------------------ one compaction (job) */

/* A candidate: a live small data file of main (strings in the job arena). */
typedef struct icp_compact_file {
	const char *path;           /* as the manifest says (URL) */
	const char *key;            /* storage key */
	int64_t size, rows;
	int32_t spec_id;
	const icp_pspec_value *tuple; /* in the spec's order; NULL: unpartitioned */
	const uint8_t *gkey;        /* group key (spec, tuple, schema) */
	size_t gkey_len;
	int64_t mem;                /* decoded bytes */
} icp_compact_file;

/* A bin on its way to the table: its inputs and its output file. */
typedef struct icp_compact_out {
	size_t *files;              /* into job->f; owned */
	size_t n;
	int alive;                  /* 0: abandoned (an input vanished) */
	int32_t spec_id;
	const icp_pspec_value *tuple;
	char *key, *url;            /* the output data file; owned */
	icp_parquet_file_metrics m;
	int64_t rows_in, bytes_in;
} icp_compact_out;

typedef struct icp_compact_job {
	icp_catalog *cat;
	icp_storage *st;
	const char *ns, *name;
	const icp_maint_compact_opts *o;
	icp_maint_compact_result *out;
	icp_ice_metadata *base;     /* owned */
	icp_arena *a;
	icp_compact_file *f;
	size_t n_f, cap_f;
	icp_compact_out *bins;
	size_t n_bins;
	int64_t snap_id;
	char uuid[37];
	char *meta_prefix, *data_prefix; /* storage keys; owned */
	int32_t sort_order_id;      /* > 0: outputs sorted by it */
	icp_compact_sortkey *keys;
	size_t n_keys;
	char **attempt_keys;        /* manifests and lists of every attempt */
	size_t n_attempt_keys, cap_attempt_keys;
	size_t landed_from, landed_to; /* attempt_keys of the applied attempt */
	int any_unknown;
} icp_compact_job;

/* compact_commit.c: builds the replace snapshot of the live bins on
 * job->base (abandoning bins with an input no longer live there) and
 * sends it; the catalog's status is returned (ICP_OK: *next is the new
 * metadata). ICP_END when no bin is left to commit. */
int icp_compact_attempt(icp_compact_job *j, int attempt, icp_ice_metadata **next,
                        icp_error *err);
/* Remembers a file an attempt wrote (for cleanup). */
int icp_compact_keep_key(icp_compact_job *j, const char *key);
