/*
 * coord: sharing partitions between workers through etcd (membership,
 * partition leases, fair-share balancing), the etcd offsets/watermarks
 * cache, and discovery from the KafScale metadata snapshot.
 *
 * Role: the processor's single-threaded poll loop calls icp_coord_tick()
 * once per round (at least every TTL/3 seconds); tick renews the worker's
 * etcd lease, checks which partitions it still owns, claims free ones up to
 * its fair share and asks for excess ones back. Every call is bounded by
 * the etcd client's timeouts; there are no threads.
 *
 * Keys (compatibility.md; P = key_prefix, default "processors"):
 *   P/members/{worker_id}        {"owner_id":"id","joined_at":ms}   (ours)
 *   P/leases/{topic}/{partition} {"owner_id":"id","lease_expires_at":ms,
 *                                 "generation":N}
 *   P/offsets/{topic}/{partition}, P/watermarks/{topic}/{partition}
 *                                {"offset":N,"last_timestamp_ms":ms,
 *                                 "updated_at":ms}  (offset = last written)
 *   P/watermarks/{topic}         the partition entry with the smallest offset
 * Every members and leases key of a worker is attached to ONE etcd lease
 * of ttl_s seconds: when the worker dies, etcd deletes them all at once.
 *
 * Invariants
 * - A partition key is created only if absent (txn version = 0) and only
 *   deleted by its owner (txn lease = ours), so at most one worker holds it.
 * - Local deadline: the lease is trusted until (send time of the last
 *   successful keep-alive or grant) + granted TTL - a safety margin. Past
 *   it icp_coord_owns() answers 0 for every partition and the next tick
 *   reports them all lost, whether or not etcd can be reached.
 * - Leases are an efficiency device: the correctness of progress rests on
 *   the Iceberg snapshot assertion (docs/internals/coordination.md).
 * - Not thread-safe: one thread calls everything.
 * Ownership: icp_coord_new -> icp_coord_free. The coordinator owns the
 * lists it hands out: icp_coord_changes stay valid until the next tick
 * (icp_coord_release in between is fine), icp_coord_status lists until
 * the next status call or tick; all die with icp_coord_free.
 */
#ifndef ICP_COORD_H
#define ICP_COORD_H

#include "core/core.h"
#include "etcd/etcd.h"

typedef struct icp_coord icp_coord;

typedef struct icp_coord_opts {
	icp_etcd_opts etcd;        /* endpoints, auth; timeout_ms 0 = from ttl */
	const char *key_prefix;    /* NULL/"" = "processors"; '/' trimmed */
	const char *worker_id;     /* unique per worker (hostname) */
	int64_t ttl_s;             /* offsets.lease_ttl_seconds; 0 = 30 */
	/* Clocks, for tests; NULL = real ones. mono: monotonic ms (deadlines);
	 * wall: unix ms (JSON timestamps). */
	int64_t (*mono_ms)(void *ctx);
	int64_t (*wall_ms)(void *ctx);
	void *clock_ctx;
} icp_coord_opts;

/* Creates a coordinator (no etcd traffic yet). ICP_ERR_INVALID for an
 * empty worker_id or one containing '/', a TTL outside 0..86400, or bad
 * etcd options. */
int icp_coord_new(const icp_coord_opts *opts, icp_coord **out, icp_error *err);
/* Frees without touching etcd (the lease then expires on its own). Call
 * icp_coord_shutdown first for a fast hand-over. NULL is a no-op. */
void icp_coord_free(icp_coord *c);

/* ------------------------------------------------------------ balancing */

/* What one tick changed. Lists of "topic/partition" strings. */
typedef struct icp_coord_changes {
	const char *const *claimed;    /* newly owned: start processing */
	size_t n_claimed;
	const char *const *to_release; /* owned, over the fair share: finish or
	                                * abandon in-flight work, then call
	                                * icp_coord_release (repeated every tick
	                                * until released) */
	size_t n_to_release;
	const char *const *lost;       /* no longer owned (lease expired, key
	                                * gone or taken, deadline passed): stop
	                                * touching them now, discard uncommitted
	                                * data */
	size_t n_lost;
} icp_coord_changes;

/* One round. tps: every partition that should be processed
 * ("topic/partition", any order; duplicates ignored). Fills *out (always,
 * also on error: losses found before the failure are reported).
 * Returns ICP_OK; ICP_ERR_RETRYABLE when etcd could not be reached or
 * timed out (call again next round; leases stay trusted until the local
 * deadline); ICP_ERR_INVALID for a bad tp string; ICP_ERR_NOMEM. */
int icp_coord_tick(icp_coord *c, const char *const *tps, size_t n_tps,
                   icp_coord_changes *out, icp_error *err);

/* 1 when this worker owns tp now (claimed, not released or lost, local
 * deadline not passed). Partitions marked to release are still owned.
 * No etcd traffic. */
int icp_coord_owns(icp_coord *c, const char *tp);

/* Gives tp back (deletes its key if it still carries our lease). Locally
 * the partition is released at once whatever etcd says; if etcd cannot be
 * reached the delete is retried by later ticks (or the key expires with
 * the lease). ICP_ERR_NOT_FOUND when tp is not owned; ICP_ERR_RETRYABLE /
 * ICP_ERR_UNKNOWN when the delete did not go through now. */
int icp_coord_release(icp_coord *c, const char *tp, icp_error *err);

/* Revokes the lease: every key of this worker is deleted at once, and the
 * coordinator owns nothing. A later tick registers again. */
int icp_coord_shutdown(icp_coord *c, icp_error *err);

typedef struct icp_coord_status {
	size_t n_owned;              /* includes those marked to release */
	size_t n_to_release;
	size_t n_members;            /* live members seen at the last tick */
	size_t n_tps;                /* partitions given to the last tick */
	size_t share;                /* fair share at the last tick */
	int64_t lease_id;            /* 0 = not registered */
	int64_t deadline_in_ms;      /* ms until the local deadline (<0: past) */
	int64_t last_ok_wall_ms;     /* wall time etcd last answered, 0: never */
	const char *const *owned;    /* n_owned "topic/partition", sorted */
} icp_coord_status;

/* Snapshot of the state for /status and metrics (no etcd traffic). */
int icp_coord_status_get(icp_coord *c, icp_coord_status *out, icp_error *err);

/* The etcd client (borrowed), e.g. for discovery. */
icp_etcd *icp_coord_etcd(icp_coord *c);

/* -------------------------------------------------- pure assignment */

/* ceil(n_tps / n_members); n_members 0 counts as 1. */
size_t icp_coord_fair_share(size_t n_tps, size_t n_members);
/* Rendezvous (highest random weight) score of tp for worker: each worker
 * prefers its highest-scoring partitions, so workers starting together
 * want mostly different ones. FNV-1a 64 over worker, '\0', tp, mixed. */
uint64_t icp_coord_score(const char *worker_id, const char *tp);
/* Sorts idx[0..n) (indexes into tps) by descending score for worker
 * (ties by tp text): the order to claim in; the tail is released first. */
void icp_coord_rank(const char *worker_id, const char *const *tps, size_t *idx, size_t n);
/* Splits "topic/partition" at its LAST '/': ICP_ERR_INVALID unless the
 * topic is non-empty and partition a decimal int32 >= 0. */
int icp_coord_split_tp(const char *tp, icp_slice *topic, int32_t *partition, icp_error *err);

/* ------------------------------------------------ lease value (JSON) */

typedef struct icp_coord_lease_value {
	const char *owner_id;        /* in the arena */
	int64_t lease_expires_at;    /* unix ms */
	int64_t generation;
} icp_coord_lease_value;

int icp_coord_lease_encode(const icp_coord_lease_value *v, icp_buf *out);
/* ICP_ERR_CORRUPT (with what is wrong) when not the documented object. */
int icp_coord_lease_decode(icp_arena *a, icp_slice json, icp_coord_lease_value *v,
                           icp_error *err);

/* ---------------------------------------------------- offsets cache */

typedef struct icp_coord_offset {
	int64_t offset;              /* LAST offset written (not the next) */
	int64_t last_timestamp_ms;
	int64_t updated_at;          /* unix ms */
} icp_coord_offset;

int icp_coord_offset_encode(const icp_coord_offset *v, icp_buf *out);
int icp_coord_offset_decode(icp_slice json, icp_coord_offset *v, icp_error *err);

/* After an Iceberg commit: writes P/offsets/{topic}/{partition} and
 * P/watermarks/{topic}/{partition} (one txn, skipped when etcd already
 * holds a larger offset: values never move back), then recomputes
 * P/watermarks/{topic} from every partition watermark of the topic.
 * Written whoever owns the partition: the value comes from a committed
 * snapshot, so it is true. Errors: etcd's (RETRYABLE, UNKNOWN, ...);
 * ICP_ERR_CONFLICT when other writers kept changing the key.
 * Fail-fast: after an etcd call of this coordinator failed RETRYABLE, both
 * offsets calls answer ICP_ERR_RETRYABLE at once (no network) until a tick
 * or a TTL/3 period later, so a poll loop writing many partitions does not
 * wait for one timeout per partition while etcd is down. */
int icp_coord_put_offset(icp_coord *c, const char *topic, int32_t partition,
                         int64_t last_offset_written, int64_t last_ts_ms, icp_error *err);
/* Reads P/offsets/{topic}/{partition}: ICP_OK, ICP_ERR_NOT_FOUND (nothing
 * written yet), ICP_ERR_CORRUPT, or etcd's errors. Only ever a cache: the
 * table's snapshot is the truth. */
int icp_coord_get_offset(icp_coord *c, const char *topic, int32_t partition,
                         icp_coord_offset *out, icp_error *err);

/* ------------------------------------------------------- discovery */

#define ICP_COORD_SNAPSHOT_KEY "/kafscale/metadata/snapshot"

typedef struct icp_coord_tp {
	const char *topic;           /* in the arena */
	int32_t partition;
} icp_coord_tp;

typedef struct icp_coord_tp_list {
	icp_coord_tp *v;             /* in the arena, sorted by topic, partition */
	size_t n;
} icp_coord_tp_list;

/* Parses the KafScale metadata snapshot (a Kafka metadata response with Go
 * field names: {"Topics":[{"ErrorCode":0,"Topic":"t","Partitions":
 * [{"ErrorCode":0,"Partition":0,...}]}]}) into the live partitions: those
 * whose topic and partition ErrorCode are 0 (missing = 0). Internal topics
 * are kept (the caller filters by its mappings). ICP_ERR_CORRUPT for
 * anything else, ICP_ERR_TOO_LARGE past max_tps (0 = 1,000,000). */
int icp_coord_parse_snapshot(icp_arena *a, icp_slice json, size_t max_tps,
                             icp_coord_tp_list *out, icp_error *err);
/* Reads ICP_COORD_SNAPSHOT_KEY and parses it. ICP_ERR_NOT_FOUND when the
 * key does not exist (discovery auto then lists S3). */
int icp_coord_discover_etcd(icp_etcd *etcd, icp_arena *a, icp_coord_tp_list *out,
                            icp_error *err);

#endif
