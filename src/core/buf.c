/*
 * icp_buf: the one bounded growable buffer. Growth doubles; the max is a
 * hard ceiling checked with overflow-safe arithmetic. Errors are sticky so
 * a sequence of appends is checked once at the end. Slow paths (growth,
 * escaping) stay out of line; icp_buf_put() is the inline fast path.
 */
#include "core.h"

#include <stdio.h>

void icp_buf_init(icp_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : ICP_BUF_UNLIMITED;
	b->status = ICP_OK;
}

void icp_buf_dispose(icp_buf *b)
{
	if (!b)
		return;
	icp_free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->status = ICP_OK;
}

void icp_buf_reset(icp_buf *b)
{
	b->len = 0;
	b->status = ICP_OK;
	if (b->data)
		b->data[0] = 0;
}

int icp_buf_reserve(icp_buf *b, size_t n)
{
	size_t need, ncap;
	uint8_t *p;

	if (b->status != ICP_OK)
		return b->status;
	/* +1 keeps room for a terminating NUL. */
	if (icp_add_size(b->len, n, &need) || need > b->max ||
	    icp_add_size(need, 1, &need))
		return b->status = ICP_ERR_TOO_LARGE;
	if (need <= b->cap)
		return ICP_OK;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need) {
		if (ncap > ((size_t)-1) / 2) {
			ncap = need;
			break;
		}
		ncap *= 2;
	}
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	p = icp_realloc(b->data, ncap);
	if (!p)
		return b->status = ICP_ERR_NOMEM;
	b->data = p;
	b->cap = ncap;
	return ICP_OK;
}

int icp_buf_append(icp_buf *b, const void *p, size_t n)
{
	if (icp_buf_reserve(b, n) != ICP_OK)
		return b->status;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return ICP_OK;
}

int icp_buf_append_byte(icp_buf *b, uint8_t c)
{
	return icp_buf_append(b, &c, 1);
}

int icp_buf_append_str(icp_buf *b, const char *s)
{
	return icp_buf_append(b, s, strlen(s));
}

int icp_buf_printf(icp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->status != ICP_OK)
		return b->status;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return b->status = ICP_ERR_INVALID;
	if (icp_buf_reserve(b, (size_t)n) != ICP_OK)
		return b->status;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return ICP_OK;
}

uint8_t *icp_buf_detach(icp_buf *b, size_t *len)
{
	uint8_t *d = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int icp_base64_decode(const uint8_t *s, size_t n, uint8_t *out, size_t *out_len,
                      size_t *bad_at)
{
	size_t i, o = 0, pad = 0;

	*out_len = 0;
	*bad_at = n % 4 ? n : 0;
	if (n % 4)
		return ICP_ERR_CORRUPT;
	if (n && s[n - 1] == '=')
		pad = s[n - 2] == '=' ? 2 : 1;
	for (i = 0; i < n; i += 4) {
		size_t k, data = i + 4 == n ? 4 - pad : 4;
		uint32_t w = 0;
		for (k = 0; k < 4; k++) {
			int v = k < data ? b64_val(s[i + k]) : 0;
			if (v < 0) {
				*bad_at = i + k;
				return ICP_ERR_CORRUPT;
			}
			w = w << 6 | (uint32_t)v;
		}
		/* stray low bits before '=' would give a second encoding */
		if ((data == 3 && (w & 0xff)) || (data == 2 && (w & 0xffff))) {
			*bad_at = i;
			return ICP_ERR_CORRUPT;
		}
		out[o++] = (uint8_t)(w >> 16);
		if (data > 2)
			out[o++] = (uint8_t)(w >> 8);
		if (data > 3)
			out[o++] = (uint8_t)w;
	}
	*out_len = o;
	return ICP_OK;
}

int icp_buf_append_base64(icp_buf *b, const uint8_t *p, size_t n)
{
	size_t out, i;
	uint8_t *o;

	if (icp_mul_size(n / 3 + (n % 3 != 0), 4, &out) ||
	    icp_buf_reserve(b, out) != ICP_OK)
		return b->status ? b->status : (b->status = ICP_ERR_TOO_LARGE);
	o = b->data + b->len;
	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		o[0] = (uint8_t)b64[v >> 18];
		o[1] = (uint8_t)b64[(v >> 12) & 63];
		o[2] = (uint8_t)b64[(v >> 6) & 63];
		o[3] = (uint8_t)b64[v & 63];
		o += 4;
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		o[0] = (uint8_t)b64[v >> 18];
		o[1] = (uint8_t)b64[(v >> 12) & 63];
		o[2] = '=';
		o[3] = '=';
		o += 4;
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		o[0] = (uint8_t)b64[v >> 18];
		o[1] = (uint8_t)b64[(v >> 12) & 63];
		o[2] = (uint8_t)b64[(v >> 6) & 63];
		o[3] = '=';
		o += 4;
	}
	b->len = (size_t)(o - b->data);
	b->data[b->len] = 0;
	return ICP_OK;
}

int icp_buf_append_json_str(icp_buf *b, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	icp_buf_append_byte(b, '"');
	for (i = 0; i < n; i++) {
		uint8_t c = p[i];
		char esc[6];
		size_t elen = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		icp_buf_append(b, p + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\t': esc[1] = 't'; break;
		case '\n': esc[1] = 'n'; break;
		case '\f': esc[1] = 'f'; break;
		case '\r': esc[1] = 'r'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		icp_buf_append(b, esc, elen);
	}
	icp_buf_append(b, p + run, n - run);
	return icp_buf_append_byte(b, '"');
}

int icp_buf_append_i64(icp_buf *b, int64_t v)
{
	char tmp[24];
	char *e = tmp + sizeof(tmp), *s = e;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--s = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--s = '-';
	return icp_buf_append(b, s, (size_t)(e - s));
}
