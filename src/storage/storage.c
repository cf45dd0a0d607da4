/*
 * Storage front end: picks the backend by URL scheme and forwards calls.
 * Keys are checked here once, so backends can trust them.
 */
#include "storage/storage_int.h"

#include <strings.h>

struct icp_storage {
	const icp_storage_vtable *vt;
	void *state;
	char *root;
};

static const icp_storage_vtable *const backends[] = {
	&icp_storage_local_vtable,
	&icp_storage_s3_vtable,
};

const icp_storage_vtable *icp_storage_backend(const char *scheme)
{
	size_t i;
	for (i = 0; i < ICP_ARRAY_LEN(backends); i++)
		if (strcasecmp(backends[i]->scheme, scheme) == 0)
			return backends[i];
	return NULL;
}

void icp_storage_opts_init(icp_storage_opts *o)
{
	memset(o, 0, sizeof(*o));
	icp_s3_client_opts_init(&o->s3);
}

int icp_storage_open(const char *url, icp_storage **out, icp_error *err)
{
	return icp_storage_open_ex(url, NULL, out, err);
}

int icp_storage_open_ex(const char *url, const icp_storage_opts *o, icp_storage **out,
                        icp_error *err)
{
	const char *colon = strstr(url, "://");
	char scheme[16];
	const icp_storage_vtable *vt;
	icp_storage *s;
	int rc;

	*out = NULL;
	if (!colon || (size_t)(colon - url) >= sizeof(scheme))
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "storage URL \"%s\" has no scheme (expected file:// or s3://)", url);
	memcpy(scheme, url, (size_t)(colon - url));
	scheme[colon - url] = 0;
	vt = icp_storage_backend(scheme);
	if (!vt)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "storage URL \"%s\": scheme \"%s\" is not supported", url, scheme);
	s = icp_calloc(1, sizeof(*s));
	if (!s || !(s->root = icp_strdup(url))) {
		icp_free(s);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	s->vt = vt;
	rc = vt->open_ex ? vt->open_ex(url, o, &s->state, err) : vt->open(url, &s->state, err);
	if (rc != ICP_OK) {
		icp_free(s->root);
		icp_free(s);
		return rc;
	}
	*out = s;
	return ICP_OK;
}

void icp_storage_free(icp_storage *s)
{
	if (!s)
		return;
	s->vt->close(s->state);
	icp_free(s->root);
	icp_free(s);
}

const char *icp_storage_root(const icp_storage *s)
{
	return s->root;
}

int icp_storage_key_check(const char *key, icp_error *err)
{
	const char *p = key, *seg;

	if (!key || !*key || *key == '/')
		return icp_error_set(err, ICP_ERR_INVALID, "object key \"%s\" is empty or absolute",
		                     key ? key : "");
	while (*p) {
		size_t n;
		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "object key \"%s\" has an empty, \".\" or \"..\" segment", key);
		if (*p == '/')
			p++;
	}
	return ICP_OK;
}

int icp_storage_stat(icp_storage *s, const char *key, uint64_t *size, icp_error *err)
{
	int rc = icp_storage_key_check(key, err);
	return rc ? rc : s->vt->stat(s->state, key, size, err);
}

int icp_storage_read_range(icp_storage *s, const char *key, uint64_t off, size_t n,
                           icp_buf *out, icp_error *err)
{
	int rc = icp_storage_key_check(key, err);
	return rc ? rc : s->vt->read_range(s->state, key, off, n, out, err);
}

int icp_storage_get(icp_storage *s, const char *key, icp_buf *out, icp_error *err)
{
	uint64_t size;
	int rc;
	if (s->vt->get) {
		rc = icp_storage_key_check(key, err);
		return rc ? rc : s->vt->get(s->state, key, out, err);
	}
	rc = icp_storage_stat(s, key, &size, err);
	if (rc)
		return rc;
	if (size > out->max - out->len)
		return icp_error_set(err, ICP_ERR_TOO_LARGE, "%s/%s: object of %llu bytes exceeds %zu",
		                     s->root, key, (unsigned long long)size, out->max - out->len);
	return s->vt->read_range(s->state, key, 0, (size_t)size, out, err);
}

int icp_storage_reader_open(icp_storage *s, const char *key, uint64_t start,
                            icp_storage_reader **out, icp_error *err)
{
	int rc = icp_storage_key_check(key, err);
	return rc ? rc : s->vt->reader_open(s->state, key, start, out, err);
}

void icp_storage_reader_close(icp_storage_reader *r)
{
	if (r)
		r->close(r);
}

int icp_storage_list(icp_storage *s, const char *prefix, const char *start_after,
                     int delimited, icp_storage_listing *out, icp_error *err)
{
	return s->vt->list(s->state, prefix ? prefix : "", start_after, delimited, out, err);
}

void icp_storage_list_dispose(icp_storage_listing *l)
{
	size_t i;
	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		icp_free(l->items[i].key);
	icp_free(l->items);
	memset(l, 0, sizeof(*l));
}

int icp_storage_list_add(icp_storage_listing *l, const char *key, size_t klen, uint64_t size,
                         int is_prefix)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		icp_storage_entry *ni = icp_realloc(l->items, ncap * sizeof(*ni));
		if (!ni)
			return ICP_ERR_NOMEM;
		l->items = ni;
		l->cap = ncap;
	}
	l->items[l->n].key = icp_strndup(key, klen);
	if (!l->items[l->n].key)
		return ICP_ERR_NOMEM;
	l->items[l->n].size = size;
	l->items[l->n].is_prefix = is_prefix;
	l->items[l->n].mtime_ms = 0; /* the backend fills it in when it knows */
	l->n++;
	return ICP_OK;
}

int icp_storage_writer_open(icp_storage *s, const char *key, int if_absent,
                            icp_storage_writer **out, icp_error *err)
{
	int rc = icp_storage_key_check(key, err);
	return rc ? rc : s->vt->writer_open(s->state, key, if_absent, out, err);
}

int icp_storage_writer_write(icp_storage_writer *w, const void *p, size_t n, icp_error *err)
{
	return w->write(w, p, n, err);
}

int icp_storage_writer_commit(icp_storage_writer *w, icp_error *err)
{
	return w->commit(w, err);
}

void icp_storage_writer_abort(icp_storage_writer *w)
{
	if (w)
		w->abort(w);
}

int icp_storage_put(icp_storage *s, const char *key, icp_slice data, int if_absent,
                    icp_error *err)
{
	icp_storage_writer *w;
	int rc = icp_storage_writer_open(s, key, if_absent, &w, err);
	if (rc)
		return rc;
	rc = icp_storage_writer_write(w, data.ptr, data.len, err);
	if (rc) {
		icp_storage_writer_abort(w);
		return rc;
	}
	return icp_storage_writer_commit(w, err);
}

int icp_storage_remove(icp_storage *s, const char *key, icp_error *err)
{
	int rc = icp_storage_key_check(key, err);
	return rc ? rc : s->vt->remove(s->state, key, err);
}

int icp_storage_url(icp_storage *s, const char *key, icp_buf *out)
{
	return s->vt->url(s->state, key, out);
}

/* "file://X" -> "X", "file:/X" -> "/X"; other URLs unchanged. */
static const char *url_body(const char *url, int *is_file)
{
	*is_file = strncasecmp(url, "file:", 5) == 0;
	if (!*is_file)
		return url;
	return strncmp(url + 5, "//", 2) == 0 ? url + 7 : url + 5;
}

/* Key of url below root, or NULL. */
static const char *key_below(const char *root, const char *url)
{
	int root_file, url_file;
	const char *r = url_body(root, &root_file), *u = url_body(url, &url_file);
	size_t n = strlen(r);

	if (root_file != url_file)
		return NULL;
	if (!root_file) {
		r = root;
		u = url;
		n = strlen(r);
	}
	while (n > 0 && r[n - 1] == '/')
		n--;
	if (strncmp(r, u, n) != 0 || u[n] != '/' || u[n + 1] == 0)
		return NULL;
	return u + n + 1;
}

int icp_storage_key_of_url(const icp_storage *s, const char *url, const char **key)
{
	icp_buf root;
	const char *k;

	*key = NULL;
	icp_buf_init(&root, ICP_BUF_UNLIMITED);
	if (s->vt->url(s->state, "", &root) != ICP_OK) {
		icp_buf_dispose(&root);
		return ICP_ERR_NOMEM;
	}
	k = key_below((const char *)root.data, url);
	icp_buf_dispose(&root);
	if (!k)
		k = key_below(s->root, url);
	if (!k)
		return ICP_ERR_INVALID;
	*key = k;
	return ICP_OK;
}
