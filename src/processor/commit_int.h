/*
 * Internals of a table's commit, shared by commit.c (the commit state
 * machine), merge.c (the merge-append rule of each attempt) and table.c
 * (which runs a commit for a flush). Only those files and their tests
 * include this.
 */
#ifndef ICP_COMMIT_INT_H
#define ICP_COMMIT_INT_H

#include "processor/proc_int.h"

/* ---------------------------------------------- the commit (commit.c)
 * One commit of a table's pending files as one snapshot, as a state
 * machine (the protocol: docs/internals/commit-protocol.md):
 *   BUILD -> ATTEMPT -> (DONE | RESOLVE | FAILED)
 *   RESOLVE -> (DONE | DISCARDED | RETRY | FAILED), RETRY -> (ATTEMPT | FAILED)
 * Its effects: metadata files under the table's metadata prefix, the
 * catalog, and the callbacks below; nothing else is touched. */

#define ICP_COMMIT_MAX_ATTEMPTS 8

typedef enum icp_commit_state {
	ICP_COMMIT_S_BUILD,     /* write the manifest of the pending files */
	ICP_COMMIT_S_ATTEMPT,   /* write a manifest list on the base; send */
	ICP_COMMIT_S_RESOLVE,   /* conflict or unknown outcome: reload, decide */
	ICP_COMMIT_S_RETRY,     /* deadline, attempt limit, backoff */
	ICP_COMMIT_S_DONE,      /* our snapshot is on main (adopted, landed) */
	ICP_COMMIT_S_DISCARDED, /* another writer committed our partitions */
	ICP_COMMIT_S_FAILED     /* gave up: the data stays pending */
} icp_commit_state;

typedef struct icp_commit_ops {
	/* The table takes m as its current metadata: ICP_OK = m is the
	 * table's now (and stays valid for the rest of the commit), else m is
	 * still the caller's. Required. */
	int (*adopt)(void *ctx, icp_ice_metadata *m, icp_error *err);
	/* The snapshot landed (after adopt): the pending files are committed
	 * and the partitions' positions are their committed ones. Required. */
	void (*landed)(void *ctx);
	/* Another writer committed our partitions (after adopt): drop the
	 * data and rewind to the table's offsets. Required. */
	void (*discard)(void *ctx, const char *why);
	/* An outcome ICP_COMMIT_* to count (NULL: none). */
	void (*count)(void *ctx, int outcome);
	/* 1 once retries must stop (NULL: never). */
	int (*past_deadline)(void *ctx);
	/* Pause before attempt `attempt`+2 (NULL: capped exponential backoff
	 * with jitter, 50 ms doubling up to 2 s). */
	void (*pause)(void *ctx, int attempt);
} icp_commit_ops;

/* Every pointer is borrowed and must outlive the commit (meta_prefix is
 * copied: adopting metadata may replace the table's). */
typedef struct icp_commit_input {
	icp_catalog *catalog;
	const char *ns, *name;          /* the table in the catalog */
	const char *label;              /* its name in messages */
	icp_storage *store;             /* where metadata files are written */
	icp_storage *warehouse;         /* resolves a manifest-list URL to a key */
	const char *meta_prefix;        /* key prefix of <location>/metadata */
	const icp_ice_schema *schema;   /* of the data files */
	const icp_ice_metadata *base;   /* the table's current metadata */
	const icp_offsets *base_offsets; /* its kafscale.offsets */
	const icp_pending_file *files;  /* the data files to commit (n_files > 0) */
	const icp_pspec *spec;          /* the bound spec their tuples are of
	                                 * (NULL: unpartitioned) and its id */
	int32_t spec_id;
	size_t n_files;
	const icp_offsets *advance;     /* "topic/partition" -> next offset, for
	                                 * every partition with data in files */
	const char *writer;             /* kafscale.writer */
	int in_doubt;                   /* delete nothing of this commit */
	const icp_commit_ops *ops;
	void *ctx;                      /* passed to ops */
} icp_commit_input;

typedef struct icp_commit icp_commit;

/* ICP_ERR_NOMEM or ICP_OK (*out in BUILD; free with icp_commit_free). */
int icp_commit_new(const icp_commit_input *in, icp_commit **out, icp_error *err);
void icp_commit_free(icp_commit *c);
/* Runs one step (no-op once finished); returns that step's status. */
int icp_commit_step(icp_commit *c, icp_error *err);
/* Steps until finished: ICP_OK when DONE, else the error that ended it
 * (DISCARDED: the status of adopting the reloaded table). */
int icp_commit_run(icp_commit *c, icp_error *err);
int icp_commit_finished(const icp_commit *c);
icp_commit_state icp_commit_state_of(const icp_commit *c);
/* FAILED after an unknown outcome: the pending files may be referenced
 * by the table, so none of them may be deleted (icp_table.in_doubt). */
int icp_commit_in_doubt(const icp_commit *c);
int64_t icp_commit_snapshot_id(const icp_commit *c);
/* Attempts sent or being built so far (0 in BUILD). */
int icp_commit_attempts(const icp_commit *c);

/* merge.c: the merge-append rule of a commit attempt (Iceberg's
 * MergingSnapshotProducer): the new manifest and the parent's data
 * manifests, grouped by spec, are bin-packed by length from the end up to
 * commit.manifest.target-size-bytes (8 MiB); a bin of 2+ manifests is
 * rewritten as one (icp_ice_manifest_merge), except the bin holding the
 * new manifest while it has fewer than commit.manifest.min-count-to-merge
 * (100); commit.manifest-merge.enabled=false turns it off. */
typedef struct icp_merge_in {
	icp_storage *store, *warehouse; /* as icp_commit_input's */
	const char *meta_prefix;        /* merged manifests are written here */
	const char *name_base;          /* their names: <name_base>-m<k>.avro */
	const char *label;
	const icp_ice_schema *schema;
	const icp_ice_metadata *base;   /* properties and specs */
	int64_t snap_id, seq;           /* the new snapshot */
	const char *new_key, *new_url;  /* the new manifest */
	const icp_ice_manifest_info *new_info;
	const icp_pspec *new_spec;      /* its spec (NULL: unpartitioned) */
} icp_merge_in;

/* What the attempt's manifest list holds besides the parent's entries not
 * in drop: written (the new manifest unless merged, then the merged
 * ones), and the keys of the merged manifests written (to delete when the
 * attempt is abandoned). Everything is owned by the result. */
typedef struct icp_merge_out {
	icp_ice_list_manifest *written;
	size_t n_written;
	const char **drop;
	size_t n_drop;
	char **keys;
	size_t n_keys;
	int new_merged;                 /* the new manifest is in a merged one */
	icp_ice_merged_info *infos;     /* [0]: the new manifest's */
	size_t n_infos;
	icp_arena *a;                   /* paths */
} icp_merge_out;

/* Plans and writes the merges for the parent manifest list bytes
 * parent_list (empty: no parent). A bin that cannot be merged (a foreign
 * manifest we cannot rewrite) is kept as it is, with a warning. Errors
 * (out of memory, a merged manifest not stored) leave out holding the
 * keys written so far; out is always to dispose. */
int icp_merge_plan(const icp_merge_in *in, icp_slice parent_list, icp_merge_out *out,
                   icp_error *err);
void icp_merge_out_dispose(icp_merge_out *out);

#endif
