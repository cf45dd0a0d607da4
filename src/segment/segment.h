/*
 * segment: reads KafScale segments (.kfs) and their sparse indexes (.index)
 * into Kafka records. This is the untrusted-input boundary of the
 * processor: every length, count, varint and checksum is checked, and
 * every failure is ICP_ERR_CORRUPT (or ICP_ERR_TOO_LARGE past a cap) with
 * the object name, byte position and batch base offset in the message.
 *
 * Layout (all integers big-endian; ../shared/spec/kafscale-formats.md is
 * the authority):
 *   .kfs   = header(32: "KAFS", version 1, flags 0, base offset, message
 *            count, created ms, reserved) | RecordBatch v2 blobs |
 *            footer(16: CRC32C of body, last offset, "END!")
 *   .index = header(16: "IDX\0", version 1, entries, interval, reserved) |
 *            entries(12: batch base offset int64, byte position int32)
 *
 * Streaming and memory: the reader pulls bytes from an icp_segment_source
 * (a sequential stream of known total size) and holds one batch at a time:
 * memory is bounded by max_batch_bytes (raw) plus max_decompressed_bytes
 * (decoded records), whatever the segment size. Buffers are reused across
 * batches; decoding allocates nothing per record.
 *
 * Checks: header magic/version/flags; every batch's magic, length, CRC32C,
 * record count, record lengths and varints, offsets increasing within
 * [baseOffset, baseOffset + lastOffsetDelta]; batches in offset order;
 * the body CRC32C and the footer (magic, last offset) and the header's
 * message count once the body is read. Records returned before a
 * body-level failure was found must be discarded by the caller when
 * icp_segment_reader_next() fails: a segment is only good once it returned
 * ICP_END.
 */
#ifndef ICP_SEGMENT_H
#define ICP_SEGMENT_H

#include "core/core.h"
#include "pool/pool.h"

#define ICP_SEGMENT_HEADER_SIZE 32
#define ICP_SEGMENT_FOOTER_SIZE 16
#define ICP_INDEX_HEADER_SIZE 16
#define ICP_INDEX_ENTRY_SIZE 12
#define ICP_BATCH_HEADER_SIZE 61

/* ------------------------------------------------------------ source */

/* A sequential byte stream: the object from byte `start` to `size`.
 * read() stores up to n bytes and the count in *got (0 only at the end);
 * it returns ICP_OK or an error status with err set.
 * read_at() is optional (NULL when the source cannot seek): it reads
 * exactly n bytes at an absolute object position; the reader uses it to
 * check the footer before decoding anything. */
typedef struct icp_segment_source {
	void *ctx;
	int (*read)(void *ctx, uint8_t *buf, size_t n, size_t *got, icp_error *err);
	int (*read_at)(void *ctx, uint64_t pos, uint8_t *buf, size_t n, icp_error *err);
	uint64_t size;    /* total object size in bytes */
	uint64_t start;   /* object position of the first byte read() yields */
	const char *name; /* object key or path, for messages */
} icp_segment_source;

/* A source over a local file, opened at `start`. Fills *src; the file is
 * closed by icp_segment_file_close(src). Returns ICP_OK, ICP_ERR_NOT_FOUND
 * or ICP_ERR_IO. `name` must outlive the source. */
int icp_segment_file_open(const char *path, uint64_t start,
                          icp_segment_source *src, icp_error *err);
void icp_segment_file_close(icp_segment_source *src);

/* A source over bytes in memory (tests, fuzzing, small objects). The bytes
 * must outlive the source; `state` is caller storage for the cursor. */
typedef struct icp_segment_mem {
	icp_slice data;
	size_t pos;
} icp_segment_mem;
void icp_segment_mem_source(icp_segment_mem *state, icp_slice data,
                            uint64_t start, const char *name,
                            icp_segment_source *src);

/* ----------------------------------------------------------- records */

typedef struct icp_kafka_header {
	icp_slice key;    /* header key bytes (UTF-8 by protocol, not checked) */
	icp_slice value;
	int value_null;
} icp_kafka_header;

typedef struct icp_record {
	int64_t offset;
	int64_t timestamp; /* epoch ms; LogAppendTime batches: maxTimestamp */
	icp_slice key;
	icp_slice value;
	uint8_t key_null;
	uint8_t value_null;
	uint32_t header_first; /* index into batch->headers */
	uint32_t header_count;
} icp_record;

/* Transaction marker types (Kafka's ControlRecordType). */
enum { ICP_CONTROL_ABORT = 0, ICP_CONTROL_COMMIT = 1, ICP_CONTROL_OTHER = 2 };

typedef struct icp_batch {
	uint64_t position;       /* object byte position of the batch */
	int64_t base_offset;
	int64_t last_offset;     /* base_offset + lastOffsetDelta */
	int32_t batch_length;
	int32_t leader_epoch;
	uint16_t attributes;
	int codec;               /* Kafka codec bits 0..2 */
	int log_append_time;
	int transactional;
	int control;             /* control batch: records not returned */
	int control_type;        /* control batches: the marker's type from its
	                          * record key (int16 version, int16 type):
	                          * ICP_CONTROL_ABORT or ICP_CONTROL_COMMIT, or
	                          * ICP_CONTROL_OTHER; -1 for data batches */
	int64_t base_timestamp;
	int64_t max_timestamp;
	int64_t producer_id;
	int16_t producer_epoch;
	int32_t base_sequence;
	int32_t record_count;    /* from the batch header */
	/* Data records (none for control batches). Valid until the next call
	 * on the decoder/reader that produced them. */
	const icp_record *records;
	size_t n_records;
	const icp_kafka_header *headers;
	size_t n_headers;
} icp_batch;

/* ----------------------------------------------------- batch decoder */

typedef struct icp_segment_opts {
	size_t max_batch_bytes;        /* 0 = 64 MiB */
	size_t max_decompressed_bytes; /* 0 = 256 MiB */
	int skip_crc;                  /* 1 = do not verify CRC32C (bench) */
	/* 1 = the footer's last offset, the header's message count and the
	 * .index are hints: a disagreement with the batches is recorded (see
	 * icp_segment_reader_mismatches) instead of failing the read. They
	 * are not covered by the body CRC, so a reader that must not lose
	 * data (the processor) trusts the CRC-checked batches; dump-segment
	 * keeps them strict to report the defect. */
	int lenient_metadata;
} icp_segment_opts;

void icp_segment_opts_init(icp_segment_opts *o);

/* Decodes one RecordBatch v2 held in memory. Reusable across batches. */
typedef struct icp_batch_decoder icp_batch_decoder;

icp_batch_decoder *icp_batch_decoder_new(const icp_segment_opts *opts);
void icp_batch_decoder_free(icp_batch_decoder *d);

/* 1 = data batches are checked (CRC, header) but their records are not
 * decompressed or decoded (n_records 0): a scan that only needs offsets,
 * producer ids and markers. Control batches are always decoded. */
void icp_batch_decoder_skip_records(icp_batch_decoder *d, int skip);
/* Bytes the decoder holds now (decompression buffer, record and header
 * arrays): what a memory budget charges for keeping it. */
size_t icp_batch_decoder_footprint(const icp_batch_decoder *d);

/* Decodes the batch in `bytes` (exactly 12 + batchLength bytes) found at
 * object position `position` of `name`. On ICP_OK *out describes it;
 * records point into `bytes` or into the decoder's buffer. */
int icp_batch_decode(icp_batch_decoder *d, icp_slice bytes, uint64_t position,
                     const char *name, icp_batch *out, icp_error *err);

/* ------------------------------------------------------------ reader */

typedef struct icp_segment_header {
	uint16_t version;
	uint16_t flags;
	int64_t base_offset;
	int32_t message_count;
	int64_t created_ms;
} icp_segment_header;

typedef struct icp_segment_footer {
	uint32_t crc;
	int64_t last_offset;
} icp_segment_footer;

/* Parses the 32-byte header / 16-byte footer. */
int icp_segment_header_parse(const uint8_t *p, size_t n, const char *name,
                             icp_segment_header *out, icp_error *err);
int icp_segment_footer_parse(const uint8_t *p, const char *name,
                             uint64_t object_size, icp_segment_footer *out,
                             icp_error *err);

typedef struct icp_segment_reader icp_segment_reader;

/* Starts reading `src` (not owned; must outlive the reader). When
 * src->start is 0 the header is read and checked here; when the source
 * starts inside the segment (at an indexed batch position) the header and
 * the body CRC are not checked (batch CRCs still are).
 * Returns ICP_OK, ICP_ERR_CORRUPT, ICP_ERR_IO, ICP_ERR_NOMEM. */
int icp_segment_reader_new(const icp_segment_source *src,
                           const icp_segment_opts *opts,
                           icp_segment_reader **out, icp_error *err);
void icp_segment_reader_free(icp_segment_reader *r);

/* Header (valid when the reader started at byte 0). */
const icp_segment_header *icp_segment_reader_header(const icp_segment_reader *r);

/* Next batch: ICP_OK with *batch filled (control batches included, with no
 * records), ICP_END after the footer and body checks passed, or an error.
 * After an error or ICP_END further calls return the same status. */
int icp_segment_reader_next(icp_segment_reader *r, icp_batch *batch,
                            icp_error *err);

/* Same switch on the reader's decoder, effective from the next batch. */
void icp_segment_reader_skip_records(icp_segment_reader *r, int skip);

/* Decode-ahead: from now on the reader frames up to `depth` batches
 * beyond the one returned (fewer once they hold max_bytes: raw copies
 * plus decoder buffers; one always goes) and decodes them on `pool`
 * while the caller works on the one it has: CRC, decompression and
 * record parsing of later batches overlap the caller's work and each
 * other. Batches, errors and ICP_END come back exactly as without it,
 * in the same order: an error found ahead is returned when the reader
 * reaches it. A batch framed while records were skipped and wanted later
 * is decoded again inline. Only before the first batch; a pool with
 * fewer than 2 workers (or depth < 2) keeps inline decoding. The pool
 * must outlive the reader; icp_segment_reader_free() waits for its jobs.
 * Returns ICP_OK or ICP_ERR_NOMEM. */
int icp_segment_reader_decode_ahead(icp_segment_reader *r, icp_pool *pool, size_t depth,
                                    size_t max_bytes, icp_error *err);

/* The bytes of the batch the last icp_segment_reader_next() returned
 * (12 + batchLength, CRC-checked), valid until the next call: to keep a
 * batch for later decoding with icp_batch_decode(). */
icp_slice icp_segment_reader_last_raw(const icp_segment_reader *r);

/* Bytes the reader holds now (its window and its decoder's buffers; not
 * the source's): what a memory budget charges for keeping it open. */
size_t icp_segment_reader_footprint(const icp_segment_reader *r);

/* Footer, valid after ICP_END. */
const icp_segment_footer *icp_segment_reader_footer(const icp_segment_reader *r);

/* Tells the reader about an index so it checks that every entry at or
 * after the start position names a batch start with that base offset
 * (the index is not owned and must outlive the reader). */
struct icp_segment_index;
void icp_segment_reader_check_index(icp_segment_reader *r,
                                    const struct icp_segment_index *idx);

/* Disagreements of the unchecked metadata with the batches, recorded
 * with opts.lenient_metadata (strict readers fail instead). `claimed` is
 * what the metadata says, `actual` what the batches say (for an index:
 * the entry's offset and the batch's base offset, or -1 when the entry
 * points inside a batch). Valid after ICP_END, until the reader is
 * freed. */
typedef enum icp_segment_mismatch_kind {
	ICP_MISMATCH_FOOTER_LAST_OFFSET,
	ICP_MISMATCH_HEADER_BASE_OFFSET,
	ICP_MISMATCH_HEADER_MESSAGE_COUNT,
	ICP_MISMATCH_INDEX,
	ICP_MISMATCH_KINDS
} icp_segment_mismatch_kind;

typedef struct icp_segment_mismatch {
	icp_segment_mismatch_kind kind;
	int64_t claimed;
	int64_t actual;
} icp_segment_mismatch;

/* Number of mismatches (at most one per kind); *out points at them.
 * Lenient readers note a header base offset above the first batch's;
 * comparing it with the object name is the caller's. */
size_t icp_segment_reader_mismatches(const icp_segment_reader *r,
                                     const icp_segment_mismatch **out);
const char *icp_segment_mismatch_name(icp_segment_mismatch_kind k);

/* ------------------------------------------------------------- index */

typedef struct icp_index_entry {
	int64_t offset;
	uint32_t position;
} icp_index_entry;

typedef struct icp_segment_index {
	uint16_t version;
	int32_t interval;
	size_t n_entries;
	icp_index_entry *entries; /* owned; icp_segment_index_dispose frees */
} icp_segment_index;

/* Parses an index held in memory. Checks magic, version, that the entry
 * count matches the size, positions >= 32 and increasing, offsets
 * increasing. When segment_size > 0, positions must lie in the body.
 * Returns ICP_OK, ICP_ERR_CORRUPT or ICP_ERR_NOMEM. */
int icp_segment_index_parse(icp_slice data, const char *name,
                            uint64_t segment_size, icp_segment_index *out,
                            icp_error *err);
void icp_segment_index_dispose(icp_segment_index *idx);

/* The entry with the greatest offset <= `offset` (the batch to start
 * reading at to find `offset`), or NULL when `offset` precedes them all. */
const icp_index_entry *icp_segment_index_seek(const icp_segment_index *idx,
                                              int64_t offset);

#endif
