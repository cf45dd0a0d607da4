/*
 * Manifests (Iceberg spec "Manifests", format v2): Avro object container
 * files, deflate, one manifest_entry per data file.
 *
 *   manifest_entry: status(0) int, snapshot_id(1) long?, sequence_number(3)
 *     long?, file_sequence_number(4) long?, data_file(2) r2 {content(134),
 *     file_path(100), file_format(101), partition(102) r102 {one optional
 *     field per partition field, see iceberg_partition.c; none for an
 *     unpartitioned table}, record_count(103), file_size_in_bytes(104),
 *     column_sizes(108), value_counts(109), null_value_counts(110),
 *     nan_value_counts(137), lower_bounds(125), upper_bounds(128),
 *     key_metadata(131), split_offsets(132), equality_ids(135),
 *     sort_order_id(140)}
 * Maps with int keys are Avro arrays of {key, value} records carrying the
 * key/value field ids, marked "logicalType":"map" (Iceberg's convention,
 * record names k<key id>_v<value id>). "?" = union ["null", T].
 * File metadata: schema (table schema JSON), schema-id, partition-spec
 * (the spec's fields JSON, "[]" unpartitioned), partition-spec-id,
 * format-version ("2"), content ("data").
 *
 * New entries have status ADDED, this snapshot's id and null sequence
 * numbers: they are inherited from the manifest list, so the manifest can
 * be reused when a commit is retried with another sequence number.
 * sort_order_id is written only for a file that says it has one
 * (has_sort_order), else null ("unknown"), never a guessed 0.
 */
#include "iceberg/iceberg_int.h"

#include <stdio.h>

#define OPT(t) "[\"null\"," t "]"
#define F(name, type, id) "{\"name\":\"" name "\",\"type\":" type ",\"field-id\":" #id "}"
#define FOPT(name, type, id) \
	"{\"name\":\"" name "\",\"type\":" OPT(type) ",\"default\":null,\"field-id\":" #id "}"
#define MAPF(name, id, kid, vid, vtype)                                                    \
	FOPT(name,                                                                          \
	     "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"k" #kid "_v" #vid \
	     "\",\"fields\":[" F("key", "\"int\"", kid) "," F("value", vtype, vid)          \
	     "]},\"logicalType\":\"map\"}",                                                 \
	     id)

/* The manifest_entry schema around the partition record type, which
 * depends on the spec (iceberg_partition.c). */
static const char entry_head[] =
	"{\"type\":\"record\",\"name\":\"manifest_entry\",\"fields\":["
	F("status", "\"int\"", 0) ","
	FOPT("snapshot_id", "\"long\"", 1) ","
	FOPT("sequence_number", "\"long\"", 3) ","
	FOPT("file_sequence_number", "\"long\"", 4) ","
	"{\"name\":\"data_file\",\"type\":{\"type\":\"record\",\"name\":\"r2\",\"fields\":["
	  F("content", "\"int\"", 134) ","
	  F("file_path", "\"string\"", 100) ","
	  F("file_format", "\"string\"", 101) ","
	  "{\"name\":\"partition\",\"type\":";

static const char entry_tail[] =
	  ",\"field-id\":102},"
	  F("record_count", "\"long\"", 103) ","
	  F("file_size_in_bytes", "\"long\"", 104) ","
	  MAPF("column_sizes", 108, 117, 118, "\"long\"") ","
	  MAPF("value_counts", 109, 119, 120, "\"long\"") ","
	  MAPF("null_value_counts", 110, 121, 122, "\"long\"") ","
	  MAPF("nan_value_counts", 137, 138, 139, "\"long\"") ","
	  MAPF("lower_bounds", 125, 126, 127, "\"bytes\"") ","
	  MAPF("upper_bounds", 128, 129, 130, "\"bytes\"") ","
	  FOPT("key_metadata", "\"bytes\"", 131) ","
	  FOPT("split_offsets", "{\"type\":\"array\",\"items\":\"long\",\"element-id\":133}", 132) ","
	  FOPT("equality_ids", "{\"type\":\"array\",\"items\":\"int\",\"element-id\":136}", 135) ","
	  FOPT("sort_order_id", "\"int\"", 140)
	"]},\"field-id\":2}]}";

/* ------------------------------------------------ avro schema helpers */

const icp_json *icp_ice_avro_record(const icp_json *type)
{
	const char *t;

	if (type && type->type == ICP_JSON_ARRAY) {
		for (size_t i = 0; i < type->u.arr.n; i++)
			if (type->u.arr.items[i].type == ICP_JSON_OBJECT)
				return icp_ice_avro_record(&type->u.arr.items[i]);
		return NULL;
	}
	if (icp_json_as_str(icp_json_get(type, "type"), &t, NULL) != ICP_OK ||
	    strcmp(t, "record") != 0)
		return NULL;
	return type;
}

const char *icp_ice_avro_field(const icp_json *record, int64_t id, const icp_json **type)
{
	const icp_json *fields = icp_json_get(record, "fields");
	const char *name;
	int64_t v;

	for (size_t i = 0; i < icp_json_len(fields) && fields->type == ICP_JSON_ARRAY; i++) {
		const icp_json *f = icp_json_at(fields, i);
		if (icp_json_as_int64(icp_json_get(f, "field-id"), &v) == ICP_OK && v == id &&
		    icp_json_as_str(icp_json_get(f, "name"), &name, NULL) == ICP_OK) {
			if (type)
				*type = icp_json_get(f, "type");
			return name;
		}
	}
	return NULL;
}

int icp_ice_avro_long(const icp_json *datum, const char *name, int64_t dflt, int64_t *out)
{
	const icp_json *v = name ? icp_json_get(datum, name) : NULL;

	if (!v || v->type == ICP_JSON_NULL) {
		*out = dflt;
		return ICP_OK;
	}
	if (v->type != ICP_JSON_INT)
		return ICP_ERR_CORRUPT;
	*out = v->u.num.i;
	return ICP_OK;
}

/* ----------------------------------------------------------- writing */

typedef enum { M_SIZE, M_VALUES, M_NULLS, M_NANS } count_kind;

static void write_count_map(icp_avro_writer *w, const icp_parquet_file_metrics *m, count_kind k)
{
	size_t n = 0;

	if (!m) {
		icp_avro_write_union_branch(w, 0);
		return;
	}
	for (size_t i = 0; i < m->n_fields; i++)
		n += k != M_NANS || m->fields[i].has_nan_count;
	icp_avro_write_union_branch(w, 1);
	icp_avro_write_array_start(w, (int64_t)n);
	for (size_t i = 0; i < m->n_fields; i++) {
		const icp_parquet_field_metrics *f = &m->fields[i];
		uint64_t v = k == M_SIZE ? f->column_size : k == M_VALUES ? f->value_count
		           : k == M_NULLS ? f->null_count : f->nan_count;
		if (k == M_NANS && !f->has_nan_count)
			continue;
		icp_avro_write_int(w, f->field_id);
		icp_avro_write_long(w, (int64_t)v);
	}
	icp_avro_write_array_end(w);
}

static void write_bound_map(icp_avro_writer *w, const icp_parquet_file_metrics *m, int upper)
{
	size_t n = 0;

	if (!m) {
		icp_avro_write_union_branch(w, 0);
		return;
	}
	for (size_t i = 0; i < m->n_fields; i++)
		n += (upper ? m->fields[i].upper : m->fields[i].lower) != NULL;
	icp_avro_write_union_branch(w, 1);
	icp_avro_write_array_start(w, (int64_t)n);
	for (size_t i = 0; i < m->n_fields; i++) {
		const icp_parquet_field_metrics *f = &m->fields[i];
		if (!(upper ? f->upper : f->lower))
			continue;
		icp_avro_write_int(w, f->field_id);
		if (upper)
			icp_avro_write_bytes(w, f->upper, f->upper_len);
		else
			icp_avro_write_bytes(w, f->lower, f->lower_len);
	}
	icp_avro_write_array_end(w);
}

static void write_entry(icp_avro_writer *w, const icp_pspec *spec, int64_t snapshot_id,
                        const icp_ice_data_file *f)
{
	const icp_parquet_file_metrics *m = f->metrics;

	icp_avro_write_int(w, 1);                    /* status ADDED */
	icp_avro_write_union_branch(w, 1);
	icp_avro_write_long(w, snapshot_id);
	icp_avro_write_union_branch(w, 0);           /* sequence_number: inherited */
	icp_avro_write_union_branch(w, 0);           /* file_sequence_number: inherited */
	icp_avro_write_int(w, 0);                    /* content DATA */
	icp_avro_write_cstr(w, f->path);
	icp_avro_write_cstr(w, "PARQUET");
	icp_ice_part_write(w, spec, f->partition); /* nothing when unpartitioned */
	icp_avro_write_long(w, (int64_t)f->record_count);
	icp_avro_write_long(w, (int64_t)f->file_size);
	write_count_map(w, m, M_SIZE);
	write_count_map(w, m, M_VALUES);
	write_count_map(w, m, M_NULLS);
	write_count_map(w, m, M_NANS);
	write_bound_map(w, m, 0);
	write_bound_map(w, m, 1);
	icp_avro_write_union_branch(w, 0);           /* key_metadata */
	if (m && m->n_splits) {
		icp_avro_write_union_branch(w, 1);
		icp_avro_write_array_start(w, (int64_t)m->n_splits);
		for (size_t i = 0; i < m->n_splits; i++)
			icp_avro_write_long(w, (int64_t)m->split_offsets[i]);
		icp_avro_write_array_end(w);
	} else {
		icp_avro_write_union_branch(w, 0);
	}
	icp_avro_write_union_branch(w, 0);           /* equality_ids */
	if (f->has_sort_order) {
		icp_avro_write_union_branch(w, 1);
		icp_avro_write_int(w, f->sort_order_id);
	} else {
		icp_avro_write_union_branch(w, 0);   /* sort_order_id: unknown */
	}
	icp_avro_end_datum(w);
}

int icp_ice_manifest_write(const icp_ice_schema *schema, int64_t snapshot_id,
                           const icp_ice_data_file *files, size_t n, icp_buf *out,
                           icp_ice_manifest_info *info, icp_error *err)
{
	return icp_ice_manifest_write_spec(schema, NULL, snapshot_id, files, n, out, info, err);
}

icp_ice_manifest_file icp_ice_manifest_file_of(const char *path,
                                               const icp_ice_manifest_info *info)
{
	icp_ice_manifest_file f;

	memset(&f, 0, sizeof(f));
	f.path = path;
	f.length = (int64_t)info->length;
	f.added_files = info->added_files;
	f.added_rows = info->added_rows;
	return f;
}

icp_ice_manifest_parts icp_ice_manifest_parts_of(const icp_ice_manifest_info *info)
{
	icp_ice_manifest_parts p;

	p.partition_spec_id = info->partition_spec_id;
	p.partitions = info->partitions;
	p.n_partitions = info->n_partitions;
	return p;
}

int icp_ice_manifest_open(const icp_ice_schema *schema, const icp_pspec *spec, icp_buf *out,
                          icp_buf *avsc, icp_avro_writer **w, icp_error *err)
{
	icp_avro_writer_opts opts = {ICP_AVRO_CODEC_DEFLATE, 0, 0, NULL};
	icp_buf sj, pj;
	icp_json_writer jw;
	char sid[24], pid[24];
	int rc;

	*w = NULL;
	icp_buf_init(&sj, ICP_BUF_UNLIMITED);
	icp_buf_init(&pj, ICP_BUF_UNLIMITED);
	icp_buf_append(avsc, entry_head, sizeof(entry_head) - 1);
	if ((rc = icp_ice_part_schema(spec, avsc, err)) != ICP_OK)
		goto out;
	icp_buf_append(avsc, entry_tail, sizeof(entry_tail) - 1);
	rc = icp_ice_schema_to_json(schema, &sj);
	if (rc == ICP_OK) {
		icp_json_writer_init(&jw, &pj, 0);
		if (spec)
			icp_pspec_write_fields_json(spec, &jw);
		else
			icp_json_write_raw(&jw, "[]", 2);
		rc = icp_json_writer_finish(&jw);
	}
	if (rc == ICP_OK)
		rc = avsc->status;
	if (rc != ICP_OK) {
		icp_error_set(err, rc, "iceberg manifest: cannot serialize the schema or spec");
		goto out;
	}
	snprintf(sid, sizeof(sid), "%d", (int)schema->schema_id);
	snprintf(pid, sizeof(pid), "%d", spec ? (int)spec->spec_id : 0);
	{
		icp_avro_meta meta[] = {
			{"schema", icp_slice_make(sj.data, sj.len)},
			{"schema-id", icp_slice_cstr(sid)},
			{"partition-spec", icp_slice_make(pj.data, pj.len)},
			{"partition-spec-id", icp_slice_cstr(pid)},
			{"format-version", icp_slice_cstr("2")},
			{"content", icp_slice_cstr("data")},
		};
		rc = icp_avro_writer_new((const char *)avsc->data, avsc->len, meta,
		                         ICP_ARRAY_LEN(meta), &opts, out, w, err);
	}
out:
	icp_buf_dispose(&sj);
	icp_buf_dispose(&pj);
	return rc;
}

int icp_ice_manifest_write_spec(const icp_ice_schema *schema, const icp_pspec *spec,
                                int64_t snapshot_id, const icp_ice_data_file *files,
                                size_t n, icp_buf *out, icp_ice_manifest_info *info,
                                icp_error *err)
{
	icp_avro_writer *w = NULL;
	icp_buf avsc;
	size_t start = out ? out->len : 0;
	int64_t rows = 0;
	int rc;

	icp_buf_init(&avsc, ICP_BUF_UNLIMITED);
	if (info)
		memset(info, 0, sizeof(*info));
	if (!schema || !out || (n && !files) || n == 0 || n > INT32_MAX) {
		rc = icp_error_set(err, ICP_ERR_INVALID, "iceberg manifest: needs a schema and 1.. files");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!files[i].path) {
			rc = icp_error_set(err, ICP_ERR_INVALID, "iceberg manifest: file %zu has no path", i);
			goto out;
		}
		rows += (int64_t)files[i].record_count;
	}
	/* the spec is checked before the tuples (its errors come first) */
	if ((rc = icp_ice_part_schema(spec, &avsc, err)) != ICP_OK ||
	    (rc = icp_ice_part_check(spec, files, n, err)) != ICP_OK)
		goto out;
	avsc.len = 0;
	if ((rc = icp_ice_manifest_open(schema, spec, out, &avsc, &w, err)) != ICP_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		write_entry(w, spec, snapshot_id, &files[i]);
	rc = icp_avro_writer_finish(w, err);
	if (rc != ICP_OK)
		goto out;
	if (info) {
		rc = icp_ice_part_summarize(spec, files, n, info, err);
		if (rc != ICP_OK)
			goto out;
		info->length = out->len - start;
		info->added_files = (int32_t)n;
		info->added_rows = rows;
		info->partition_spec_id = spec ? spec->spec_id : 0;
	}
out:
	icp_avro_writer_free(w);
	icp_buf_dispose(&avsc);
	return rc;
}

/* ----------------------------------------------------------- reading */

int icp_ice_manifest_read(icp_slice bytes, icp_arena *a, icp_ice_manifest_entry **out,
                          size_t *n, icp_error *err)
{
	icp_avro_reader *r = NULL;
	const icp_json *top, *df_type = NULL, *df;
	const icp_json *part_type = NULL;
	const char *n_status, *n_snap, *n_seq, *n_df, *n_content, *n_path, *n_fmt, *n_rows, *n_size;
	const char *n_part, *n_sort;
	icp_ice_part_layout layout;
	icp_ice_manifest_entry *v = NULL;
	size_t cnt = 0, cap = 0;
	icp_json *d;
	int rc;

	*out = NULL;
	*n = 0;
	rc = icp_avro_reader_open(bytes, NULL, &r, err);
	if (rc != ICP_OK)
		goto out;
	top = icp_avro_reader_schema(r);
	n_status = icp_ice_avro_field(top, 0, NULL);
	n_snap = icp_ice_avro_field(top, 1, NULL);
	n_seq = icp_ice_avro_field(top, 3, NULL);
	n_df = icp_ice_avro_field(top, 2, &df_type);
	df = icp_ice_avro_record(df_type);
	n_content = icp_ice_avro_field(df, 134, NULL);
	n_path = icp_ice_avro_field(df, 100, NULL);
	n_fmt = icp_ice_avro_field(df, 101, NULL);
	n_rows = icp_ice_avro_field(df, 103, NULL);
	n_size = icp_ice_avro_field(df, 104, NULL);
	n_part = icp_ice_avro_field(df, 102, &part_type);
	n_sort = icp_ice_avro_field(df, 140, NULL);
	memset(&layout, 0, sizeof(layout));
	if (n_part && (rc = icp_ice_part_layout_init(part_type, a, &layout, err)) != ICP_OK)
		goto out;
	if (!n_status || !n_df || !df || !n_path || !n_fmt || !n_rows || !n_size) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT,
		                   "iceberg manifest: the Avro schema lacks required manifest_entry "
		                   "field ids (0, 2, 100, 101, 103, 104)");
		goto out;
	}
	while ((rc = icp_avro_reader_next(r, a, &d, err)) == ICP_OK) {
		const icp_json *f = icp_json_get(d, n_df);
		icp_ice_manifest_entry *e;
		int64_t st, content, sort;
		if (cnt == cap) {
			icp_ice_manifest_entry *nv;
			cap = cap ? cap * 2 : 16;
			nv = icp_arena_alloc(a, cap * sizeof(*nv));
			if (!nv) {
				rc = icp_error_set(err, ICP_ERR_NOMEM, "iceberg manifest: out of memory");
				goto out;
			}
			if (cnt)
				memcpy(nv, v, cnt * sizeof(*nv));
			v = nv;
		}
		e = &v[cnt];
		memset(e, 0, sizeof(*e));
		if (icp_ice_avro_long(d, n_status, -1, &st) != ICP_OK || st < 0 || st > 2 ||
		    icp_ice_avro_long(d, n_snap, -1, &e->snapshot_id) != ICP_OK ||
		    icp_ice_avro_long(d, n_seq, -1, &e->sequence_number) != ICP_OK ||
		    icp_ice_avro_long(f, n_content, 0, &content) != ICP_OK ||
		    icp_ice_avro_long(f, n_sort, -1, &sort) != ICP_OK || sort < -1 ||
		    sort > INT32_MAX ||
		    icp_json_as_str(icp_json_get(f, n_path), &e->path, NULL) != ICP_OK ||
		    icp_json_as_str(icp_json_get(f, n_fmt), &e->file_format, NULL) != ICP_OK ||
		    icp_json_as_int64(icp_json_get(f, n_rows), &e->record_count) != ICP_OK ||
		    icp_json_as_int64(icp_json_get(f, n_size), &e->file_size) != ICP_OK) {
			rc = icp_error_set(err, ICP_ERR_CORRUPT,
			                   "iceberg manifest: entry %zu has a missing or mistyped field",
			                   cnt);
			goto out;
		}
		e->status = (int32_t)st;
		e->content = (int32_t)content;
		e->sort_order_id = (int32_t)sort;
		if (layout.n) {
			const icp_json *pr = icp_json_get(f, n_part);
			if (!pr || pr->type != ICP_JSON_OBJECT) {
				rc = icp_error_set(err, ICP_ERR_CORRUPT,
				                   "iceberg manifest: entry %zu has no partition record",
				                   cnt);
				goto out;
			}
			rc = icp_ice_part_read(&layout, pr, a, &e->partition, err);
			if (rc != ICP_OK) {
				icp_error_prefix(err, "entry %zu", cnt);
				goto out;
			}
			e->n_partition = layout.n;
		}
		cnt++;
	}
	if (rc == ICP_END) {
		rc = ICP_OK;
		*out = v;
		*n = cnt;
	}
out:
	icp_avro_reader_free(r);
	return rc;
}
