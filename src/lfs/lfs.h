/*
 * lfs: KafScale large-file (LFS) envelopes: recognising them, parsing them,
 * verifying a fetched blob against the envelope's checksum, and fetching
 * many blobs in parallel.
 *
 * An LFS proxy replaces a large record value by a small JSON envelope
 * (shared/spec/kafscale-formats.md):
 *   {"kfs_lfs":1,"bucket":"b","key":"path","size":123,"sha256":"hex",
 *    "checksum":"hex","checksum_alg":"sha256|md5|crc32|none",
 *    "content_type":"...", ...}
 * A value is an envelope when it starts with '{' and "kfs_lfs" appears in
 * its first 50 bytes; kfs_lfs, bucket, key and sha256 are required. With
 * an empty or absent "checksum" the sha256 is the checksum; crc32 is the
 * IEEE CRC-32 (zlib's) in hex.
 *
 * Invariants
 * - Parsing never trusts the envelope: a value that looks like one but
 *   is malformed or lacks a required member is ICP_ERR_CORRUPT naming the
 *   member, and the caller treats the record as invalid.
 * - Verification compares hex digests case-insensitively; a mismatch is
 *   ICP_ERR_CORRUPT with both digests (they are not secrets).
 * - The pool runs fetches on its own threads; the fetch callback gets the
 *   worker number so the caller can keep one connection (store) per
 *   worker and never share one between threads.
 *
 * Ownership: strings of a parsed envelope live in the caller's arena.
 * Pool jobs' output buffers are the caller's.
 */
#ifndef ICP_LFS_H
#define ICP_LFS_H

#include "core/core.h"

typedef enum icp_lfs_alg {
	ICP_LFS_ALG_SHA256,
	ICP_LFS_ALG_MD5,
	ICP_LFS_ALG_CRC32,
	ICP_LFS_ALG_NONE
} icp_lfs_alg;

typedef struct icp_lfs_envelope {
	const char *bucket;       /* NUL-terminated, in the arena */
	const char *key;
	int64_t size;             /* -1 when absent */
	icp_lfs_alg alg;
	const char *checksum;     /* hex digest to verify against ("" for none) */
	const char *sha256;
	const char *checksum_alg; /* as written, or "sha256" when defaulted */
	const char *content_type; /* NULL when absent */
} icp_lfs_envelope;

/* 1 when v is an envelope by the spec's rule (cheap: no parse). */
int icp_lfs_is_envelope(icp_slice v);

/* Parses an envelope. ICP_ERR_CORRUPT (bad JSON, missing or mistyped
 * required member, unknown checksum_alg), ICP_ERR_NOMEM. */
int icp_lfs_parse(icp_slice v, icp_arena *a, icp_lfs_envelope *out, icp_error *err);

/* Checks blob against e's checksum (ICP_OK for ICP_LFS_ALG_NONE) and its
 * size when the envelope gives one. ICP_ERR_CORRUPT on mismatch. */
int icp_lfs_verify(const icp_lfs_envelope *e, icp_slice blob, icp_error *err);

/* Short reason label of a status for metrics (checksum, not_found, ...). */
const char *icp_lfs_reason(int status);

/* ------------------------------------------------------------- fetching */

typedef struct icp_lfs_job {
	const icp_lfs_envelope *env; /* in */
	icp_buf *out;                /* in: where the blob goes (bounded by max) */
	int status;                  /* out */
	icp_error err;               /* out */
	double seconds;              /* out: fetch time */
} icp_lfs_job;

/* Fetches e's blob into out. worker is 0..threads-1 (0 when inline). */
typedef int (*icp_lfs_fetch_fn)(void *ctx, int worker, const icp_lfs_envelope *e, icp_buf *out,
                                icp_error *err);

typedef struct icp_lfs_pool icp_lfs_pool;

/* threads 0 runs every fetch in the caller's thread; at most 64. */
int icp_lfs_pool_new(int threads, icp_lfs_fetch_fn fn, void *ctx, icp_lfs_pool **out,
                     icp_error *err);
void icp_lfs_pool_free(icp_lfs_pool *p);
/* Runs the n jobs (each gets status/err/seconds) and returns when all are
 * done. */
void icp_lfs_pool_run(icp_lfs_pool *p, icp_lfs_job *jobs, size_t n);

#endif
