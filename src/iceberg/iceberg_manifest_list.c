/*
 * Manifest lists (Iceberg spec "Manifest Lists", format v2): Avro object
 * container files, deflate, one manifest_file record per manifest.
 *
 *   manifest_file: manifest_path(500) string, manifest_length(501) long,
 *     partition_spec_id(502) int, content(517) int, sequence_number(515)
 *     long, min_sequence_number(516) long, added_snapshot_id(503) long,
 *     added_files_count(504) int, existing_files_count(505) int,
 *     deleted_files_count(506) int, added_rows_count(512) long,
 *     existing_rows_count(513) long, deleted_rows_count(514) long,
 *     partitions(507) array<r508 {contains_null(509) boolean,
 *     contains_nan(518) boolean?, lower_bound(510) bytes?, upper_bound(511)
 *     bytes?}>?, key_metadata(519) bytes?
 * partitions has one summary per field of the manifest's spec (lower and
 * upper bounds in Appendix D form), an empty array when unpartitioned.
 * File metadata: snapshot-id, parent-snapshot-id ("null" when none),
 * sequence-number, format-version ("2").
 *
 * A fast append lists its new manifests first, then every manifest of the
 * parent snapshot. Parent entries are read by field id (v1 lists name the
 * counts added_data_files_count etc.) and re-encoded with their values;
 * v1 entries get sequence numbers 0 and content 0, as the spec says
 * readers must assume.
 */
#include "iceberg/iceberg_int.h"

#include <stdio.h>

#define OPT(t) "[\"null\"," t "]"
#define F(name, type, id) "{\"name\":\"" name "\",\"type\":" type ",\"field-id\":" #id "}"
#define FOPT(name, type, id) \
	"{\"name\":\"" name "\",\"type\":" OPT(type) ",\"default\":null,\"field-id\":" #id "}"

static const char list_schema[] =
	"{\"type\":\"record\",\"name\":\"manifest_file\",\"fields\":["
	F("manifest_path", "\"string\"", 500) ","
	F("manifest_length", "\"long\"", 501) ","
	F("partition_spec_id", "\"int\"", 502) ","
	F("content", "\"int\"", 517) ","
	F("sequence_number", "\"long\"", 515) ","
	F("min_sequence_number", "\"long\"", 516) ","
	F("added_snapshot_id", "\"long\"", 503) ","
	F("added_files_count", "\"int\"", 504) ","
	F("existing_files_count", "\"int\"", 505) ","
	F("deleted_files_count", "\"int\"", 506) ","
	F("added_rows_count", "\"long\"", 512) ","
	F("existing_rows_count", "\"long\"", 513) ","
	F("deleted_rows_count", "\"long\"", 514) ","
	FOPT("partitions", "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"r508\","
	     "\"fields\":["
	     F("contains_null", "\"boolean\"", 509) ","
	     FOPT("contains_nan", "\"boolean\"", 518) ","
	     FOPT("lower_bound", "\"bytes\"", 510) ","
	     FOPT("upper_bound", "\"bytes\"", 511)
	     "]},\"element-id\":508}", 507) ","
	FOPT("key_metadata", "\"bytes\"", 519)
	"]}";

/* Top-level field ids, in the order of our schema after the path. */
enum { C_LEN, C_SPEC, C_CONTENT, C_SEQ, C_MINSEQ, C_SNAP, C_AF, C_EF, C_DF, C_AR, C_ER, C_DR,
       C__COUNT };
static const int64_t col_ids[C__COUNT] = {501, 502, 517, 515, 516, 503,
                                          504, 505, 506, 512, 513, 514};

/* Names of the fields we need in one file's writer schema. */
typedef struct ml_names {
	const char *path, *col[C__COUNT], *parts, *key_meta;
	const char *p_null, *p_nan, *p_lower, *p_upper;
} ml_names;

/* One manifest_file datum, with -1 for null counts. */
typedef struct ml_row {
	const ml_names *nm;
	const char *path;
	size_t path_len;
	int64_t v[C__COUNT];
	const icp_json *parts;     /* array or NULL */
	const icp_json *key_meta;  /* string or NULL */
} ml_row;

static void resolve_names(const icp_json *top, ml_names *nm)
{
	const icp_json *pt = NULL, *items = NULL, *rec;

	memset(nm, 0, sizeof(*nm));
	nm->path = icp_ice_avro_field(top, 500, NULL);
	for (int i = 0; i < C__COUNT; i++)
		nm->col[i] = icp_ice_avro_field(top, col_ids[i], NULL);
	nm->parts = icp_ice_avro_field(top, 507, &pt);
	nm->key_meta = icp_ice_avro_field(top, 519, NULL);
	/* partitions: ["null", {"type":"array","items":{record r508}}] */
	for (size_t i = 0; pt && i < (pt->type == ICP_JSON_ARRAY ? pt->u.arr.n : 1); i++) {
		const icp_json *b = pt->type == ICP_JSON_ARRAY ? &pt->u.arr.items[i] : pt;
		if (icp_json_get(b, "items"))
			items = icp_json_get(b, "items");
	}
	rec = icp_ice_avro_record(items);
	nm->p_null = icp_ice_avro_field(rec, 509, NULL);
	nm->p_nan = icp_ice_avro_field(rec, 518, NULL);
	nm->p_lower = icp_ice_avro_field(rec, 510, NULL);
	nm->p_upper = icp_ice_avro_field(rec, 511, NULL);
}

static int read_row(const ml_names *nm, const icp_json *d, size_t idx, ml_row *row,
                    icp_error *err)
{
	static const int64_t dflt[C__COUNT] = {-2, -2, 0, 0, 0, -2, -1, -1, -1, -1, -1, -1};

	memset(row, 0, sizeof(*row));
	row->nm = nm;
	if (!nm->path || icp_json_as_str(icp_json_get(d, nm->path), &row->path, &row->path_len) !=
	                         ICP_OK)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "iceberg manifest list: entry %zu has no manifest_path (500)", idx);
	for (int i = 0; i < C__COUNT; i++) {
		if (icp_ice_avro_long(d, nm->col[i], dflt[i], &row->v[i]) != ICP_OK)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "iceberg manifest list: entry %zu: field %lld is mistyped",
			                     idx, (long long)col_ids[i]);
		if (row->v[i] == -2 && dflt[i] == -2)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "iceberg manifest list: entry %zu lacks required field %lld",
			                     idx, (long long)col_ids[i]);
	}
	row->parts = nm->parts ? icp_json_get(d, nm->parts) : NULL;
	if (row->parts && row->parts->type == ICP_JSON_NULL)
		row->parts = NULL;
	if (row->parts && row->parts->type != ICP_JSON_ARRAY)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "iceberg manifest list: entry %zu: partitions is not an array", idx);
	row->key_meta = nm->key_meta ? icp_json_get(d, nm->key_meta) : NULL;
	if (row->key_meta && row->key_meta->type != ICP_JSON_STRING)
		row->key_meta = NULL;
	return ICP_OK;
}

/* Calls fn for every datum of a manifest list. The datum lives in `a`
 * until the next call (the arena is reset between datums when reset). */
typedef int (*row_fn)(void *ctx, const ml_row *row, size_t idx, icp_error *err);

static int for_each_row(icp_slice bytes, icp_arena *a, int reset, row_fn fn, void *ctx,
                        icp_error *err)
{
	icp_avro_reader *r = NULL;
	ml_names nm;
	ml_row row;
	icp_json *d;
	size_t idx = 0;
	int rc;

	rc = icp_avro_reader_open(bytes, NULL, &r, err);
	if (rc != ICP_OK)
		goto out;
	resolve_names(icp_avro_reader_schema(r), &nm);
	while ((rc = icp_avro_reader_next(r, a, &d, err)) == ICP_OK) {
		rc = read_row(&nm, d, idx, &row, err);
		if (rc == ICP_OK)
			rc = fn(ctx, &row, idx, err);
		if (rc != ICP_OK)
			goto out;
		/* the names stay valid: they live in the reader, not in `a` */
		if (reset)
			icp_arena_reset(a);
		idx++;
	}
	if (rc == ICP_END)
		rc = ICP_OK;
out:
	icp_avro_reader_free(r);
	return rc;
}

/* ----------------------------------------------------------- writing */

static void write_opt_bytes(icp_avro_writer *w, const icp_json *v)
{
	if (v && v->type == ICP_JSON_STRING) {
		icp_avro_write_union_branch(w, 1);
		icp_avro_write_bytes(w, v->u.str.ptr, v->u.str.len);
	} else {
		icp_avro_write_union_branch(w, 0);
	}
}

/* Re-encodes the partition field summaries of a parent entry. */
static int write_parts(icp_avro_writer *w, const ml_row *row, size_t idx, icp_error *err)
{
	const ml_names *nm = row->nm;
	const icp_json *parts = row->parts;

	if (!parts) {
		icp_avro_write_union_branch(w, 0);
		return ICP_OK;
	}
	icp_avro_write_union_branch(w, 1);
	icp_avro_write_array_start(w, (int64_t)parts->u.arr.n);
	for (size_t i = 0; i < parts->u.arr.n; i++) {
		const icp_json *it = &parts->u.arr.items[i];
		const icp_json *cn = nm->p_null ? icp_json_get(it, nm->p_null) : NULL;
		const icp_json *nan = nm->p_nan ? icp_json_get(it, nm->p_nan) : NULL;
		if (!cn || cn->type != ICP_JSON_BOOL)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "iceberg manifest list: entry %zu: partition summary %zu "
			                     "lacks contains_null (509)",
			                     idx, i);
		icp_avro_write_boolean(w, cn->u.boolean);
		if (nan && nan->type == ICP_JSON_BOOL) {
			icp_avro_write_union_branch(w, 1);
			icp_avro_write_boolean(w, nan->u.boolean);
		} else {
			icp_avro_write_union_branch(w, 0);
		}
		write_opt_bytes(w, nm->p_lower ? icp_json_get(it, nm->p_lower) : NULL);
		write_opt_bytes(w, nm->p_upper ? icp_json_get(it, nm->p_upper) : NULL);
	}
	icp_avro_write_array_end(w);
	return ICP_OK;
}

/* Writes the field summaries of a manifest this snapshot wrote (an
 * unpartitioned one has none: an empty array, as Iceberg Java writes). */
static void write_new_parts(icp_avro_writer *w, const icp_ice_manifest_parts *m)
{
	static const icp_ice_manifest_parts none = {0, NULL, 0};

	if (!m)
		m = &none;
	icp_avro_write_union_branch(w, 1);
	icp_avro_write_array_start(w, (int64_t)m->n_partitions);
	for (size_t i = 0; i < m->n_partitions; i++) {
		const icp_ice_field_summary *fs = &m->partitions[i];
		icp_avro_write_boolean(w, fs->contains_null != 0);
		if (fs->contains_nan < 0) {
			icp_avro_write_union_branch(w, 0);
		} else {
			icp_avro_write_union_branch(w, 1);
			icp_avro_write_boolean(w, fs->contains_nan != 0);
		}
		for (int u = 0; u < 2; u++) {
			icp_slice b = u ? fs->upper : fs->lower;
			if (!fs->has_bounds) {
				icp_avro_write_union_branch(w, 0);
				continue;
			}
			icp_avro_write_union_branch(w, 1);
			icp_avro_write_bytes(w, b.ptr, b.len);
		}
	}
	icp_avro_write_array_end(w);
}

/* Writes one manifest_file record from values in our column order. */
static int write_row(icp_avro_writer *w, const char *path, size_t path_len,
                     const int64_t v[C__COUNT], const ml_row *parent,
                     const icp_ice_manifest_parts *m, size_t idx, icp_error *err)
{
	int rc = ICP_OK;

	icp_avro_write_string(w, path, path_len);
	icp_avro_write_long(w, v[C_LEN]);
	icp_avro_write_int(w, (int32_t)v[C_SPEC]);
	icp_avro_write_int(w, (int32_t)v[C_CONTENT]);
	icp_avro_write_long(w, v[C_SEQ]);
	icp_avro_write_long(w, v[C_MINSEQ]);
	icp_avro_write_long(w, v[C_SNAP]);
	icp_avro_write_int(w, (int32_t)v[C_AF]);
	icp_avro_write_int(w, (int32_t)v[C_EF]);
	icp_avro_write_int(w, (int32_t)v[C_DF]);
	icp_avro_write_long(w, v[C_AR]);
	icp_avro_write_long(w, v[C_ER]);
	icp_avro_write_long(w, v[C_DR]);
	if (parent) {
		rc = write_parts(w, parent, idx, err);
		write_opt_bytes(w, parent->key_meta);
	} else {
		write_new_parts(w, m);
		icp_avro_write_union_branch(w, 0); /* key_metadata */
	}
	if (rc == ICP_OK)
		rc = icp_avro_end_datum(w);
	return rc;
}

/* Where parent entries go: the writer, and the paths not to copy (the
 * manifests merged into a new one). */
typedef struct copy_ctx {
	icp_avro_writer *w;
	const char *const *drop;
	size_t n_drop;
} copy_ctx;

static int copy_row(void *ctx, const ml_row *row, size_t idx, icp_error *err)
{
	static const int ints[] = {C_SPEC, C_CONTENT, C_AF, C_EF, C_DF};
	const copy_ctx *x = ctx;

	for (size_t i = 0; i < x->n_drop; i++)
		if (strlen(x->drop[i]) == row->path_len &&
		    memcmp(x->drop[i], row->path, row->path_len) == 0)
			return ICP_OK;
	for (int i = C_AF; i <= C_DR; i++)
		if (row->v[i] < 0)
			return icp_error_set(err, ICP_ERR_UNSUPPORTED,
			                     "iceberg manifest list: parent entry %zu (%s) has no %s "
			                     "(field %lld); v2 requires the file and row counts",
			                     idx, row->path, row->nm->col[i] ? row->nm->col[i] : "count",
			                     (long long)col_ids[i]);
	for (size_t i = 0; i < ICP_ARRAY_LEN(ints); i++)
		if (row->v[ints[i]] < INT32_MIN || row->v[ints[i]] > INT32_MAX)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "iceberg manifest list: parent entry %zu: field %lld out of "
			                     "int range",
			                     idx, (long long)col_ids[ints[i]]);
	return write_row(x->w, row->path, row->path_len, row->v, row, NULL, idx, err);
}

/* One manifest this snapshot wrote, as its list entry. */
typedef struct new_row {
	const char *path;
	int64_t v[C__COUNT];
	icp_ice_manifest_parts p;
} new_row;

static int list_write(int64_t snapshot_id, int64_t parent_id, int64_t sequence_number,
                      const new_row *rows, size_t n_new, icp_slice parent_list,
                      const char *const *drop, size_t n_drop, icp_buf *out, icp_error *err)
{
	icp_avro_writer_opts opts = {ICP_AVRO_CODEC_DEFLATE, 0, 0, NULL};
	icp_avro_writer *w = NULL;
	icp_arena *a = NULL;
	char sid[24], pid[24], seq[24];
	int rc;

	snprintf(sid, sizeof(sid), "%lld", (long long)snapshot_id);
	if (parent_id >= 0)
		snprintf(pid, sizeof(pid), "%lld", (long long)parent_id);
	else
		snprintf(pid, sizeof(pid), "null"); /* what the reference writer stores */
	snprintf(seq, sizeof(seq), "%lld", (long long)sequence_number);
	{
		icp_avro_meta meta[] = {
			{"snapshot-id", icp_slice_cstr(sid)},
			{"parent-snapshot-id", icp_slice_cstr(pid)},
			{"sequence-number", icp_slice_cstr(seq)},
			{"format-version", icp_slice_cstr("2")},
		};
		rc = icp_avro_writer_new(list_schema, sizeof(list_schema) - 1, meta,
		                         ICP_ARRAY_LEN(meta), &opts, out, &w, err);
	}
	if (rc != ICP_OK)
		goto out;
	for (size_t i = 0; i < n_new && rc == ICP_OK; i++)
		rc = write_row(w, rows[i].path, strlen(rows[i].path), rows[i].v, NULL, &rows[i].p, i,
		               err);
	if (rc == ICP_OK && parent_list.len) {
		copy_ctx x = {w, drop, n_drop};
		a = icp_arena_new(0);
		if (!a) {
			rc = icp_error_set(err, ICP_ERR_NOMEM, "iceberg manifest list: out of memory");
			goto out;
		}
		rc = for_each_row(parent_list, a, 1, copy_row, &x, err);
		if (rc != ICP_OK) {
			icp_error_prefix(err, "parent manifest list");
			goto out;
		}
	}
	if (rc == ICP_OK)
		rc = icp_avro_writer_finish(w, err);
	else
		icp_avro_writer_finish(w, err); /* reports the sticky writer error */
out:
	icp_avro_writer_free(w);
	icp_arena_free(a);
	return rc;
}

int icp_ice_manifest_list_write(int64_t snapshot_id, int64_t parent_id,
                                int64_t sequence_number,
                                const icp_ice_manifest_file *new_manifests, size_t n_new,
                                icp_slice parent_list, icp_buf *out, icp_error *err)
{
	return icp_ice_manifest_list_write_spec(snapshot_id, parent_id, sequence_number,
	                                        new_manifests, NULL, n_new, parent_list, out, err);
}

/* Checks a new manifest's path and summaries and fills its row. */
static int new_row_of(const char *path, const icp_ice_manifest_parts *p, size_t i,
                      new_row *r, icp_error *err)
{
	if (!path)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "iceberg manifest list: new manifest %zu has no path", i);
	if (p && p->n_partitions && !p->partitions)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "iceberg manifest list: new manifest %zu has no summaries", i);
	r->path = path;
	if (p)
		r->p = *p;
	r->v[C_SPEC] = r->p.partition_spec_id;
	return ICP_OK;
}

int icp_ice_manifest_list_write_spec(int64_t snapshot_id, int64_t parent_id,
                                     int64_t sequence_number,
                                     const icp_ice_manifest_file *new_manifests,
                                     const icp_ice_manifest_parts *parts, size_t n_new,
                                     icp_slice parent_list, icp_buf *out, icp_error *err)
{
	new_row *rows;
	int rc = ICP_OK;

	if (!out || (n_new && !new_manifests))
		return icp_error_set(err, ICP_ERR_INVALID, "iceberg manifest list: missing argument");
	rows = icp_calloc(n_new + 1, sizeof(*rows));
	if (!rows)
		return icp_error_set(err, ICP_ERR_NOMEM, "iceberg manifest list: out of memory");
	for (size_t i = 0; i < n_new && rc == ICP_OK; i++) {
		const icp_ice_manifest_file *m = &new_manifests[i];
		rc = new_row_of(m->path, parts ? &parts[i] : NULL, i, &rows[i], err);
		rows[i].v[C_LEN] = m->length;
		rows[i].v[C_SEQ] = rows[i].v[C_MINSEQ] = sequence_number;
		rows[i].v[C_SNAP] = snapshot_id;
		rows[i].v[C_AF] = m->added_files;
		rows[i].v[C_AR] = m->added_rows;
	}
	if (rc == ICP_OK)
		rc = list_write(snapshot_id, parent_id, sequence_number, rows, n_new, parent_list,
		                NULL, 0, out, err);
	icp_free(rows);
	return rc;
}

int icp_ice_manifest_list_write_merged(int64_t snapshot_id, int64_t parent_id,
                                       int64_t sequence_number,
                                       const icp_ice_list_manifest *written, size_t n,
                                       icp_slice parent_list, const char *const *drop,
                                       size_t n_drop, icp_buf *out, icp_error *err)
{
	new_row *rows;
	int rc = ICP_OK;

	if (!out || (n && !written) || (n_drop && !drop))
		return icp_error_set(err, ICP_ERR_INVALID, "iceberg manifest list: missing argument");
	rows = icp_calloc(n + 1, sizeof(*rows));
	if (!rows)
		return icp_error_set(err, ICP_ERR_NOMEM, "iceberg manifest list: out of memory");
	for (size_t i = 0; i < n && rc == ICP_OK; i++) {
		const icp_ice_merged_info *m = written[i].m;
		icp_ice_manifest_parts p;
		if (!m) {
			rc = icp_error_set(err, ICP_ERR_INVALID,
			                   "iceberg manifest list: new manifest %zu has no entry", i);
			break;
		}
		p = icp_ice_manifest_parts_of(&m->info);
		rc = new_row_of(written[i].path, &p, i, &rows[i], err);
		rows[i].v[C_LEN] = (int64_t)m->info.length;
		rows[i].v[C_SEQ] = sequence_number;
		rows[i].v[C_MINSEQ] = m->min_sequence_number >= 0 ? m->min_sequence_number
		                                                   : sequence_number;
		rows[i].v[C_SNAP] = snapshot_id;
		rows[i].v[C_AF] = m->info.added_files;
		rows[i].v[C_AR] = m->info.added_rows;
		rows[i].v[C_EF] = m->existing_files;
		rows[i].v[C_ER] = m->existing_rows;
		rows[i].v[C_DF] = m->deleted_files;
		rows[i].v[C_DR] = m->deleted_rows;
	}
	if (rc == ICP_OK)
		rc = list_write(snapshot_id, parent_id, sequence_number, rows, n, parent_list, drop,
		                n_drop, out, err);
	icp_free(rows);
	return rc;
}

/* ----------------------------------------------------------- reading */

typedef struct read_ctx {
	icp_arena *a;
	icp_ice_manifest_ref *v;
	size_t n, cap;
} read_ctx;

static icp_slice opt_bytes(const icp_json *v, int *has)
{
	if (v && v->type == ICP_JSON_STRING) {
		*has = 1;
		return icp_slice_make(v->u.str.ptr, v->u.str.len);
	}
	return icp_slice_make(NULL, 0);
}

/* The field summaries of an entry, pointing into the datum (arena). */
static int read_parts(icp_arena *a, const ml_row *row, size_t idx, icp_ice_manifest_ref *e,
                      icp_error *err)
{
	const ml_names *nm = row->nm;
	const icp_json *parts = row->parts;
	icp_ice_field_summary *s;

	if (!parts || parts->u.arr.n == 0)
		return ICP_OK;
	s = icp_arena_alloc(a, parts->u.arr.n * sizeof(*s));
	if (!s)
		return icp_error_set(err, ICP_ERR_NOMEM, "iceberg manifest list: out of memory");
	for (size_t i = 0; i < parts->u.arr.n; i++) {
		const icp_json *it = &parts->u.arr.items[i];
		const icp_json *cn = nm->p_null ? icp_json_get(it, nm->p_null) : NULL;
		const icp_json *nan = nm->p_nan ? icp_json_get(it, nm->p_nan) : NULL;
		int hl = 0, hu = 0;
		if (!cn || cn->type != ICP_JSON_BOOL)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "iceberg manifest list: entry %zu: partition summary %zu "
			                     "lacks contains_null (509)",
			                     idx, i);
		memset(&s[i], 0, sizeof(s[i]));
		s[i].contains_null = cn->u.boolean;
		s[i].contains_nan = nan && nan->type == ICP_JSON_BOOL ? nan->u.boolean : -1;
		s[i].lower = opt_bytes(nm->p_lower ? icp_json_get(it, nm->p_lower) : NULL, &hl);
		s[i].upper = opt_bytes(nm->p_upper ? icp_json_get(it, nm->p_upper) : NULL, &hu);
		/* a summary has both bounds or neither; keep what is there */
		s[i].has_bounds = hl && hu;
	}
	e->partitions = s;
	e->n_partitions = parts->u.arr.n;
	return ICP_OK;
}

static int collect_row(void *ctx, const ml_row *row, size_t idx, icp_error *err)
{
	read_ctx *x = ctx;
	icp_ice_manifest_ref *e;

	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		icp_ice_manifest_ref *nv = icp_arena_alloc(x->a, cap * sizeof(*nv));
		if (!nv)
			return icp_error_set(err, ICP_ERR_NOMEM, "iceberg manifest list: out of memory");
		if (x->n)
			memcpy(nv, x->v, x->n * sizeof(*nv));
		x->v = nv;
		x->cap = cap;
	}
	e = &x->v[x->n++];
	e->path = row->path;
	e->length = row->v[C_LEN];
	e->partition_spec_id = (int32_t)row->v[C_SPEC];
	e->content = (int32_t)row->v[C_CONTENT];
	e->sequence_number = row->v[C_SEQ];
	e->min_sequence_number = row->v[C_MINSEQ];
	e->added_snapshot_id = row->v[C_SNAP];
	e->added_files = row->v[C_AF];
	e->existing_files = row->v[C_EF];
	e->deleted_files = row->v[C_DF];
	e->added_rows = row->v[C_AR];
	e->existing_rows = row->v[C_ER];
	e->deleted_rows = row->v[C_DR];
	e->partitions = NULL;
	e->n_partitions = 0;
	return read_parts(x->a, row, idx, e, err);
}

int icp_ice_manifest_list_read(icp_slice bytes, icp_arena *a, icp_ice_manifest_ref **out,
                               size_t *n, icp_error *err)
{
	read_ctx x = {a, NULL, 0, 0};
	int rc;

	*out = NULL;
	*n = 0;
	if (!a)
		return icp_error_set(err, ICP_ERR_INVALID, "iceberg manifest list: no arena");
	rc = for_each_row(bytes, a, 0, collect_row, &x, err);
	if (rc == ICP_OK) {
		*out = x.v;
		*n = x.n;
	}
	return rc;
}
