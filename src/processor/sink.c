/*
 * The data files of a table not yet committed (icp_sink): the open
 * Parquet files with their storage writers (one per partition tuple, at
 * most max_open of them: past that the least recently used one is
 * closed, "rolled"), the closed files waiting for the next commit, and
 * whether they may be referenced by a commit whose outcome is unknown (in
 * doubt: then they are never deleted). Only these functions change a
 * sink; the table decides when to open, roll, commit (commit.c reads the
 * closed files) and discard.
 *
 * A file is published atomically when it is closed (storage writer
 * commit); until then a failure aborts it (local: its .tmp-* file is
 * removed; S3: the multipart upload is aborted), so the warehouse never
 * holds a partial data file.
 *
 * Every file carries its partition tuple and the spec id it was computed
 * with, copied at open (the values the rows code computes borrow the
 * batch): a manifest needs them, and they must outlive the batch.
 */
#include "processor/proc_int.h"


void icp_sink_init(icp_sink *s)
{
	memset(s, 0, sizeof(*s));
	s->max_open = 1;
}

static void tuple_dispose(icp_sink_tuple *t)
{
	icp_free(t->v);
	icp_free(t->bytes);
	icp_free(t->key);
	memset(t, 0, sizeof(*t));
}

/* Deep copy of n values and their key: borrowed bytes move into one
 * owned block the copies point into. */
static int tuple_copy(icp_sink_tuple *out, const icp_pspec_value *v, size_t n, icp_slice key)
{
	size_t i, total = 0, at = 0;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return ICP_OK;
	for (i = 0; i < n; i++)
		if (!v[i].inl_len)
			total += v[i].bytes.len;
	out->v = icp_malloc(n * sizeof(*out->v));
	out->bytes = icp_malloc(total ? total : 1);
	out->key = icp_malloc(key.len ? key.len : 1);
	if (!out->v || !out->bytes || !out->key) {
		tuple_dispose(out);
		return ICP_ERR_NOMEM;
	}
	memcpy(out->v, v, n * sizeof(*v));
	for (i = 0; i < n; i++) {
		if (v[i].inl_len || !v[i].bytes.len)
			continue;
		memcpy(out->bytes + at, v[i].bytes.ptr, v[i].bytes.len);
		out->v[i].bytes = icp_slice_make(out->bytes + at, v[i].bytes.len);
		at += v[i].bytes.len;
	}
	memcpy(out->key, key.ptr, key.len);
	out->key_len = key.len;
	out->n = n;
	return ICP_OK;
}

void icp_pending_file_dispose(icp_pending_file *f)
{
	icp_free(f->url);
	icp_free(f->key);
	tuple_dispose(&f->partition);
	icp_parquet_file_metrics_dispose(&f->metrics);
}

static void file_drop(icp_sink_file *f)
{
	icp_parquet_writer_free(f->pw);
	icp_storage_writer_abort(f->sw);
	icp_free(f->url);
	icp_free(f->key);
	tuple_dispose(&f->partition);
	memset(f, 0, sizeof(*f));
}

/* Removes open file i (order of the others does not matter). */
static void open_remove(icp_sink *s, size_t i)
{
	s->open[i] = s->open[--s->n_open];
	memset(&s->open[s->n_open], 0, sizeof(s->open[0]));
}

static void drop_open_files(icp_sink *s)
{
	while (s->n_open) {
		file_drop(&s->open[s->n_open - 1]);
		s->n_open--;
	}
}

/* Forgets the closed files (deletes nothing). */
static void forget_files(icp_sink *s)
{
	size_t i;
	for (i = 0; i < s->n_pending; i++)
		icp_pending_file_dispose(&s->pending[i]);
	s->n_pending = 0;
	s->pending_rows = 0;
	s->dirty = 0;
}

void icp_sink_dispose(icp_sink *s)
{
	drop_open_files(s);
	forget_files(s);
	icp_free(s->open);
	icp_free(s->pending);
	s->open = NULL;
	s->pending = NULL;
	s->cap_open = s->cap_pending = 0;
}

static int sink_write(void *ctx, const uint8_t *p, size_t n, icp_error *err)
{
	return icp_storage_writer_write(ctx, p, n, err);
}

static const icp_parquet_sink_vtable storage_sink = {sink_write};

void icp_sink_set_target(icp_sink *s, const icp_sink_target *t)
{
	s->target = *t;
	s->max_open = t->max_open ? t->max_open : 1;
}

/* Closes open file i into the pending ones (an empty one is dropped).
 * An error drops it: its rows are lost (the caller discards and rereads). */
static int close_file(icp_sink *s, size_t i, icp_error *err)
{
	icp_sink_file *o = &s->open[i];
	icp_pending_file f;
	int rc;

	if (icp_parquet_writer_rows(o->pw) == 0) {
		file_drop(o);
		open_remove(s, i);
		return ICP_OK;
	}
	if (s->n_pending == s->cap_pending) {
		size_t ncap = s->cap_pending ? s->cap_pending * 2 : 8;
		icp_pending_file *np = icp_realloc(s->pending, ncap * sizeof(*np));
		if (!np) {
			file_drop(o);
			open_remove(s, i);
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		}
		s->pending = np;
		s->cap_pending = ncap;
	}
	memset(&f, 0, sizeof(f));
	rc = icp_parquet_writer_close(o->pw, &f.metrics, err);
	icp_parquet_writer_free(o->pw);
	o->pw = NULL;
	if (rc == ICP_OK) {
		rc = icp_storage_writer_commit(o->sw, err); /* publishes; frees sw */
		o->sw = NULL;
	}
	if (rc != ICP_OK) {
		icp_parquet_file_metrics_dispose(&f.metrics);
		file_drop(o);
		open_remove(s, i);
		return rc;
	}
	f.url = o->url;
	f.key = o->key;
	f.partition = o->partition;
	f.spec_id = o->spec_id;
	f.sort_order_id = o->sort_order_id;
	o->url = o->key = NULL;
	memset(&o->partition, 0, sizeof(o->partition));
	s->pending[s->n_pending++] = f;
	open_remove(s, i);
	return ICP_OK;
}

/* Opens a new data file <data_prefix>/[<path>/]<ms>-<uuid>.parquet for
 * the tuple (already known absent) as s->open[s->n_open]. */
static int open_file(icp_sink *s, const char *path, icp_slice key, const icp_pspec_value *tuple,
                     size_t n, icp_sink_file **out, icp_error *err)
{
	const icp_sink_target *t = &s->target;
	icp_sink_file *f;
	icp_buf b;
	char uuid[37];
	int rc;

	if (s->n_open == s->cap_open) {
		size_t ncap = s->cap_open ? s->cap_open * 2 : 4;
		icp_sink_file *np = icp_realloc(s->open, ncap * sizeof(*np));
		if (!np)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		memset(np + s->cap_open, 0, (ncap - s->cap_open) * sizeof(*np));
		s->open = np;
		s->cap_open = ncap;
	}
	f = &s->open[s->n_open];
	memset(f, 0, sizeof(*f));
	if (tuple_copy(&f->partition, tuple, n, key) != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	f->spec_id = t->spec_id;
	f->sort_order_id = t->sort_order_id;
	icp_ice_uuid(uuid);
	icp_buf_init(&b, 0);
	icp_buf_printf(&b, "%s/%s%s%013lld-%s.parquet", t->data_prefix, path ? path : "",
	               path && *path ? "/" : "", (long long)icp_now_ms(), uuid);
	/* copies of exact size: closed files wait for the commit, possibly
	 * thousands of them (a buffer's capacity is 256 bytes at least) */
	f->key = b.status ? NULL : icp_strdup((const char *)b.data);
	icp_buf_reset(&b);
	if (f->key)
		icp_storage_url(t->store, f->key, &b);
	f->url = f->key && !b.status ? icp_strdup((const char *)b.data) : NULL;
	icp_buf_dispose(&b);
	if (!f->url) {
		file_drop(f);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	rc = icp_storage_writer_open(t->store, f->key, 1, &f->sw, err);
	if (rc == ICP_OK)
		rc = icp_parquet_writer_new(t->fields, t->n_fields, &t->options,
		                            (icp_parquet_sink){&storage_sink, f->sw}, &f->pw, err);
	if (rc != ICP_OK) {
		file_drop(f);
		return rc;
	}
	f->used = ++s->tick;
	s->n_open++;
	*out = f;
	return ICP_OK;
}

int icp_sink_open(icp_sink *s, icp_storage *store, const char *data_prefix,
                  const icp_parquet_field *fields, size_t n_fields, const icp_parquet_options *o,
                  icp_error *err)
{
	icp_sink_target t;
	icp_parquet_writer *pw;

	memset(&t, 0, sizeof(t));
	t.store = store;
	t.data_prefix = data_prefix;
	t.fields = fields;
	t.n_fields = n_fields;
	t.options = *o;
	t.max_open = 1;
	icp_sink_set_target(s, &t);
	return icp_sink_file_for(s, NULL, icp_slice_make(NULL, 0), NULL, 0, &pw, err);
}

int icp_sink_file_for(icp_sink *s, const char *path, icp_slice key, const icp_pspec_value *tuple,
                      size_t n, icp_parquet_writer **pw, icp_error *err)
{
	icp_sink_file *f = NULL;
	size_t i;
	int rc;

	for (i = 0; i < s->n_open; i++) {
		icp_sink_file *o = &s->open[i];
		if (o->partition.key_len == key.len &&
		    (key.len == 0 || memcmp(o->partition.key, key.ptr, key.len) == 0)) {
			o->used = ++s->tick;
			*pw = o->pw;
			return ICP_OK;
		}
	}
	if (s->n_open >= s->max_open) {
		/* roll the least recently used file: it keeps its rows as a
		 * closed file; its tuple gets a new file if it comes back */
		size_t lru = 0;
		for (i = 1; i < s->n_open; i++)
			if (s->open[i].used < s->open[lru].used)
				lru = i;
		rc = close_file(s, lru, err);
		if (rc != ICP_OK)
			return rc;
		s->lru_rolls++;
	}
	rc = open_file(s, path, key, tuple, n, &f, err);
	if (rc != ICP_OK)
		return rc;
	*pw = f->pw;
	return ICP_OK;
}

int icp_sink_close(icp_sink *s, icp_error *err)
{
	int rc = ICP_OK;

	/* every open file is closed even after a failure (dropped then) */
	while (s->n_open) {
		int r = close_file(s, s->n_open - 1, rc == ICP_OK ? err : NULL);
		if (rc == ICP_OK)
			rc = r;
	}
	return rc;
}

int icp_sink_maybe_roll(icp_sink *s, uint64_t target, icp_error *err)
{
	size_t i = 0;

	while (i < s->n_open) {
		icp_parquet_writer *pw = s->open[i].pw;
		uint64_t size = icp_parquet_writer_offset(pw) + icp_parquet_writer_buffered(pw);
		int rc;
		if (size < target) {
			i++;
			continue;
		}
		rc = close_file(s, i, err); /* moves the last one to i */
		if (rc != ICP_OK)
			return rc;
	}
	return ICP_OK;
}

void icp_sink_wrote(icp_sink *s, uint64_t rows)
{
	s->dirty = 1;
	s->pending_rows += rows;
}

void icp_sink_set_in_doubt(icp_sink *s, int in_doubt)
{
	s->in_doubt = in_doubt;
}

void icp_sink_landed(icp_sink *s)
{
	forget_files(s); /* the table references them now */
	s->in_doubt = 0;
}

size_t icp_sink_discard(icp_sink *s, icp_storage *store)
{
	size_t i, kept = 0;
	icp_error ignore;

	drop_open_files(s);
	for (i = 0; i < s->n_pending; i++) {
		/* In doubt, a snapshot we could not see may reference them:
		 * leave them (an orphan costs bytes, a hole costs the table). */
		if (s->in_doubt) {
			kept++;
			continue;
		}
		icp_error_init(&ignore);
		icp_storage_remove(store, s->pending[i].key, &ignore);
	}
	forget_files(s);
	s->in_doubt = 0; /* nothing of that commit is tracked any more */
	return kept;
}
