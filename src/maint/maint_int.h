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
 */
#ifndef ICP_MAINT_INT_H
#define ICP_MAINT_INT_H

#include "maint/maint.h"

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

#endif
