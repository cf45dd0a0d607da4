/*
 * Segment sources over a local file (pread for the footer, read for the
 * stream) and over memory.
 */
#include "segment/segment.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct file_src {
	int fd;
	const char *path;
} file_src;

static int file_read(void *ctx, uint8_t *buf, size_t n, size_t *got, icp_error *err)
{
	file_src *f = ctx;
	ssize_t r;

	do
		r = read(f->fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return icp_error_set(err, ICP_ERR_IO, "%s: read failed: %s", f->path,
		                     strerror(errno));
	*got = (size_t)r;
	return ICP_OK;
}

static int file_read_at(void *ctx, uint64_t pos, uint8_t *buf, size_t n, icp_error *err)
{
	file_src *f = ctx;
	size_t done = 0;

	while (done < n) {
		ssize_t r = pread(f->fd, buf + done, n - done, (off_t)(pos + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return icp_error_set(err, ICP_ERR_IO, "%s: read at byte %llu failed: %s",
			                     f->path, (unsigned long long)(pos + done),
			                     r < 0 ? strerror(errno) : "unexpected end of file");
		done += (size_t)r;
	}
	return ICP_OK;
}

int icp_segment_file_open(const char *path, uint64_t start,
                          icp_segment_source *src, icp_error *err)
{
	file_src *f;
	struct stat st;
	int fd;

	memset(src, 0, sizeof(*src));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return icp_error_set(err, errno == ENOENT ? ICP_ERR_NOT_FOUND : ICP_ERR_IO,
		                     "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return icp_error_set(err, ICP_ERR_IO, "%s: not a regular file", path);
	}
	if (start && lseek(fd, (off_t)start, SEEK_SET) < 0) {
		close(fd);
		return icp_error_set(err, ICP_ERR_IO, "%s: cannot seek to %llu: %s", path,
		                     (unsigned long long)start, strerror(errno));
	}
	f = icp_malloc(sizeof(*f));
	if (!f) {
		close(fd);
		return icp_error_set(err, ICP_ERR_NOMEM, "%s: out of memory", path);
	}
	f->fd = fd;
	f->path = path;
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	src->ctx = f;
	src->read = file_read;
	src->read_at = file_read_at;
	src->size = (uint64_t)st.st_size;
	src->start = start;
	src->name = path;
	return ICP_OK;
}

void icp_segment_file_close(icp_segment_source *src)
{
	file_src *f = src ? src->ctx : NULL;
	if (!f)
		return;
	close(f->fd);
	icp_free(f);
	src->ctx = NULL;
}

static int mem_read(void *ctx, uint8_t *buf, size_t n, size_t *got, icp_error *err)
{
	icp_segment_mem *m = ctx;
	size_t left = m->data.len - m->pos;

	ICP_UNUSED(err);
	if (n > left)
		n = left;
	if (n)
		memcpy(buf, m->data.ptr + m->pos, n);
	m->pos += n;
	*got = n;
	return ICP_OK;
}

void icp_segment_mem_source(icp_segment_mem *state, icp_slice data,
                            uint64_t start, const char *name,
                            icp_segment_source *src)
{
	memset(src, 0, sizeof(*src));
	state->data = data;
	state->pos = 0;
	src->ctx = state;
	src->read = mem_read;
	src->read_at = NULL;
	src->size = start + data.len;
	src->start = start;
	src->name = name;
}
