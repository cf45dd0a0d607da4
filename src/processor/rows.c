/*
 * Records to columns for the base schema (ids 1..8 of compatibility.md):
 * record_id "topic:partition:offset", topic, partition, offset,
 * timestamp_ms, key, value, headers. One call converts one decoded batch
 * into column batches and hands them to the table's Parquet writer, which
 * copies what it keeps: the column arrays and scratch text buffers are
 * reused from batch to batch, so nothing is allocated per record.
 *
 * Headers are kept losslessly as a JSON array, in record order:
 *   [{"key":"k","value":"v"}, {"key":"k2","value":null}, ...]
 * A key or value that is not valid UTF-8 is written as "key_base64" /
 * "value_base64" (standard base64) instead, so no byte is ever mangled;
 * a record without headers has "[]".
 *
 * The record-time column (mappings[].timestamp_column) is filled from the
 * record's timestamp in microseconds (null when that leaves int64;
 * counted, logged once per partition); no allocation per record either.
 *
 * A partitioned table (t->spec) also gets each kept row's partition tuple
 * (route.c: the spec's transforms over the row's source values: base
 * columns, the record-time column, the extractors' last row); the rows
 * are then gathered per tuple and each group is appended to its tuple's
 * open file (icp_sink_file_for), in offset order. A batch of one tuple
 * (time partitions, mostly) is written without gathering. Strict mode
 * stays exact: every row is decided before any is written.
 *
 * Typed columns (ids above 8: mapping columns, kept by evolution) come
 * after the base ones: src/columns shreds each record's JSON value into
 * them, or for schema.source confluent the tree decode.c made of the
 * wire-format value. A record the extractor or the decoder refuses (a
 * required column missing or not coercible, an undecodable value, an
 * unknown schema id) is invalid: icp_rows_invalid applies the mapping's
 * on_invalid (drop, dead_letter: noted in t->dl for segread.c to write to
 * the dead-letter table, stop: the partition stops there); either way no
 * null reaches a required column. A dead-letter table's own typed columns
 * (the error columns) are extracted from t->extract_src, not the value.
 */
#include "columns/columns.h"
#include "log/log.h"
#include "processor/decode_int.h"
#include "processor/rows_int.h"

#include <stdio.h>

static void cols_free(cols *c)
{
	if (!c)
		return;
	icp_free(c->part);
	icp_free(c->off);
	icp_free(c->ts);
	icp_free(c->tsu);
	icp_free(c->key);
	icp_free(c->val);
	icp_free(c->key_valid);
	icp_free(c->val_valid);
	icp_free(c->tsu_valid);
	icp_free(c->id_end);
	icp_free(c->hdr_end);
	icp_free(c->g_ids);
	icp_free(c->g_topic);
	icp_free(c->g_key);
	icp_free(c->g_val);
	icp_free(c->g_hdr);
	icp_free(c->g_part);
	icp_free(c->g_off);
	icp_free(c->g_ts);
	icp_free(c->g_tsu);
	icp_free(c->g_key_valid);
	icp_free(c->g_val_valid);
	icp_free(c->g_tsu_valid);
	icp_free(c->src);
	icp_free(c->sort_f);
	icp_free(c->skv);
	icp_rowsort_free(c->rs);
	icp_free(c->koff);
	icp_free(c->voff);
	icp_buf_dispose(&c->acc);
	icp_free(c->order);
	icp_free(c);
}

/* Adds what the extractor counted since the last call to the per-column
 * coercion-null counters (once per batch: a handful of columns, no
 * allocation). */
static void coerce_publish(icp_table *t)
{
	size_t i, n = icp_columns_count(t->columns);
	if (!t->m_coerce)
		return;
	for (i = 0; i < n; i++) {
		uint64_t now = icp_columns_coerce_nulls(t->columns, i);
		if (now > t->coerce_seen[i]) {
			icp_metrics_counter_add(t->m_coerce[i], now - t->coerce_seen[i]);
			t->coerce_seen[i] = now;
		}
	}
}

static void coerce_free(icp_table *t)
{
	icp_free(t->m_coerce);
	icp_free(t->coerce_seen);
	t->m_coerce = NULL;
	t->coerce_seen = NULL;
}

/* Counter series for the extractor's columns (label: table, column). */
static void coerce_init(icp_table *t)
{
	size_t i, n = icp_columns_count(t->columns);
	if (!t->fam_coerce || !n)
		return;
	t->m_coerce = icp_calloc(n, sizeof(*t->m_coerce));
	t->coerce_seen = icp_calloc(n, sizeof(*t->coerce_seen));
	if (!t->m_coerce || !t->coerce_seen) {
		coerce_free(t); /* metrics are best effort */
		return;
	}
	for (i = 0; i < n; i++)
		t->m_coerce[i] = icp_metrics_counter_get(
			t->fam_coerce, ICP_METRICS_VALUES(t->map->table, icp_columns_name(t->columns, i)),
			NULL);
}

void icp_rows_schema_changed(icp_table *t)
{
	coerce_free(t);
	icp_columns_free(t->columns);
	t->columns = NULL;
	icp_columns_free(t->lfs_columns);
	t->lfs_columns = NULL;
}

void icp_rows_dispose(icp_table *t)
{
	icp_rows_schema_changed(t);
	cols_free(t->cols);
	t->cols = NULL;
	icp_route_free(t->route);
	t->route = NULL;
	icp_buf_dispose(&t->scratch_ids);
	icp_buf_dispose(&t->scratch_hdrs);
	icp_free(t->dl.recs);
	icp_free(t->dl.end);
	icp_free(t->dl.src);
	icp_buf_dispose(&t->dl.json);
	memset(&t->dl, 0, sizeof(t->dl));
}

#define GROW(f, type)                                                         \
	do {                                                                  \
		void *np_ = icp_realloc(c->f, n * sizeof(type));              \
		if (!np_)                                                     \
			return ICP_ERR_NOMEM;                                 \
		c->f = np_;                                                   \
	} while (0)

static int cols_reserve(icp_table *t, size_t n)
{
	cols *c = t->cols;
	if (!c) {
		c = icp_calloc(1, sizeof(*c));
		if (!c)
			return ICP_ERR_NOMEM;
		icp_buf_init(&c->acc, 0);
		t->cols = c;
	}
	if (n <= c->cap)
		return ICP_OK;
	GROW(part, int32_t);
	GROW(off, int64_t);
	GROW(ts, int64_t);
	GROW(tsu, int64_t);
	GROW(key, icp_slice);
	GROW(val, icp_slice);
	GROW(key_valid, uint8_t);
	GROW(val_valid, uint8_t);
	GROW(tsu_valid, uint8_t);
	GROW(id_end, size_t);
	GROW(hdr_end, size_t);
	GROW(g_ids, icp_slice);
	GROW(g_topic, icp_slice);
	GROW(g_key, icp_slice);
	GROW(g_val, icp_slice);
	GROW(g_hdr, icp_slice);
	GROW(g_part, int32_t);
	GROW(g_off, int64_t);
	GROW(g_ts, int64_t);
	GROW(g_tsu, int64_t);
	GROW(g_key_valid, uint8_t);
	GROW(g_val_valid, uint8_t);
	GROW(g_tsu_valid, uint8_t);
	GROW(koff, size_t);
	GROW(voff, size_t);
	c->cap = n;
	return ICP_OK;
}

/* ":<partition>:<offset>" without printf (hot: once per record). */
static int format_id_tail(char *out, int32_t partition, int64_t offset)
{
	char tmp[48];
	char *e = tmp + sizeof(tmp), *q = e;
	uint64_t o = offset < 0 ? 0 : (uint64_t)offset;
	uint32_t pa = partition < 0 ? 0 : (uint32_t)partition;

	do {
		*--q = (char)('0' + o % 10);
		o /= 10;
	} while (o);
	*--q = ':';
	do {
		*--q = (char)('0' + pa % 10);
		pa /= 10;
	} while (pa);
	*--q = ':';
	memcpy(out, q, (size_t)(e - q));
	return (int)(e - q);
}

/* 1 when the bytes are printable ASCII without '"' or '\\': the common
 * case, copied into JSON as they are. */
static int plain_ascii(const uint8_t *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	size_t i = 0;
	/* 8 bytes at a time while none is < 0x20, > 0x7e, '"' or '\\'; the
	 * byte loop below decides from the first word that has one */
	for (; i + 8 <= n; i += 8) {
		uint64_t v, q, bs;
		memcpy(&v, p + i, 8);
		q = v ^ (ones * '"');
		bs = v ^ (ones * '\\');
		/* v: a byte >= 0x80; then, all bytes below 0x80: v - 0x20 sets
		 * the high bit of (at least) the lowest byte < 0x20, v + 1 that
		 * of a 0x7f, and (x - 1) & ~x that of a zero byte of x */
		if ((v | (v - ones * 0x20) | (v + ones) | ((q - ones) & ~q) | ((bs - ones) & ~bs)) &
		    highs)
			break;
	}
	for (; i < n; i++)
		if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '"' || p[i] == '\\')
			return 0;
	return 1;
}

static void json_bytes_field(icp_buf *b, const char *name, icp_slice s, int is_null)
{
	int ok;

	if (!is_null && plain_ascii(s.ptr, s.len)) {
		size_t nl = strlen(name);
		if (icp_buf_reserve(b, nl + s.len + 5) != ICP_OK)
			return;
		icp_buf_put(b, "\"", 1);
		icp_buf_put(b, name, nl);
		icp_buf_put(b, "\":\"", 3);
		icp_buf_put(b, s.ptr, s.len);
		icp_buf_put(b, "\"", 1);
		return;
	}
	ok = is_null || icp_utf8_valid(s.ptr, s.len);
	icp_buf_append_byte(b, '"');
	icp_buf_append_str(b, name);
	if (!ok)
		icp_buf_append_str(b, "_base64");
	icp_buf_append(b, "\":", 2);
	if (is_null)
		icp_buf_append(b, "null", 4);
	else if (ok)
		icp_buf_append_json_str(b, s.ptr, s.len);
	else {
		icp_buf_append_byte(b, '"');
		icp_buf_append_base64(b, s.ptr, s.len);
		icp_buf_append_byte(b, '"');
	}
}

/* lfs.store_metadata: the lfs_* columns are the envelope's */
#define LFS_COLS(t) ((t)->map->lfs.store_metadata)

/* The sort columns of mappings[].sort_by found in t->schema (top-level
 * primitives: the config checks them; one a registry has not delivered
 * yet is left out until it is there). */
static int sort_ready(icp_table *t, icp_error *err)
{
	cols *c = t->cols;
	size_t j, n = t->map->sort_by.n;

	icp_free(c->sort_f);
	icp_free(c->skv);
	icp_rowsort_free(c->rs);
	c->sort_f = NULL;
	c->skv = NULL;
	c->rs = NULL;
	c->n_sort = 0;
	if (!n)
		return ICP_OK;
	c->sort_f = icp_calloc(n, sizeof(*c->sort_f));
	c->skv = icp_calloc(n, sizeof(*c->skv));
	if (!c->sort_f || !c->skv)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	for (j = 0; j < n; j++) {
		const icp_ice_field *f = icp_ice_schema_find(t->schema, t->map->sort_by.items[j]);
		if (!f || f->type->kind == ICP_ICE_STRUCT || f->type->kind == ICP_ICE_LIST ||
		    f->type->kind == ICP_ICE_MAP)
			continue;
		c->sort_f[c->n_sort].source_id = f->id;
		c->sort_f[c->n_sort].source_type = *f->type;
		c->n_sort++;
	}
	if (c->n_sort && !(c->rs = icp_rowsort_new(c->sort_f, c->n_sort)))
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	return ICP_OK;
}

/* The extractor for t->schema; the mapping's own columns say which are
 * required even where the table has them optional. */
static int columns_ready(icp_table *t, icp_error *err)
{
	icp_columns_def *defs = NULL;
	icp_ice_schema *want = NULL;
	const icp_ice_field *tsf;
	const char *skip = NULL;
	cols *c = t->cols;
	size_t n = 0;
	int rc;

	if (t->columns)
		return ICP_OK;
	/* The record-time column is filled here from the record, not from
	 * the JSON value. Only as timestamptz: a column of that name with
	 * another type (a table evolution did not reach, the registry being
	 * down) stays a JSON column. */
	tsf = t->map->timestamp_column && *t->map->timestamp_column
	              ? icp_ice_schema_find(t->schema, t->map->timestamp_column)
	              : NULL;
	c->ts_field = 0;
	if (tsf && tsf->type->kind == ICP_ICE_TIMESTAMPTZ) {
		c->ts_field = tsf->id;
		c->ts_required = tsf->required;
		skip = tsf->name;
	}
	rc = icp_columns_defs_from_mapping(t->map, &defs, &n, err);
	if (rc == ICP_OK)
		rc = icp_columns_mapping_schema(t->map, defs, n, &want, err);
	/* lfs_* columns come from the LFS envelope (filter.c), the rest from
	 * the record's JSON value */
	if (rc == ICP_OK)
		rc = icp_columns_new_except(t->schema, want, LFS_COLS(t) ? "lfs_" : NULL, 0, skip,
		                            &t->columns, err);
	/* how time columns read JSON (schema.columns[].format) */
	if (rc == ICP_OK)
		icp_columns_set_formats(t->columns, t->map);
	if (rc == ICP_OK && LFS_COLS(t))
		rc = icp_columns_new_except(t->schema, NULL, "lfs_", 1, skip, &t->lfs_columns, err);
	if (rc == ICP_OK)
		coerce_init(t);
	if (rc == ICP_OK)
		rc = sort_ready(t, err);
	icp_ice_schema_free(want);
	icp_free(defs);
	if (rc != ICP_OK)
		icp_error_prefix(err, "table %s.%s", t->ns, t->name);
	return rc;
}

void icp_rows_dl_reset(icp_table *t)
{
	t->dl.n = 0;
	icp_buf_reset(&t->dl.json);
}

static void json_str_or_null(icp_buf *b, const char *s)
{
	if (s)
		icp_buf_append_json_str(b, (const uint8_t *)s, strlen(s));
	else
		icp_buf_append_str(b, "null");
}

/* Notes r for the dead-letter table with its error columns. */
static int dl_note(icp_table *t, const icp_record *r, const icp_invalid *why)
{
	icp_dlq_rows *d = &t->dl;

	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 16;
		icp_record *nr = icp_realloc(d->recs, nc * sizeof(*nr));
		size_t *ne;
		icp_slice *ns;
		if (!nr)
			return ICP_ERR_NOMEM;
		d->recs = nr;
		if (!(ne = icp_realloc(d->end, nc * sizeof(*ne))))
			return ICP_ERR_NOMEM;
		d->end = ne;
		if (!(ns = icp_realloc(d->src, nc * sizeof(*ns))))
			return ICP_ERR_NOMEM;
		d->src = ns;
		d->cap = nc;
	}
	icp_buf_append_str(&d->json, "{\"error_stage\":");
	json_str_or_null(&d->json, why->stage);
	icp_buf_append_str(&d->json, ",\"error_reason\":");
	if (why->message) {
		/* the code first, then the detail: one column a person reads */
		icp_buf b;
		icp_buf_init(&b, 0);
		icp_buf_printf(&b, "%s: %s", why->reason, why->message);
		json_str_or_null(&d->json, b.status == ICP_OK ? (const char *)b.data : why->reason);
		icp_buf_dispose(&b);
	} else {
		json_str_or_null(&d->json, why->reason);
	}
	icp_buf_append_str(&d->json, ",\"error_path\":");
	json_str_or_null(&d->json, why->path);
	if (why->schema_id >= 0)
		icp_buf_printf(&d->json, ",\"schema_id\":%lld}", (long long)why->schema_id);
	else
		icp_buf_append_str(&d->json, ",\"schema_id\":null}");
	if (d->json.status != ICP_OK)
		return ICP_ERR_NOMEM;
	d->recs[d->n] = *r;
	d->end[d->n] = d->json.len;
	d->n++;
	return ICP_OK;
}

int icp_rows_invalid(icp_table *t, icp_part *pt, const icp_record *r, int policy,
                     const icp_invalid *why, icp_rows_out *out)
{
	static const char *const actions[] = {"dropped", "dead_letter", "stopped"};
	char num[16], off[24], sid[24], detail[400];
	const char *action = policy >= 0 && policy <= ICP_ON_INVALID_STOP ? actions[policy]
	                                                                  : "dropped";

	snprintf(num, sizeof(num), "%d", pt->partition);
	snprintf(off, sizeof(off), "%lld", (long long)r->offset);
	snprintf(sid, sizeof(sid), "%lld", (long long)why->schema_id);
	/* the text the log and /status always showed; the code and path are
	 * fields of their own */
	snprintf(detail, sizeof(detail), "%s", why->message ? why->message : why->reason);
	if (t->fam_invalid)
		icp_metrics_counter_inc(icp_metrics_counter_get(
			t->fam_invalid, ICP_METRICS_VALUES(pt->topic, why->stage, why->reason, action),
			NULL));
	if (policy == ICP_ON_INVALID_DEAD_LETTER && t->dlq) {
		if (dl_note(t, r, why) != ICP_OK)
			return ICP_ERR_NOMEM;
		out->dead++;
		ICP_DEBUG("invalid record sent to the dead-letter table", "topic", pt->topic,
		          "partition", num, "offset", off, "reason", detail, "stage", why->stage,
		          "code", why->reason);
		return 1;
	}
	if (policy != ICP_ON_INVALID_STOP) {
		out->invalid++;
		ICP_WARN("invalid record dropped", "topic", pt->topic, "partition", num, "offset", off,
		         "reason", detail, "stage", why->stage, "code", why->reason, "path",
		         why->path ? why->path : "", "schema_id", why->schema_id >= 0 ? sid : "");
		return 1;
	}
	out->stop_at = r->offset;
	icp_metrics_counter_inc(icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_ERRORS_TOTAL),
	                                                ICP_METRICS_VALUES("schema"), NULL));
	{
		/* /status shows it (NULL on no memory: the log line still does) */
		icp_buf m;
		icp_buf_init(&m, 512);
		icp_buf_printf(&m, "topic %s partition %d offset %lld: invalid record: %s", pt->topic,
		               pt->partition, (long long)r->offset, detail);
		icp_part_set_error(pt, m.status == ICP_OK ? (char *)m.data : NULL);
		icp_buf_dispose(&m);
	}
	ICP_ERROR("invalid record: partition stopped (on_invalid stop)", "topic", pt->topic,
	          "partition", num, "offset", off, "reason", detail, "stage", why->stage, "code",
	          why->reason, "path", why->path ? why->path : "", "schema_id",
	          why->schema_id >= 0 ? sid : "");
	return 0;
}

/* A record the extractor refused (col NULL: the extractor names the
 * column). 1 go on, 0 stop, <0 error. */
static int refused(icp_table *t, icp_part *pt, const icp_record *r, int policy,
                   icp_rows_out *out, const char *col)
{
	char why[160];
	icp_invalid iv;

	if (!col)
		col = icp_columns_invalid_column(t->columns);
	snprintf(why, sizeof(why), "required column %s missing or not coercible", col ? col : "?");
	iv.stage = "column";
	iv.reason = "required_column";
	iv.message = why;
	iv.path = col;
	iv.schema_id = -1;
	return icp_rows_invalid(t, pt, r, policy, &iv, out);
}

/* Kafka timestamps are any int64 of milliseconds; the column holds
 * microseconds, so the ends of the range have none: 0 (null) then. */
static int ts_micros(int64_t ms, int64_t *us)
{
	if (ms > INT64_MAX / 1000 || ms < INT64_MIN / 1000)
		return 0;
	*us = ms * 1000;
	return 1;
}

/* A record whose timestamp has no microseconds: logged once per
 * partition (a producer with a broken clock would flood the log). */
static void ts_out_of_range(icp_table *t, icp_part *pt, int64_t offset, int64_t ms)
{
	char num[16], off[24], val[24];

	if (pt->ts_range_warned)
		return;
	pt->ts_range_warned = 1;
	snprintf(num, sizeof(num), "%d", pt->partition);
	snprintf(off, sizeof(off), "%lld", (long long)offset);
	snprintf(val, sizeof(val), "%lld", (long long)ms);
	ICP_WARN("record timestamp out of range for the timestamp column; written as null "
	         "(logged once per partition)",
	         "topic", pt->topic, "partition", num, "offset", off, "timestamp_ms", val,
	         "column", t->map->timestamp_column);
}

/* The source value of partition field f for the row just taken (record
 * r at row n; its id text and headers are the last bytes of the scratch
 * buffers, its typed values the extractors' last row). */
static icp_pspec_value source_value(icp_table *t, const icp_part *pt, const icp_record *r,
                                    size_t n, const icp_pspec_field *f)
{
	cols *c = t->cols;
	icp_ice_kind k = f->source_type.kind;
	icp_pspec_value v = icp_pspec_value_null(k);
	size_t start;

	switch (f->source_id) {
	case 1: /* record_id */
		start = n ? c->id_end[n - 1] : 0;
		return icp_pspec_value_of_bytes(k, t->scratch_ids.data + start, c->id_end[n] - start, 0);
	case 2: return icp_pspec_value_of_bytes(k, pt->topic, strlen(pt->topic), 0);
	case 3: return icp_pspec_value_int(k, pt->partition);
	case 4: return icp_pspec_value_int(k, r->offset);
	case 5: return icp_pspec_value_int(k, r->timestamp);
	case 6: return r->key_null ? v : icp_pspec_value_of_bytes(k, r->key.ptr, r->key.len, 0);
	case 7:
		return r->value_null ? v : icp_pspec_value_of_bytes(k, r->value.ptr, r->value.len, 0);
	case 8:
		start = n ? c->hdr_end[n - 1] : 0;
		return icp_pspec_value_of_bytes(k, t->scratch_hdrs.data + start, c->hdr_end[n] - start,
		                                0);
	default: break;
	}
	if (c->ts_field && f->source_id == c->ts_field)
		return c->tsu_valid[n] ? icp_pspec_value_int(k, c->tsu[n]) : v;
	if (t->columns && icp_columns_last_value(t->columns, f->source_id, &v) == ICP_OK)
		return v;
	if (t->lfs_columns && icp_columns_last_value(t->lfs_columns, f->source_id, &v) == ICP_OK)
		return v;
	return icp_pspec_value_null(k); /* not filled by this mapping: null */
}

int icp_rows_append(icp_table *t, icp_part *pt, const icp_batch *b, int64_t from, int policy,
                    icp_rows_out *out, icp_error *err)
{
	cols *c;
	size_t i, n, n0, ts_bad = 0, nf = t->spec ? t->spec->n_fields : 0;
	char idbuf[64];
	size_t topic_len = strlen(pt->topic);
	int rc, typed, sorting;

	memset(out, 0, sizeof(*out));
	out->stop_at = -1;
	n = t->cols ? ((cols *)t->cols)->n_acc : 0; /* rows kept for sorting */
	if (cols_reserve(t, n + (b->n_records ? b->n_records : 1)) != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory converting records");
	c = t->cols;
	if ((rc = columns_ready(t, err)) != ICP_OK)
		return rc;
	sorting = c->n_sort > 0;
	n0 = n;
	if (nf && n0) {
		/* kept rows continue the batch: same route, extractor, scratch */
	} else if (nf) {
		if (!t->route && !(t->route = icp_route_new()))
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory converting records");
		if (nf > c->cap_src) {
			icp_pspec_value *ns = icp_realloc(c->src, nf * sizeof(*ns));
			if (!ns)
				return icp_error_set(err, ICP_ERR_NOMEM, "out of memory converting records");
			c->src = ns;
			c->cap_src = nf;
		}
		icp_route_begin(t->route);
	}
	typed = icp_columns_count(t->columns) > 0;
	if (n0 == 0) {
		if (typed)
			icp_columns_begin(t->columns);
		if (t->lfs_columns)
			icp_columns_begin(t->lfs_columns);
		icp_buf_reset(&t->scratch_ids);
		icp_buf_reset(&t->scratch_hdrs);
		icp_buf_reset(&c->acc);
		if (c->rs)
			icp_rowsort_reset(c->rs);
		c->acc_spec = t->spec_id;
	}
	for (i = 0; i < b->n_records; i++) {
		const icp_record *r = &b->records[i];
		uint32_t h;
		int len;
		int ts_ok = 1;
		int64_t us = 0;
		if (r->offset < from) {
			out->below++;
			continue; /* already in the table */
		}
		if (c->ts_field) {
			ts_ok = ts_micros(r->timestamp, &us);
			/* a required column (a table made so, not by this
			 * processor) cannot take the null: the record is
			 * invalid, before the extractor appends its row */
			if (!ts_ok && c->ts_required) {
				rc = refused(t, pt, r, policy, out, t->map->timestamp_column);
				if (rc < 0)
					return icp_error_set(err, rc, "out of memory converting records");
				if (rc == 0)
					break;
				continue;
			}
		}
		if (typed) {
			/* schema.source confluent: the wire format decoded with its
			 * writer schema into the table's version; otherwise JSON
			 * (the value, or a dead-letter row's error object) */
			int decoded = t->decode && !r->value_null, added = 0;
			icp_decoded dv;
			icp_invalid iv;
			rc = decoded ? icp_decode_value(t->decode, r->value, &dv, &iv) : 1;
			if (rc > 0) {
				if (decoded)
					rc = dv.is_json ? icp_columns_add(t->columns, dv.json.ptr,
					                                  dv.json.len, 0)
					                : icp_columns_add_tree(t->columns, dv.tree);
				else if (t->extract_src)
					rc = icp_columns_add(t->columns, t->extract_src[i].ptr,
					                     t->extract_src[i].len, !t->extract_src[i].ptr);
				else
					rc = icp_columns_add(t->columns, r->value.ptr, r->value.len,
					                     r->value_null);
				added = rc > 0;
				if (rc == 0)
					rc = refused(t, pt, r, policy, out, NULL);
			} else if (rc == 0) {
				rc = icp_rows_invalid(t, pt, r, policy, &iv, out);
			}
			if (rc < 0)
				return icp_error_set(err, rc, "out of memory converting records");
			if (rc == 0)
				break; /* stopped: rows before it are kept; nothing from it on */
			if (!added)
				continue; /* invalid: dropped or dead-lettered */
		}
		if (t->lfs_columns) {
			/* optional columns: never invalid */
			int has = t->lfs_meta && t->lfs_meta[i].ptr;
			rc = icp_columns_add(t->lfs_columns, has ? t->lfs_meta[i].ptr : NULL,
			                     has ? t->lfs_meta[i].len : 0, !has);
			if (rc < 0)
				return icp_error_set(err, rc, "out of memory converting records");
		}
		len = format_id_tail(idbuf, pt->partition, r->offset);
		if (icp_buf_reserve(&t->scratch_ids, topic_len + (size_t)len) != ICP_OK)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory converting records");
		icp_buf_put(&t->scratch_ids, pt->topic, topic_len);
		icp_buf_put(&t->scratch_ids, idbuf, (size_t)len);
		c->id_end[n] = t->scratch_ids.len;
		c->part[n] = pt->partition;
		c->off[n] = r->offset;
		c->ts[n] = r->timestamp;
		if (c->ts_field) {
			c->tsu_valid[n] = (uint8_t)ts_ok;
			c->tsu[n] = us;
			if (!ts_ok) {
				ts_bad++;
				ts_out_of_range(t, pt, r->offset, r->timestamp);
			}
		}
		c->key_valid[n] = !r->key_null;
		c->key[n] = r->key;
		c->val_valid[n] = !r->value_null;
		c->val[n] = r->value;
		if (sorting) {
			/* kept past this batch: the bytes are copied (slices made
			 * at the flush, the buffer may move) */
			c->koff[n] = c->acc.len;
			icp_buf_append(&c->acc, r->key.ptr, r->key_null ? 0 : r->key.len);
			c->voff[n] = c->acc.len;
			icp_buf_append(&c->acc, r->value.ptr, r->value_null ? 0 : r->value.len);
		}
		if (r->header_count == 0) {
			icp_buf_append(&t->scratch_hdrs, "[]", 2);
		} else {
			icp_buf_append_byte(&t->scratch_hdrs, '[');
			for (h = 0; h < r->header_count; h++) {
				const icp_kafka_header *hd = &b->headers[r->header_first + h];
				if (h)
					icp_buf_append_byte(&t->scratch_hdrs, ',');
				icp_buf_append_byte(&t->scratch_hdrs, '{');
				json_bytes_field(&t->scratch_hdrs, "key", hd->key, 0);
				icp_buf_append_byte(&t->scratch_hdrs, ',');
				json_bytes_field(&t->scratch_hdrs, "value", hd->value, hd->value_null);
				icp_buf_append_byte(&t->scratch_hdrs, '}');
			}
			icp_buf_append_byte(&t->scratch_hdrs, ']');
		}
		c->hdr_end[n] = t->scratch_hdrs.len;
		if (nf) {
			size_t f;
			if (t->scratch_ids.status || t->scratch_hdrs.status)
				return icp_error_set(err, ICP_ERR_NOMEM, "out of memory converting records");
			for (f = 0; f < nf; f++)
				c->src[f] = source_value(t, pt, r, n, &t->spec->fields[f]);
			if ((rc = icp_route_add(t->route, t->spec, c->src, err)) != ICP_OK)
				return rc;
		}
		if (sorting) {
			size_t f;
			if (t->scratch_ids.status || t->scratch_hdrs.status || c->acc.status)
				return icp_error_set(err, ICP_ERR_NOMEM, "out of memory converting records");
			for (f = 0; f < c->n_sort; f++)
				c->skv[f] = source_value(t, pt, r, n, &c->sort_f[f]);
			if (icp_rowsort_add(c->rs, c->skv) != ICP_OK)
				return icp_error_set(err, ICP_ERR_NOMEM, "out of memory converting records");
		}
		n++;
	}
	if (t->scratch_ids.status || t->scratch_hdrs.status)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory converting records");
	if (n == n0)
		return ICP_OK;
	c->g_topic[0] = icp_slice_make(pt->topic, topic_len);
	if (typed)
		coerce_publish(t);
	if (sorting) {
		/* kept until the flush (commit, or the table's share of memory
		 * reached: then written sorted now) */
		c->n_acc = n;
		if (ts_bad)
			icp_metrics_counter_add(t->m_ts_range, ts_bad);
		if (!t->dlq_of) /* a dead-letter row is not the partition's newest */
			icp_part_saw_ts(pt, c->ts[n - 1]);
		out->written = n - n0;
		if (icp_rows_kept_bytes(t) >= t->sort_limit)
			return icp_rows_flush(t, err);
		return ICP_OK;
	}
	if (nf) {
		rc = icp_rows_emit_routed(t, 0, err);
	} else {
		/* opened by icp_table_file_ready, except for a table with
		 * sort_by whose sort columns are not in its schema yet (a
		 * registry not answering): written unsorted meanwhile */
		icp_parquet_writer *pw = icp_sink_writer(&t->sink);
		rc = pw ? ICP_OK
		        : icp_sink_file_for(&t->sink, NULL, icp_slice_make(NULL, 0), NULL, 0, &pw, err);
		if (rc == ICP_OK)
			rc = icp_rows_emit(t, pw, NULL, n, err);
	}
	if (rc != ICP_OK)
		return rc;
	if (ts_bad)
		icp_metrics_counter_add(t->m_ts_range, ts_bad);
	if (!t->dlq_of) /* a dead-letter row is not the partition's newest */
		icp_part_saw_ts(pt, c->ts[n - 1]);
	out->written = n;
	return ICP_OK;
}
