/*
 * Envelope recognition, parsing and checksum verification.
 */
#include "lfs/lfs.h"

#include "json/json.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

int icp_lfs_is_envelope(icp_slice v)
{
	size_t n = v.len < 50 ? v.len : 50, i;
	if (n < 9 || v.ptr[0] != '{')
		return 0;
	for (i = 0; i + 7 <= n; i++)
		if (memcmp(v.ptr + i, "kfs_lfs", 7) == 0)
			return 1;
	return 0;
}

static int str_member(const icp_json *o, const char *name, int required, const char **out,
                      icp_error *err)
{
	const icp_json *m = icp_json_get(o, name);
	*out = NULL;
	if (!m || m->type == ICP_JSON_NULL) {
		if (required)
			return icp_error_set(err, ICP_ERR_CORRUPT, "LFS envelope: \"%s\" is missing", name);
		return ICP_OK;
	}
	if (m->type != ICP_JSON_STRING || strlen(m->u.str.ptr) != m->u.str.len)
		return icp_error_set(err, ICP_ERR_CORRUPT, "LFS envelope: \"%s\" is not a string",
		                     name);
	if (required && m->u.str.len == 0)
		return icp_error_set(err, ICP_ERR_CORRUPT, "LFS envelope: \"%s\" is empty", name);
	*out = m->u.str.ptr;
	return ICP_OK;
}

int icp_lfs_parse(icp_slice v, icp_arena *a, icp_lfs_envelope *out, icp_error *err)
{
	icp_json *root = NULL;
	const icp_json *m;
	const char *alg = NULL, *sum = NULL;
	icp_json_opts o = {8, 1u << 20};
	int rc;

	memset(out, 0, sizeof(*out));
	out->size = -1;
	rc = icp_json_parse(a, (const char *)v.ptr, v.len, &o, &root, err);
	if (rc != ICP_OK) {
		icp_error_prefix(err, "LFS envelope");
		return rc == ICP_ERR_NOMEM ? rc : ICP_ERR_CORRUPT;
	}
	if (root->type != ICP_JSON_OBJECT)
		return icp_error_set(err, ICP_ERR_CORRUPT, "LFS envelope: not a JSON object");
	m = icp_json_get(root, "kfs_lfs");
	if (!m || m->type == ICP_JSON_NULL)
		return icp_error_set(err, ICP_ERR_CORRUPT, "LFS envelope: \"kfs_lfs\" is missing");
	if ((rc = str_member(root, "bucket", 1, &out->bucket, err)) != ICP_OK ||
	    (rc = str_member(root, "key", 1, &out->key, err)) != ICP_OK ||
	    (rc = str_member(root, "sha256", 1, &out->sha256, err)) != ICP_OK ||
	    (rc = str_member(root, "checksum", 0, &sum, err)) != ICP_OK ||
	    (rc = str_member(root, "checksum_alg", 0, &alg, err)) != ICP_OK ||
	    (rc = str_member(root, "content_type", 0, &out->content_type, err)) != ICP_OK)
		return rc;
	m = icp_json_get(root, "size");
	if (m && m->type != ICP_JSON_NULL) {
		if (m->type != ICP_JSON_INT || m->u.num.i < 0)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "LFS envelope: \"size\" is not a non-negative integer");
		out->size = m->u.num.i;
	}
	if (!sum || !sum[0]) {
		/* no separate checksum: the sha256 member is the checksum */
		out->alg = ICP_LFS_ALG_SHA256;
		out->checksum = out->sha256;
		out->checksum_alg = "sha256";
		return ICP_OK;
	}
	out->checksum = sum;
	out->checksum_alg = alg && alg[0] ? alg : "sha256";
	if (strcasecmp(out->checksum_alg, "sha256") == 0)
		out->alg = ICP_LFS_ALG_SHA256;
	else if (strcasecmp(out->checksum_alg, "md5") == 0)
		out->alg = ICP_LFS_ALG_MD5;
	else if (strcasecmp(out->checksum_alg, "crc32") == 0)
		out->alg = ICP_LFS_ALG_CRC32;
	else if (strcasecmp(out->checksum_alg, "none") == 0)
		out->alg = ICP_LFS_ALG_NONE;
	else
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "LFS envelope: checksum_alg \"%.32s\" is not sha256, md5, crc32 "
		                     "or none", out->checksum_alg);
	return ICP_OK;
}

static void hex(const uint8_t *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;
	for (i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = 0;
}

static int digest(const EVP_MD *md, icp_slice blob, char *out)
{
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_Digest(blob.ptr, blob.len, d, &n, md, NULL))
		return -1;
	hex(d, n, out);
	return 0;
}

int icp_lfs_verify(const icp_lfs_envelope *e, icp_slice blob, icp_error *err)
{
	char got[2 * EVP_MAX_MD_SIZE + 1];

	if (e->size >= 0 && (uint64_t)e->size != blob.len)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "LFS blob s3://%s/%s: %zu bytes, envelope says %lld", e->bucket,
		                     e->key, blob.len, (long long)e->size);
	switch (e->alg) {
	case ICP_LFS_ALG_NONE:
		return ICP_OK;
	case ICP_LFS_ALG_SHA256:
		if (digest(EVP_sha256(), blob, got))
			return icp_error_set(err, ICP_ERR_IO, "sha256 failed");
		break;
	case ICP_LFS_ALG_MD5:
		if (digest(EVP_md5(), blob, got))
			return icp_error_set(err, ICP_ERR_IO, "md5 failed");
		break;
	case ICP_LFS_ALG_CRC32: {
		uLong c = crc32(0L, Z_NULL, 0);
		size_t off = 0;
		while (off < blob.len) { /* zlib takes uInt lengths */
			size_t n = blob.len - off > (1u << 30) ? (1u << 30) : blob.len - off;
			c = crc32(c, blob.ptr + off, (uInt)n);
			off += n;
		}
		snprintf(got, sizeof(got), "%08lx", (unsigned long)c);
		break;
	}
	}
	if (strcasecmp(got, e->checksum) != 0)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "LFS blob s3://%s/%s: %s checksum mismatch (envelope %.128s, blob %s)",
		                     e->bucket, e->key, e->checksum_alg, e->checksum, got);
	return ICP_OK;
}

const char *icp_lfs_reason(int status)
{
	switch (status) {
	case ICP_ERR_CORRUPT:
		return "checksum";
	case ICP_ERR_NOT_FOUND:
		return "not_found";
	case ICP_ERR_TOO_LARGE:
		return "too_large";
	case ICP_ERR_INVALID:
		return "bad_envelope";
	default:
		return "fetch";
	}
}
