/*
 * Internals shared by the files of src/coord: the coordinator's state.
 */
#ifndef ICP_COORD_INT_H
#define ICP_COORD_INT_H

#include "coord/coord.h"

/* A partition this worker owns. */
typedef struct icp_coord_part {
	char *tp;              /* "topic/partition" */
	char *key;             /* P/leases/topic/partition */
	int64_t generation;
	int releasing;         /* over the fair share: waiting for release */
} icp_coord_part;

struct icp_coord {
	icp_etcd *etcd;
	char *prefix;          /* without trailing '/' */
	char *worker_id;
	int64_t ttl_s;         /* asked for */
	int64_t margin_ms;     /* local deadline = etcd's expiry - margin */
	int64_t (*mono_ms)(void *ctx);
	int64_t (*wall_ms)(void *ctx);
	void *clock_ctx;

	int64_t lease_id;      /* 0: not registered */
	int64_t granted_ttl_s;
	int64_t deadline_ms;   /* mono: trust the lease until then */
	int64_t last_ka_ms;    /* mono: send time of the last grant/keep-alive */
	int64_t stale_lease;   /* a lease given up locally, to revoke */
	int64_t last_ok_wall_ms;
	int64_t down_at_ms;    /* mono: last RETRYABLE failure, 0 = etcd up */
	int64_t next_generation;

	icp_coord_part *parts; /* sorted by tp */
	size_t n_parts, cap_parts;
	char **pending_del;    /* lease keys released while etcd was away */
	size_t n_pending, cap_pending;
	int64_t pending_lease; /* the lease those keys carried */

	size_t n_members, n_tps, share;
	icp_arena *tick_arena;   /* icp_coord_changes of the last tick */
	icp_arena *status_arena; /* icp_coord_status lists */
};

#define ICP_COORD_KA_DIVISOR 3 /* keep-alive every TTL/3 */

/* A list of tp strings reported in icp_coord_changes (tick arena). */
typedef struct icp_coord_list {
	const char **v;
	size_t n, cap;
} icp_coord_list;

/* coord.c */
int icp_coord_list_push(icp_coord *c, icp_coord_list *l, const char *tp);
/* Every owned partition into lost; forgets pending deletes. */
void icp_coord_lose_all(icp_coord *c, icp_coord_list *lost);
int64_t icp_coord_wall(icp_coord *c);
int64_t icp_coord_mono(icp_coord *c);
/* Records the outcome of an etcd call for the fail-fast of the offsets
 * calls: RETRYABLE marks etcd down, ICP_OK marks it up. */
void icp_coord_note(icp_coord *c, int rc);
/* ICP_ERR_RETRYABLE (err set) when etcd failed less than a keep-alive
 * period ago and has not answered since: the offsets calls then skip
 * etcd instead of each waiting for a timeout in the poll loop. */
int icp_coord_fail_fast(icp_coord *c, icp_error *err);
/* "P/<kind>/<rest>" into b (NUL-terminated); ICP_ERR_NOMEM/TOO_LARGE. */
int icp_coord_key(icp_coord *c, icp_buf *b, const char *kind, const char *rest);

/* lease.c: steps 1 and 2 of a tick (deadline, keep-alive or register);
 * losses go to lost. */
int icp_coord_keep_lease(icp_coord *c, icp_coord_list *lost, icp_error *err);
/* Puts P/members/{id} under the current lease. */
int icp_coord_put_member(icp_coord *c, icp_error *err);

#endif
