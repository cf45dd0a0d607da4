/* Unit tests for the rewrite of one compaction bin (compact_rewrite.c):
 * three small Parquet files (a long, an optional string, an optional
 * list of optional strings) in a local store are rewritten into one,
 * streamed (rows in input order) and sorted by name descending, nulls
 * last, then id (stable, nested values moved with their rows); the
 * result is read back with the Parquet reader and compared row by row.
 * Files with another schema are refused. */
#include "maint/maint_int.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ROWS 7   /* per file */
#define FILES 3

typedef struct row {
	int64_t id;
	int name;        /* -1: null, else "n<name>" */
	int tags;        /* -1: null list, 0: empty, 1: ["t<id>", null] */
	char text[96];
} row;

static void row_text(row *r)
{
	char name[16];
	if (r->name < 0)
		snprintf(name, sizeof(name), "null");
	else
		snprintf(name, sizeof(name), "n%d", r->name);
	if (r->tags < 0)
		snprintf(r->text, sizeof(r->text), "%lld|%s|null", (long long)r->id, name);
	else if (r->tags == 0)
		snprintf(r->text, sizeof(r->text), "%lld|%s|[]", (long long)r->id, name);
	else
		snprintf(r->text, sizeof(r->text), "%lld|%s|[t%lld,null]", (long long)r->id, name,
		         (long long)r->id);
}

static const icp_parquet_field *fields(size_t *n, int other)
{
	static icp_parquet_field f[4];
	f[0] = icp_parquet_field_make("id", 1, ICP_PARQUET_LONG, 1);
	f[1] = icp_parquet_field_make("name", 2, ICP_PARQUET_STRING, 0);
	f[2] = icp_parquet_field_make("tags", 3, ICP_PARQUET_LIST, 0);
	f[3] = icp_parquet_field_make("element", 4, ICP_PARQUET_STRING, 0);
	f[3].parent = 2;
	if (other)
		f[1].field_id = 9;
	*n = 4;
	return f;
}

/* Writes rows r[0..n) as one file into store under key. */
static void write_file(icp_storage *st, const char *key, const row *r, size_t n, int other)
{
	size_t nf;
	const icp_parquet_field *f = fields(&nf, other);
	icp_parquet_options o;
	icp_parquet_writer *w = NULL;
	icp_buf out;
	icp_parquet_sink sink;
	icp_error err;
	int64_t ids[ROWS];
	icp_slice names[ROWS], tags[2 * ROWS];
	char nb[ROWS][16], tb[ROWS][16];
	int16_t ndef[ROWS], tdef[2 * ROWS], trep[2 * ROWS];
	size_t nn = 0, nt = 0, ne = 0;
	int md, mr;

	icp_error_init(&err);
	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	icp_parquet_buf_sink(&out, &sink);
	icp_parquet_options_init(&o);
	CHECK_EQ_INT(icp_parquet_writer_new(f, nf, &o, sink, &w, &err), ICP_OK);
	icp_parquet_writer_leaf_levels(w, 2, &md, &mr);
	CHECK_EQ_INT(md, 3);
	for (size_t i = 0; i < n; i++) {
		ids[i] = r[i].id;
		ndef[i] = (int16_t)(r[i].name >= 0);
		if (r[i].name >= 0) {
			snprintf(nb[i], sizeof(nb[i]), "n%d", r[i].name);
			names[nn++] = icp_slice_cstr(nb[i]);
		}
		if (r[i].tags < 0 || r[i].tags == 0) {
			tdef[ne] = (int16_t)(r[i].tags == 0 ? 1 : 0);
			trep[ne++] = 0;
		} else {
			snprintf(tb[i], sizeof(tb[i]), "t%lld", (long long)r[i].id);
			tags[nt++] = icp_slice_cstr(tb[i]);
			tdef[ne] = 3;
			trep[ne++] = 0;
			tdef[ne] = 2;
			trep[ne++] = 1;
		}
	}
	{
		icp_parquet_batch b0 = {n, NULL, NULL, NULL, ids, NULL};
		icp_parquet_batch b1 = {n, ndef, NULL, NULL, NULL, names};
		icp_parquet_batch b2 = {ne, tdef, trep, NULL, NULL, tags};
		CHECK_EQ_INT(icp_parquet_writer_write(w, 0, &b0, &err), ICP_OK);
		CHECK_EQ_INT(icp_parquet_writer_write(w, 1, &b1, &err), ICP_OK);
		CHECK_EQ_INT(icp_parquet_writer_write(w, 2, &b2, &err), ICP_OK);
	}
	CHECK_EQ_INT(icp_parquet_writer_end_rows(w, &err), ICP_OK);
	CHECK_EQ_INT(icp_parquet_writer_close(w, NULL, &err), ICP_OK);
	icp_parquet_writer_free(w);
	CHECK_EQ_INT(icp_storage_put(st, key, icp_slice_make(out.data, out.len), 0, &err), ICP_OK);
	icp_buf_dispose(&out);
}

static int buf_read_at(void *ctx, uint64_t off, size_t n, icp_buf *out, icp_error *err)
{
	const icp_buf *b = ctx;
	if (off > b->len || n > b->len - off)
		return icp_error_set(err, ICP_ERR_CORRUPT, "out of range");
	return icp_buf_append(out, b->data + off, n);
}

static size_t decode(const icp_buf *file, char out[][96], size_t max)
{
	icp_parquet_reader *r = NULL;
	icp_arena *a = icp_arena_new(0);
	icp_error err;
	size_t n = 0;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_parquet_reader_open(buf_read_at, (void *)file, file->len, &r, &err),
	             ICP_OK);
	for (size_t g = 0; r && g < icp_parquet_reader_row_groups(r); g++) {
		icp_parquet_column c0, c1, c2;
		size_t v1 = 0, v2 = 0, e2 = 0;
		CHECK_EQ_INT(icp_parquet_reader_read(r, g, 0, a, &c0, &err), ICP_OK);
		CHECK_EQ_INT(icp_parquet_reader_read(r, g, 1, a, &c1, &err), ICP_OK);
		CHECK_EQ_INT(icp_parquet_reader_read(r, g, 2, a, &c2, &err), ICP_OK);
		for (size_t i = 0; i < c0.n && n < max; i++, n++) {
			row x;
			int64_t id = ((const int64_t *)c0.fixed)[i];
			memset(&x, 0, sizeof(x));
			x.id = id;
			x.name = -1;
			if (c1.def[i]) {
				icp_slice s = c1.bytes[v1++];
				x.name = 0;
				for (size_t k = 1; k < s.len; k++) /* "n<digits>" */
					x.name = x.name * 10 + (s.ptr[k] - '0');
			}
			/* one row of the list leaf: entries until the next rep 0 */
			x.tags = c2.def[e2] == 0 ? -1 : c2.def[e2] == 1 ? 0 : 1;
			do {
				if (c2.def[e2] == 3) { /* the element must be this row's */
					char want[24];
					snprintf(want, sizeof(want), "t%lld", (long long)id);
					CHECK(c2.bytes[v2].len == strlen(want) &&
					      memcmp(c2.bytes[v2].ptr, want, strlen(want)) == 0);
					v2++;
				}
				e2++;
			} while (e2 < c2.n && c2.rep[e2] != 0);
			row_text(&x);
			snprintf(out[n], 96, "%s", x.text);
		}
		CHECK_EQ_INT(v2, c2.n_values);
		CHECK_EQ_INT(e2, c2.n);
		icp_arena_reset(a);
	}
	icp_parquet_reader_free(r);
	icp_arena_free(a);
	return n;
}

static int sorted_cmp(const void *pa, const void *pb)
{
	const row *a = pa, *b = pb;
	/* name descending, nulls last; then id ascending */
	if (a->name != b->name) {
		if (a->name < 0 || b->name < 0)
			return a->name < 0 ? 1 : -1;
		/* "n<k>" compares as bytes: n10 < n2 */
		char x[16], y[16];
		snprintf(x, sizeof(x), "n%d", a->name);
		snprintf(y, sizeof(y), "n%d", b->name);
		int c = strcmp(x, y);
		if (c)
			return -c;
	}
	return a->id < b->id ? -1 : a->id > b->id;
}

static void test_rewrite(void)
{
	char dir[] = "/tmp/icp-compact-XXXXXX", url[64];
	icp_storage *st = NULL;
	icp_error err;
	row rows[FILES * ROWS];
	icp_compact_input in[FILES + 1];
	char keys[FILES + 1][32];
	char got[FILES * ROWS + 4][96];
	icp_compact_sortkey sk[2] = {{2, 1, 1}, {1, 0, 0}};

	icp_error_init(&err);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(url, sizeof(url), "file://%s", dir);
	CHECK_EQ_INT(icp_storage_open(url, &st, &err), ICP_OK);
	for (int f = 0; f < FILES; f++) {
		for (int i = 0; i < ROWS; i++) {
			row *r = &rows[f * ROWS + i];
			r->id = f * 100 + i;
			r->name = (f + i) % 5 == 0 ? -1 : (7 * i + f) % 12;
			r->tags = i % 3 == 0 ? -1 : i % 3 == 1 ? 0 : 1;
			row_text(r);
		}
		snprintf(keys[f], sizeof(keys[f]), "in-%d.parquet", f);
		write_file(st, keys[f], &rows[f * ROWS], ROWS, 0);
		in[f].key = keys[f];
		CHECK_EQ_INT(icp_storage_stat(st, keys[f], &in[f].size, &err), ICP_OK);
	}
	/* streamed: input order */
	{
		icp_buf out;
		icp_parquet_sink sink;
		icp_parquet_file_metrics m;
		icp_buf_init(&out, ICP_BUF_UNLIMITED);
		icp_parquet_buf_sink(&out, &sink);
		CHECK_EQ_INT(icp_compact_rewrite(st, in, FILES, NULL, 0, NULL, sink, &m, &err), ICP_OK);
		CHECK_EQ_INT(m.record_count, FILES * ROWS);
		CHECK_EQ_INT(m.file_size, out.len);
		CHECK_EQ_INT(decode(&out, got, FILES * ROWS + 4), FILES * ROWS);
		for (int i = 0; i < FILES * ROWS; i++)
			CHECK_EQ_STR(got[i], rows[i].text);
		icp_parquet_file_metrics_dispose(&m);
		icp_buf_dispose(&out);
	}
	/* sorted: name desc nulls last, then id */
	{
		icp_buf out;
		icp_parquet_sink sink;
		icp_parquet_file_metrics m;
		row want[FILES * ROWS];
		memcpy(want, rows, sizeof(want));
		qsort(want, FILES * ROWS, sizeof(*want), sorted_cmp);
		icp_buf_init(&out, ICP_BUF_UNLIMITED);
		icp_parquet_buf_sink(&out, &sink);
		CHECK_EQ_INT(icp_compact_rewrite(st, in, FILES, sk, 2, NULL, sink, &m, &err), ICP_OK);
		CHECK_EQ_INT(m.record_count, FILES * ROWS);
		CHECK_EQ_INT(decode(&out, got, FILES * ROWS + 4), FILES * ROWS);
		for (int i = 0; i < FILES * ROWS; i++)
			CHECK_EQ_STR(got[i], want[i].text);
		icp_parquet_file_metrics_dispose(&m);
		icp_buf_dispose(&out);
	}
	/* another schema in the bin: refused */
	{
		icp_buf out;
		icp_parquet_sink sink;
		icp_parquet_file_metrics m;
		snprintf(keys[FILES], sizeof(keys[FILES]), "other.parquet");
		write_file(st, keys[FILES], rows, ROWS, 1);
		in[FILES].key = keys[FILES];
		CHECK_EQ_INT(icp_storage_stat(st, keys[FILES], &in[FILES].size, &err), ICP_OK);
		icp_buf_init(&out, ICP_BUF_UNLIMITED);
		icp_parquet_buf_sink(&out, &sink);
		icp_error_init(&err);
		CHECK_EQ_INT(icp_compact_rewrite(st, in, FILES + 1, NULL, 0, NULL, sink, &m, &err),
		             ICP_ERR_INVALID);
		CHECK_CONTAINS(err.msg, "another Parquet schema");
		icp_parquet_file_metrics_dispose(&m);
		icp_buf_dispose(&out);
	}
	for (int f = 0; f <= FILES; f++)
		icp_storage_remove(st, keys[f], &err);
	icp_storage_free(st);
	rmdir(dir);
}

int main(void)
{
	TEST_RUN(test_rewrite);
	return TEST_DONE();
}
