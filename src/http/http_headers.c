/*
 * The response header parser: one bounded block of "name\0value\0"
 * entries, built line by line from what the transport receives. Folded
 * and repeated headers are merged into their entry at parse time, so a
 * lookup is a plain scan and returns one NUL-terminated value.
 */
#include "http/http.h"

#include <strings.h>

void icp_http_headers_init(icp_http_headers *h)
{
	memset(h, 0, sizeof(*h));
	icp_buf_init(&h->buf, ICP_HTTP_HEADERS_MAX);
	h->last = -1;
}

void icp_http_headers_dispose(icp_http_headers *h)
{
	if (!h)
		return;
	icp_buf_dispose(&h->buf);
	h->n = 0;
	h->last = -1;
}

void icp_http_headers_reset(icp_http_headers *h)
{
	icp_buf_reset(&h->buf);
	h->n = 0;
	h->last = -1;
	h->status = ICP_OK;
}

/* A malformed line is skipped, not sticky: curl is lenient there too. */
static int skip_line(icp_http_headers *h)
{
	h->last = -1;
	return ICP_ERR_CORRUPT;
}

static int fail(icp_http_headers *h, int status)
{
	if (h->status == ICP_OK)
		h->status = status;
	return h->status;
}

/* Position of the NUL that ends entry e's value. */
static size_t value_end(const icp_http_headers *h, size_t e)
{
	const char *p = (const char *)h->buf.data + h->off[e];
	p += strlen(p) + 1;
	return (size_t)(p + strlen(p) - (const char *)h->buf.data);
}

/* Inserts p[0..n) at buf position pos (before the NUL ending the value of
 * the entry that owns pos), shifting later entries. */
static int insert_at(icp_http_headers *h, size_t pos, const char *p, size_t n)
{
	size_t old = h->buf.len, i;

	if (icp_buf_reserve(&h->buf, n) != ICP_OK)
		return fail(h, h->buf.status);
	memmove(h->buf.data + pos + n, h->buf.data + pos, old - pos);
	memcpy(h->buf.data + pos, p, n);
	h->buf.len = old + n;
	for (i = 0; i < h->n; i++)
		if (h->off[i] > pos)
			h->off[i] += n;
	return ICP_OK;
}

static int find(const icp_http_headers *h, const char *name, size_t nl)
{
	for (size_t i = 0; i < h->n; i++) {
		const char *e = (const char *)h->buf.data + h->off[i];
		if (strlen(e) == nl && strncasecmp(e, name, nl) == 0)
			return (int)i;
	}
	return -1;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

int icp_http_headers_add(icp_http_headers *h, const char *line, size_t n)
{
	const char *colon, *v;
	size_t nl, vl;
	int e;

	if (h->status != ICP_OK)
		return h->status;
	if (n > ICP_HTTP_HEADER_LINE_MAX)
		return fail(h, ICP_ERR_TOO_LARGE);
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		icp_http_headers_reset(h); /* a new response (after 1xx, redirect) */
		return ICP_OK;
	}
	if (n == 0) {
		h->last = -1; /* end of the block */
		return ICP_OK;
	}
	if (is_ws(line[0])) {
		/* obs-fold: more of the previous header's value. */
		if (h->last < 0)
			return skip_line(h);
		v = line;
		vl = n;
		while (vl && is_ws(*v))
			v++, vl--;
		while (vl && is_ws(v[vl - 1]))
			vl--;
		if (vl == 0)
			return ICP_OK;
		if (insert_at(h, value_end(h, (size_t)h->last), " ", 1) != ICP_OK)
			return h->status;
		return insert_at(h, value_end(h, (size_t)h->last), v, vl);
	}
	colon = memchr(line, ':', n);
	if (!colon || colon == line)
		return skip_line(h);
	nl = (size_t)(colon - line);
	for (size_t i = 0; i < nl; i++)
		if (is_ws(line[i]) || line[i] == 0)
			return skip_line(h); /* no space before ':' */
	v = colon + 1;
	vl = n - nl - 1;
	while (vl && is_ws(*v))
		v++, vl--;
	while (vl && is_ws(v[vl - 1]))
		vl--;
	if (memchr(v, 0, vl))
		return skip_line(h);
	e = find(h, line, nl);
	if (e >= 0) {
		/* A repeated field line: one comma-separated list. */
		h->last = e;
		if (insert_at(h, value_end(h, (size_t)e), ", ", 2) != ICP_OK)
			return h->status;
		return insert_at(h, value_end(h, (size_t)e), v, vl);
	}
	if (h->n == ICP_HTTP_MAX_HEADERS)
		return fail(h, ICP_ERR_TOO_LARGE);
	h->off[h->n] = h->buf.len;
	icp_buf_append(&h->buf, line, nl);
	icp_buf_append_byte(&h->buf, 0);
	icp_buf_append(&h->buf, v, vl);
	icp_buf_append_byte(&h->buf, 0);
	if (h->buf.status != ICP_OK)
		return fail(h, h->buf.status);
	h->last = (int)h->n++;
	return ICP_OK;
}

const char *icp_http_header(const icp_http_headers *h, const char *name)
{
	int e = find(h, name, strlen(name));
	const char *p;

	if (e < 0)
		return NULL;
	p = (const char *)h->buf.data + h->off[e];
	return p + strlen(p) + 1;
}

int icp_http_header_u64(const icp_http_headers *h, const char *name, uint64_t *v)
{
	const char *s = icp_http_header(h, name);
	uint64_t x = 0;

	if (!s || !*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - 9) / 10)
			return 0;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 1;
}
