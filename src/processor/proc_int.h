/*
 * Internals of the processor: partitions, tables and the offsets map.
 */
#ifndef ICP_PROC_INT_H
#define ICP_PROC_INT_H

#include "catalog/catalog.h"
#include "coord/coord.h"
#include "iceberg/iceberg.h"
#include "metrics/metrics.h"
#include "parquet/parquet.h"
#include "processor/processor.h"
#include "pspec/pspec.h"
#include "segment/segment.h"
#include "storage/storage.h"
#include "vtree/vtree.h"

/* ------------------------------------------------------- offsets map */

typedef struct icp_offset_entry {
	char *tp;       /* "topic/partition" */
	int64_t next;   /* next offset to read */
} icp_offset_entry;

typedef struct icp_offsets {
	icp_offset_entry *e;
	size_t n, cap;
} icp_offsets;

void icp_offsets_dispose(icp_offsets *o);
int64_t icp_offsets_get(const icp_offsets *o, const char *tp); /* -1 if absent */
int icp_offsets_set(icp_offsets *o, const char *tp, int64_t next);
/* Parses {"t/p": N, ...}; ICP_ERR_CORRUPT names the bad member. */
int icp_offsets_parse(const char *json, icp_offsets *out, icp_error *err);
int icp_offsets_to_json(const icp_offsets *o, icp_buf *out);
/* Reads the offsets of a table: the nearest snapshot on main's ancestry
 * whose summary has kafscale.offsets (empty when none). */
int icp_offsets_from_table(const icp_ice_metadata *m, icp_offsets *out, icp_error *err);

/* transactions (txn.c): one per partition under read_committed; its
 * interface is txn_int.h (txn.c and the files that read partitions). */
typedef struct icp_txn icp_txn;

/* ------------------------------------------------------------ tables */

typedef struct icp_part icp_part;

/* ------------------------------------------------------ sink (sink.c)
 * A table's data files not yet committed: the open Parquet files (one per
 * partition tuple, at most max_open: the least recently used one is
 * rolled past that) and the closed ones waiting for a commit.
 * Caller-owned (_init/_dispose, inside icp_table); only sink.c writes its
 * fields, others use the functions. */

/* A file's partition tuple, owned: n values (bytes point into `bytes`)
 * and its grouping key (icp_pspec_tuple_key). n == 0: unpartitioned. */
typedef struct icp_sink_tuple {
	icp_pspec_value *v;
	size_t n;
	uint8_t *bytes;
	uint8_t *key;
	size_t key_len;
} icp_sink_tuple;

typedef struct icp_pending_file {
	char *url;
	char *key;
	icp_parquet_file_metrics metrics;
	icp_sink_tuple partition;   /* its values for the manifest */
	int32_t spec_id;            /* the spec the tuple was computed with */
	int32_t sort_order_id;      /* its rows are sorted by it (0: unsorted) */
} icp_pending_file;

void icp_pending_file_dispose(icp_pending_file *f);

typedef struct icp_sink_file {
	icp_storage_writer *sw;
	icp_parquet_writer *pw;
	char *url, *key;
	icp_sink_tuple partition;
	int32_t spec_id;
	int32_t sort_order_id;
	uint64_t used;              /* LRU tick */
} icp_sink_file;

/* Where and how new files are opened (all borrowed: they must outlive the
 * open files; the table sets it before each batch it appends). */
typedef struct icp_sink_target {
	icp_storage *store;
	const char *data_prefix;
	const icp_parquet_field *fields;
	size_t n_fields;
	icp_parquet_options options;
	int32_t spec_id;
	int32_t sort_order_id;      /* rows written sorted by it (0: unsorted) */
	size_t max_open;            /* open files at most (0: 1) */
} icp_sink_target;

typedef struct icp_sink {
	icp_sink_target target;
	icp_sink_file *open;        /* the open data files */
	size_t n_open, cap_open, max_open;
	uint64_t tick;
	uint64_t lru_rolls;         /* files closed to make room (counter) */
	icp_pending_file *pending;  /* closed, uncommitted data files */
	size_t n_pending, cap_pending;
	uint64_t pending_rows;
	int dirty;                  /* uncommitted rows exist */
	int in_doubt;               /* a commit of the pending files failed after an
	                             * unknown outcome: they may be in the table, so
	                             * they are never deleted */
} icp_sink;

void icp_sink_init(icp_sink *s);
/* Aborts the open files and forgets the closed ones (deletes nothing). */
void icp_sink_dispose(icp_sink *s);
void icp_sink_set_target(icp_sink *s, const icp_sink_target *t);
/* Unpartitioned: sets the target (one open file at most) and ensures an
 * open data file <data_prefix>/<ms>-<uuid>.parquet in store (no-op when
 * one is open). Errors leave none open. */
int icp_sink_open(icp_sink *s, icp_storage *store, const char *data_prefix,
                  const icp_parquet_field *fields, size_t n_fields, const icp_parquet_options *o,
                  icp_error *err);
/* The writer of the open file of the tuple whose key is `key` (tuple: n
 * values, borrowed: copied when a file is opened), opening one under
 * <data_prefix>/<path>/ (path NULL or "": none) with the target when none
 * is open; at max_open open files the least recently used is closed into
 * the pending ones first. An error leaves the other files as they were. */
int icp_sink_file_for(icp_sink *s, const char *path, icp_slice key, const icp_pspec_value *tuple,
                      size_t n, icp_parquet_writer **pw, icp_error *err);
/* Closes and publishes every open file into the closed ones (an empty one
 * is dropped). An error drops the file: its rows are lost (discard, reread);
 * the other files are still closed. */
int icp_sink_close(icp_sink *s, icp_error *err);
/* Closes each open file that reached `target` bytes. */
int icp_sink_maybe_roll(icp_sink *s, uint64_t target, icp_error *err);
/* `rows` rows were appended to the open files. */
void icp_sink_wrote(icp_sink *s, uint64_t rows);
void icp_sink_set_in_doubt(icp_sink *s, int in_doubt);
/* The closed files were committed: forgotten, not deleted. */
void icp_sink_landed(icp_sink *s);
/* Drops everything uncommitted: the open files are aborted, the closed
 * ones deleted from store unless in doubt. Returns how many were kept. */
size_t icp_sink_discard(icp_sink *s, icp_storage *store);

/* The open file of an unpartitioned sink (the only one), or NULL. */
static inline icp_parquet_writer *icp_sink_writer(const icp_sink *s)
{
	return s->n_open ? s->open[0].pw : NULL;
}
/* 1 when anything is uncommitted (rows, an open or a closed file). */
static inline int icp_sink_busy(const icp_sink *s)
{
	return s->dirty || s->n_pending || s->n_open;
}
static inline int icp_sink_file_open(const icp_sink *s)
{
	return s->n_open > 0;
}
/* Files uncommitted, the open ones included. */
static inline size_t icp_sink_count(const icp_sink *s)
{
	return s->n_pending + s->n_open;
}
static inline const icp_pending_file *icp_sink_files(const icp_sink *s, size_t *n)
{
	*n = s->n_pending;
	return s->pending;
}
static inline uint64_t icp_sink_rows(const icp_sink *s)
{
	return s->pending_rows;
}
static inline int icp_sink_in_doubt(const icp_sink *s)
{
	return s->in_doubt;
}
/* The spec id of the uncommitted files (-1: none yet). */
static inline int32_t icp_sink_spec_id(const icp_sink *s)
{
	if (s->n_pending)
		return s->pending[0].spec_id;
	return s->n_open ? s->open[0].spec_id : -1;
}

/* A table with this many uncommitted data files commits at the end of
 * the turn that reached it, in --once runs too: each closed file keeps
 * its column metrics and partition tuple (about 3 KB) until its commit,
 * and many partition tuples with few open writers (LRU rolls) can close
 * files far faster than the commit interval would take them. */
#define ICP_PROC_MAX_CLOSED_FILES 2048

/* Invalid records of the batch being written that go to the dead-letter
 * table (mappings[].on_invalid dead_letter): copies of the records (their
 * slices point into the batch, valid while it is written) and each one's
 * error columns as a JSON object (the DLQ table's typed columns are
 * extracted from it). Owned by the table; rows.c notes, segread.c writes
 * and resets, batch after batch (no allocation once grown). */
typedef struct icp_dlq_rows {
	icp_record *recs;
	size_t n, cap;
	icp_buf json;        /* the error objects, one after another */
	size_t *end;         /* end of record i's object in json */
	icp_slice *src;      /* the objects as slices, made at the write */
} icp_dlq_rows;

/* Why a record is invalid (rows.c: icp_rows_invalid). stage and reason
 * are short fixed codes (metric labels, docs/user-guide.md); message and
 * path are free text (NULL: none); schema_id < 0: none. */
typedef struct icp_invalid {
	const char *stage;   /* prefix, schema, decode, validate, column, lfs */
	const char *reason;  /* e.g. wrong_magic, unknown_schema_id, corrupt */
	const char *message;
	const char *path;
	int64_t schema_id;
} icp_invalid;

typedef struct icp_table {
	const icp_config_mapping *map;
	char *ns, *name;
	icp_ice_metadata *meta;
	icp_ice_schema *schema;
	/* Warehouse store of this table: NULL = p->warehouse; else one opened
	 * with the S3 settings the REST catalog vended for it (owned). Same
	 * root as p->warehouse, so keys are the same. */
	icp_storage *store;
	int64_t store_renew_ms;     /* wall clock: ask the catalog again */
	uint64_t registry_gen;      /* registry document the schema follows; 0 = none */
	icp_parquet_field *pfields;
	size_t n_pfields;
	/* The table's default partition spec, bound to `schema` (table.c,
	 * refreshed on every adopt): files are written with it. NULL when it
	 * has no fields, or when it cannot be written with: spec_error says
	 * why (then nothing is appended). */
	icp_pspec *spec;
	int32_t spec_id;
	char *spec_error;
	int32_t sort_order_id; /* default sort order the rows are sorted by (0: none) */
	char *data_prefix;          /* storage key of <location>/data */
	char *meta_prefix;          /* storage key of <location>/metadata */
	icp_offsets committed;      /* offsets in the current snapshot */
	icp_sink sink;              /* the data files not yet committed */
	/* scratch reused for every batch */
	icp_buf scratch_ids, scratch_hdrs;
	void *cols;                 /* column arrays (rows.c) */
	struct icp_route *route;    /* rows by partition tuple (rows.c), or NULL */
	size_t sort_limit;          /* sorted tables: bytes of rows kept before
	                             * they are written (table.c: its row group) */
	size_t cols_cap;
	/* typed mapping columns (rows.c, src/columns): built lazily from
	 * `schema`, freed by icp_rows_schema_changed() and icp_rows_dispose() */
	struct icp_columns *columns;
	struct icp_columns *lfs_columns; /* lfs_* columns (store_metadata) */
	/* per record of the batch handed to rows: the LFS metadata JSON
	 * (ptr NULL: none), set by filter.c, NULL when not in use */
	const icp_slice *lfs_meta;
	int64_t last_commit_ms;     /* wall clock of the last commit, 0: none */
	uint64_t commit_from_ns;    /* run mode: its commit interval runs from here */
	int no_objects;             /* the start-up LIST found nothing under
	                             * {namespace}/{topic}/ (processor.c); cleared
	                             * by observe.c once partitions appear */
	void *filter;               /* per-record stage state (filter.c), or NULL */
	/* metric handles (observe.c), cached: updates never look up */
	icp_metrics_family *fam_coerce;      /* column_coercion_nulls_total */
	icp_metrics_counter **m_coerce;      /* per top-level typed column */
	uint64_t *coerce_seen;               /* extractor counts already added */
	icp_metrics_counter *m_written, *m_dropped, *m_invalid, *m_batches, *m_bytes, *m_segments,
		*m_files, *m_aborted, *m_dead;
	icp_metrics_family *fam_invalid;     /* invalid_records_total */
	/* mappings[].on_invalid dead_letter (issue 18): the dead-letter
	 * table, owned (opened with dlq_map, owned too); NULL otherwise. A
	 * dead-letter table has dlq_of = the table it serves, no partitions
	 * of its own, and commits just before it (table.c). */
	struct icp_table *dlq, *dlq_of;
	icp_config_mapping *dlq_map;
	icp_dlq_rows dl;
	/* per record of the batch handed to rows: a JSON object the typed
	 * columns are taken from instead of the value (a dead-letter table's
	 * error columns), or NULL */
	const icp_slice *extract_src;
	struct icp_decode *decode;  /* schema.source confluent (decode.c), or NULL */
	/* a registry version evolution refused (ICP_ERR_INVALID: narrowing,
	 * incompatible): its message and schema id, else NULL and 0 */
	char *refused;
	uint64_t refused_gen;
	icp_metrics_counter *m_mismatch[ICP_MISMATCH_KINDS]; /* segment_mismatch_total */
	icp_metrics_counter *m_ts_range; /* timestamp_out_of_range_total (timestamp_column) */
	icp_metrics_histogram *m_latency, *m_file_size;
	icp_metrics_counter *m_commits[5]; /* ICP_COMMIT_* */
} icp_table;

/* 1 when the table or its dead-letter table holds anything uncommitted. */
static inline int icp_table_busy(const icp_table *t)
{
	return icp_sink_busy(&t->sink) || (t->dlq && icp_sink_busy(&t->dlq->sink));
}

/* Commit outcomes counted per table (catalog_commits_total). */
enum { ICP_COMMIT_OK, ICP_COMMIT_CONFLICT, ICP_COMMIT_RETRIED, ICP_COMMIT_UNKNOWN_RESOLVED,
       ICP_COMMIT_FAILED, ICP_COMMIT_OUTCOMES };

struct icp_part {
	char *topic;
	int32_t partition;
	char *tp;                   /* "topic/partition" */
	char *prefix;               /* storage prefix "ns/topic/p/" */
	icp_table *table;
	int64_t committed_next;     /* from the table */
	int64_t next;               /* read position (may be ahead: uncommitted) */
	int64_t last_ts;            /* timestamp of the last record read (-1) */
	int64_t committed_ts;       /* ... of the last record committed (-1) */
	int64_t avail_last;         /* last offset of the newest complete
	                             * segment seen (footer), -1: none */
	int owned;                  /* this worker processes it (leases) */
	int64_t etcd_next;          /* committed_next last written to etcd */
	char *last_key;             /* last fully read segment key, or NULL */
	int stopped;                /* a corrupt segment or a strict-mode
	                             * invalid record was met */
	int64_t stop_base;          /* read only segments below it (-1: all) */
	int64_t stop_offset;        /* read only offsets below it (-1: all) */
	char *error;
	/* read_committed (else NULL): the transactions known past `next`,
	 * and the batches kept until their fate is known (txn.c) */
	icp_txn *txn;
	/* newest complete segment seen and its footer (available offset) */
	char *avail_key;
	uint8_t avail_footer[ICP_SEGMENT_FOOTER_SIZE];
	int avail_footer_ok;
	/* stall: the incomplete object the partition waits on while later
	 * complete segments exist, since when, last warning (wall ms) */
	char *stall_key;
	int64_t stall_since_ms, stall_warned_ms;
	int stalled;
	int turn_more;              /* its last turn ended with data left */
	int ts_range_warned;        /* rows.c: a timestamp out of the timestamp
	                             * column's range was logged (once) */
	/* the parsed .index of the segment last read inside (segread.c):
	 * a partition resuming it next turn needs no second GET */
	icp_segment_index index;
	char *index_key;
	struct icp_part_read *rd;   /* a read its last turn left open (segread.c) */
	struct icp_part_ahead *ahead; /* the next segment, fetched ahead (segread.c) */
	struct {                    /* a LIST sent ahead of its turn (prelist.c) */
		icp_storage_listing l;
		char *after;            /* the start key it listed after */
		struct icp_seg_ref *segs; /* its segments paired (icp_segs_pair) */
		size_t n_segs;
		int ready;
		char *foot_key;         /* the footer fetched ahead is this .kfs's */
		uint8_t footer[ICP_SEGMENT_FOOTER_SIZE];
	} pre;
	uint64_t rewinds;           /* times the position moved back (position.c) */
	uint64_t read_epoch;        /* rewinds when the reading state above was
	                             * last valid (segread.c, icp_segread_sync) */
	icp_metrics_gauge *m_last_offset, *m_wm_offset, *m_wm_ts, *m_lag_offsets,
		*m_lag_seconds, *m_stalled;
};

/* Families this processor adds to the contract's (observe.c). */
enum { ICP_OBS_LAG_OFFSETS, ICP_OBS_LAG_SECONDS, ICP_OBS_BYTES_READ, ICP_OBS_SEGMENTS_READ,
       ICP_OBS_COMMITS, ICP_OBS_FILES, ICP_OBS_FILE_SIZE, ICP_OBS_OWNED,
       ICP_OBS_STORE_REQUESTS, ICP_OBS_COERCE_NULLS, ICP_OBS_MISMATCH, ICP_OBS_STALLED,
       ICP_OBS_MEM_LIMIT, ICP_OBS_MEM_USED, ICP_OBS_MEM_PEAK, ICP_OBS_TS_RANGE, ICP_OBS_INVALID,
       ICP_OBS_COUNT };

struct icp_processor {
	const icp_config *cfg;
	icp_storage *segments;      /* the bucket */
	icp_storage *warehouse;
	icp_catalog *catalog;
	struct icp_csr *csr;        /* Confluent Schema Registry (source confluent), or NULL */
	icp_table *tables;
	size_t n_tables;
	icp_part **parts;
	size_t n_parts, cap_parts;
	icp_segment_opts seg_opts;
	icp_batch_decoder *txn_dec; /* decodes queued batches (txn.c) */
	uint64_t last_publish_ns;   /* /status and lag gauges, see icp_obs_tick */
	uint64_t turn_end_ns;       /* the current partition turn ends (0: no limit) */
	const icp_table *turn_table; /* the table of the partition taking its turn:
	                             * the turn also ends at ICP_PROC_MAX_CLOSED_FILES */
	int commit_in_turns;        /* run mode: tables commit when due between turns */
	uint64_t polls;             /* poll rounds so far (discovery cadence) */
	int coord_failed;           /* the last etcd round failed (readiness) */
	uint64_t catalog_ok_ns;     /* last time the catalog answered */
	int any_corrupt;
	/* shutdown: the run loop's stop flag, and the deadline (monotonic ns,
	 * 0 = none) after which commits stop retrying and reads stop */
	volatile sig_atomic_t *stop;
	uint64_t deadline_ns;
	icp_processor_health *health; /* borrowed, may be NULL */
	struct icp_once *once;      /* --once progress and summary (once.c), or NULL */
	icp_coord *coord;           /* offsets.backend etcd, else NULL */
	struct icp_maintd *maintd;  /* run mode's maintenance thread, or NULL */
	struct icp_registry *registry; /* schema.mode != off, else NULL */
	struct icp_pool *pool;      /* processor.threads workers: Parquet pages */
	/* processor.memory_limit_bytes and its split (memory.c) */
	struct icp_budget *budget;
	size_t mem_row_group;       /* row group bytes of each open data file */
	size_t mem_row_group_part;  /* ... of a partitioned table's (its share
	                             * split between max_open_files writers) */
	int mem_upload_conc;        /* parts in flight per upload; 0: not S3 */
	uint64_t mem_reserved;      /* writers' and uploads' fixed shares */
	uint64_t mem_ceiling;       /* queues and kept reads stay under it */
	uint64_t last_tick_ns;
	icp_metrics_family *fam[ICP_OBS_COUNT];
	icp_metrics_gauge *m_owned;
	icp_metrics_gauge *m_mem_limit, *m_mem_used, *m_mem_peak; /* the budget */
	icp_metrics_counter *m_err_discover, *m_err_decode, *m_err_sink, *m_err_checkpoint;
	icp_metrics_counter *m_s3[ICP_S3_OP_COUNT][ICP_S3_CLASS_COUNT];
};

/* 1 when the partition is this worker's to process now. */
static inline int icp_part_active(const icp_processor *p, const icp_part *pt)
{
	/* with leases, also the local deadline: an unrenewed lease is not
	 * trusted even before the next tick reports it lost */
	return pt->owned && (!p->coord || icp_coord_owns(p->coord, pt->tp));
}

/* env.c (a leaf: calls no other file here) ---------------------------- */

/* 1 once a stop was requested and its deadline has passed: give up
 * retries and long reads (uncommitted data is read again later). */
int icp_processor_past_deadline(const icp_processor *p);

/* Fair turns (set by processor.c): a partition reads for at most one turn while
 * other partitions are active, so a backlog on one topic never holds the
 * others (and their tables' commits) back for long. 1 once the current
 * turn is used up. */
int icp_proc_turn_over(const icp_processor *p);

/* The object store of another bucket next to the segments' one (LFS
 * blobs): same endpoint and credentials. Caller frees it. */
int icp_processor_open_bucket(icp_processor *p, const char *bucket, icp_storage **out,
                              icp_error *err);

/* The object-store options of s3.* (warehouse 0) or iceberg.s3.*
 * (warehouse 1). */
void icp_proc_store_opts(icp_processor *p, int warehouse, icp_storage_opts *o);

/* The catalog options of iceberg.catalog.* over warehouse store ws
 * (borrowed by the catalog opened with them). */
void icp_proc_catalog_opts(const icp_config *cfg, icp_storage *ws, icp_catalog_opts *co);

/* s when it is a non-empty string, else NULL (optional config text). */
const char *icp_proc_nonempty(const char *s);

/* memory.c: the budget of processor.memory_limit_bytes and its split
 * (docs/internals/memory.md). _open creates p->budget and reserves the
 * writers' and uploads' shares (a limit too small for them is warned
 * about, not refused); _read_ahead gives the read-ahead depth `bytes`
 * of an S3 segment may use now (at least min_depth, no more chunks than
 * the bytes fill; 0: none) with the bytes it charged;
 * _try_keep asks for n bytes for a queue or a read kept between turns
 * (1: granted; 0: do without); _release gives bytes back. */
#define ICP_PROC_FETCH_CHUNK (8u << 20) /* S3 read-ahead chunk */
int icp_proc_memory_open(icp_processor *p, icp_error *err);
void icp_proc_memory_close(icp_processor *p);
size_t icp_proc_read_ahead(icp_processor *p, uint64_t bytes, size_t min_depth,
                           uint64_t *charged);
int icp_proc_mem_try_keep(icp_processor *p, uint64_t n);
void icp_proc_mem_release(icp_processor *p, uint64_t n);

/* decode.c: values of a schema.source confluent mapping (issue 18);
 * its interface is decode_int.h. */
typedef struct icp_decode icp_decode;
void icp_decode_free(icp_decode *d);

/* filter.c: the per-record stage (LFS, invalid-record policy). _open is a
 * no-op for mappings that need none. _batch gives in *out either b itself
 * or a filtered copy (records valid until the next call); *stop_at is the
 * offset of a record that stops the partition (strict), else -1.
 * Errors: the batch cannot be decided now (store down): retry later. */
int icp_filter_open(icp_processor *p, icp_table *t, icp_error *err);
void icp_filter_dispose(icp_table *t);
int icp_filter_batch(icp_processor *p, icp_part *pt, const icp_batch *b, icp_batch *out,
                     int64_t *stop_at, icp_error *err);

/* coordinate.c: leases and the etcd offsets cache (no-ops without
 * etcd). _round ticks and applies claims/releases/losses; _due says a
 * tick is needed to keep leases alive (TTL/3 since the last); _offsets
 * writes committed offsets; _discover adds the snapshot's partitions of
 * mapped topics (ICP_ERR_NOT_FOUND: no snapshot). */
int icp_proc_coord_open(icp_processor *p, icp_error *err);
void icp_proc_coord_close(icp_processor *p);
int icp_proc_coord_round(icp_processor *p, icp_error *err);
int icp_proc_coord_due(const icp_processor *p);
void icp_proc_coord_offsets(icp_processor *p);
int icp_proc_coord_discover(icp_processor *p, icp_error *err);

/* once.c: --once progress lines, summary and stop (see the file). _begin
 * sets up p->once (freed by icp_processor_free). _batch_done is called by
 * the read loop after every batch: 1 = stop reading at this batch (a
 * signal in --once, or past the shutdown deadline). _segment_begin: a
 * segment is about to be read, `left` listed segments remain from it on;
 * _part_polled: a partition's poll ended. _aborting: a second signal in
 * --once (give up commits). _abandon drops every table's uncommitted data
 * (data files deleted unless the table is in doubt). _summary logs the
 * closing per-table and per-partition lines. */
typedef struct icp_once icp_once;
int icp_once_begin(icp_processor *p, icp_error *err);
void icp_once_free(icp_once *o);
int icp_once_batch_done(icp_processor *p, icp_part *pt, const icp_batch *b);
void icp_once_segment_begin(icp_processor *p, icp_part *pt, size_t left);
void icp_once_part_polled(icp_processor *p, icp_part *pt);
int icp_once_aborting(const icp_processor *p);
void icp_once_abandon(icp_processor *p, const char *why);
void icp_once_summary(icp_processor *p, const char *outcome);

/* pqopts.c: Parquet writer options from parquet.* (codec, level, row
 * group and page size), for ingest's files and compaction's alike. A
 * leaf: it calls nothing else of the processor. */
void icp_proc_parquet_options(const icp_config *cfg, icp_parquet_options *o);

/* maintain.c: one table's maintenance pass (compact, expire, remove
 * orphans) over catalog cat and warehouse store wh (both
 * the caller's: the CLI's are the processor's, run mode's the maintenance
 * thread's own). The table is loaded fresh from the catalog: nothing of
 * the ingest side is read. stop (NULL: never) is asked before each step;
 * a stop returns ICP_ERR_RETRYABLE. *rep is filled (table = label) also
 * on failure; the error is prefixed with the table and the step. */
int icp_proc_maintain_table(const icp_config *cfg, icp_catalog *cat, icp_storage *wh,
                            const char *ns, const char *name, const char *label, int dry_run,
                            int (*stop)(void *ctx), void *stop_ctx,
                            icp_processor_maint_report *rep, icp_error *err);

/* maintd.c: the maintenance thread of run mode (see the file). _start
 * copies what it needs of p (table names, store options) and starts the
 * thread; _stop asks it to stop (no wait); _free stops, joins (a pass in
 * progress ends after its current step) and frees (NULL: no-op).
 * _set_lease: the worker's etcd lease id the maintenance keys are
 * attached to (main thread, after each etcd round; 0: none held).
 * _status appends ,"maintenance":{...} for table i to b (the last pass,
 * copied under the thread's mutex; null when m is NULL). */
typedef struct icp_maintd icp_maintd;
int icp_maintd_start(icp_processor *p, icp_maintd **out, icp_error *err);
void icp_maintd_stop(icp_maintd *m);
void icp_maintd_free(icp_maintd *m);
void icp_maintd_set_lease(icp_maintd *m, int64_t lease_id);
void icp_maintd_status(icp_maintd *m, size_t i, icp_buf *b);

/* observe.c */
int icp_obs_init(icp_processor *p, icp_error *err);
void icp_obs_table_init(icp_processor *p, icp_table *t);
void icp_obs_part_init(icp_processor *p, icp_part *pt);
void icp_obs_committed(icp_part *pt);
/* Recomputes lag gauges and publishes /status (once per poll round). */
void icp_obs_publish(icp_processor *p);
/* The same at most once a second, from inside long reads (cheap when not
 * due), so /status and lag are right while a backlog is read. */
void icp_obs_tick(icp_processor *p);

/* rows.c: appends one batch's records at or above `from` to the table's
 * open data file. A record the typed-column extractor refuses (a required
 * column missing or not coercible) is invalid: with `strict` nothing at or
 * past it is appended and stop_at says where (pt->error names it);
 * otherwise it is dropped, logged and counted in `invalid`. */
typedef struct icp_rows_out {
	size_t written;  /* rows appended */
	size_t below;    /* records under `from` (already in the table) */
	size_t invalid;  /* records refused and dropped (not strict) */
	size_t dead;     /* records refused and noted for the dead-letter table */
	int64_t stop_at; /* strict: the first refused record's offset; else -1 */
} icp_rows_out;
/* `policy` is the mapping's on_invalid (ICP_ON_INVALID_*): stop is
 * `strict` above, drop drops, dead_letter notes the record in t->dl. */
int icp_rows_append(icp_table *t, icp_part *pt, const icp_batch *b, int64_t from, int policy,
                    icp_rows_out *out, icp_error *err);
/* The invalid-record policy for record r of partition pt (filter.c and
 * rows.c): logs, counts invalid_records_total{topic,stage,reason,action},
 * and drops (out->invalid), notes for the dead-letter table (out->dead)
 * or stops (out->stop_at, the partition's error). Returns 1 to go on, 0
 * when the partition stops at r, ICP_ERR_NOMEM. */
int icp_rows_invalid(icp_table *t, icp_part *pt, const icp_record *r, int policy,
                     const icp_invalid *why, icp_rows_out *out);
/* Forgets the noted dead-letter records (after they were written, or
 * when the batch is read again). */
void icp_rows_dl_reset(icp_table *t);
void icp_rows_dispose(icp_table *t);
/* Sorted tables (mappings[].sort_by, t->sort_limit): icp_rows_append
 * keeps the rows (copied) instead of writing them, until their memory
 * reaches t->sort_limit or icp_rows_flush: the kept rows sorted by the
 * sort columns (per partition tuple) are written, each tuple's rows as
 * one new file, closed at once (every data file is sorted). An error
 * drops them (discard and reread). _drop forgets them (a discard);
 * _kept_spec: the spec id of the kept rows' tuples, -1 when none. */
int icp_rows_flush(icp_table *t, icp_error *err);
void icp_rows_drop(icp_table *t);
int32_t icp_rows_kept_spec(const icp_table *t);
/* Call after t->schema (and pfields) changed: the column extractor is
 * rebuilt from the new schema at the next append. */
void icp_rows_schema_changed(icp_table *t);
/* evolve.c: the schema a new table of mapping m is created with (base
 * columns + the mapping's or registry's columns), and bringing an
 * existing table to those columns: new columns added (fresh ids),
 * int->long and float->double widened when allowed, anything else
 * ICP_ERR_INVALID naming table, column, old and new type (a registry that
 * cannot be reached: base columns for a new table, an existing one keeps
 * its schema). Evolution is committed (with
 * assert-current-schema-id + assert-last-assigned-field-id) before any
 * data; *meta becomes the new metadata and t->schema a copy of the
 * table's current schema (build t->pfields from it afterwards). */
int icp_evolve_new_schema(icp_processor *p, const icp_config_mapping *m, icp_ice_schema **out,
                          icp_error *err);
int icp_evolve_table(icp_processor *p, icp_table *t, icp_ice_metadata **meta, icp_error *err);
/* evolve.c: commits one change of table metadata decided on *meta (schema,
 * spec, sort order). ICP_OK with *applied = 1: *meta is the result; with
 * *applied = 0: a conflict (or a request not sent) and *meta is the table
 * reloaded, to decide again on. Either way the old *meta is freed. Other
 * errors leave *meta as it was. */
int icp_evolve_commit(icp_processor *p, icp_table *t, icp_ice_metadata **meta,
                      const icp_ice_commit *c, int *applied, icp_error *err);
/* spec.c: after icp_evolve_table, makes the table's default partition
 * spec the one mappings[].partition_by asks for (absent: untouched; []:
 * unpartitioned): an equal spec of the table by its id, else a new spec
 * (field ids reused per source+transform, new ones above
 * last-partition-id), committed with assert-default-spec-id and
 * assert-last-assigned-partition-id, retried after conflicts. A
 * partition_by that does not build against the table's schema is
 * ICP_ERR_INVALID naming the table and the expression. *meta becomes the
 * new metadata (the old freed), as with icp_evolve_table. */
int icp_evolve_spec(icp_processor *p, icp_table *t, icp_ice_metadata **meta, icp_error *err);
/* sortorder.c: after icp_evolve_spec, makes the table's default sort
 * order the one mappings[].sort_by asks for (empty: untouched): identity,
 * asc, nulls-first on the named top-level columns; an equal order of the
 * table by its id, else a new order, committed with
 * assert-default-sort-order-id, retried after conflicts. A column the
 * table lacks is ICP_ERR_INVALID naming the table and the column. *meta
 * becomes the new metadata (the old freed), as with icp_evolve_table. */
int icp_evolve_sort_order(icp_processor *p, icp_table *t, icp_ice_metadata **meta,
                          icp_error *err);
/* sortorder.c: the sort order id data files of t are tagged with under
 * meta: its default order when that is exactly what sort_by asks for,
 * else 0 (unsorted). */
int32_t icp_sort_order_of(const icp_table *t, const icp_ice_metadata *meta);
/* tschema.c: for a registry-sourced table with nothing buffered, evolves
 * the table when the registry's document changed since the schema was
 * decided (cheap otherwise: the registry answers from its cache). An
 * evolution the rules refuse is returned as the error; the table keeps
 * writing with its current schema, and the same document is not tried
 * again. */
int icp_table_registry_recheck(icp_processor *p, icp_table *t, icp_error *err);
/* table.c: the table's Parquet fields from t->schema (after evolution). */
int icp_table_build_pfields(icp_table *t, icp_error *err);
/* mappings[].on_invalid dead_letter: opens (creates) t's dead-letter
 * table (t->dlq); a no-op for other mappings. */
int icp_table_open_dlq(icp_processor *p, icp_table *t, icp_error *err);
/* schema.source confluent, before a batch is written: every schema id
 * its values carry is looked up (once per id), and when one is newer than
 * the table's schema, the table commits what it holds and evolves to the
 * subject's latest version first (one schema per data file). An
 * unreachable registry: ICP_ERR_RETRYABLE, nothing appended, the batch is
 * read again later. */
int icp_table_decode_prepare(icp_processor *p, icp_table *t, icp_part *pt, const icp_batch *b,
                             icp_error *err);

/* table.c */
int icp_table_open(icp_processor *p, icp_table *t, const icp_config_mapping *m,
                   icp_error *err);
void icp_table_dispose(icp_table *t);
/* Ensures an open Parquet file (t->sink); rolls it at the target size. */
int icp_table_file_ready(icp_processor *p, icp_table *t, icp_error *err);
int icp_table_file_maybe_roll(icp_processor *p, icp_table *t, icp_error *err);
/* Drops all uncommitted data of the table and rewinds its partitions
 * (data files are kept while the sink is in doubt). */
void icp_table_discard(icp_processor *p, icp_table *t, const char *why);
/* The store t's files go through; adopting metadata as the table's
 * current one (takes m on ICP_OK). */
icp_storage *icp_table_store(icp_processor *p, const icp_table *t);
int icp_table_adopt(icp_processor *p, icp_table *t, icp_ice_metadata *m, icp_error *err);

/* When the vended S3 settings of t are due (see vended_store) and no data
 * file is open: reloads the table so the catalog vends again and swaps the
 * store. Errors keep the old store and retry 10 s later. */
int icp_table_vended_renew(icp_processor *p, icp_table *t, icp_error *err);

/* table.c: the flush of a table, through an icp_commit (commit.c; its
 * interface and merge.c's are in commit_int.h). */
/* Commits the table's pending data (ICP_OK when nothing to do). */
int icp_table_commit(icp_processor *p, icp_table *t, icp_error *err);
/* Commits what is buffered, reloads the table from the catalog and moves
 * its partitions to the offsets the table holds (after a claim: another
 * worker may have committed since we last looked). */
int icp_table_refresh(icp_processor *p, icp_table *t, icp_error *err);

/* partition.c: discovers partitions of mapped topics by listing the
 * segments bucket (etcd discovery is coordinate.c's, chosen by
 * processor.c) and reads new segments. *progress is set when records
 * were taken. */
int icp_parts_discover(icp_processor *p, icp_error *err);
/* Adds topic-partition `partition` of t unless known. */
int icp_parts_add(icp_processor *p, icp_table *t, int32_t partition, icp_error *err);
/* One turn: reads until the partition has nothing complete left, or the
 * turn is over (icp_proc_turn_over), then *more says whether it stopped
 * with data left (another turn is owed). */
int icp_part_poll(icp_processor *p, icp_part *pt, int *progress, int *more, icp_error *err);
/* The partition's position: only these (position.c) write its read
 * and commit position, timestamps, stop state and error; everyone else
 * reads the fields.
 * _advance: the read position moves forward to `next` (segread.c).
 * _saw_ts: timestamp of the last record taken (rows.c).
 * _stop_at: strict mode met an invalid record at `offset`: nothing at or
 *   past it is read. _stop_before: the segment at `base` is corrupt:
 *   nothing from it on is read. _resume: clears the stop (a claim).
 * _set_error: the text /status shows (copied; NULL clears).
 * _committed: what was read is committed (a landed commit).
 * _reset: the table holds `committed` (a reload): the committed and read
 *   positions move there unless both already are.
 * _drop_uncommitted: uncommitted data was discarded: back to `committed`.
 * Moving back forgets what was read past it: the listing cursor and the
 * transaction state and queue at once; the index, the open read and the
 * segment fetched ahead at the next icp_segread_sync(). */
void icp_part_advance(icp_part *pt, int64_t next);
void icp_part_saw_ts(icp_part *pt, int64_t ts);
void icp_part_stop_at(icp_part *pt, int64_t offset);
void icp_part_stop_before(icp_part *pt, int64_t base);
void icp_part_resume(icp_part *pt);
void icp_part_set_error(icp_part *pt, const char *msg);
void icp_part_committed(icp_part *pt);
void icp_part_reset(icp_part *pt, int64_t committed);
void icp_part_drop_uncommitted(icp_part *pt, int64_t committed);
/* prelist.c: the LISTs of `parts` sent at once on up to
 * processor.fetch_concurrency threads (remote segment stores), each kept
 * in pt->pre with its segments paired. _take gives pt's listing and its
 * pairs when made after the key pt lists after now (1; both are then the
 * caller's: dispose the listing, free the pairs), else 0; either way
 * pt->pre holds no listing after. _footer: 1 with the footer of kfs
 * fetched ahead in out (once), else 0. _drop frees what is unused. */
struct icp_seg_ref;
void icp_parts_prelist(icp_processor *p, icp_part **parts, size_t n);
int icp_part_prelist_take(icp_part *pt, icp_storage_listing *out, struct icp_seg_ref **segs,
                          size_t *n_segs);
int icp_part_prelist_footer(icp_part *pt, const char *kfs, uint8_t out[ICP_SEGMENT_FOOTER_SIZE]);
void icp_part_prelist_drop(icp_part *pt);
/* A partition's listing (prelist.c): decimal digits of any width that fit
 * an int64 (0 on success); the .kfs/.index keys of a listing under a
 * prefix of plen bytes paired by base offset, in base order (*out points
 * into l; icp_free it); the newest complete pair (NULL: none); whether pt
 * must fetch the footer of kfs for its available offset (not held, or
 * held without END!: it may be completed in place). */
int icp_parts_parse_u64(const char *s, size_t n, int64_t *out);
int icp_segs_pair(const icp_storage_listing *l, size_t plen, struct icp_seg_ref **out,
                  size_t *n_out, icp_error *err);
const struct icp_seg_ref *icp_segs_newest_complete(const struct icp_seg_ref *segs, size_t n);
int icp_part_avail_stale(const icp_part *pt, const char *kfs);

/* partition.c: frees a partition and its reading state. */
void icp_part_free(icp_part *pt);
/* segread.c: the reading state of a partition. _sync drops it when the
 * position moved back since it was built (before each poll and read);
 * _close the read a turn left open; _ahead_close the segment fetched
 * ahead; _forget_index the cached index (a wrong one). */
void icp_segread_sync(icp_part *pt);
void icp_segread_close(icp_part *pt);
void icp_segread_ahead_close(icp_part *pt);
void icp_segread_forget_index(icp_part *pt);

/* segread.c: reads one complete segment of pt from position `from`
 * (pt->next, or the transaction scan position), writing what is decided.
 * ICP_OK: read to its end; ICP_END: not complete (no footer) or reading
 * stopped (strict stop, shutdown); ICP_YIELD: the turn is over (resume
 * from pt's position next turn); ICP_AGAIN: the read position moved
 * (transactions): list and start again; errors: *sink_failed says the
 * table's open data file may be inconsistent. */
#define ICP_AGAIN 2
#define ICP_YIELD 3 /* the turn is over: stopped at a batch boundary */
typedef struct icp_seg_ref {
	int64_t base;          /* from the object name */
	const char *kfs;
	uint64_t kfs_size;
	const char *index;
	/* the complete segment to read after it (NULL: none): fetched ahead
	 * while this one is read (S3). The next listed one of the same
	 * partition, or after the partition's last listed segment the first
	 * one the next partition's turn will read (next_part, from its
	 * listing made ahead), kept in that partition's read-ahead. */
	const char *next_kfs;
	uint64_t next_kfs_size;
	struct icp_part *next_part; /* NULL: the same partition */
} icp_seg_ref;
int icp_segread(icp_processor *p, icp_part *pt, const icp_seg_ref *s, int64_t from,
                int *progress, int *sink_failed, icp_error *err);
/* The last 16 bytes of s into out (one ranged GET; zeros when fewer came
 * back: no END!, not complete). ICP_END: the object is too short to have
 * a footer; a failed request is ICP_ERR_IO (never CORRUPT: it says
 * nothing about the segment). */
int icp_segread_footer(icp_processor *p, const icp_seg_ref *s, uint8_t out[ICP_SEGMENT_FOOTER_SIZE],
                       icp_error *err);
/* Where the next read of pt starts: its next offset, or past what the
 * transaction scan already knows while the writing pass waits. */
int64_t icp_part_read_pos(const icp_part *pt);

#endif
