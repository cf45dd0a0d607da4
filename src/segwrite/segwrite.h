/*
 * segwrite: writes KafScale segments (.kfs + .index) the way the broker
 * does, for test data, the demo and the benchmarks. It is the mirror of
 * src/segment/ (the reader); the byte layout is in segment/segment.h and
 * /work/shared/spec/kafscale-formats.md.
 *
 * Model: records are added one at a time into the current Kafka
 * RecordBatch v2 (kept in memory, uncompressed); icp_segwrite_flush_batch()
 * compresses it with the chosen codec, writes the 61-byte batch header with
 * its CRC32C and appends it to the .kfs. So memory is bounded by one batch
 * (plus its compressed form), whatever the segment size; the body CRC32C,
 * the message count and the index entries are computed as batches go.
 * icp_segwrite_finish() writes the footer, rewrites the header's message
 * count and writes the .index.
 *
 * Files: both are written to "<path>.tmp" and renamed into place by
 * icp_segwrite_finish(), the .kfs first and the .index last, so a reader
 * that waits for both objects (a complete segment) never sees a partial
 * one. icp_segwrite_free() without a successful finish removes the
 * temporary files.
 *
 * Offsets: the first record gets base_offset, each next record the next
 * offset, unless the record asks for a later one (gaps, as in compacted
 * topics). Timestamps: with CreateTime every record keeps its own; with
 * LogAppendTime (opts.log_append_time) a batch's maxTimestamp is the
 * largest timestamp added to it (the "append time") and readers give every
 * record of the batch that value.
 *
 * Errors: ICP_ERR_INVALID (bad arguments, offsets going backwards, finish
 * without records), ICP_ERR_TOO_LARGE (a batch, offset delta, segment or
 * count past Kafka's int32 limits or opts.max_batch_bytes), ICP_ERR_IO,
 * ICP_ERR_NOMEM. After an error the writer only accepts _free().
 * One writer is used by one thread.
 */
#ifndef ICP_SEGWRITE_H
#define ICP_SEGWRITE_H

#include "codec/codec.h"
#include "core/core.h"

typedef struct icp_segwrite icp_segwrite;

/* Caller-owned; initialise with icp_segwrite_opts_init() and change what
 * differs. */
typedef struct icp_segwrite_opts {
	int32_t index_interval;   /* messages between index entries (default 100) */
	int64_t created_ms;       /* header "created" time; 0 = now */
	int log_append_time;      /* 1: batches use LogAppendTime (attribute bit 3) */
	int transactional;        /* 1: data batches carry the transactional bit 4 */
	int32_t leader_epoch;     /* partitionLeaderEpoch of every batch (default 0) */
	int64_t producer_id;      /* default -1 (no idempotent producer) */
	int16_t producer_epoch;   /* default -1 */
	int codec_level;          /* passed to icp_codec_compress; 0 = default */
	icp_codec_id codec;       /* codec of batches flushed by finish() and by
	                           * auto-flush (default ICP_CODEC_NONE) */
	size_t batch_bytes;       /* auto-flush: when adding a record would make the
	                           * uncompressed records section larger than this,
	                           * the pending batch is flushed first; 0 = never */
	size_t max_batch_bytes;   /* hard cap on a records section (default 64 MiB) */
} icp_segwrite_opts;

void icp_segwrite_opts_init(icp_segwrite_opts *o);

/* A record header. key is UTF-8 by protocol (not checked here). */
typedef struct icp_segwrite_header {
	icp_slice key;
	icp_slice value;
	int value_null; /* 1: null value (value ignored) */
} icp_segwrite_header;

/* One record to add. Everything is copied: the caller's bytes need only
 * live for the call. */
typedef struct icp_segwrite_record {
	icp_slice key;
	int key_null;                        /* 1: null key */
	icp_slice value;
	int value_null;                      /* 1: null value (tombstone) */
	const icp_segwrite_header *headers;  /* n_headers entries, may be NULL if 0 */
	size_t n_headers;
	int64_t timestamp_ms;                /* create time, epoch ms (may be < 0) */
	int64_t offset;                      /* -1: next offset; else >= next offset */
} icp_segwrite_record;

/* Creates a writer for one segment whose first batch starts at
 * base_offset (>= 0). opts may be NULL (defaults). Opens "<kfs_path>.tmp"
 * and writes a provisional header. On ICP_OK *out owns the writer (free
 * with icp_segwrite_free). Errors: ICP_ERR_INVALID, ICP_ERR_IO,
 * ICP_ERR_NOMEM. */
int icp_segwrite_new(const char *kfs_path, const char *index_path,
                     int64_t base_offset, const icp_segwrite_opts *opts,
                     icp_segwrite **out, icp_error *err);

/* Adds one record to the current batch (auto-flushing first when
 * opts.batch_bytes says so). */
int icp_segwrite_add_record(icp_segwrite *w, const icp_segwrite_record *rec,
                            icp_error *err);

/* Compresses and writes the current batch; a no-op when it is empty.
 * codec: ICP_CODEC_NONE, _GZIP, _SNAPPY (raw block; _SNAPPY_KAFKA is the
 * same), _LZ4_FRAME or _ZSTD. */
int icp_segwrite_flush_batch(icp_segwrite *w, icp_codec_id codec, icp_error *err);

/* Writes a transaction marker: flushes the current batch (with
 * opts.codec), then a control batch (transactional, one record: COMMIT
 * when commit is 1, else ABORT) at the next offset. */
int icp_segwrite_add_control(icp_segwrite *w, int commit, int64_t producer_id,
                             int16_t producer_epoch, int64_t timestamp_ms,
                             icp_error *err);

/* Flushes the current batch (opts.codec), writes the footer, rewrites the
 * header's message count, writes the index and renames both files into
 * place. Fails with ICP_ERR_INVALID when no record was added. */
int icp_segwrite_finish(icp_segwrite *w, icp_error *err);

/* Progress, for callers that roll segments by size or count. */
typedef struct icp_segwrite_stats {
	uint64_t bytes;          /* .kfs bytes written so far (header included) */
	size_t pending_bytes;    /* uncompressed records of the current batch */
	int32_t pending_records; /* records in the current batch */
	int64_t messages;        /* records in flushed batches (control included) */
	int32_t batches;
	int32_t index_entries;
	int64_t next_offset;     /* offset the next record gets by default */
	int64_t last_offset;     /* last offset written so far; base - 1 if none */
} icp_segwrite_stats;

void icp_segwrite_get_stats(const icp_segwrite *w, icp_segwrite_stats *st);

/* Closes the files; removes the temporary files unless finish succeeded.
 * NULL is a no-op. */
void icp_segwrite_free(icp_segwrite *w);

#endif
