/*
 * Orphan removal (see maint.h for the contract).
 *
 *   LIST   every object under "<table location key>/" (no delimiter; the
 *          store follows the continuation pages)
 *   LOAD   the table's current metadata, AFTER the listing: whatever a
 *          commit that landed meanwhile references is then reachable
 *   REACH  metadata files (current, metadata-log, version hint),
 *          statistics files, and what every snapshot reaches (reach.c);
 *          one unreadable manifest list or manifest ends the pass here,
 *          before any delete
 *   SWEEP  each listed object that is not reachable, not possibly the same
 *          object as a reference the store could not map, not a SQLite
 *          database, and older than the minimum age: deleted
 *
 * Why the minimum age is the only guard against writers: a commit writes
 * its data files, manifests, manifest list and metadata file first and
 * makes the catalog point at them last, so until then they look exactly
 * like orphans. No lock with other engines exists; an age well beyond the
 * longest write and retry (3 days by default) is what Iceberg's own
 * DeleteOrphanFiles relies on too.
 *
 * The listing prefix ends in '/', so a table "ns/t" never lists (nor
 * deletes) the files of a table "ns/t2" beside it.
 */
#include "maint/maint_int.h"

#define WHAT "orphan removal"

/* The metadata-level files: current metadata, metadata-log entries,
 * version hint, statistics. */
static int add_metadata_files(icp_maint_reader *rd, const icp_ice_metadata *m,
                              const char *table_url, icp_maint_reach *r, icp_maint_fset *meta,
                              icp_error *err)
{
	static const char *const stats[] = {"statistics", "partition-statistics"};
	const icp_json *root = icp_ice_metadata_json(m), *log = icp_json_get(root, "metadata-log");
	const char *cur = icp_ice_metadata_file_location(m);
	icp_buf hint;
	size_t n;
	int rc = ICP_OK;

	if (!cur)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     WHAT ": the catalog did not say where the current metadata "
		                          "file of %s is: not deleting anything",
		                     table_url);
	rc = icp_maint_add_url(rd, r, meta, cur, -1);
	for (size_t i = 0; rc == ICP_OK && i < icp_json_len(log); i++) {
		const char *url;
		size_t len;
		if (icp_json_as_str(icp_json_get(icp_json_at(log, i), "metadata-file"), &url, &len) !=
		    ICP_OK)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     WHAT ": metadata %s: metadata-log[%zu] has no "
			                          "metadata-file string",
			                     cur, i);
		rc = icp_maint_add_url(rd, r, meta, url, -1);
	}
	for (size_t s = 0; rc == ICP_OK && s < ICP_ARRAY_LEN(stats); s++) {
		const icp_json *arr = icp_json_get(root, stats[s]);
		for (size_t i = 0; rc == ICP_OK && i < icp_json_len(arr); i++) {
			const char *url;
			size_t len;
			if (icp_json_as_str(icp_json_get(icp_json_at(arr, i), "statistics-path"), &url,
			                    &len) != ICP_OK)
				return icp_error_set(err, ICP_ERR_CORRUPT,
				                     WHAT ": metadata %s: %s[%zu] has no "
				                          "statistics-path string",
				                     cur, stats[s], i);
			rc = icp_maint_add_url(rd, r, meta, url, -1);
		}
	}
	/* a Hadoop-style table's pointer; we never write one, others may */
	icp_buf_init(&hint, ICP_BUF_UNLIMITED);
	n = strlen(table_url);
	while (n > 0 && table_url[n - 1] == '/')
		n--;
	icp_buf_printf(&hint, "%.*s/metadata/version-hint.text", (int)n, table_url);
	if (rc == ICP_OK)
		rc = hint.status ? ICP_ERR_NOMEM
		                 : icp_maint_add_url(rd, r, meta, (const char *)hint.data, -1);
	icp_buf_dispose(&hint);
	if (rc != ICP_OK)
		return icp_error_set(err, rc, WHAT ": out of memory");
	icp_maint_fset_seal(meta);
	icp_maint_fset_seal(&r->outside_names);
	return ICP_OK;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* A SQLite database or one of its side files by name. The catalog's own
 * database should never lie inside a table, but deleting it would lose
 * every table of the catalog: never worth an orphan's bytes. */
static int looks_like_sqlite(const char *base)
{
	static const char *const side[] = {"-wal", "-shm", "-journal"};
	size_t n = strlen(base);
	for (size_t i = 0; i < ICP_ARRAY_LEN(side); i++)
		if (ends_with(base, n, side[i])) {
			n -= strlen(side[i]);
			break;
		}
	return ends_with(base, n, ".db") || ends_with(base, n, ".sqlite") ||
	       ends_with(base, n, ".sqlite3");
}

static int reachable(const icp_maint_reach *r, const icp_maint_fset *meta, const char *key)
{
	return icp_maint_fset_has(meta, key) || icp_maint_fset_has(&r->data, key) ||
	       icp_maint_fset_has(&r->manifests, key) || icp_maint_fset_has(&r->lists, key);
}

static void sweep(icp_storage *st, const icp_storage_listing *l, const char *prefix,
                  const icp_maint_reach *r, const icp_maint_fset *meta, int64_t now_ms,
                  int64_t min_age_ms, int dry_run, icp_maint_orphans_result *out)
{
	size_t plen = strlen(prefix);
	for (size_t i = 0; i < l->n; i++) {
		const icp_storage_entry *e = &l->items[i];
		const char *base;
		icp_error de;
		int rc;
		/* the store lists below the prefix; checked again because a
		 * delete outside the table is the one mistake never allowed */
		if (e->is_prefix || strncmp(e->key, prefix, plen) != 0 || !e->key[plen])
			continue;
		out->files_listed++;
		if (reachable(r, meta, e->key))
			continue;
		out->orphans_found++;
		base = strrchr(e->key, '/');
		base = base ? base + 1 : e->key;
		if (icp_maint_fset_has(&r->outside_names, base) || looks_like_sqlite(base)) {
			out->kept_unsure++;
			continue;
		}
		if (e->mtime_ms <= 0 || now_ms - e->mtime_ms < min_age_ms) {
			out->too_young++;
			continue;
		}
		icp_error_init(&de);
		rc = dry_run ? ICP_OK : icp_storage_remove(st, e->key, &de);
		if (rc == ICP_ERR_NOT_FOUND)
			continue; /* gone meanwhile (another pass) */
		if (rc != ICP_OK) {
			out->delete_failures++;
			continue;
		}
		out->orphans_deleted++;
		out->bytes_freed += (int64_t)e->size;
	}
}

int icp_maint_remove_orphans(icp_catalog *cat, icp_storage *warehouse, const char *ns,
                             const char *name, int64_t now_ms, int64_t min_age_ms,
                             int dry_run, icp_maint_orphans_result *out, icp_error *err)
{
	icp_ice_metadata *first = NULL, *m = NULL;
	icp_storage_listing l = {0};
	icp_maint_reader rd;
	icp_maint_reach r;
	icp_maint_fset meta;
	icp_buf prefix;
	const char *loc, *tkey;
	size_t tlen;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	memset(&meta, 0, sizeof(meta));
	icp_buf_init(&prefix, ICP_BUF_UNLIMITED);
	if ((rc = icp_maint_reader_init(&rd, warehouse, WHAT, err)) != ICP_OK)
		goto out;
	rd.inline_ok = 1;
	if (!cat || !warehouse || !ns || !name || min_age_ms < 0) {
		rc = icp_error_set(err, ICP_ERR_INVALID, WHAT ": missing argument or negative age");
		goto out;
	}
	/* where to list: from the table as it stands now (reloaded below) */
	if ((rc = icp_catalog_load_table(cat, ns, name, &first, err)) != ICP_OK)
		goto out;
	loc = icp_ice_metadata_table_location(first);
	if (!loc || icp_storage_key_of_url(warehouse, loc, &tkey) != ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_INVALID,
		                   WHAT ": table %s.%s: location %s is not below the warehouse %s: "
		                        "not listing",
		                   ns, name, loc ? loc : "(none)", icp_storage_root(warehouse));
		goto out;
	}
	for (tlen = strlen(tkey); tlen > 0 && tkey[tlen - 1] == '/'; tlen--)
		;
	icp_buf_append(&prefix, tkey, tlen);
	icp_buf_append_byte(&prefix, '/');
	icp_buf_append_byte(&prefix, 0);
	if (prefix.status || tlen == 0) {
		rc = icp_error_set(err, prefix.status ? ICP_ERR_NOMEM : ICP_ERR_INVALID,
		                   WHAT ": table %s.%s: location %s", ns, name, loc);
		goto out;
	}
	if ((rc = icp_storage_list(warehouse, (const char *)prefix.data, NULL, 0, &l, err)) !=
	    ICP_OK) {
		icp_error_prefix(err, WHAT ": listing %s", loc);
		goto out;
	}
	if ((rc = icp_catalog_load_table(cat, ns, name, &m, err)) != ICP_OK)
		goto out;
	if (!icp_ice_metadata_table_location(m) ||
	    strcmp(icp_ice_metadata_table_location(m), loc) != 0) {
		rc = icp_error_set(err, ICP_ERR_CONFLICT,
		                   WHAT ": table %s.%s moved from %s during the pass: not deleting "
		                        "anything",
		                   ns, name, loc);
		goto out;
	}
	if ((rc = add_metadata_files(&rd, m, loc, &r, &meta, err)) != ICP_OK ||
	    (rc = icp_maint_collect_lists(&rd, m, NULL, 0, 0, NULL, &r, err)) != ICP_OK ||
	    (rc = icp_maint_collect_data(&rd, &r, err)) != ICP_OK)
		goto out; /* an incomplete reachable set: delete nothing */
	out->refs_outside = r.outside;
	sweep(warehouse, &l, (const char *)prefix.data, &r, &meta, now_ms, min_age_ms, dry_run,
	      out);
out:
	icp_storage_list_dispose(&l);
	icp_maint_fset_dispose(&meta);
	icp_maint_reach_dispose(&r);
	icp_maint_reader_dispose(&rd);
	icp_buf_dispose(&prefix);
	icp_ice_metadata_free(m);
	icp_ice_metadata_free(first);
	return rc;
}
