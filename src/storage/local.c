/*
 * Local object store (`file://`). The root is a directory; a key is a path
 * below it. Writers create ".tmp-*" files beside the target and publish by
 * rename(2) (or link(2) for if-absent puts, which fails when the target
 * exists), after fsync of the file; the directory is fsynced after
 * publication so a crash cannot lose a published name. Listing skips
 * ".tmp-*" files, so partial objects are never visible.
 */
#include "storage/storage_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_PREFIX ".tmp-"

typedef struct local_state {
	char *root; /* absolute directory path, no trailing '/' */
} local_state;

static int path_of(local_state *st, const char *key, icp_buf *p)
{
	icp_buf_reset(p);
	icp_buf_append_str(p, st->root);
	if (key && *key) {
		icp_buf_append_byte(p, '/');
		icp_buf_append_str(p, key);
	}
	return p->status;
}

static int mkdirs(char *path, icp_error *err)
{
	char *p;
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			int e = errno;
			icp_error_set(err, ICP_ERR_IO, "mkdir %s: %s", path, strerror(e));
			*p = '/';
			return ICP_ERR_IO;
		}
		*p = '/';
	}
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return icp_error_set(err, ICP_ERR_IO, "mkdir %s: %s", path, strerror(errno));
	return ICP_OK;
}

static int local_open(const char *url, void **state, icp_error *err)
{
	const char *path = url + strlen("file://");
	local_state *st;
	char *dir, resolved[PATH_MAX];
	int rc;

	if (!*path)
		return icp_error_set(err, ICP_ERR_INVALID, "storage URL \"%s\" has no path", url);
	dir = icp_strdup(path);
	if (!dir)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = 0;
	rc = mkdirs(dir, err);
	if (rc == ICP_OK && !realpath(dir, resolved))
		rc = icp_error_set(err, ICP_ERR_IO, "%s: %s", url, strerror(errno));
	icp_free(dir);
	if (rc != ICP_OK)
		return rc;
	st = icp_calloc(1, sizeof(*st));
	if (!st || !(st->root = icp_strdup(resolved))) {
		icp_free(st);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	*state = st;
	return ICP_OK;
}

static void local_close(void *state)
{
	local_state *st = state;
	if (!st)
		return;
	icp_free(st->root);
	icp_free(st);
}

static int errno_status(int e)
{
	return e == ENOENT || e == ENOTDIR ? ICP_ERR_NOT_FOUND : ICP_ERR_IO;
}

static int local_stat(void *state, const char *key, uint64_t *size, icp_error *err)
{
	icp_buf p;
	struct stat sb;
	int rc = ICP_OK;

	icp_buf_init(&p, PATH_MAX);
	if (path_of(state, key, &p) != ICP_OK)
		rc = icp_error_set(err, ICP_ERR_INVALID, "key too long: %s", key);
	else if (stat((char *)p.data, &sb) != 0 || !S_ISREG(sb.st_mode))
		rc = icp_error_set(err, errno_status(errno), "file://%s: %s", (char *)p.data,
		                   S_ISDIR(sb.st_mode) ? "is a directory" : strerror(errno));
	else
		*size = (uint64_t)sb.st_size;
	icp_buf_dispose(&p);
	return rc;
}

static int local_read_range(void *state, const char *key, uint64_t off, size_t n,
                            icp_buf *out, icp_error *err)
{
	icp_buf p;
	int fd = -1, rc = ICP_OK;
	size_t done = 0;

	icp_buf_init(&p, PATH_MAX);
	if (path_of(state, key, &p) != ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_INVALID, "key too long: %s", key);
		goto out;
	}
	fd = open((char *)p.data, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = icp_error_set(err, errno_status(errno), "file://%s: %s", (char *)p.data,
		                   strerror(errno));
		goto out;
	}
	if (icp_buf_reserve(out, n) != ICP_OK) {
		rc = icp_error_set(err, out->status, "file://%s: %zu bytes do not fit the buffer",
		                   (char *)p.data, n);
		goto out;
	}
	while (done < n) {
		ssize_t r = pread(fd, out->data + out->len, n - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = icp_error_set(err, ICP_ERR_IO, "file://%s: read at %llu: %s",
			                   (char *)p.data, (unsigned long long)(off + done),
			                   strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		out->len += (size_t)r;
		done += (size_t)r;
	}
	out->data[out->len] = 0;
out:
	if (fd >= 0)
		close(fd);
	icp_buf_dispose(&p);
	return rc;
}

typedef struct local_reader {
	icp_storage_reader base;
	int fd;
	char *path;
} local_reader;

static int lr_read(icp_storage_reader *r, uint8_t *buf, size_t n, size_t *got,
                   icp_error *err)
{
	local_reader *lr = (local_reader *)r;
	ssize_t k;
	do
		k = read(lr->fd, buf, n);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return icp_error_set(err, ICP_ERR_IO, "file://%s: read: %s", lr->path, strerror(errno));
	*got = (size_t)k;
	return ICP_OK;
}

static int lr_read_at(icp_storage_reader *r, uint64_t pos, uint8_t *buf, size_t n,
                      icp_error *err)
{
	local_reader *lr = (local_reader *)r;
	size_t done = 0;
	while (done < n) {
		ssize_t k = pread(lr->fd, buf + done, n - done, (off_t)(pos + done));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return icp_error_set(err, ICP_ERR_IO, "file://%s: read at %llu: %s", lr->path,
			                     (unsigned long long)(pos + done),
			                     k < 0 ? strerror(errno) : "unexpected end of file");
		done += (size_t)k;
	}
	return ICP_OK;
}

static void lr_close(icp_storage_reader *r)
{
	local_reader *lr = (local_reader *)r;
	close(lr->fd);
	icp_free(lr->path);
	icp_free(lr);
}

static int local_reader_open(void *state, const char *key, uint64_t start,
                             icp_storage_reader **out, icp_error *err)
{
	icp_buf p;
	local_reader *lr = NULL;
	struct stat sb;
	int fd, rc = ICP_OK;

	icp_buf_init(&p, PATH_MAX);
	if (path_of(state, key, &p) != ICP_OK) {
		icp_buf_dispose(&p);
		return icp_error_set(err, ICP_ERR_INVALID, "key too long: %s", key);
	}
	fd = open((char *)p.data, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		rc = icp_error_set(err, errno_status(errno), "file://%s: %s", (char *)p.data,
		                   strerror(errno));
		goto out;
	}
	if (start && lseek(fd, (off_t)start, SEEK_SET) < 0) {
		rc = icp_error_set(err, ICP_ERR_IO, "file://%s: seek: %s", (char *)p.data,
		                   strerror(errno));
		goto out;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	lr = icp_calloc(1, sizeof(*lr));
	if (!lr) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		goto out;
	}
	lr->fd = fd;
	lr->path = (char *)icp_buf_detach(&p, NULL);
	lr->base.read = lr_read;
	lr->base.read_at = lr_read_at;
	lr->base.close = lr_close;
	lr->base.size = (uint64_t)sb.st_size;
	*out = &lr->base;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	icp_buf_dispose(&p);
	return rc;
}

/* Last modification of a stat'ed file in ms since the epoch (0 when
 * before it: "unknown" to callers). */
static int64_t mtime_ms_of(const struct stat *sb)
{
	int64_t ms = (int64_t)sb->st_mtim.tv_sec * 1000 + sb->st_mtim.tv_nsec / 1000000;
	return ms > 0 ? ms : 0;
}

/* Walks dir (absolute path `abs`, key prefix `rel`) collecting files whose
 * key starts with prefix. */
static int walk(const char *abs, const char *rel, const char *prefix, size_t plen,
                const char *start_after, int delimited, icp_storage_listing *out,
                icp_error *err, int depth)
{
	DIR *d;
	struct dirent *e;
	int rc = ICP_OK;

	if (depth > 64)
		return icp_error_set(err, ICP_ERR_INVALID, "%s: directory tree too deep", abs);
	d = opendir(abs);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR
		               ? ICP_OK
		               : icp_error_set(err, ICP_ERR_IO, "file://%s: %s", abs, strerror(errno));
	while (rc == ICP_OK && (e = readdir(d))) {
		icp_buf key, path;
		struct stat sb;
		size_t cmp;
		if (e->d_name[0] == '.')
			continue; /* ".", "..", temp files */
		icp_buf_init(&key, PATH_MAX);
		icp_buf_init(&path, PATH_MAX);
		if (*rel) {
			icp_buf_append_str(&key, rel);
			icp_buf_append_byte(&key, '/');
		}
		icp_buf_append_str(&key, e->d_name);
		icp_buf_printf(&path, "%s/%s", abs, e->d_name);
		if (key.status || path.status || stat((char *)path.data, &sb) != 0)
			goto next;
		cmp = key.len < plen ? key.len : plen;
		if (memcmp(key.data, prefix, cmp) != 0)
			goto next; /* neither inside nor on the way to the prefix */
		if (S_ISDIR(sb.st_mode)) {
			if (delimited && key.len >= plen) {
				icp_buf_append_byte(&key, '/');
				if (!start_after || strcmp((char *)key.data, start_after) > 0)
					rc = icp_storage_list_add(out, (char *)key.data, key.len, 0, 1);
			} else {
				rc = walk((char *)path.data, (char *)key.data, prefix, plen, start_after,
				          delimited, out, err, depth + 1);
			}
		} else if (S_ISREG(sb.st_mode) && key.len >= plen &&
		           (!start_after || strcmp((char *)key.data, start_after) > 0)) {
			rc = icp_storage_list_add(out, (char *)key.data, key.len,
			                          (uint64_t)sb.st_size, 0);
			if (rc == ICP_OK)
				out->items[out->n - 1].mtime_ms = mtime_ms_of(&sb);
		}
		if (rc == ICP_ERR_NOMEM)
			icp_error_set(err, rc, "out of memory listing %s", abs);
	next:
		icp_buf_dispose(&key);
		icp_buf_dispose(&path);
	}
	closedir(d);
	return rc;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const icp_storage_entry *)a)->key, ((const icp_storage_entry *)b)->key);
}

static int local_list(void *state, const char *prefix, const char *start_after,
                      int delimited, icp_storage_listing *out, icp_error *err)
{
	local_state *st = state;
	size_t before = out->n;
	int rc = walk(st->root, "", prefix, strlen(prefix), start_after, delimited, out, err, 0);
	if (rc == ICP_OK && out->n > before)
		qsort(out->items + before, out->n - before, sizeof(*out->items), entry_cmp);
	return rc;
}

typedef struct local_writer {
	icp_storage_writer base;
	int fd;
	int if_absent;
	char *tmp;
	char *final;
} local_writer;

static void lw_free(local_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp)
		unlink(w->tmp);
	icp_free(w->tmp);
	icp_free(w->final);
	icp_free(w);
}

static int lw_write(icp_storage_writer *base, const void *p, size_t n, icp_error *err)
{
	local_writer *w = (local_writer *)base;
	const uint8_t *b = p;
	while (n) {
		ssize_t k = write(w->fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return icp_error_set(err, ICP_ERR_IO, "file://%s: write: %s", w->final,
			                     strerror(errno));
		b += k;
		n -= (size_t)k;
		w->base.written += (uint64_t)k;
	}
	return ICP_OK;
}

static void fsync_dir_of(const char *path)
{
	char *dir = icp_strdup(path), *slash;
	int fd;
	if (!dir)
		return;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	icp_free(dir);
}

static int lw_commit(icp_storage_writer *base, icp_error *err)
{
	local_writer *w = (local_writer *)base;
	int rc = ICP_OK;

	if (fsync(w->fd) != 0) {
		rc = icp_error_set(err, ICP_ERR_IO, "file://%s: fsync: %s", w->final, strerror(errno));
		goto out;
	}
	close(w->fd);
	w->fd = -1;
	if (w->if_absent) {
		if (link(w->tmp, w->final) != 0) {
			rc = icp_error_set(err, errno == EEXIST ? ICP_ERR_CONFLICT : ICP_ERR_IO,
			                   "file://%s: %s", w->final,
			                   errno == EEXIST ? "already exists" : strerror(errno));
			goto out;
		}
	} else if (rename(w->tmp, w->final) != 0) {
		rc = icp_error_set(err, ICP_ERR_IO, "file://%s: rename: %s", w->final, strerror(errno));
		goto out;
	} else {
		icp_free(w->tmp); /* renamed away: nothing to unlink */
		w->tmp = NULL;
	}
	fsync_dir_of(w->final);
out:
	lw_free(w);
	return rc;
}

static void lw_abort(icp_storage_writer *base)
{
	lw_free((local_writer *)base);
}

static int local_writer_open(void *state, const char *key, int if_absent,
                             icp_storage_writer **out, icp_error *err)
{
	local_writer *w;
	icp_buf p;
	char *slash;
	int rc = ICP_OK;
	static const char hex[] = "0123456789abcdef";
	uint8_t rnd[8];
	size_t i;

	w = icp_calloc(1, sizeof(*w));
	if (!w)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	w->fd = -1;
	w->if_absent = if_absent;
	icp_buf_init(&p, PATH_MAX);
	if (path_of(state, key, &p) != ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_INVALID, "key too long: %s", key);
		goto out;
	}
	w->final = icp_strdup((char *)p.data);
	if (!w->final) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		goto out;
	}
	slash = strrchr((char *)p.data, '/');
	*slash = 0;
	p.len = (size_t)(slash - (char *)p.data); /* p is now the parent dir */
	rc = mkdirs((char *)p.data, err);
	if (rc != ICP_OK)
		goto out;
	/* unique temp name beside the target: same filesystem for rename */
	icp_random_bytes(rnd, sizeof(rnd));
	icp_buf_append_str(&p, "/" TMP_PREFIX);
	icp_buf_append_str(&p, strrchr(w->final, '/') + 1);
	icp_buf_printf(&p, "-%d-", (int)getpid());
	for (i = 0; i < sizeof(rnd); i++) {
		icp_buf_append_byte(&p, (uint8_t)hex[rnd[i] >> 4]);
		icp_buf_append_byte(&p, (uint8_t)hex[rnd[i] & 15]);
	}
	if (p.status != ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		goto out;
	}
	w->fd = open((char *)p.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		rc = icp_error_set(err, ICP_ERR_IO, "file://%s: create: %s", (char *)p.data,
		                   strerror(errno));
		goto out;
	}
	w->tmp = (char *)icp_buf_detach(&p, NULL);
	w->base.write = lw_write;
	w->base.commit = lw_commit;
	w->base.abort = lw_abort;
	*out = &w->base;
	w = NULL;
out:
	if (w)
		lw_free(w);
	icp_buf_dispose(&p);
	return rc;
}

static int local_remove(void *state, const char *key, icp_error *err)
{
	icp_buf p;
	int rc = ICP_OK;
	icp_buf_init(&p, PATH_MAX);
	if (path_of(state, key, &p) != ICP_OK || unlink((char *)p.data) != 0)
		rc = icp_error_set(err, errno_status(errno), "file://%s: remove: %s",
		                   p.data ? (char *)p.data : key, strerror(errno));
	icp_buf_dispose(&p);
	return rc;
}

static int local_url(void *state, const char *key, icp_buf *out)
{
	local_state *st = state;
	icp_buf_append_str(out, "file://");
	icp_buf_append_str(out, st->root);
	if (key && *key) {
		icp_buf_append_byte(out, '/');
		icp_buf_append_str(out, key);
	}
	return out->status;
}

const icp_storage_vtable icp_storage_local_vtable = {
	.scheme = "file",
	.open = local_open,
	.close = local_close,
	.stat = local_stat,
	.read_range = local_read_range,
	.reader_open = local_reader_open,
	.list = local_list,
	.writer_open = local_writer_open,
	.remove = local_remove,
	.url = local_url,
};
