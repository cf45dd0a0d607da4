/*
 * Internals of the processor: partitions, tables and the offsets map.
 */
#ifndef ICP_PROC_INT_H
#define ICP_PROC_INT_H

#include "catalog/catalog.h"
#include "iceberg/iceberg.h"
#include "parquet/parquet.h"
#include "processor/processor.h"
#include "segment/segment.h"
#include "storage/storage.h"

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

/* ------------------------------------------------------------ tables */

typedef struct icp_part icp_part;

typedef struct icp_pending_file {
	char *url;
	char *key;
	icp_parquet_file_metrics metrics;
} icp_pending_file;

typedef struct icp_table {
	const icp_config_mapping *map;
	char *ns, *name;
	icp_ice_metadata *meta;
	icp_ice_schema *schema;
	icp_parquet_field *pfields;
	size_t n_pfields;
	char *data_prefix;          /* storage key of <location>/data */
	char *meta_prefix;          /* storage key of <location>/metadata */
	icp_offsets committed;      /* offsets in the current snapshot */
	/* open data file */
	icp_storage_writer *sw;
	icp_parquet_writer *pw;
	char *open_url, *open_key;
	/* closed, uncommitted data files */
	icp_pending_file *pending;
	size_t n_pending, cap_pending;
	uint64_t pending_rows;
	int dirty;                  /* uncommitted rows exist */
	/* scratch reused for every batch */
	icp_buf scratch_ids, scratch_hdrs;
	void *cols;                 /* column arrays (rows.c) */
	size_t cols_cap;
} icp_table;

struct icp_part {
	char *topic;
	int32_t partition;
	char *tp;                   /* "topic/partition" */
	char *prefix;               /* storage prefix "ns/topic/p/" */
	icp_table *table;
	int64_t committed_next;     /* from the table */
	int64_t next;               /* read position (may be ahead: uncommitted) */
	int64_t last_ts;
	char *last_key;             /* last fully read segment key, or NULL */
	int stopped;                /* a corrupt segment was met */
	int64_t stop_base;          /* read only segments below it (-1: all) */
	char *error;
};

struct icp_processor {
	const icp_config *cfg;
	icp_storage *segments;      /* the bucket */
	icp_storage *warehouse;
	icp_catalog *catalog;
	icp_table *tables;
	size_t n_tables;
	icp_part **parts;
	size_t n_parts, cap_parts;
	icp_segment_opts seg_opts;
	uint64_t last_commit_ns;
	int any_corrupt;
};

/* rows.c: appends one batch's records at or above `from` to the table's
 * open data file. *n_written gets the count. */
int icp_rows_append(icp_table *t, icp_part *pt, const icp_batch *b, int64_t from,
                    size_t *n_written, icp_error *err);
void icp_rows_dispose(icp_table *t);

/* table.c */
int icp_table_open(icp_processor *p, icp_table *t, const icp_config_mapping *m,
                   icp_error *err);
void icp_table_dispose(icp_table *t);
/* Ensures an open Parquet file; rolls it at the target size. */
int icp_table_file_ready(icp_processor *p, icp_table *t, icp_error *err);
int icp_table_file_maybe_roll(icp_processor *p, icp_table *t, icp_error *err);
/* Commits the table's pending data (ICP_OK when nothing to do). */
int icp_table_commit(icp_processor *p, icp_table *t, icp_error *err);
/* Drops all uncommitted data of the table and rewinds its partitions. */
void icp_table_discard(icp_processor *p, icp_table *t, const char *why);

/* partition.c: discovers partitions of mapped topics and reads new
 * segments. *progress is set when records were taken. */
int icp_parts_discover(icp_processor *p, icp_error *err);
int icp_part_poll(icp_processor *p, icp_part *pt, int *progress, icp_error *err);

#endif
