/*
 * What snapshots reach (see maint_int.h): key sets, and the reads of
 * manifest lists and manifests that fill them. Every manifest named is
 * read whatever its entries' status: a file named anywhere counts, which
 * is what lets expiry and orphan removal promise never to delete a file a
 * kept snapshot references without trusting the statuses others wrote.
 */
#include "maint/maint_int.h"

#include <stdlib.h>

/* ------------------------------------------------------------ file sets */

int icp_maint_fset_add(icp_maint_fset *s, const char *key, int64_t size)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64, bytes;
		icp_maint_fent *v;
		if (icp_mul_size(cap, sizeof(*v), &bytes) != 0 || !(v = icp_realloc(s->v, bytes)))
			return ICP_ERR_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].key = icp_strdup(key);
	if (!s->v[s->n].key)
		return ICP_ERR_NOMEM;
	s->v[s->n++].size = size;
	return ICP_OK;
}

static int fent_cmp(const void *a, const void *b)
{
	return strcmp(((const icp_maint_fent *)a)->key, ((const icp_maint_fent *)b)->key);
}

/* Sorts and drops duplicates so that lookups can bsearch. */
void icp_maint_fset_seal(icp_maint_fset *s)
{
	size_t o = 0;
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), fent_cmp);
	for (size_t i = 0; i < s->n; i++) {
		if (o && strcmp(s->v[o - 1].key, s->v[i].key) == 0) {
			icp_free(s->v[i].key);
			continue;
		}
		s->v[o++] = s->v[i];
	}
	s->n = o;
}

int icp_maint_fset_has(const icp_maint_fset *s, const char *key)
{
	icp_maint_fent k = {(char *)key, 0};
	return s->n && bsearch(&k, s->v, s->n, sizeof(*s->v), fent_cmp) != NULL;
}

void icp_maint_fset_dispose(icp_maint_fset *s)
{
	for (size_t i = 0; i < s->n; i++)
		icp_free(s->v[i].key);
	icp_free(s->v);
	memset(s, 0, sizeof(*s));
}

void icp_maint_reach_dispose(icp_maint_reach *r)
{
	icp_maint_fset_dispose(&r->lists);
	icp_maint_fset_dispose(&r->manifests);
	icp_maint_fset_dispose(&r->data);
	icp_maint_fset_dispose(&r->outside_names);
}

/* ------------------------------------------------------------ reading */

int icp_maint_reader_init(icp_maint_reader *rd, icp_storage *st, const char *what,
                          icp_error *err)
{
	memset(rd, 0, sizeof(*rd));
	rd->st = st;
	rd->what = what;
	icp_buf_init(&rd->buf, ICP_BUF_UNLIMITED);
	rd->arena = icp_arena_new(0);
	if (!rd->arena)
		return icp_error_set(err, ICP_ERR_NOMEM, "%s: out of memory", what);
	return ICP_OK;
}

void icp_maint_reader_dispose(icp_maint_reader *rd)
{
	icp_arena_free(rd->arena);
	icp_buf_dispose(&rd->buf);
	rd->arena = NULL;
}

int icp_maint_add_url(icp_maint_reader *rd, icp_maint_reach *r, icp_maint_fset *s,
                      const char *url, int64_t size)
{
	const char *key, *base;
	if (url && icp_storage_key_of_url(rd->st, url, &key) == ICP_OK)
		return icp_maint_fset_add(s, key, size);
	r->outside++;
	if (!url)
		return ICP_OK;
	base = strrchr(url, '/');
	base = base ? base + 1 : url;
	return *base ? icp_maint_fset_add(&r->outside_names, base, -1) : ICP_OK;
}

static int read_obj(icp_maint_reader *rd, const char *key, icp_error *err)
{
	icp_buf_reset(&rd->buf);
	icp_arena_reset(rd->arena);
	return icp_storage_get(rd->st, key, &rd->buf, err);
}

/* A format v1 snapshot without a manifest list: its "manifests" URLs. */
static int add_inline(icp_maint_reader *rd, const icp_ice_metadata *m, int64_t id,
                      icp_maint_reach *r, icp_error *err)
{
	const icp_json *snaps = icp_json_get(icp_ice_metadata_json(m), "snapshots");
	for (size_t i = 0; i < icp_json_len(snaps); i++) {
		const icp_json *sj = icp_json_at(snaps, i), *mans;
		int64_t sid;
		if (icp_json_as_int64(icp_json_get(sj, "snapshot-id"), &sid) != ICP_OK || sid != id)
			continue;
		mans = icp_json_get(sj, "manifests");
		for (size_t k = 0; k < icp_json_len(mans); k++) {
			const char *url;
			size_t len;
			if (icp_json_as_str(icp_json_at(mans, k), &url, &len) != ICP_OK)
				return icp_error_set(err, ICP_ERR_CORRUPT,
				                     "%s: snapshot %lld: manifests[%zu] is not a string",
				                     rd->what, (long long)id, k);
			if (icp_maint_add_url(rd, r, &r->manifests, url, -1) != ICP_OK)
				return icp_error_set(err, ICP_ERR_NOMEM, "%s: out of memory", rd->what);
		}
	}
	return ICP_OK;
}

int icp_maint_collect_lists(icp_maint_reader *rd, const icp_ice_metadata *m,
                            const int64_t *ids, size_t n, int want_in,
                            const icp_maint_fset *skip, icp_maint_reach *r, icp_error *err)
{
	const icp_json *snaps = icp_json_get(icp_ice_metadata_json(m), "snapshots");
	int rc;

	for (size_t i = 0; i < icp_json_len(snaps); i++) {
		int64_t id;
		int in = 0;
		icp_ice_snapshot s;
		if (icp_json_as_int64(icp_json_get(icp_json_at(snaps, i), "snapshot-id"), &id) !=
		            ICP_OK ||
		    icp_ice_metadata_snapshot(m, id, &s) != ICP_OK)
			continue;
		for (size_t k = 0; k < n; k++)
			in |= ids[k] == id;
		if (in != want_in)
			continue;
		if (!s.manifest_list) { /* a v1 snapshot with inline "manifests" */
			if (rd->inline_ok) {
				if ((rc = add_inline(rd, m, id, r, err)) != ICP_OK)
					return rc;
				continue;
			}
			return icp_error_set(err, ICP_ERR_UNSUPPORTED,
			                     "%s: snapshot %lld has no manifest list "
			                     "(inline manifests of format v1 are not read here)",
			                     rd->what, (long long)id);
		}
		if ((rc = icp_maint_add_url(rd, r, &r->lists, s.manifest_list, -1)) != ICP_OK)
			return icp_error_set(err, rc, "%s: out of memory", rd->what);
	}
	icp_maint_fset_seal(&r->lists);
	for (size_t i = 0; i < r->lists.n; i++) {
		icp_ice_manifest_ref *refs;
		size_t nr;
		if ((rc = read_obj(rd, r->lists.v[i].key, err)) != ICP_OK ||
		    (rc = icp_ice_manifest_list_read(icp_slice_make(rd->buf.data, rd->buf.len),
		                                     rd->arena, &refs, &nr, err)) != ICP_OK) {
			icp_error_prefix(err, "%s: manifest list %s", rd->what, r->lists.v[i].key);
			return rc;
		}
		for (size_t k = 0; k < nr; k++) {
			const char *key;
			if (refs[k].path && skip &&
			    icp_storage_key_of_url(rd->st, refs[k].path, &key) == ICP_OK &&
			    icp_maint_fset_has(skip, key))
				continue;
			if ((rc = icp_maint_add_url(rd, r, &r->manifests, refs[k].path,
			                            refs[k].length)) != ICP_OK)
				return icp_error_set(err, rc, "%s: out of memory", rd->what);
		}
	}
	icp_maint_fset_seal(&r->manifests);
	icp_maint_fset_seal(&r->outside_names);
	return ICP_OK;
}

int icp_maint_collect_data(icp_maint_reader *rd, icp_maint_reach *r, icp_error *err)
{
	int rc;
	for (size_t i = 0; i < r->manifests.n; i++) {
		icp_ice_manifest_entry *e;
		size_t ne;
		if ((rc = read_obj(rd, r->manifests.v[i].key, err)) != ICP_OK ||
		    (rc = icp_ice_manifest_read(icp_slice_make(rd->buf.data, rd->buf.len), rd->arena,
		                                &e, &ne, err)) != ICP_OK) {
			icp_error_prefix(err, "%s: manifest %s", rd->what, r->manifests.v[i].key);
			return rc;
		}
		for (size_t k = 0; k < ne; k++)
			if ((rc = icp_maint_add_url(rd, r, &r->data, e[k].path, e[k].file_size)) !=
			    ICP_OK)
				return icp_error_set(err, rc, "%s: out of memory", rd->what);
	}
	icp_maint_fset_seal(&r->data);
	icp_maint_fset_seal(&r->outside_names);
	return ICP_OK;
}
