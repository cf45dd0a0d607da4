/*
 * Manifest merging (Iceberg's merge-append): several data manifests of one
 * partition spec rewritten as one v2 manifest, so that a table appended to
 * thousands of times keeps a bounded number of manifests per snapshot.
 *
 * The output has the schema our manifest writer uses for the spec
 * (icp_ice_manifest_open), so readers see one kind of manifest whoever
 * wrote the inputs. Inputs are read with their own (writer) schemas and
 * matched by Iceberg field id, never by name: v1 and other writers name
 * and order fields differently, and may have fields v2 lacks (v1's
 * block_size_in_bytes), which are dropped. data_file is copied value by
 * value, driven by the output schema, so every field v2 defines keeps its
 * exact value (metrics maps, bounds, key_metadata, split_offsets, ...)
 * without this file knowing them; only the partition tuple is decoded and
 * re-encoded, because its Avro types follow the spec (a day may be an int
 * or a date) and the manifest-list summaries must be computed from it.
 *
 * Entry status and sequence numbers follow the spec's inheritance rules:
 * an entry's null snapshot id or sequence numbers are its manifest's list
 * entry's, so once moved into another manifest they must be written out,
 * except for the files this very snapshot adds, which keep inheriting
 * (the merged manifest's list entry carries the snapshot's sequence
 * number, and a retried commit may get another one).
 *
 * A replace (compaction) rewrites the manifests holding the files it
 * removes the same way, with those files' entries DELETED: status 2,
 * snapshot id the replacing snapshot's (the spec: the snapshot in which
 * the file was deleted), sequence numbers the file's own, written out.
 */
#include "iceberg/iceberg_int.h"

#include <stdlib.h>

/* Names of one input's fields in its writer schema (NULL: absent). */
typedef struct src_names {
	const char *status, *snap, *seq, *fseq, *df, *content, *part, *rows, *path;
	const icp_json *df_rec;     /* the input's data_file record schema */
	icp_ice_part_layout layout;
} src_names;

typedef struct merge_state {
	icp_avro_writer *w;
	const icp_pspec *spec;
	int64_t snapshot_id, seq;
	const icp_json *df_rec;     /* data_file record of the output schema */
	icp_arena *keep;            /* tuples and layouts, until the summaries */
	icp_ice_data_file *files;   /* the tuples written (for the summaries) */
	size_t n_files, cap;
	icp_ice_merged_info *res;
	const char *const *deleted; /* sorted (strcmp): written DELETED */
	size_t n_deleted;
} merge_state;

#define MAX_DEPTH 16

/* The non-null branch of a union schema node (or the node itself). */
static const icp_json *non_null(const icp_json *s)
{
	if (!s || s->type != ICP_JSON_ARRAY)
		return s;
	for (size_t i = 0; i < s->u.arr.n; i++) {
		const icp_json *b = &s->u.arr.items[i];
		if (!(b->type == ICP_JSON_STRING && strcmp(b->u.str.ptr, "null") == 0))
			return b;
	}
	return NULL;
}

static int mistyped(const char *what, const icp_json *d, icp_error *err)
{
	return icp_error_set(err, ICP_ERR_UNSUPPORTED,
	                     "iceberg manifest merge: %s value where the v2 schema has %s",
	                     d ? icp_json_type_name(d->type) : "missing", what);
}

/* Writes datum d, decoded with the input's schema node s (may be NULL:
 * only used to find record fields by id), as the output schema node t. */
static int copy_value(icp_avro_writer *w, const icp_json *t, const icp_json *s,
                      const icp_json *d, int depth, icp_error *err)
{
	const char *tn = NULL;

	if (depth > MAX_DEPTH)
		return icp_error_set(err, ICP_ERR_CORRUPT, "iceberg manifest merge: too deep");
	if (t && t->type == ICP_JSON_ARRAY) { /* union: null or the other branch */
		int nb = -1, vb = -1;
		for (size_t i = 0; i < t->u.arr.n; i++) {
			const icp_json *b = &t->u.arr.items[i];
			if (b->type == ICP_JSON_STRING && strcmp(b->u.str.ptr, "null") == 0)
				nb = (int)i;
			else if (vb < 0)
				vb = (int)i;
		}
		if (!d || d->type == ICP_JSON_NULL) {
			if (nb < 0)
				return mistyped("a required value", d, err);
			return icp_avro_write_union_branch(w, nb);
		}
		if (vb < 0)
			return mistyped("null", d, err);
		icp_avro_write_union_branch(w, vb);
		return copy_value(w, &t->u.arr.items[vb], non_null(s), d, depth + 1, err);
	}
	if (t && t->type == ICP_JSON_STRING)
		tn = t->u.str.ptr;
	else if (icp_json_as_str(icp_json_get(t, "type"), &tn, NULL) != ICP_OK)
		return icp_error_set(err, ICP_ERR_INVALID, "iceberg manifest merge: bad schema");
	if (strcmp(tn, "int") == 0) {
		if (!d || d->type != ICP_JSON_INT || d->u.num.i < INT32_MIN || d->u.num.i > INT32_MAX)
			return mistyped(tn, d, err);
		return icp_avro_write_int(w, (int32_t)d->u.num.i);
	}
	if (strcmp(tn, "long") == 0) {
		if (!d || d->type != ICP_JSON_INT)
			return mistyped(tn, d, err);
		return icp_avro_write_long(w, d->u.num.i);
	}
	if (strcmp(tn, "boolean") == 0) {
		if (!d || d->type != ICP_JSON_BOOL)
			return mistyped(tn, d, err);
		return icp_avro_write_boolean(w, d->u.boolean);
	}
	if (strcmp(tn, "string") == 0 || strcmp(tn, "bytes") == 0) {
		if (!d || d->type != ICP_JSON_STRING)
			return mistyped(tn, d, err);
		if (tn[0] == 's')
			return icp_avro_write_string(w, d->u.str.ptr, d->u.str.len);
		return icp_avro_write_bytes(w, d->u.str.ptr, d->u.str.len);
	}
	if (strcmp(tn, "array") == 0) {
		const icp_json *ti = icp_json_get(t, "items");
		const icp_json *si = icp_json_get(non_null(s), "items");
		int rc = ICP_OK;
		if (!d || d->type != ICP_JSON_ARRAY)
			return mistyped(tn, d, err);
		icp_avro_write_array_start(w, (int64_t)d->u.arr.n);
		for (size_t i = 0; i < d->u.arr.n && rc == ICP_OK; i++)
			rc = copy_value(w, ti, si, &d->u.arr.items[i], depth + 1, err);
		if (rc != ICP_OK)
			return rc;
		return icp_avro_write_array_end(w);
	}
	if (strcmp(tn, "record") == 0) {
		const icp_json *fields = icp_json_get(t, "fields");
		const icp_json *srec = icp_ice_avro_record(non_null(s));
		if (!d || d->type != ICP_JSON_OBJECT)
			return mistyped(tn, d, err);
		for (size_t i = 0; i < icp_json_len(fields); i++) {
			const icp_json *f = icp_json_at(fields, i), *st = NULL;
			const char *name = NULL, *sname = NULL;
			int64_t id;
			int rc;
			icp_json_as_str(icp_json_get(f, "name"), &name, NULL);
			if (icp_json_as_int64(icp_json_get(f, "field-id"), &id) == ICP_OK)
				sname = icp_ice_avro_field(srec, id, &st);
			if (!sname) /* an input without ids here (or a named
			             * reference): its field of the same name */
				sname = name;
			rc = copy_value(w, icp_json_get(f, "type"), st,
			                sname ? icp_json_get(d, sname) : NULL, depth + 1, err);
			if (rc != ICP_OK) {
				icp_error_prefix(err, "%s", name ? name : "?");
				return rc;
			}
		}
		return ICP_OK;
	}
	return icp_error_set(err, ICP_ERR_UNSUPPORTED,
	                     "iceberg manifest merge: schema type %s is not copied", tn);
}

int icp_ice_partition_tuple(const icp_pspec *spec, const icp_ice_partition_value *pv, size_t n,
                            icp_arena *a, icp_pspec_value **out, icp_error *err)
{
	icp_pspec_value *v;
	int rc;

	*out = NULL;
	if (!spec || spec->n_fields == 0)
		return ICP_OK;
	v = icp_arena_alloc(a, spec->n_fields * sizeof(*v));
	if (!v)
		return icp_error_set(err, ICP_ERR_NOMEM, "iceberg partition tuple: out of memory");
	for (size_t i = 0; i < spec->n_fields; i++) {
		const icp_pspec_field *f = &spec->fields[i];
		icp_ice_type t = icp_pspec_result_type(f);
		size_t j = 0;
		icp_slice b;
		while (j < n && pv[j].field_id != f->field_id)
			j++;
		if (j == n)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "iceberg partition tuple: no field %d (%s) of spec %d",
			                     (int)f->field_id, f->name, (int)spec->spec_id);
		if (f->transform == ICP_PSPEC_DAY)
			t.kind = ICP_ICE_DATE;
		if (pv[j].is_null) {
			v[i] = icp_pspec_value_null(t.kind);
			continue;
		}
		b = pv[j].value;
		/* an int field another writer stored as an Avro long */
		if ((t.kind == ICP_ICE_INT || t.kind == ICP_ICE_DATE) && b.len == 8) {
			int64_t x = (int64_t)icp_load_le64(b.ptr);
			if (x < INT32_MIN || x > INT32_MAX)
				return icp_error_set(err, ICP_ERR_UNSUPPORTED,
				                     "iceberg partition tuple: value %s out of int range",
				                     f->name);
			b.len = 4; /* little-endian: the low half */
		}
		b.ptr = b.len ? icp_arena_memdup(a, b.ptr, b.len) : b.ptr;
		if (b.len && !b.ptr)
			return icp_error_set(err, ICP_ERR_NOMEM, "iceberg partition tuple: out of memory");
		if ((rc = icp_pspec_value_deserialize(t.kind, t.scale, b, &v[i], err)) != ICP_OK)
			return rc;
	}
	*out = v;
	return ICP_OK;
}

/* The partition tuple of one input entry in the spec's field order and
 * result types, kept (with its bytes) in st->keep for the summaries. */
static int read_tuple(merge_state *st, const src_names *nm, const icp_json *df, icp_arena *tmp,
                      const icp_pspec_value **out, icp_error *err)
{
	const icp_pspec *spec = st->spec;
	const icp_ice_partition_value *pv = NULL;
	const icp_json *pr = nm->part ? icp_json_get(df, nm->part) : NULL;
	icp_pspec_value *v = NULL;
	int rc;

	*out = NULL;
	if (!spec || spec->n_fields == 0)
		return ICP_OK;
	if (!pr || pr->type != ICP_JSON_OBJECT)
		return icp_error_set(err, ICP_ERR_CORRUPT, "iceberg manifest merge: no partition");
	if ((rc = icp_ice_part_read(&nm->layout, pr, tmp, &pv, err)) != ICP_OK)
		return rc;
	rc = icp_ice_partition_tuple(spec, pv, nm->layout.n, st->keep, &v, err);
	*out = v;
	return rc;
}

static int keep_file(merge_state *st, const char *path, const icp_pspec_value *tuple,
                     icp_error *err)
{
	if (st->n_files == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		icp_ice_data_file *nv = icp_realloc(st->files, cap * sizeof(*nv));
		if (!nv)
			return icp_error_set(err, ICP_ERR_NOMEM, "iceberg manifest merge: out of memory");
		st->files = nv;
		st->cap = cap;
	}
	memset(&st->files[st->n_files], 0, sizeof(st->files[0]));
	st->files[st->n_files].path = path;
	st->files[st->n_files].partition = tuple;
	return icp_ice_part_check(st->spec, &st->files[st->n_files++], 1, err);
}

/* data_file: the output record's fields in order, from the input's. */
static int copy_data_file(merge_state *st, const src_names *nm, const icp_json *df,
                          const icp_pspec_value *tuple, icp_error *err)
{
	const icp_json *fields = icp_json_get(st->df_rec, "fields");
	int rc = ICP_OK;

	for (size_t i = 0; i < icp_json_len(fields) && rc == ICP_OK; i++) {
		const icp_json *f = icp_json_at(fields, i), *stype = NULL;
		const char *sname;
		int64_t id = -1;
		icp_json_as_int64(icp_json_get(f, "field-id"), &id);
		if (id == 102) {
			icp_ice_part_write(st->w, st->spec, tuple);
			continue;
		}
		sname = icp_ice_avro_field(nm->df_rec, id, &stype);
		if (id == 134 && !sname) { /* v1: every file is data */
			rc = icp_avro_write_int(st->w, 0);
			continue;
		}
		rc = copy_value(st->w, icp_json_get(f, "type"), stype,
		                sname ? icp_json_get(df, sname) : NULL, 0, err);
		if (rc != ICP_OK)
			icp_error_prefix(err, "data_file field %lld", (long long)id);
	}
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_deleted(const merge_state *st, const char *path)
{
	return st->n_deleted &&
	       bsearch(&path, st->deleted, st->n_deleted, sizeof(*st->deleted), cmp_str) != NULL;
}

static void write_opt_long(icp_avro_writer *w, int64_t v)
{
	if (v < 0) {
		icp_avro_write_union_branch(w, 0);
		return;
	}
	icp_avro_write_union_branch(w, 1);
	icp_avro_write_long(w, v);
}

/* One input entry: skipped when DELETED, else written (see the top). */
static int merge_entry(merge_state *st, const src_names *nm, const icp_ice_merge_input *in,
                       const icp_json *d, icp_arena *tmp, icp_error *err)
{
	const icp_json *df = icp_json_get(d, nm->df);
	const icp_pspec_value *tuple;
	const char *path;
	int64_t status, snap, seq, fseq, content, rows;
	int ours, gone, rc;

	if (icp_ice_avro_long(d, nm->status, -1, &status) != ICP_OK || status < 0 || status > 2 ||
	    icp_ice_avro_long(d, nm->snap, -1, &snap) != ICP_OK ||
	    icp_ice_avro_long(d, nm->seq, -1, &seq) != ICP_OK ||
	    icp_ice_avro_long(d, nm->fseq, -1, &fseq) != ICP_OK ||
	    icp_ice_avro_long(df, nm->content, 0, &content) != ICP_OK ||
	    icp_ice_avro_long(df, nm->rows, -1, &rows) != ICP_OK || rows < 0 ||
	    icp_json_as_str(icp_json_get(df, nm->path), &path, NULL) != ICP_OK)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "iceberg manifest merge: an entry has a missing or mistyped "
		                     "field");
	if (content != 0)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "iceberg manifest merge: %s is not a data file", path);
	if (status == 2)
		return ICP_OK; /* deleted by an earlier snapshot: gone from this one */
	if (snap < 0)
		snap = in->added_snapshot_id;
	ours = status == 1 && snap == st->snapshot_id;
	/* removed by this snapshot (a replace): DELETED, its snapshot id
	 * ours, its sequence numbers the file's own, written out */
	gone = !ours && is_deleted(st, path);
	if (!nm->seq) {
		seq = fseq = 0; /* v1: every file has sequence number 0 */
	} else {
		if (seq < 0)
			seq = in->sequence_number;
		/* null stays null for an EXISTING entry (optional field) */
		if (fseq < 0 && status == 1)
			fseq = in->sequence_number;
	}
	if ((rc = read_tuple(st, nm, df, tmp, &tuple, err)) != ICP_OK ||
	    (rc = keep_file(st, icp_arena_strdup(st->keep, path), tuple, err)) != ICP_OK)
		return rc;
	icp_avro_write_int(st->w, gone ? 2 : ours ? 1 : 0);
	write_opt_long(st->w, gone ? st->snapshot_id : snap);
	write_opt_long(st->w, ours ? -1 : seq);
	write_opt_long(st->w, ours ? -1 : fseq);
	if ((rc = copy_data_file(st, nm, df, tuple, err)) != ICP_OK)
		return rc;
	if (gone) {
		st->res->deleted_files++;
		st->res->deleted_rows += rows;
		return icp_avro_end_datum(st->w); /* not live: no min sequence */
	}
	if (ours) {
		st->res->info.added_files++;
		st->res->info.added_rows += rows;
		seq = st->seq;
	} else {
		st->res->existing_files++;
		st->res->existing_rows += rows;
	}
	if (st->res->min_sequence_number < 0 || seq < st->res->min_sequence_number)
		st->res->min_sequence_number = seq;
	return icp_avro_end_datum(st->w);
}

static int resolve(const icp_json *top, icp_arena *a, src_names *nm, icp_error *err)
{
	const icp_json *df_type = NULL, *part_type = NULL;

	memset(nm, 0, sizeof(*nm));
	nm->status = icp_ice_avro_field(top, 0, NULL);
	nm->snap = icp_ice_avro_field(top, 1, NULL);
	nm->seq = icp_ice_avro_field(top, 3, NULL);
	nm->fseq = icp_ice_avro_field(top, 4, NULL);
	nm->df = icp_ice_avro_field(top, 2, &df_type);
	nm->df_rec = icp_ice_avro_record(df_type);
	nm->content = icp_ice_avro_field(nm->df_rec, 134, NULL);
	nm->rows = icp_ice_avro_field(nm->df_rec, 103, NULL);
	nm->part = icp_ice_avro_field(nm->df_rec, 102, &part_type);
	nm->path = icp_ice_avro_field(nm->df_rec, 100, NULL);
	if (!nm->status || !nm->df || !nm->df_rec || !nm->rows || !nm->path)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "iceberg manifest merge: the Avro schema lacks required "
		                     "manifest_entry field ids (0, 2, 100, 103)");
	return nm->part ? icp_ice_part_layout_init(part_type, a, &nm->layout, err) : ICP_OK;
}

static int merge_one(merge_state *st, const icp_ice_merge_input *in, size_t k, icp_arena *tmp,
                     icp_error *err)
{
	icp_avro_reader *r = NULL;
	src_names nm;
	icp_json *d;
	int rc;

	rc = icp_avro_reader_open(in->bytes, NULL, &r, err);
	if (rc == ICP_OK)
		rc = resolve(icp_avro_reader_schema(r), st->keep, &nm, err);
	while (rc == ICP_OK && (rc = icp_avro_reader_next(r, tmp, &d, err)) == ICP_OK) {
		rc = merge_entry(st, &nm, in, d, tmp, err);
		icp_arena_reset(tmp);
	}
	if (rc == ICP_END)
		rc = ICP_OK;
	if (rc != ICP_OK)
		icp_error_prefix(err, "input manifest %zu", k);
	icp_avro_reader_free(r);
	return rc;
}

int icp_ice_manifest_merge(const icp_ice_schema *schema, const icp_pspec *spec,
                           int64_t snapshot_id, int64_t sequence_number,
                           const icp_ice_merge_input *in, size_t n, icp_buf *out,
                           icp_ice_merged_info *res, icp_error *err)
{
	return icp_ice_manifest_rewrite(schema, spec, snapshot_id, sequence_number, in, n, NULL, 0,
	                                out, res, err);
}

int icp_ice_manifest_rewrite(const icp_ice_schema *schema, const icp_pspec *spec,
                             int64_t snapshot_id, int64_t sequence_number,
                             const icp_ice_merge_input *in, size_t n,
                             const char *const *deleted, size_t n_deleted, icp_buf *out,
                             icp_ice_merged_info *res, icp_error *err)
{
	merge_state st;
	icp_arena *tmp = NULL;
	icp_buf avsc;
	icp_json *top = NULL;
	size_t start = out ? out->len : 0;
	int rc;

	memset(&st, 0, sizeof(st));
	memset(res, 0, sizeof(*res));
	res->min_sequence_number = -1;
	icp_buf_init(&avsc, ICP_BUF_UNLIMITED);
	if (!schema || !out || !in || n == 0)
		return icp_error_set(err, ICP_ERR_INVALID, "iceberg manifest merge: no inputs");
	st.spec = spec;
	st.snapshot_id = snapshot_id;
	st.seq = sequence_number;
	st.res = res;
	st.deleted = deleted;
	st.n_deleted = deleted ? n_deleted : 0;
	st.keep = icp_arena_new(0);
	tmp = icp_arena_new(0);
	if (!st.keep || !tmp) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "iceberg manifest merge: out of memory");
		goto out;
	}
	rc = icp_ice_manifest_open(schema, spec, out, &avsc, &st.w, err);
	if (rc == ICP_OK)
		rc = icp_json_parse(st.keep, (const char *)avsc.data, avsc.len, NULL, &top, err);
	if (rc != ICP_OK)
		goto out;
	{
		const icp_json *df_type = NULL;
		icp_ice_avro_field(top, 2, &df_type);
		st.df_rec = icp_ice_avro_record(df_type);
	}
	for (size_t k = 0; k < n && rc == ICP_OK; k++)
		rc = merge_one(&st, &in[k], k, tmp, err);
	if (rc == ICP_OK && st.n_files == 0)
		rc = icp_error_set(err, ICP_ERR_INVALID,
		                   "iceberg manifest merge: no live entries (an empty manifest)");
	if (rc == ICP_OK)
		rc = icp_avro_writer_finish(st.w, err);
	if (rc == ICP_OK)
		rc = icp_ice_part_summarize(spec, st.files, st.n_files, &res->info, err);
	if (rc == ICP_OK) {
		res->info.length = out->len - start;
		res->info.partition_spec_id = spec ? spec->spec_id : 0;
	}
out:
	if (rc != ICP_OK)
		icp_ice_manifest_info_dispose(&res->info);
	icp_avro_writer_free(st.w);
	icp_free(st.files);
	icp_arena_free(st.keep);
	icp_arena_free(tmp);
	icp_buf_dispose(&avsc);
	return rc;
}
