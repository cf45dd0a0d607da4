/*
 * The INI dialect of ~/.aws/credentials and ~/.aws/config, parsed from
 * untrusted text (a user's file) without allocating:
 *
 *   # comment            ; comment       (whole lines only)
 *   [section name]
 *   key = value          (key lowercased; both trimmed; '=' or ':')
 *   s3 =                 (empty value opens a nested block ...)
 *     addressing_style = path   (... of indented lines: "s3.addressing_style")
 *
 * Lines end with "\n" or "\r\n". Each line is copied into a bounded stack
 * buffer (ICP_S3_INI_MAX_LINE) so the callback gets NUL-terminated strings.
 * A NUL byte inside the text is CORRUPT (keys and secrets are text).
 */
#include "s3/s3.h"

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims s[0..n) in place; returns the start, sets *len. */
static char *trim(char *s, size_t *len)
{
	size_t n = *len;
	while (n && blank(*s)) {
		s++;
		n--;
	}
	while (n && blank(s[n - 1]))
		n--;
	s[n] = 0;
	*len = n;
	return s;
}

int icp_s3_ini_parse(const char *text, size_t n, const char *what, icp_s3_ini_fn fn,
                     void *ctx, icp_error *err)
{
	char section[ICP_S3_INI_MAX_LINE + 1] = "";
	char parent[ICP_S3_INI_MAX_LINE + 1] = ""; /* open nested block, or "" */
	char line[ICP_S3_INI_MAX_LINE + 1];
	char key[2 * ICP_S3_INI_MAX_LINE + 2];
	size_t pos = 0, lineno = 0;

	while (pos < n) {
		const char *eol = memchr(text + pos, '\n', n - pos);
		size_t len = eol ? (size_t)(eol - (text + pos)) : n - pos;
		size_t klen, vlen;
		char *s, *eq, *k, *v;
		int indented, rc;

		lineno++;
		if (len && text[pos + len - 1] == '\r')
			len--;
		if (len > ICP_S3_INI_MAX_LINE)
			return icp_error_set(err, ICP_ERR_TOO_LARGE, "%s:%zu: line longer than %d bytes",
			                     what, lineno, ICP_S3_INI_MAX_LINE);
		if (memchr(text + pos, 0, len))
			return icp_error_set(err, ICP_ERR_CORRUPT, "%s:%zu: NUL byte", what, lineno);
		memcpy(line, text + pos, len);
		line[len] = 0;
		pos += (eol ? (size_t)(eol - (text + pos)) + 1 : n - pos);

		indented = len > 0 && blank(line[0]);
		s = trim(line, &len);
		if (len == 0 || s[0] == '#' || s[0] == ';')
			continue;
		if (s[0] == '[') {
			if (s[len - 1] != ']')
				return icp_error_set(err, ICP_ERR_CORRUPT, "%s:%zu: section header "
				                     "without ']'", what, lineno);
			s[len - 1] = 0;
			len -= 2;
			s = trim(s + 1, &len);
			memcpy(section, s, len + 1);
			parent[0] = 0;
			continue;
		}
		eq = strpbrk(s, "=:");
		if (!eq)
			return icp_error_set(err, ICP_ERR_CORRUPT, "%s:%zu: expected \"key = value\"",
			                     what, lineno);
		klen = (size_t)(eq - s);
		vlen = len - klen - 1;
		k = trim(s, &klen);
		v = trim(eq + 1, &vlen);
		if (klen == 0)
			return icp_error_set(err, ICP_ERR_CORRUPT, "%s:%zu: empty key", what, lineno);
		for (size_t i = 0; i < klen; i++)
			if (k[i] >= 'A' && k[i] <= 'Z')
				k[i] = (char)(k[i] + 32);
		if (indented && parent[0]) {
			/* Nested "parent.key". */
			size_t plen = strlen(parent);
			memcpy(key, parent, plen);
			key[plen] = '.';
			memcpy(key + plen + 1, k, klen + 1);
		} else {
			memcpy(key, k, klen + 1);
			if (vlen == 0)
				memcpy(parent, k, klen + 1);
			else
				parent[0] = 0;
		}
		rc = fn(ctx, section, key, v);
		if (rc)
			return rc;
	}
	return ICP_OK;
}
