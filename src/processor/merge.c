/*
 * The merge-append rule of a commit attempt: without it every append adds
 * one manifest to the table forever (3,000 commits, 3,000 manifests for
 * every reader to open). The rule is Iceberg Java's (its
 * MergingSnapshotProducer and ManifestMergeManager), so that a table sees
 * the same manifest layout whichever writer appends to it:
 *
 * - candidates: the new manifest first, then the parent's manifests in
 *   list order; delete manifests are never merged (we write none, another
 *   engine may have), nor are manifests of a spec we cannot bind;
 * - grouped by partition spec (a manifest holds files of one spec);
 * - each group packed into bins of consecutive manifests by length, from
 *   the end, so that the under-filled bin is the first one, the one with
 *   the new manifest, which is merged again next time (older full bins
 *   stay as they are); a bin takes manifests while its total length stays
 *   within target-size-bytes, and one larger manifest alone;
 * - a bin of one manifest is kept; the bin with the new manifest is merged
 *   only once it holds min-count-to-merge manifests; any other bin of 2+
 *   is merged.
 * So with min-count-to-merge N and small manifests, a list holds at most
 * N - 1 data manifests of the default spec: the N-th append merges them all
 * into one.
 *
 * Merges are redone on every attempt (the parent can change on a retry),
 * named by the attempt, and deleted with its manifest list when it is
 * abandoned (commit.c). A bin that cannot be merged is left as it is: a
 * commit never fails because an old manifest is foreign to us.
 */
#include "processor/commit_int.h"

#include "log/log.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct cand {
	const char *path;
	const char *key;            /* new manifest only */
	int64_t length;
	int32_t spec_id;
	int done;                   /* grouped already (or not mergeable) */
	const icp_ice_manifest_ref *ref; /* NULL: the new manifest */
} cand;

typedef struct merge_opts {
	int enabled;
	int64_t min_count, target;
} merge_opts;

/* A table property as a positive integer, else dflt. */
static int64_t prop_i64(const icp_ice_metadata *m, const char *key, int64_t dflt)
{
	const char *v = icp_ice_metadata_property(m, key);
	char *end;
	long long x;

	if (!v || !*v)
		return dflt;
	x = strtoll(v, &end, 10);
	return *end || x < 0 ? dflt : x;
}

static void opts_of(const icp_ice_metadata *m, merge_opts *o)
{
	const char *en = icp_ice_metadata_property(m, "commit.manifest-merge.enabled");

	o->enabled = !(en && strcmp(en, "false") == 0);
	o->min_count = prop_i64(m, "commit.manifest.min-count-to-merge", 100);
	o->target = prop_i64(m, "commit.manifest.target-size-bytes", 8388608);
}

void icp_merge_out_dispose(icp_merge_out *out)
{
	if (!out)
		return;
	/* infos[0] borrows the commit's summaries */
	for (size_t i = 1; i < out->n_infos; i++)
		icp_ice_manifest_info_dispose(&out->infos[i].info);
	for (size_t i = 0; i < out->n_keys; i++)
		icp_free(out->keys[i]);
	icp_free(out->keys);
	icp_free(out->infos);
	icp_free(out->written);
	icp_free(out->drop);
	icp_arena_free(out->a);
	memset(out, 0, sizeof(*out));
}

/* The spec of a group's manifests, or 0 when it cannot be bound. */
static int group_spec(const icp_merge_in *in, int32_t spec_id, const icp_pspec **spec)
{
	icp_error e;

	icp_error_init(&e);
	*spec = NULL;
	if (spec_id == in->new_info->partition_spec_id && in->new_spec) {
		*spec = in->new_spec;
		return 1;
	}
	if (icp_ice_metadata_spec(in->base, spec_id, spec, &e) == ICP_OK)
		return 1;
	/* spec 0 absent from the metadata: unpartitioned, as files_spec
	 * writes the new manifest */
	return spec_id == 0;
}

/* Reads the bins' manifests into bufs (input[i].bytes). */
static int read_inputs(const icp_merge_in *in, cand **bin, size_t n, icp_buf *bufs,
                       icp_ice_merge_input *inputs, icp_error *e)
{
	for (size_t i = 0; i < n; i++) {
		const char *key = bin[i]->key;
		int rc;
		icp_buf_init(&bufs[i], 256u << 20);
		if (!key && icp_storage_key_of_url(in->warehouse, bin[i]->path, &key) != ICP_OK)
			return icp_error_set(e, ICP_ERR_CORRUPT, "manifest %s is not in the warehouse",
			                     bin[i]->path);
		if ((rc = icp_storage_get(in->store, key, &bufs[i], e)) != ICP_OK)
			return rc;
		inputs[i].bytes = icp_slice_make(bufs[i].data, bufs[i].len);
		inputs[i].added_snapshot_id = bin[i]->ref ? bin[i]->ref->added_snapshot_id
		                                          : in->snap_id;
		inputs[i].sequence_number = bin[i]->ref ? bin[i]->ref->sequence_number : in->seq;
	}
	return ICP_OK;
}

/* Stores a merged manifest and records it in out (its key even when the
 * put failed: it may exist, and is deleted with the attempt). */
static int store(const icp_merge_in *in, icp_buf *bytes, icp_merge_out *out, const char **url,
                 icp_error *err)
{
	icp_buf k, u;
	int rc;

	icp_buf_init(&k, 0);
	icp_buf_init(&u, 0);
	icp_buf_printf(&k, "%s/%s-m%zu.avro", in->meta_prefix, in->name_base, out->n_keys + 1);
	if (k.status) {
		icp_buf_dispose(&k);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	out->keys[out->n_keys++] = (char *)icp_buf_detach(&k, NULL);
	rc = icp_storage_put(in->store, out->keys[out->n_keys - 1],
	                     icp_slice_make(bytes->data, bytes->len), 1, err);
	if (rc == ICP_OK) {
		icp_storage_url(in->store, out->keys[out->n_keys - 1], &u);
		*url = u.status ? NULL : icp_arena_strdup(out->a, (const char *)u.data);
		if (!*url)
			rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	icp_buf_dispose(&u);
	return rc;
}

/* Merges bin[0..n) (one spec). *merged = 1 when it was (else it is kept,
 * with a warning). Errors only when storing the result failed. */
static int merge_bin(const icp_merge_in *in, cand **bin, size_t n, icp_merge_out *out,
                     int *merged, icp_error *err)
{
	icp_ice_merge_input *inputs = icp_calloc(n, sizeof(*inputs));
	icp_buf *bufs = icp_calloc(n, sizeof(*bufs));
	icp_ice_merged_info *res = &out->infos[out->n_infos];
	const icp_pspec *spec;
	const char *url = NULL;
	icp_buf bytes;
	icp_error e;
	int rc;

	*merged = 0;
	icp_error_init(&e);
	icp_buf_init(&bytes, 0);
	if (!inputs || !bufs)
		rc = icp_error_set(&e, ICP_ERR_NOMEM, "out of memory");
	else if (!group_spec(in, bin[0]->spec_id, &spec))
		rc = icp_error_set(&e, ICP_ERR_UNSUPPORTED, "partition spec %d is not bound",
		                   (int)bin[0]->spec_id);
	else if ((rc = read_inputs(in, bin, n, bufs, inputs, &e)) == ICP_OK)
		rc = icp_ice_manifest_merge(in->schema, spec, in->snap_id, in->seq, inputs, n, &bytes,
		                            res, &e);
	for (size_t i = 0; bufs && i < n; i++)
		icp_buf_dispose(&bufs[i]);
	icp_free(bufs);
	icp_free(inputs);
	if (rc != ICP_OK) {
		char cnt[24];
		snprintf(cnt, sizeof(cnt), "%zu", n);
		ICP_WARN("manifests not merged; kept as they are", "table", in->label, "manifests",
		         cnt, "err", e.msg);
		icp_buf_dispose(&bytes);
		return ICP_OK;
	}
	out->n_infos++; /* res is disposed with out from now on */
	rc = store(in, &bytes, out, &url, err);
	icp_buf_dispose(&bytes);
	if (rc != ICP_OK)
		return rc;
	out->written[out->n_written].path = url;
	out->written[out->n_written++].m = res;
	for (size_t i = 0; i < n; i++)
		if (bin[i]->ref)
			out->drop[out->n_drop++] = bin[i]->path;
	*merged = 1;
	return ICP_OK;
}

/* Packs group g[0..n) (consecutive, from the end) and merges its bins. */
static int pack_group(const icp_merge_in *in, const merge_opts *o, cand **g, size_t n,
                      icp_merge_out *out, int *new_merged, icp_error *err)
{
	size_t hi = n; /* the bin being filled is g[lo..hi) */
	int64_t w = 0;

	for (size_t lo = n; lo-- > 0;) {
		int last = lo == 0, rc, merged = 0;
		w += g[lo]->length;
		/* does the bin stop here? when the next one does not fit */
		if (!last && w + g[lo - 1]->length <= o->target)
			continue;
		if (hi - lo >= 2 && (g[lo]->ref || (int64_t)(hi - lo) >= o->min_count)) {
			rc = merge_bin(in, g + lo, hi - lo, out, &merged, err);
			if (rc != ICP_OK)
				return rc;
			*new_merged |= merged && !g[lo]->ref;
		}
		hi = lo;
		w = 0;
	}
	return ICP_OK;
}

static int alloc_out(icp_merge_out *out, size_t n_refs)
{
	out->written = icp_calloc(n_refs + 2, sizeof(*out->written));
	out->drop = icp_calloc(n_refs + 1, sizeof(*out->drop));
	out->keys = icp_calloc(n_refs + 1, sizeof(*out->keys));
	out->infos = icp_calloc(n_refs + 2, sizeof(*out->infos));
	return out->written && out->drop && out->keys && out->infos ? ICP_OK
	                                                                      : ICP_ERR_NOMEM;
}

int icp_merge_plan(const icp_merge_in *in, icp_slice parent_list, icp_merge_out *out,
                   icp_error *err)
{
	icp_ice_manifest_ref *refs = NULL;
	size_t n_refs = 0, nc = 0;
	cand *c = NULL, **g = NULL;
	merge_opts o;
	int new_merged = 0, rc = ICP_OK;

	memset(out, 0, sizeof(*out));
	opts_of(in->base, &o);
	out->a = icp_arena_new(0);
	if (!out->a)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	if (o.enabled && parent_list.len &&
	    (rc = icp_ice_manifest_list_read(parent_list, out->a, &refs, &n_refs, err)) != ICP_OK)
		return rc;
	if (alloc_out(out, n_refs) != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	out->infos[0].info = *in->new_info;
	out->infos[0].min_sequence_number = -1;
	out->n_infos = 1;
	c = icp_calloc(n_refs + 1, sizeof(*c));
	g = icp_calloc(n_refs + 1, sizeof(*g));
	if (!c || !g) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		goto out;
	}
	c[nc++] = (cand){in->new_url, in->new_key, (int64_t)in->new_info->length,
	                 in->new_info->partition_spec_id, 0, NULL};
	for (size_t i = 0; i < n_refs; i++)
		c[nc++] = (cand){refs[i].path, NULL, refs[i].length, refs[i].partition_spec_id,
		                 refs[i].content != 0, &refs[i]};
	/* groups by spec, the highest id first (as Java orders them) */
	while (o.enabled && rc == ICP_OK) {
		int32_t spec = INT32_MIN;
		size_t ng = 0;
		for (size_t i = 0; i < nc; i++)
			if (!c[i].done && c[i].spec_id > spec)
				spec = c[i].spec_id;
		for (size_t i = 0; i < nc; i++)
			if (!c[i].done && c[i].spec_id == spec) {
				c[i].done = 1;
				g[ng++] = &c[i];
			}
		if (ng == 0)
			break;
		rc = pack_group(in, &o, g, ng, out, &new_merged, err);
	}
	out->new_merged = new_merged;
	if (rc == ICP_OK && !new_merged) {
		/* the new manifest first, as an append without merging lists it */
		memmove(out->written + 1, out->written, out->n_written * sizeof(*out->written));
		out->written[0].path = in->new_url;
		out->written[0].m = &out->infos[0];
		out->n_written++;
	}
out:
	icp_free(c);
	icp_free(g);
	return rc;
}
