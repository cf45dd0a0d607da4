/*
 * Reader, part 1: opening a file. Reads the tail (footer length + "PAR1"),
 * the footer (Thrift compact FileMetaData) and the leading magic, and keeps
 * what reading columns needs:
 *
 *   FileMetaData   1 version, 2 schema list<SchemaElement>, 3 num_rows,
 *                  4 row_groups list<RowGroup>, 5 key_value_metadata,
 *                  6 created_by, 8 encryption_algorithm (unsupported)
 *   RowGroup       1 columns list<ColumnChunk>, 2 total_byte_size, 3 num_rows
 *   ColumnChunk    1 file_path (unsupported), 3 meta_data, 8/9 encryption
 *                  (unsupported)
 *   ColumnMetaData 1 type, 3 path_in_schema, 4 codec, 5 num_values,
 *                  6 total_uncompressed_size, 7 total_compressed_size,
 *                  9 data_page_offset, 11 dictionary_page_offset
 *
 * Every chunk's byte range is checked against the data area of the file
 * (after the leading magic, before the footer) here, once.
 */
#include "parquet/parquet_int.h"

#include <stdarg.h>
#include <stdio.h>

#define FOOTER_MAX ((size_t)64 << 20)
#define MAX_ELEMS 100000
#define DEFAULT_MAX_VALUES ((size_t)1 << 27)
#define DEFAULT_MAX_BYTES ((size_t)1 << 30)

/* Parsed ColumnMetaData before it is checked against the schema. */
typedef struct raw_chunk {
	int type, codec;
	int64_t num_values, uncompressed, compressed, data_off, dict_off;
	const char *path;   /* dotted, meta arena */
	int has_meta;
} raw_chunk;

typedef struct footer {
	pq_selem *el;
	size_t n_el;
	raw_chunk *ch;      /* all row groups' chunks, in order */
	size_t n_ch, ch_cap;
	size_t *rg_first;   /* first chunk of each row group, plus an end */
	int64_t *rg_rows, *rg_bytes;
	size_t n_rg;
	int64_t num_rows;
} footer;

static int corrupt(icp_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int corrupt(icp_error *err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return icp_error_set(err, ICP_ERR_CORRUPT, "parquet reader: %s", msg);
}

static const char *arena_str(icp_arena *a, icp_slice s)
{
	char *p = icp_arena_alloc(a, s.len + 1);
	if (!p)
		return NULL;
	if (s.len)
		memcpy(p, s.ptr, s.len);
	p[s.len] = 0;
	return p;
}

/* LogicalType union: 1 STRING, 2 MAP, 3 LIST, 4 ENUM, 5 DECIMAL {1 scale,
 * 2 precision}, 6 DATE, 7 TIME / 8 TIMESTAMP {1 isAdjustedToUTC, 2 unit
 * {1 MILLIS, 2 MICROS, 3 NANOS}}, 10 INTEGER {1 bitWidth, 2 isSigned},
 * 12 JSON, 13 BSON, 14 UUID, others. */
static void parse_logical(pq_tr *t, pq_selem *e)
{
	int type, t2, t3;
	int16_t id, id2, id3;
	while (pq_tr_field(t, &type, &id)) {
		if (type != TC_STRUCT) {
			pq_tr_skip(t, type, 0);
			continue;
		}
		e->logical = id;
		pq_tr_struct(t, type);
		while (pq_tr_field(t, &t2, &id2)) {
			if ((id == 5 || id == 10) && id2 <= 2 && t2 != TC_TRUE && t2 != TC_FALSE) {
				int v = (int)pq_tr_int(t, t2);
				if (id == 5)
					*(id2 == 1 ? &e->l_scale : &e->l_precision) = v;
				else if (id2 == 1)
					e->l_bits = v;
			} else if (id == 10 && id2 == 2) {
				e->l_signed = pq_tr_bool(t, t2);
			} else if ((id == 7 || id == 8) && id2 == 1) {
				e->l_utc = pq_tr_bool(t, t2);
			} else if ((id == 7 || id == 8) && id2 == 2 && t2 == TC_STRUCT) {
				pq_tr_struct(t, t2);
				while (pq_tr_field(t, &t3, &id3)) {
					e->l_unit = id3;
					pq_tr_skip(t, t3, 0);
				}
			} else {
				pq_tr_skip(t, t2, 0);
			}
		}
	}
}

static int parse_schema(pq_tr *t, int type, footer *f, icp_arena *a)
{
	int et, ft;
	int16_t id;
	size_t n = pq_tr_list(t, type, &et), i;
	if (t->bad || et != TC_STRUCT || n == 0 || n > MAX_ELEMS || f->el)
		return -1;
	f->el = icp_calloc(n, sizeof(pq_selem));
	if (!f->el)
		return ICP_ERR_NOMEM;
	f->n_el = n;
	for (i = 0; i < n && !t->bad; i++) {
		pq_selem *e = &f->el[i];
		e->type = e->type_len = e->rep = e->num_children = e->converted = -1;
		e->scale = e->precision = e->l_scale = e->l_precision = -1;
		e->l_bits = 0;
		e->l_signed = 1;
		e->name = "";
		pq_tr_struct(t, et);
		while (pq_tr_field(t, &ft, &id)) {
			switch (id) {
			case 1: e->type = pq_tr_i32(t, ft, 0, 7); break;
			case 2: e->type_len = pq_tr_i32(t, ft, 0, INT32_MAX); break;
			case 3: e->rep = pq_tr_i32(t, ft, 0, 2); break;
			case 4:
				if (!(e->name = arena_str(a, pq_tr_binary(t, ft))))
					return ICP_ERR_NOMEM;
				break;
			case 5: e->num_children = pq_tr_i32(t, ft, 0, MAX_ELEMS); break;
			case 6: e->converted = pq_tr_i32(t, ft, 0, 1000); break;
			case 7: e->scale = pq_tr_i32(t, ft, INT32_MIN, INT32_MAX); break;
			case 8: e->precision = pq_tr_i32(t, ft, INT32_MIN, INT32_MAX); break;
			case 9:
				e->field_id = pq_tr_i32(t, ft, INT32_MIN, INT32_MAX);
				e->has_id = 1;
				break;
			case 10:
				if (pq_tr_struct(t, ft))
					parse_logical(t, e);
				break;
			default: pq_tr_skip(t, ft, 0); break;
			}
		}
	}
	return t->bad ? -1 : 0;
}

static int parse_column_meta(pq_tr *t, raw_chunk *c, icp_arena *a)
{
	int ft, et;
	int16_t id;
	size_t n, i;
	icp_buf path;
	int rc = 0;

	c->has_meta = 1;
	while (pq_tr_field(t, &ft, &id)) {
		switch (id) {
		case 1: c->type = pq_tr_i32(t, ft, 0, 7); break;
		case 3:
			n = pq_tr_list(t, ft, &et);
			icp_buf_init(&path, 1 << 16);
			for (i = 0; i < n && !t->bad; i++) {
				icp_slice s = pq_tr_binary(t, et);
				if (i)
					icp_buf_append_byte(&path, '.');
				icp_buf_append(&path, s.ptr, s.len);
			}
			if (path.status == ICP_ERR_NOMEM)
				rc = ICP_ERR_NOMEM;
			else if (path.status != ICP_OK)
				t->bad = 1;
			else if (!(c->path = arena_str(a, icp_slice_make(path.data, path.len))))
				rc = ICP_ERR_NOMEM;
			icp_buf_dispose(&path);
			if (rc)
				return rc;
			break;
		case 4: c->codec = pq_tr_i32(t, ft, 0, 1000); break;
		case 5: c->num_values = pq_tr_int(t, ft); break;
		case 6: c->uncompressed = pq_tr_int(t, ft); break;
		case 7: c->compressed = pq_tr_int(t, ft); break;
		case 9: c->data_off = pq_tr_int(t, ft); break;
		case 11: c->dict_off = pq_tr_int(t, ft); break;
		default: pq_tr_skip(t, ft, 0); break;
		}
	}
	return 0;
}

static int add_chunk(footer *f)
{
	if (f->n_ch == f->ch_cap) {
		size_t cap = f->ch_cap ? f->ch_cap * 2 : 64;
		raw_chunk *p = icp_realloc(f->ch, cap * sizeof(*p));
		if (!p)
			return ICP_ERR_NOMEM;
		f->ch = p;
		f->ch_cap = cap;
	}
	memset(&f->ch[f->n_ch], 0, sizeof(raw_chunk));
	f->ch[f->n_ch].dict_off = -1;
	f->ch[f->n_ch].data_off = -1;
	f->ch[f->n_ch].type = -1;
	f->n_ch++;
	return 0;
}

/* Returns 0, -1 (malformed), ICP_ERR_NOMEM or ICP_ERR_UNSUPPORTED (with
 * *what set). */
static int parse_row_groups(pq_tr *t, int type, footer *f, icp_arena *a, const char **what)
{
	int et, ft, ct, mt;
	int16_t id, cid;
	size_t n = pq_tr_list(t, type, &et), i, k, nc;
	int rc;

	if (t->bad || et != TC_STRUCT || f->rg_rows)
		return -1;
	f->rg_rows = icp_calloc(n + 1, sizeof(int64_t));
	f->rg_bytes = icp_calloc(n + 1, sizeof(int64_t));
	f->rg_first = icp_calloc(n + 1, sizeof(size_t));
	if (!f->rg_rows || !f->rg_bytes || !f->rg_first)
		return ICP_ERR_NOMEM;
	f->n_rg = n;
	for (i = 0; i < n && !t->bad; i++) {
		f->rg_first[i] = f->n_ch;
		f->rg_rows[i] = -1;
		pq_tr_struct(t, et);
		while (pq_tr_field(t, &ft, &id)) {
			if (id == 1) {
				nc = pq_tr_list(t, ft, &ct);
				for (k = 0; k < nc && !t->bad; k++) {
					raw_chunk *c;
					if ((rc = add_chunk(f)) != 0)
						return rc;
					c = &f->ch[f->n_ch - 1];
					pq_tr_struct(t, ct);
					while (pq_tr_field(t, &mt, &cid)) {
						if (cid == 1) {
							*what = "column chunks in other files (file_path)";
							return ICP_ERR_UNSUPPORTED;
						}
						if (cid == 8 || cid == 9) {
							*what = "encrypted columns";
							return ICP_ERR_UNSUPPORTED;
						}
						if (cid == 3 && pq_tr_struct(t, mt)) {
							if ((rc = parse_column_meta(t, c, a)) != 0)
								return rc;
						} else {
							pq_tr_skip(t, mt, 0);
						}
					}
				}
			} else if (id == 2) {
				f->rg_bytes[i] = pq_tr_int(t, ft);
			} else if (id == 3) {
				f->rg_rows[i] = pq_tr_int(t, ft);
			} else {
				pq_tr_skip(t, ft, 0);
			}
		}
	}
	f->rg_first[n] = f->n_ch;
	return t->bad ? -1 : 0;
}

static int parse_kv(pq_tr *t, int type, icp_parquet_reader *r)
{
	int et, ft;
	int16_t id;
	size_t n = pq_tr_list(t, type, &et), i;
	if (t->bad || et != TC_STRUCT || r->kv)
		return -1;
	r->kv = icp_arena_alloc(r->meta, (2 * n + 1) * sizeof(char *));
	if (!r->kv)
		return ICP_ERR_NOMEM;
	for (i = 0; i < n && !t->bad; i++) {
		const char *k = NULL, *v = NULL;
		pq_tr_struct(t, et);
		while (pq_tr_field(t, &ft, &id)) {
			if (id == 1 || id == 2) {
				const char *s = arena_str(r->meta, pq_tr_binary(t, ft));
				if (!s)
					return ICP_ERR_NOMEM;
				*(id == 1 ? &k : &v) = s;
			} else {
				pq_tr_skip(t, ft, 0);
			}
		}
		if (!k)
			return -1;
		r->kv[2 * r->n_kv] = k;
		r->kv[2 * r->n_kv + 1] = v;
		r->n_kv++;
	}
	return t->bad ? -1 : 0;
}

static int parse_footer(icp_parquet_reader *r, const uint8_t *p, size_t n, footer *f,
                        icp_error *err)
{
	pq_tr t;
	int ft, rc = 0;
	int16_t id;
	const char *what = NULL;
	int have_rows = 0;

	pq_tr_init(&t, p, n);
	while (rc == 0 && pq_tr_field(&t, &ft, &id)) {
		switch (id) {
		case 2: rc = parse_schema(&t, ft, f, r->meta); break;
		case 3:
			f->num_rows = pq_tr_int(&t, ft);
			have_rows = 1;
			break;
		case 4: rc = parse_row_groups(&t, ft, f, r->meta, &what); break;
		case 5: rc = parse_kv(&t, ft, r); break;
		case 6:
			if (!(r->created_by = arena_str(r->meta, pq_tr_binary(&t, ft))))
				rc = ICP_ERR_NOMEM;
			break;
		case 8:
			what = "encrypted files";
			rc = ICP_ERR_UNSUPPORTED;
			break;
		default: pq_tr_skip(&t, ft, 0); break;
		}
	}
	if (rc == ICP_ERR_NOMEM)
		return icp_error_set(err, rc, "parquet reader: out of memory (footer)");
	if (rc == ICP_ERR_UNSUPPORTED)
		return icp_error_set(err, rc, "parquet reader: unsupported: %s", what);
	if (rc != 0 || t.bad)
		return corrupt(err, "footer: malformed Thrift at byte %zu of %zu",
		               (size_t)(t.p - p), n);
	if (!f->el || !f->rg_rows || !have_rows)
		return corrupt(err, "footer: no %s", !f->el ? "schema" : !f->rg_rows ? "row groups"
		                                                                        : "num_rows");
	return ICP_OK;
}

static int codec_of(int pq_codec, icp_codec_id *out)
{
	switch (pq_codec) {
	case 0: *out = ICP_CODEC_NONE; return 0;
	case 1: *out = ICP_CODEC_SNAPPY; return 0;
	case 2: *out = ICP_CODEC_GZIP; return 0;
	case 6: *out = ICP_CODEC_ZSTD; return 0;
	case 7: *out = ICP_CODEC_LZ4_RAW; return 0;
	default: return -1;
	}
}

/* Checks the row groups against the schema and keeps their chunks. */
static int take_row_groups(icp_parquet_reader *r, footer *f, icp_error *err)
{
	size_t g, l;
	uint64_t total = 0;
	size_t n;

	r->n_rgs = f->n_rg;
	if (icp_mul_size(f->n_rg, r->n_leaves, &n) != 0 || n > (size_t)1 << 28)
		return corrupt(err, "footer: %zu row groups of %zu columns", f->n_rg, r->n_leaves);
	r->chunks = icp_calloc(n ? n : 1, sizeof(pq_rchunk));
	r->rg_rows = icp_calloc(f->n_rg + 1, sizeof(int64_t));
	r->rg_bytes = icp_calloc(f->n_rg + 1, sizeof(int64_t));
	if (!r->chunks || !r->rg_rows || !r->rg_bytes)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet reader: out of memory");
	for (g = 0; g < f->n_rg; g++) {
		if (f->rg_first[g + 1] - f->rg_first[g] != r->n_leaves)
			return corrupt(err, "row group %zu has %zu columns, the schema %zu leaves", g,
			               f->rg_first[g + 1] - f->rg_first[g], r->n_leaves);
		if (f->rg_rows[g] < 0)
			return corrupt(err, "row group %zu: num_rows %lld", g, (long long)f->rg_rows[g]);
		r->rg_rows[g] = f->rg_rows[g];
		r->rg_bytes[g] = f->rg_bytes[g] > 0 ? f->rg_bytes[g] : 0;
		total += (uint64_t)f->rg_rows[g];
		for (l = 0; l < r->n_leaves; l++) {
			const raw_chunk *c = &f->ch[f->rg_first[g] + l];
			const pq_rleaf *lf = &r->leaves[l];
			pq_rchunk *o = &r->chunks[g * r->n_leaves + l];
			icp_codec_id codec;
			int64_t start;
			if (!c->has_meta)
				return corrupt(err, "row group %zu, column '%s': no column metadata", g,
				               lf->path);
			if (c->type != lf->phys || (c->path && strcmp(c->path, lf->path) != 0))
				return corrupt(err, "row group %zu, column '%s': chunk is of %s '%s' (type %d)",
				               g, lf->path, "column", c->path ? c->path : "?", c->type);
			if (codec_of(c->codec, &codec) != 0)
				return icp_error_set(err, ICP_ERR_UNSUPPORTED,
				                     "parquet reader: row group %zu, column '%s': unsupported "
				                     "compression codec %d", g, lf->path, c->codec);
			start = c->data_off;
			if (c->dict_off > 0 && c->dict_off < c->data_off)
				start = c->dict_off;
			if (c->num_values < 0 || c->compressed <= 0 || start < 4 ||
			    (uint64_t)start > r->data_end ||
			    (uint64_t)c->compressed > r->data_end - (uint64_t)start)
				return corrupt(err, "row group %zu, column '%s': chunk at %lld of %lld bytes "
				               "(%lld values) is outside the data (%llu bytes)", g, lf->path,
				               (long long)start, (long long)c->compressed,
				               (long long)c->num_values, (unsigned long long)r->data_end);
			if ((uint64_t)c->num_values > r->max_values)
				return icp_error_set(err, ICP_ERR_TOO_LARGE,
				                     "parquet reader: row group %zu, column '%s': %lld values, "
				                     "over the limit of %zu", g, lf->path,
				                     (long long)c->num_values, r->max_values);
			o->start = start;
			o->len = c->compressed;
			o->num_values = c->num_values;
			o->uncompressed = c->uncompressed > 0 ? c->uncompressed : 0;
			o->codec = (int)codec;
		}
	}
	if (f->num_rows < 0 || (uint64_t)f->num_rows != total)
		return corrupt(err, "footer: num_rows %lld, row groups hold %llu", (long long)f->num_rows,
		               (unsigned long long)total);
	r->rows = total;
	return ICP_OK;
}

static int read_tail(icp_parquet_reader *r, icp_buf *b, uint64_t off, size_t n, icp_error *err)
{
	int rc;
	icp_buf_reset(b);
	if ((rc = r->read_at(r->ctx, off, n, b, err)) != ICP_OK)
		return rc;
	if (b->len != n)
		return corrupt(err, "read %zu bytes at %llu, got %zu", n, (unsigned long long)off,
		               b->len);
	return ICP_OK;
}

int icp_parquet_reader_open(icp_parquet_read_at_fn read_at, void *ctx, uint64_t file_size,
                            icp_parquet_reader **out, icp_error *err)
{
	icp_parquet_reader *r;
	footer f;
	size_t flen;
	int rc;

	*out = NULL;
	memset(&f, 0, sizeof(f));
	r = icp_calloc(1, sizeof(*r));
	if (!r)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet reader: out of memory");
	r->read_at = read_at;
	r->ctx = ctx;
	r->file_size = file_size;
	r->max_values = DEFAULT_MAX_VALUES;
	r->max_bytes = DEFAULT_MAX_BYTES;
	icp_buf_init(&r->chunk, ICP_BUF_UNLIMITED);
	icp_buf_init(&r->page, ICP_BUF_UNLIMITED);
	icp_buf_init(&r->tmp, ICP_BUF_UNLIMITED);
	r->meta = icp_arena_new(0);
	r->codec = icp_codec_ctx_new();
	if (!r->meta || !r->codec) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "parquet reader: out of memory");
		goto out;
	}
	if (file_size < 12) {
		rc = corrupt(err, "file of %llu bytes is too short", (unsigned long long)file_size);
		goto out;
	}
	if ((rc = read_tail(r, &r->tmp, file_size - 8, 8, err)) != ICP_OK)
		goto out;
	if (memcmp(r->tmp.data + 4, "PAR1", 4) != 0) {
		rc = memcmp(r->tmp.data + 4, "PARE", 4) == 0
		         ? icp_error_set(err, ICP_ERR_UNSUPPORTED,
		                         "parquet reader: unsupported: encrypted file (PARE)")
		         : corrupt(err, "bad magic at the end of the file");
		goto out;
	}
	flen = icp_load_le32(r->tmp.data);
	if (flen == 0 || flen > file_size - 12) {
		rc = corrupt(err, "footer length %zu in a file of %llu bytes", flen,
		             (unsigned long long)file_size);
		goto out;
	}
	if (flen > FOOTER_MAX) {
		rc = icp_error_set(err, ICP_ERR_TOO_LARGE, "parquet reader: footer of %zu bytes", flen);
		goto out;
	}
	r->data_end = file_size - 8 - flen;
	if ((rc = read_tail(r, &r->tmp, 0, 4, err)) != ICP_OK)
		goto out;
	if (memcmp(r->tmp.data, "PAR1", 4) != 0) {
		rc = corrupt(err, "bad magic at the start of the file");
		goto out;
	}
	if ((rc = read_tail(r, &r->tmp, r->data_end, flen, err)) != ICP_OK)
		goto out;
	if ((rc = parse_footer(r, r->tmp.data, flen, &f, err)) != ICP_OK)
		goto out;
	if ((rc = pq_reader_schema(r, f.el, f.n_el, err)) != ICP_OK)
		goto out;
	if ((rc = take_row_groups(r, &f, err)) != ICP_OK)
		goto out;
	rc = ICP_OK;
out:
	icp_free(f.el);
	icp_free(f.ch);
	icp_free(f.rg_first);
	icp_free(f.rg_rows);
	icp_free(f.rg_bytes);
	icp_buf_reset(&r->tmp);
	if (rc != ICP_OK) {
		icp_parquet_reader_free(r);
		return rc;
	}
	*out = r;
	return ICP_OK;
}

void icp_parquet_reader_free(icp_parquet_reader *r)
{
	if (!r)
		return;
	icp_free(r->fields);
	icp_free(r->leaves);
	icp_free(r->chunks);
	icp_free(r->rg_rows);
	icp_free(r->rg_bytes);
	icp_buf_dispose(&r->chunk);
	icp_buf_dispose(&r->page);
	icp_buf_dispose(&r->tmp);
	icp_codec_ctx_free(r->codec);
	icp_arena_free(r->meta);
	icp_free(r);
}

void icp_parquet_reader_limits(icp_parquet_reader *r, size_t max_values, size_t max_bytes)
{
	if (max_values)
		r->max_values = max_values;
	if (max_bytes)
		r->max_bytes = max_bytes;
}

const icp_parquet_field *icp_parquet_reader_fields(const icp_parquet_reader *r, size_t *n)
{
	*n = r->n_fields;
	return r->fields;
}

size_t icp_parquet_reader_leaf_count(const icp_parquet_reader *r)
{
	return r->n_leaves;
}

size_t icp_parquet_reader_leaf_field(const icp_parquet_reader *r, size_t leaf)
{
	return leaf < r->n_leaves ? (size_t)r->leaves[leaf].field : (size_t)-1;
}

void icp_parquet_reader_leaf_levels(const icp_parquet_reader *r, size_t leaf, int *max_def,
                                    int *max_rep)
{
	*max_def = leaf < r->n_leaves ? r->leaves[leaf].max_def : 0;
	*max_rep = leaf < r->n_leaves ? r->leaves[leaf].max_rep : 0;
}

uint64_t icp_parquet_reader_rows(const icp_parquet_reader *r)
{
	return r->rows;
}

size_t icp_parquet_reader_row_groups(const icp_parquet_reader *r)
{
	return r->n_rgs;
}

uint64_t icp_parquet_reader_row_group_rows(const icp_parquet_reader *r, size_t rg)
{
	return rg < r->n_rgs ? (uint64_t)r->rg_rows[rg] : 0;
}

uint64_t icp_parquet_reader_row_group_bytes(const icp_parquet_reader *r, size_t rg)
{
	return rg < r->n_rgs ? (uint64_t)r->rg_bytes[rg] : 0;
}

const char *icp_parquet_reader_kv(const icp_parquet_reader *r, const char *key)
{
	size_t i;
	for (i = 0; i < r->n_kv; i++)
		if (strcmp(r->kv[2 * i], key) == 0)
			return r->kv[2 * i + 1];
	return NULL;
}

const char *icp_parquet_reader_created_by(const icp_parquet_reader *r)
{
	return r->created_by;
}
