/*
 * The commit protocol of a mapped table (one snapshot per table per flush):
 *   1. close the open file; write a manifest listing the pending files and a
 *      manifest list = the new manifest + the parent's manifests;
 *   2. commit through the catalog, asserting main is still the snapshot we
 *      built on (and the table uuid), with kafscale.offsets in the summary;
 *   3. CONFLICT: reload. If nobody advanced the offsets of our partitions,
 *      rebuild the manifest list on the new parent and retry; otherwise
 *      discard our files and rewind (the data is read again, never twice);
 *      UNKNOWN: reload and look for our snapshot id on main: there means
 *      committed, absent means treat as a conflict. The same snapshot id is
 *      used by every attempt of one commit.
 * Files of a failed or discarded attempt are deleted best-effort, except
 * after an unknown outcome (t->in_doubt): then nothing of it is deleted. A
 * crash leaves at most unreferenced files, never a referenced partial one.
 */
#include "processor/proc_int.h"

#include "log/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_COMMIT_ATTEMPTS 8

static int64_t summary_i64(const icp_ice_metadata *m, int64_t snap, const char *key)
{
	const char *v = snap >= 0 ? icp_ice_metadata_summary(m, snap, key) : NULL;
	char *end;
	long long x;
	if (!v)
		return 0;
	x = strtoll(v, &end, 10);
	return *end ? 0 : x;
}

/* Offsets after this commit: the table's, advanced by our partitions. */
static int merged_offsets(icp_processor *p, icp_table *t, icp_offsets *out)
{
	size_t i;
	for (i = 0; i < t->committed.n; i++)
		if (icp_offsets_set(out, t->committed.e[i].tp, t->committed.e[i].next))
			return ICP_ERR_NOMEM;
	for (i = 0; i < p->n_parts; i++) {
		icp_part *pt = p->parts[i];
		if (pt->table == t && pt->next > pt->committed_next &&
		    icp_offsets_set(out, pt->tp, pt->next))
			return ICP_ERR_NOMEM;
	}
	return ICP_OK;
}

/* Did another writer move any partition we hold uncommitted data for? */
static int offsets_moved(icp_processor *p, icp_table *t, const icp_offsets *now)
{
	size_t i;
	for (i = 0; i < p->n_parts; i++) {
		icp_part *pt = p->parts[i];
		int64_t was, is;
		if (pt->table != t || pt->next <= pt->committed_next)
			continue;
		was = icp_offsets_get(&t->committed, pt->tp);
		is = icp_offsets_get(now, pt->tp);
		if (was != is)
			return 1;
	}
	return 0;
}

static void committed(icp_processor *p, icp_table *t)
{
	size_t i;
	for (i = 0; i < t->n_pending; i++) {
		icp_metrics_counter_inc(t->m_files);
		icp_metrics_histogram_observe(t->m_file_size,
		                              (double)t->pending[i].metrics.file_size);
		icp_table_pending_free(&t->pending[i]);
	}
	t->last_commit_ms = icp_now_ms();
	t->in_doubt = 0;
	t->n_pending = 0;
	t->pending_rows = 0;
	t->dirty = 0;
	for (i = 0; i < p->n_parts; i++) {
		icp_part *pt = p->parts[i];
		if (pt->table == t) {
			pt->committed_next = pt->next;
			pt->committed_ts = pt->last_ts;
			icp_obs_committed(pt);
		}
	}
}

static int put_meta_file(icp_processor *p, icp_table *t, const char *name, icp_buf *bytes,
                         char **key, char **url, icp_error *err)
{
	icp_buf k, u;
	int rc;
	icp_buf_init(&k, 0);
	icp_buf_init(&u, 0);
	icp_buf_printf(&k, "%s/%s", t->meta_prefix, name);
	if (k.status) {
		icp_buf_dispose(&k);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	rc = icp_storage_put(icp_table_store(p, t), (char *)k.data, icp_slice_make(bytes->data, bytes->len),
	                     1, err);
	icp_storage_url(icp_table_store(p, t), (char *)k.data, &u);
	*key = (char *)icp_buf_detach(&k, NULL);
	*url = (char *)icp_buf_detach(&u, NULL);
	return rc;
}

static void remove_quiet(icp_processor *p, icp_table *t, const char *key)
{
	icp_error e;
	icp_error_init(&e);
	if (key)
		icp_storage_remove(icp_table_store(p, t), key, &e);
}

int icp_table_refresh(icp_processor *p, icp_table *t, icp_error *err)
{
	icp_ice_metadata *m = NULL;
	size_t i;
	int rc;

	if (t->dirty || t->n_pending || t->pw) {
		rc = icp_table_commit(p, t, err);
		if (rc != ICP_OK)
			return rc;
	}
	rc = icp_catalog_load_table(p->catalog, t->ns, t->name, &m, err);
	if (rc != ICP_OK)
		return rc;
	rc = icp_table_adopt(p, t, m, err);
	if (rc != ICP_OK) {
		icp_ice_metadata_free(m);
		return rc;
	}
	for (i = 0; i < p->n_parts; i++) {
		icp_part *pt = p->parts[i];
		int64_t next;
		if (pt->table != t)
			continue;
		next = icp_offsets_get(&t->committed, pt->tp);
		if (next < 0)
			next = 0;
		if (next == pt->committed_next && next == pt->next)
			continue;
		pt->committed_next = next;
		icp_part_rewind(pt, next);
	}
	return ICP_OK;
}

/* Capped exponential backoff with jitter between commit attempts: the
 * ceiling is 50 ms doubling up to 2 s, the pause uniform in [ceiling/2,
 * ceiling], so racing writers spread out. */
static void backoff(int attempt)
{
	uint64_t cap = 50000000ull << (attempt < 6 ? attempt : 6), ns;
	struct timespec ts;
	if (cap > 2000000000ull)
		cap = 2000000000ull;
	uint8_t r[8];
	icp_random_bytes(r, sizeof(r));
	ns = cap / 2 + icp_load_be64(r) % (cap / 2 + 1);
	ts.tv_sec = (time_t)(ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	nanosleep(&ts, NULL);
}

int icp_table_commit(icp_processor *p, icp_table *t, icp_error *err)
{
	icp_ice_data_file *files = NULL;
	icp_ice_manifest_info info;
	icp_buf bytes;
	char *man_key = NULL, *man_url = NULL, *list_key = NULL, *list_url = NULL;
	char uuid[37], name[128];
	int64_t snap_id, added_size = 0;
	size_t i;
	/* any_unknown: an attempt's outcome was unknown. Its manifest list
	 * may still be applied late (a slow catalog), so from then on no file
	 * this commit wrote is deleted: an orphan costs bytes, a deleted file
	 * referenced by the table costs the table. */
	int rc, attempt, any_unknown = t->in_doubt;

	rc = icp_table_close_file(t, err);
	if (rc != ICP_OK) {
		/* The open file's records are gone with it: rewind so they are
		 * read again rather than skipped. */
		icp_table_discard(p, t, "closing the data file failed");
		return rc;
	}
	if (t->n_pending == 0)
		return rc;
	icp_buf_init(&bytes, 0);
	files = icp_calloc(t->n_pending, sizeof(*files));
	if (!files)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	for (i = 0; i < t->n_pending; i++) {
		files[i].path = t->pending[i].url;
		files[i].file_size = t->pending[i].metrics.file_size;
		files[i].record_count = t->pending[i].metrics.record_count;
		files[i].metrics = &t->pending[i].metrics;
		added_size += (int64_t)files[i].file_size;
	}
	snap_id = icp_ice_snapshot_id();
	icp_ice_uuid(uuid);
	rc = icp_ice_manifest_write(t->schema, snap_id, files, t->n_pending, &bytes, &info, err);
	if (rc == ICP_OK) {
		snprintf(name, sizeof(name), "%s-m0.avro", uuid);
		rc = put_meta_file(p, t, name, &bytes, &man_key, &man_url, err);
	}
	for (attempt = 0; rc == ICP_OK && attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
		const icp_ice_metadata *base = t->meta;
		int64_t parent = icp_ice_metadata_main_snapshot(base);
		icp_ice_manifest_file mf = {man_url, (int64_t)info.length, info.added_files,
		                            info.added_rows};
		icp_buf parent_list, offs;
		char s_rec[24], s_files[24], s_size[24], s_trec[24], s_tfiles[24], s_tsize[24];
		icp_offsets merged = {0};
		icp_ice_metadata *next = NULL, *reloaded = NULL;
		icp_ice_commit c;
		icp_ice_kv kv[12];
		size_t nkv = 0;

		icp_buf_init(&parent_list, 256u << 20);
		if (parent >= 0) {
			icp_ice_snapshot ps;
			const char *pkey;
			if (icp_ice_metadata_snapshot(base, parent, &ps) != ICP_OK ||
			    icp_storage_key_of_url(p->warehouse, ps.manifest_list, &pkey) != ICP_OK) {
				rc = icp_error_set(err, ICP_ERR_CORRUPT,
				                   "table %s: manifest list of snapshot %lld is not readable "
				                   "in the warehouse", t->map->table, (long long)parent);
				icp_buf_dispose(&parent_list);
				break;
			}
			rc = icp_storage_get(icp_table_store(p, t), pkey, &parent_list, err);
		}
		icp_buf_reset(&bytes);
		if (rc == ICP_OK)
			rc = icp_ice_manifest_list_write(snap_id, parent, icp_ice_metadata_last_sequence(base) + 1,
			                                 &mf, 1, icp_slice_make(parent_list.data, parent_list.len),
			                                 &bytes, err);
		icp_buf_dispose(&parent_list);
		if (rc == ICP_OK) {
			snprintf(name, sizeof(name), "snap-%lld-%d-%s.avro", (long long)snap_id, attempt + 1,
			         uuid);
			rc = put_meta_file(p, t, name, &bytes, &list_key, &list_url, err);
		}
		if (rc != ICP_OK)
			break;
		icp_buf_init(&offs, 0);
		if (merged_offsets(p, t, &merged) != ICP_OK)
			rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		icp_offsets_to_json(&merged, &offs);
		snprintf(s_files, sizeof(s_files), "%d", info.added_files);
		snprintf(s_rec, sizeof(s_rec), "%lld", (long long)info.added_rows);
		snprintf(s_size, sizeof(s_size), "%lld", (long long)added_size);
		snprintf(s_trec, sizeof(s_trec), "%lld",
		         (long long)(summary_i64(base, parent, "total-records") + info.added_rows));
		snprintf(s_tfiles, sizeof(s_tfiles), "%lld",
		         (long long)(summary_i64(base, parent, "total-data-files") + info.added_files));
		snprintf(s_tsize, sizeof(s_tsize), "%lld",
		         (long long)(summary_i64(base, parent, "total-files-size") + added_size));
		kv[nkv++] = (icp_ice_kv){"operation", "append"};
		kv[nkv++] = (icp_ice_kv){"added-data-files", s_files};
		kv[nkv++] = (icp_ice_kv){"added-records", s_rec};
		kv[nkv++] = (icp_ice_kv){"added-files-size", s_size};
		kv[nkv++] = (icp_ice_kv){"total-records", s_trec};
		kv[nkv++] = (icp_ice_kv){"total-data-files", s_tfiles};
		kv[nkv++] = (icp_ice_kv){"total-files-size", s_tsize};
		kv[nkv++] = (icp_ice_kv){"total-delete-files", "0"};
		kv[nkv++] = (icp_ice_kv){"total-position-deletes", "0"};
		kv[nkv++] = (icp_ice_kv){"total-equality-deletes", "0"};
		kv[nkv++] = (icp_ice_kv){"kafscale.offsets", (char *)offs.data};
		kv[nkv++] = (icp_ice_kv){"kafscale.writer", p->cfg->processor.worker_id};
		memset(&c, 0, sizeof(c));
		c.assert_uuid = icp_ice_metadata_uuid(base);
		c.assert_main = 1;
		c.main_snapshot_id = parent;
		c.has_snapshot = 1;
		c.snapshot_id = snap_id;
		c.parent_snapshot_id = parent;
		c.sequence_number = icp_ice_metadata_last_sequence(base) + 1;
		c.timestamp_ms = icp_now_ms();
		c.manifest_list = list_url;
		c.snapshot_schema_id = icp_ice_metadata_current_schema_id(base);
		c.summary = kv;
		c.n_summary = nkv;
		if (rc == ICP_OK && offs.status)
			rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory building the summary");
		if (rc == ICP_OK)
			rc = icp_catalog_commit_table(p->catalog, t->ns, t->name, base, &c, &next, err);
		icp_buf_dispose(&offs);
		icp_offsets_dispose(&merged);
		if (rc == ICP_OK) {
			icp_metrics_counter_inc(t->m_commits[ICP_COMMIT_OK]);
			p->catalog_ok_ns = icp_mono_ns();
			rc = icp_table_adopt(p, t, next, err);
			if (rc != ICP_OK) {
				/* applied, but not adopted (out of memory): the table
				 * references our files, so none may be deleted */
				icp_ice_metadata_free(next);
				any_unknown = 1;
			}
			if (rc == ICP_OK) {
				char sid[24];
				snprintf(sid, sizeof(sid), "%lld", (long long)snap_id);
				ICP_INFO("committed", "table", t->map->table, "snapshot", sid,
				         "files", s_files, "records", s_rec);
				committed(p, t);
			}
			break;
		}
		if (rc != ICP_ERR_CONFLICT && rc != ICP_ERR_UNKNOWN)
			break; /* nothing changed; pending data stays for the next flush */
		{
			int was_unknown = rc == ICP_ERR_UNKNOWN;
			icp_offsets now = {0};
			any_unknown |= was_unknown;
			ICP_WARN(was_unknown ? "commit outcome unknown; reloading the table"
			                     : "commit conflict; reloading the table",
			         "table", t->map->table, "err", err ? err->msg : "");
			icp_error_clear(err);
			rc = icp_catalog_load_table(p->catalog, t->ns, t->name, &reloaded, err);
			if (rc != ICP_OK)
				break; /* unresolved: the table stays in doubt (below) */
			icp_metrics_counter_inc(t->m_commits[was_unknown ? ICP_COMMIT_UNKNOWN_RESOLVED
			                                                 : ICP_COMMIT_CONFLICT]);
			{
				/* Look for our snapshot after a conflict too: a 409 can
				 * answer a request that was re-sent after an attempt
				 * the catalog applied without our seeing the reply. */
				icp_ice_snapshot s;
				if (icp_ice_metadata_snapshot(reloaded, snap_id, &s) == ICP_OK) {
					rc = icp_table_adopt(p, t, reloaded, err);
					if (rc == ICP_OK) {
						committed(p, t);
					} else {
						icp_ice_metadata_free(reloaded);
						any_unknown = 1; /* landed: keep its files */
					}
					break; /* it did land */
				}
			}
			rc = icp_offsets_from_table(reloaded, &now, err);
			if (rc == ICP_OK && offsets_moved(p, t, &now)) {
				icp_offsets_dispose(&now);
				rc = icp_table_adopt(p, t, reloaded, err);
				if (!any_unknown) {
					remove_quiet(p, t, list_key);
					remove_quiet(p, t, man_key);
				}
				icp_free(list_key);
				icp_free(list_url);
				list_key = list_url = NULL;
				icp_table_discard(p, t, "another writer committed the same partitions");
				goto out;
			}
			icp_offsets_dispose(&now);
			if (rc == ICP_OK)
				rc = icp_table_adopt(p, t, reloaded, err);
			else
				icp_ice_metadata_free(reloaded);
		}
		if (!any_unknown)
			remove_quiet(p, t, list_key); /* never referenced: retry on the new base */
		icp_free(list_key);
		icp_free(list_url);
		list_key = list_url = NULL;
		if (rc == ICP_OK) {
			if (icp_processor_past_deadline(p)) {
				rc = icp_error_set(err, ICP_ERR_RETRYABLE,
				                   "table %s: shutdown deadline reached while retrying "
				                   "the commit; the data will be read again",
				                   t->map->table);
				break;
			}
			if (attempt + 1 < MAX_COMMIT_ATTEMPTS) { /* no pause before giving up */
				icp_metrics_counter_inc(t->m_commits[ICP_COMMIT_RETRIED]);
				backoff(attempt);
			}
		}
	}
	if (rc == ICP_OK && t->n_pending)
		rc = icp_error_set(err, ICP_ERR_CONFLICT,
		                   "table %s: commit still conflicting after %d attempts",
		                   t->map->table, MAX_COMMIT_ATTEMPTS);
	if (rc != ICP_OK && t->n_pending) {
		icp_metrics_counter_inc(t->m_commits[ICP_COMMIT_FAILED]);
		if (!any_unknown) {
			remove_quiet(p, t, list_key);
			remove_quiet(p, t, man_key);
		}
		/* An attempt may have landed unseen: until a commit of these
		 * files succeeds or a reload shows the table, nothing of them is
		 * deleted (icp_table_discard keeps them too). The next commit's
		 * stale parent makes a landed attempt show up as a conflict with
		 * moved offsets, which rewinds without loss or duplicates. */
		t->in_doubt = any_unknown;
	}
out:
	icp_free(files);
	icp_free(man_key);
	icp_free(man_url);
	icp_free(list_key);
	icp_free(list_url);
	icp_buf_dispose(&bytes);
	return rc;
}
