/*
 * The data files of a table not yet committed (icp_sink): the open
 * Parquet file and its storage writer, the closed files waiting for the
 * next commit, and whether they may be referenced by a commit whose
 * outcome is unknown (in doubt: then they are never deleted). Only these
 * functions change a sink; the table decides when to open, roll, commit
 * (commit.c reads the closed files) and discard.
 *
 * A file is published atomically when it is closed (storage writer
 * commit); until then a failure aborts it (local: its .tmp-* file is
 * removed; S3: the multipart upload is aborted), so the warehouse never
 * holds a partial data file.
 */
#include "processor/proc_int.h"


void icp_sink_init(icp_sink *s)
{
	memset(s, 0, sizeof(*s));
}

void icp_pending_file_dispose(icp_pending_file *f)
{
	icp_free(f->url);
	icp_free(f->key);
	icp_parquet_file_metrics_dispose(&f->metrics);
}

static void drop_open_file(icp_sink *s)
{
	icp_parquet_writer_free(s->pw);
	s->pw = NULL;
	icp_storage_writer_abort(s->sw);
	s->sw = NULL;
	icp_free(s->open_url);
	icp_free(s->open_key);
	s->open_url = s->open_key = NULL;
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
	drop_open_file(s);
	forget_files(s);
	icp_free(s->pending);
	s->pending = NULL;
	s->cap_pending = 0;
}

static int sink_write(void *ctx, const uint8_t *p, size_t n, icp_error *err)
{
	return icp_storage_writer_write(ctx, p, n, err);
}

static const icp_parquet_sink_vtable storage_sink = {sink_write};

int icp_sink_open(icp_sink *s, icp_storage *store, const char *data_prefix,
                  const icp_parquet_field *fields, size_t n_fields, const icp_parquet_options *o,
                  icp_error *err)
{
	icp_buf key;
	char uuid[37];
	int rc;

	if (s->pw)
		return ICP_OK;
	icp_ice_uuid(uuid);
	icp_buf_init(&key, 0);
	icp_buf_printf(&key, "%s/%013lld-%s.parquet", data_prefix, (long long)icp_now_ms(), uuid);
	if (key.status)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	s->open_key = (char *)icp_buf_detach(&key, NULL);
	icp_buf_init(&key, 0);
	icp_storage_url(store, s->open_key, &key);
	s->open_url = (char *)icp_buf_detach(&key, NULL);
	rc = icp_storage_writer_open(store, s->open_key, 1, &s->sw, err);
	if (rc != ICP_OK) {
		drop_open_file(s);
		return rc;
	}
	rc = icp_parquet_writer_new(fields, n_fields, o, (icp_parquet_sink){&storage_sink, s->sw},
	                            &s->pw, err);
	if (rc != ICP_OK)
		drop_open_file(s);
	return rc;
}

int icp_sink_close(icp_sink *s, icp_error *err)
{
	icp_pending_file f;
	int rc;

	if (!s->pw)
		return ICP_OK;
	if (icp_parquet_writer_rows(s->pw) == 0) {
		drop_open_file(s);
		return ICP_OK;
	}
	memset(&f, 0, sizeof(f));
	rc = icp_parquet_writer_close(s->pw, &f.metrics, err);
	icp_parquet_writer_free(s->pw);
	s->pw = NULL;
	if (rc == ICP_OK) {
		rc = icp_storage_writer_commit(s->sw, err); /* publishes; frees sw */
		s->sw = NULL;
	}
	if (rc != ICP_OK) {
		icp_parquet_file_metrics_dispose(&f.metrics);
		drop_open_file(s);
		return rc;
	}
	if (s->n_pending == s->cap_pending) {
		size_t ncap = s->cap_pending ? s->cap_pending * 2 : 8;
		icp_pending_file *np = icp_realloc(s->pending, ncap * sizeof(*np));
		if (!np) {
			icp_parquet_file_metrics_dispose(&f.metrics);
			drop_open_file(s);
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		}
		s->pending = np;
		s->cap_pending = ncap;
	}
	f.url = s->open_url;
	f.key = s->open_key;
	s->open_url = s->open_key = NULL;
	s->pending[s->n_pending++] = f;
	return ICP_OK;
}

int icp_sink_maybe_roll(icp_sink *s, uint64_t target, icp_error *err)
{
	uint64_t size;
	if (!s->pw)
		return ICP_OK;
	size = icp_parquet_writer_offset(s->pw) + icp_parquet_writer_buffered(s->pw);
	if (size < target)
		return ICP_OK;
	return icp_sink_close(s, err);
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

	drop_open_file(s);
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
