/*
 * The record scanner: a strict RFC 8259 parser into a reusable flat node
 * array (see columns_int.h). Unlike json/ it allocates nothing per record
 * once its arrays have grown to the largest record seen, which is what the
 * per-record extraction path needs. The whole value is checked to be
 * UTF-8 first, so strings only need escape handling here.
 */
#include "columns/columns_int.h"

#define CJ_MAX_DEPTH 64

typedef struct cj_p {
	cj_doc *d;
	const uint8_t *p, *e;
	int depth;
} cj_p;

static void ws(cj_p *p)
{
	while (p->p < p->e && (*p->p == ' ' || *p->p == '\t' || *p->p == '\n' || *p->p == '\r'))
		p->p++;
}

static int new_node(cj_p *p, uint32_t *idx)
{
	return icp_vt_push(p->d, ICP_VT_NULL, idx);
}

/* At the opening quote. Sets *s and *len to the unescaped string: the input
 * itself when it has no escape, else the scratch buffer (pre-reserved). */
static int string(cj_p *p, const char **s, size_t *len)
{
	const uint8_t *q = ++p->p;
	icp_buf *b = &p->d->scratch;
	size_t start;

	while (q < p->e && *q != '"' && *q != '\\' && *q >= 0x20)
		q++;
	if (q < p->e && *q == '"') {
		*s = (const char *)p->p;
		*len = (size_t)(q - p->p);
		p->p = q + 1;
		return ICP_OK;
	}
	start = b->len;
	icp_buf_put(b, p->p, (size_t)(q - p->p));
	for (;;) {
		if (q >= p->e || *q < 0x20)
			return ICP_ERR_CORRUPT;
		if (*q == '"')
			break;
		if (*q != '\\') {
			icp_buf_put(b, q, 1);
			q++;
			continue;
		}
		if (q + 1 >= p->e)
			return ICP_ERR_CORRUPT;
		q++;
		switch (*q) {
		case '"': case '\\': case '/':
			icp_buf_put(b, q, 1);
			break;
		case 'b': icp_buf_put(b, "\b", 1); break;
		case 'f': icp_buf_put(b, "\f", 1); break;
		case 'n': icp_buf_put(b, "\n", 1); break;
		case 'r': icp_buf_put(b, "\r", 1); break;
		case 't': icp_buf_put(b, "\t", 1); break;
		case 'u': {
			uint32_t cp, lo;
			uint8_t enc[4];
			if (p->e - q < 5 || !icp_json_hex4(q + 1, &cp))
				return ICP_ERR_CORRUPT;
			q += 4;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return ICP_ERR_CORRUPT; /* lone low surrogate */
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (p->e - q < 7 || q[1] != '\\' || q[2] != 'u' || !icp_json_hex4(q + 3, &lo) ||
				    lo < 0xDC00 || lo > 0xDFFF)
					return ICP_ERR_CORRUPT;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				q += 6;
			}
			/* \uXXXX is 6 bytes and encodes to at most 3; a pair is
			 * 12 bytes for 4: the reserved room always suffices. */
			icp_buf_put(b, enc, icp_utf8_encode(cp, enc));
			break;
		}
		default:
			return ICP_ERR_CORRUPT;
		}
		q++;
	}
	*s = (const char *)b->data + start;
	*len = b->len - start;
	p->p = q + 1;
	return ICP_OK;
}

static int digits(cj_p *p)
{
	const uint8_t *s = p->p;

	while (p->p < p->e && *p->p >= '0' && *p->p <= '9')
		p->p++;
	return p->p > s;
}

static int number(cj_p *p, cj_node *n)
{
	const uint8_t *s = p->p;

	n->b = 1;
	if (p->p < p->e && *p->p == '-')
		p->p++;
	if (p->p < p->e && *p->p == '0')
		p->p++;
	else if (!digits(p))
		return ICP_ERR_CORRUPT;
	if (p->p < p->e && *p->p == '.') {
		p->p++;
		n->b = 0;
		if (!digits(p))
			return ICP_ERR_CORRUPT;
	}
	if (p->p < p->e && (*p->p == 'e' || *p->p == 'E')) {
		p->p++;
		n->b = 0;
		if (p->p < p->e && (*p->p == '+' || *p->p == '-'))
			p->p++;
		if (!digits(p))
			return ICP_ERR_CORRUPT;
	}
	n->type = CJ_NUM;
	n->s = (const char *)s;
	n->len = (size_t)(p->p - s);
	return ICP_OK;
}

static int word(cj_p *p, const char *w, size_t n)
{
	if ((size_t)(p->e - p->p) < n || memcmp(p->p, w, n) != 0)
		return 0;
	p->p += n;
	return 1;
}

static int value(cj_p *p, const char *key, size_t key_len)
{
	uint32_t idx, cnt = 0;
	int rc;

	ws(p);
	if (p->p >= p->e)
		return ICP_ERR_CORRUPT;
	if ((rc = new_node(p, &idx)) != ICP_OK)
		return rc;
	p->d->nodes[idx].key = key;
	p->d->nodes[idx].key_len = key_len;
	switch (*p->p) {
	case '{':
	case '[': {
		int obj = *p->p == '{';
		uint8_t close = obj ? '}' : ']';
		if (++p->depth > CJ_MAX_DEPTH)
			return ICP_ERR_CORRUPT;
		p->p++;
		ws(p);
		if (p->p < p->e && *p->p == close) {
			p->p++;
		} else {
			for (;;) {
				const char *k = NULL;
				size_t kl = 0;
				ws(p);
				if (obj) {
					if (p->p >= p->e || *p->p != '"')
						return ICP_ERR_CORRUPT;
					if ((rc = string(p, &k, &kl)) != ICP_OK)
						return rc;
					ws(p);
					if (p->p >= p->e || *p->p != ':')
						return ICP_ERR_CORRUPT;
					p->p++;
				}
				if ((rc = value(p, k, kl)) != ICP_OK)
					return rc;
				cnt++;
				ws(p);
				if (p->p < p->e && *p->p == ',') {
					p->p++;
					continue;
				}
				if (p->p < p->e && *p->p == close) {
					p->p++;
					break;
				}
				return ICP_ERR_CORRUPT;
			}
		}
		p->depth--;
		p->d->nodes[idx].type = obj ? CJ_OBJ : CJ_ARR;
		p->d->nodes[idx].n = cnt;
		break;
	}
	case '"': {
		const char *s;
		size_t l;
		if ((rc = string(p, &s, &l)) != ICP_OK)
			return rc;
		p->d->nodes[idx].type = CJ_STR;
		p->d->nodes[idx].s = s;
		p->d->nodes[idx].len = l;
		break;
	}
	case 't':
	case 'f':
		if (!word(p, "true", 4) && !word(p, "false", 5))
			return ICP_ERR_CORRUPT;
		p->d->nodes[idx].type = CJ_BOOL;
		p->d->nodes[idx].b = p->p[-1] == 'e' && p->p[-2] == 'u';
		break;
	case 'n':
		if (!word(p, "null", 4))
			return ICP_ERR_CORRUPT;
		p->d->nodes[idx].type = CJ_NULL;
		break;
	default:
		if ((rc = number(p, &p->d->nodes[idx])) != ICP_OK)
			return rc;
	}
	p->d->nodes[idx].end = (uint32_t)p->d->n;
	return ICP_OK;
}

int cj_parse(cj_doc *d, const uint8_t *text, size_t len)
{
	cj_p p = {d, text, text + len, 0};
	int rc;

	d->n = 0;
	icp_buf_reset(&d->scratch);
	if (icp_buf_reserve(&d->scratch, len + 1) != ICP_OK)
		return ICP_ERR_NOMEM;
	if (!icp_utf8_valid(text, len))
		return ICP_ERR_CORRUPT;
	rc = value(&p, NULL, 0);
	if (rc != ICP_OK)
		return rc;
	ws(&p);
	return p.p == p.e ? ICP_OK : ICP_ERR_CORRUPT;
}
