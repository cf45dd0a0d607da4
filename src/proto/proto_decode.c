/*
 * proto decoding: one protobuf message -> a vtree (see proto.h for the
 * mapping and the wire rules).
 *
 * The vtree is pre-order, so a message's members must come out in
 * declaration order whatever order the wire has them in. Each message is
 * therefore scanned once: every (tag, value) whose number the message
 * declares becomes an occurrence {wire type, value or offset+length},
 * chained per field (a singular field keeps only its last one). Then the
 * fields are emitted in declaration order from their chains; a nested
 * message recurses, its occurrences stacked above its parent's. The
 * occurrence and chain arrays live in the decoder and only grow, so a warm
 * decoder allocates nothing per record. They are addressed by index (a
 * nested call may move them).
 */
#include "proto/proto_int.h"

#include <stdio.h>

#define NONE UINT32_MAX

typedef struct occ {
	uint64_t v;     /* VARINT/I32/I64 value; LEN length */
	uint32_t off;   /* LEN: value offset; else: the tag's offset */
	uint32_t next;
	uint8_t wt;
} occ;

typedef struct chain {
	uint32_t head, tail;
} chain;

typedef struct fixup {
	uint32_t node;
	uint32_t off;   /* into doc->scratch */
} fixup;

struct icp_proto_decoder {
	occ *occ;
	size_t n_occ, cap_occ;
	chain *ch;
	size_t n_ch, cap_ch;
	fixup *fix;
	size_t n_fix, cap_fix;
	/* per call */
	const uint8_t *base;
	icp_vt_doc *doc;
	icp_error *err;
	/* per message level: a field name, and "key"/"value" in a map */
	const char *path[ICP_PROTO_MAX_DEPTH * 2 + 8];
	int plen;
};

static const uint8_t wire_of[19] = {
	[PB_T_DOUBLE] = PB_I64,    [PB_T_FLOAT] = PB_I32,    [PB_T_INT64] = PB_VARINT,
	[PB_T_UINT64] = PB_VARINT, [PB_T_INT32] = PB_VARINT, [PB_T_FIXED64] = PB_I64,
	[PB_T_FIXED32] = PB_I32,   [PB_T_BOOL] = PB_VARINT,  [PB_T_STRING] = PB_LEN,
	[PB_T_GROUP] = 7,          [PB_T_MESSAGE] = PB_LEN,  [PB_T_BYTES] = PB_LEN,
	[PB_T_UINT32] = PB_VARINT, [PB_T_ENUM] = PB_VARINT,  [PB_T_SFIXED32] = PB_I32,
	[PB_T_SFIXED64] = PB_I64,  [PB_T_SINT32] = PB_VARINT, [PB_T_SINT64] = PB_VARINT,
	[0] = 7,
};

int icp_pb_wire_type(int type)
{
	return type >= 0 && type <= 18 ? wire_of[type] : 7;
}

int icp_pb_wkt_scalar(int wkt)
{
	static const uint8_t t[] = {
		[PB_WKT_DOUBLE] = PB_T_DOUBLE, [PB_WKT_FLOAT] = PB_T_FLOAT,
		[PB_WKT_INT64] = PB_T_INT64,   [PB_WKT_UINT64] = PB_T_UINT64,
		[PB_WKT_INT32] = PB_T_INT32,   [PB_WKT_UINT32] = PB_T_UINT32,
		[PB_WKT_BOOL] = PB_T_BOOL,     [PB_WKT_STRING] = PB_T_STRING,
		[PB_WKT_BYTES] = PB_T_BYTES,
	};
	return wkt > 0 && (size_t)wkt < sizeof(t) ? t[wkt] : 0;
}

icp_proto_decoder *icp_proto_decoder_new(void)
{
	return icp_calloc(1, sizeof(icp_proto_decoder));
}

void icp_proto_decoder_free(icp_proto_decoder *d)
{
	if (!d)
		return;
	icp_free(d->occ);
	icp_free(d->ch);
	icp_free(d->fix);
	icp_free(d);
}

/* Sets a payload error naming the byte offset and the field path. */
static int fail(icp_proto_decoder *d, int status, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(icp_proto_decoder *d, int status, size_t at, const char *fmt, ...)
{
	char path[512], what[256];
	size_t len = 0;
	va_list ap;
	int i;

	path[0] = 0;
	for (i = 0; i < d->plen && len < sizeof(path) - 1; i++) {
		int w = snprintf(path + len, sizeof(path) - len, "%s%s", i ? "." : "", d->path[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return icp_error_set(d->err, status, "protobuf payload: byte %zu, field %s: %s", at,
	                     d->plen ? path : "(message)", what);
}

static int wire_fail(icp_proto_decoder *d, int r, size_t at)
{
	return fail(d, ICP_ERR_CORRUPT, at, "%s",
	            r == -1 ? "truncated" : "malformed varint, tag or group");
}

static int push(icp_proto_decoder *d, icp_vt_kind k, uint32_t *idx, size_t at)
{
	int rc = icp_vt_push(d->doc, k, idx);

	if (rc != ICP_OK)
		return fail(d, rc, at, "%s",
		            rc == ICP_ERR_TOO_LARGE ? "more values than the tree's limit"
		                                    : "out of memory");
	return ICP_OK;
}

static int grow(icp_proto_decoder *d, void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t nc = *cap ? *cap : 64;
	void *na;

	while (nc < need)
		nc *= 2;
	if (!(na = icp_realloc(*arr, nc * elem)))
		return fail(d, ICP_ERR_NOMEM, 0, "out of memory");
	*arr = na;
	*cap = nc;
	return ICP_OK;
}

static int is_packable(int type)
{
	return wire_of[type] != PB_LEN && wire_of[type] != 7;
}

/* Emits a scalar of the given type from its wire value. */
static int emit_scalar(icp_proto_decoder *d, const pb_field *f, int type, uint64_t v,
                       uint32_t off, size_t at)
{
	icp_vt_node *n;
	uint32_t idx;
	int rc;

	switch (type) {
	case PB_T_DOUBLE:
	case PB_T_FLOAT:
		if ((rc = push(d, ICP_VT_DOUBLE, &idx, at)) != ICP_OK)
			return rc;
		if (type == PB_T_DOUBLE) {
			memcpy(&d->doc->nodes[idx].d, &v, 8);
		} else {
			uint32_t b = (uint32_t)v;
			float x;
			memcpy(&x, &b, 4);
			d->doc->nodes[idx].d = x;
		}
		return ICP_OK;
	case PB_T_BOOL:
		if ((rc = push(d, ICP_VT_BOOL, &idx, at)) != ICP_OK)
			return rc;
		d->doc->nodes[idx].b = v != 0;
		return ICP_OK;
	case PB_T_STRING:
	case PB_T_BYTES:
		if (type == PB_T_STRING && !icp_utf8_valid(d->base + off, (size_t)v))
			return fail(d, ICP_ERR_CORRUPT, at, "string is not valid UTF-8");
		if ((rc = push(d, type == PB_T_STRING ? ICP_VT_STR : ICP_VT_BYTES, &idx, at)) !=
		    ICP_OK)
			return rc;
		n = &d->doc->nodes[idx];
		n->s = (const char *)d->base + off;
		n->len = (size_t)v;
		return ICP_OK;
	case PB_T_ENUM: {
		const pb_enum_value *ev;
		char num[16];
		int w;
		if (!f->en)
			return fail(d, ICP_ERR_INVALID, at, "unresolvable enum type %s", f->type_name);
		if ((rc = push(d, ICP_VT_STR, &idx, at)) != ICP_OK)
			return rc;
		if ((ev = icp_pb_enum_find(f->en, (int32_t)(uint32_t)v))) {
			d->doc->nodes[idx].s = ev->name;
			d->doc->nodes[idx].len = ev->name_len;
			return ICP_OK;
		}
		/* An open enum's undeclared number: its decimal text, in scratch
		 * (pointed at once decoding is over, the buffer may move). */
		w = snprintf(num, sizeof(num), "%d", (int)(int32_t)(uint32_t)v);
		if (d->n_fix == d->cap_fix &&
		    (rc = grow(d, (void **)&d->fix, &d->cap_fix, d->n_fix + 1, sizeof(fixup))) !=
		            ICP_OK)
			return rc;
		d->fix[d->n_fix].node = idx;
		d->fix[d->n_fix].off = (uint32_t)d->doc->scratch.len;
		d->n_fix++;
		if (icp_buf_append(&d->doc->scratch, num, (size_t)w) != ICP_OK)
			return fail(d, ICP_ERR_NOMEM, at, "out of memory");
		d->doc->nodes[idx].len = (size_t)w;
		return ICP_OK;
	}
	default:
		break;
	}
	if ((rc = push(d, ICP_VT_LONG, &idx, at)) != ICP_OK)
		return rc;
	n = &d->doc->nodes[idx];
	switch (type) {
	case PB_T_INT32:
	case PB_T_SFIXED32:
		n->i = (int32_t)(uint32_t)v;
		break;
	case PB_T_UINT32:
	case PB_T_FIXED32:
		n->i = (uint32_t)v;
		break;
	case PB_T_SINT32:
		n->i = icp_pb_unzigzag32((uint32_t)v);
		break;
	case PB_T_SINT64:
		n->i = icp_pb_unzigzag64(v);
		break;
	case PB_T_UINT64:
	case PB_T_FIXED64:
		if (v > (uint64_t)INT64_MAX)
			return fail(d, ICP_ERR_CORRUPT, at,
			            "unsigned value %llu exceeds the long range",
			            (unsigned long long)v);
		n->i = (int64_t)v;
		break;
	default: /* INT64, SFIXED64 */
		n->i = (int64_t)v;
		break;
	}
	return ICP_OK;
}

/* The value an absent implicit-presence field (or map key/value) has. */
static int emit_default(icp_proto_decoder *d, const pb_field *f, int depth, size_t at);
static int emit_one(icp_proto_decoder *d, const pb_field *f, int depth, uint64_t v,
                    uint32_t off, size_t at);

/* Scans a message body for the last occurrence of field numbers 1 and 2
 * (Timestamp, wrappers, map entries). want[i]: expected wire type of
 * number i+1, or -1 to skip that number like an unknown one. */
static int scan_pair(icp_proto_decoder *d, uint32_t off, uint64_t len, const int want[2],
                     occ out[2], int found[2])
{
	const uint8_t *q = d->base + off, *end = q + len;

	found[0] = found[1] = 0;
	while (q < end) {
		size_t at = (size_t)(q - d->base);
		uint32_t num;
		uint64_t v;
		int wt, r;
		if ((r = icp_pb_tag(&q, end, &num, &wt)) != 0 ||
		    (r = icp_pb_value(&q, end, wt, &v)) != 0)
			return wire_fail(d, r, at);
		if ((num == 1 || num == 2) && want[num - 1] >= 0) {
			if (wt != want[num - 1])
				return fail(d, ICP_ERR_CORRUPT, at, "field %u has wire type %d, not %d",
				            num, wt, want[num - 1]);
			out[num - 1].v = v;
			out[num - 1].off = wt == PB_LEN ? (uint32_t)(q - d->base) : (uint32_t)at;
			out[num - 1].wt = (uint8_t)wt;
			found[num - 1] = 1;
		}
		if (wt == PB_LEN)
			q += v;
	}
	return ICP_OK;
}

static int emit_wkt(icp_proto_decoder *d, const pb_field *f, uint32_t off, uint64_t len,
                    size_t at)
{
	occ o[2];
	int found[2], want[2], rc;
	uint32_t idx;

	if (f->wkt == PB_WKT_TIMESTAMP) {
		int64_t sec, nanos;
		want[0] = want[1] = PB_VARINT;
		if ((rc = scan_pair(d, off, len, want, o, found)) != ICP_OK)
			return rc;
		sec = found[0] ? (int64_t)o[0].v : 0;
		nanos = found[1] ? (int32_t)(uint32_t)o[1].v : 0;
		/* 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z, as the type
		 * defines it; this also keeps the product below in range. */
		if (sec < -62135596800LL || sec > 253402300799LL || nanos < 0 ||
		    nanos > 999999999)
			return fail(d, ICP_ERR_CORRUPT, at,
			            "Timestamp out of range (seconds %lld, nanos %lld)",
			            (long long)sec, (long long)nanos);
		if ((rc = push(d, ICP_VT_TIMESTAMP, &idx, at)) != ICP_OK)
			return rc;
		d->doc->nodes[idx].i = sec * 1000000 + nanos / 1000;
		return ICP_OK;
	} else {
		pb_field vf;
		memset(&vf, 0, sizeof(vf));
		vf.type = (uint8_t)icp_pb_wkt_scalar(f->wkt);
		want[0] = wire_of[vf.type];
		want[1] = -1; /* number 2 is not part of a wrapper: skipped */
		if ((rc = scan_pair(d, off, len, want, o, found)) != ICP_OK)
			return rc;
		if (!found[0])
			return emit_default(d, &vf, 0, at);
		return emit_scalar(d, &vf, vf.type, o[0].v, o[0].off, at);
	}
}

static int decode_msg(icp_proto_decoder *d, const icp_proto_msg *m, uint32_t off, uint64_t len,
                      int depth, size_t at);

static int emit_one(icp_proto_decoder *d, const pb_field *f, int depth, uint64_t v,
                    uint32_t off, size_t at)
{
	if (f->type != PB_T_MESSAGE)
		return f->type == 0 ? fail(d, ICP_ERR_INVALID, at, "unresolvable type %s",
		                           f->type_name)
		                    : emit_scalar(d, f, f->type, v, off, at);
	if (f->wkt)
		return emit_wkt(d, f, off, v, at);
	if (!f->msg)
		return fail(d, ICP_ERR_INVALID, at, "unresolvable message type %s", f->type_name);
	return decode_msg(d, f->msg, off, v, depth + 1, at);
}

static int emit_default(icp_proto_decoder *d, const pb_field *f, int depth, size_t at)
{
	icp_vt_node *n;
	uint32_t idx;
	int rc;

	switch (f->type) {
	case PB_T_STRING:
	case PB_T_BYTES:
		if ((rc = push(d, f->type == PB_T_STRING ? ICP_VT_STR : ICP_VT_BYTES, &idx, at)) !=
		    ICP_OK)
			return rc;
		d->doc->nodes[idx].s = "";
		return ICP_OK;
	case PB_T_ENUM:
		if (!f->en)
			return fail(d, ICP_ERR_INVALID, at, "unresolvable enum type %s", f->type_name);
		if ((rc = push(d, ICP_VT_STR, &idx, at)) != ICP_OK)
			return rc;
		n = &d->doc->nodes[idx];
		n->s = f->en->n_values ? f->en->values[0].name : "";
		n->len = f->en->n_values ? f->en->values[0].name_len : 0;
		return ICP_OK;
	case PB_T_MESSAGE: /* a map value: the empty message */
		return emit_one(d, f, depth, 0, 0, at);
	default:
		/* every scalar's zero: the same bits decoded as any type */
		return f->type == 0 ? fail(d, ICP_ERR_INVALID, at, "unresolvable type %s",
		                           f->type_name)
		                    : emit_scalar(d, f, f->type, 0, 0, at);
	}
}

static int emit_map_entry(icp_proto_decoder *d, const icp_proto_msg *e, const occ *o, int depth)
{
	const pb_field *kf = &e->fields[pb_msg_slot(e, 1)];
	const pb_field *vf = &e->fields[pb_msg_slot(e, 2)];
	int want[2] = {wire_of[kf->type], wire_of[vf->type]};
	occ kv[2];
	int found[2], rc;

	if ((rc = scan_pair(d, o->off, o->v, want, kv, found)) != ICP_OK)
		return rc;
	d->path[d->plen++] = "key";
	rc = found[0] ? emit_one(d, kf, depth, kv[0].v, kv[0].off, o->off)
	              : emit_default(d, kf, depth, o->off);
	d->path[d->plen - 1] = "value";
	if (rc == ICP_OK)
		rc = found[1] ? emit_one(d, vf, depth, kv[1].v, kv[1].off, o->off)
		              : emit_default(d, vf, depth, o->off);
	d->plen--;
	return rc;
}

/* Emits field f from its chain of occurrences starting at head. */
static int emit_field(icp_proto_decoder *d, const pb_field *f, uint32_t head, int depth,
                      size_t at)
{
	uint32_t idx, cnt = 0, o;
	int rc = ICP_OK;

	if (!f->repeated) {
		if (head == NONE) {
			if (f->explicit_presence)
				return push(d, ICP_VT_NULL, &idx, at);
			return emit_default(d, f, depth, at);
		}
		return emit_one(d, f, depth, d->occ[head].v, d->occ[head].off, d->occ[head].off);
	}
	if ((rc = push(d, f->is_map ? ICP_VT_MAP : ICP_VT_ARR, &idx, at)) != ICP_OK)
		return rc;
	for (o = head; o != NONE;) {
		occ cur = d->occ[o]; /* a copy: nested calls may move the array */
		o = cur.next;
		if (f->is_map) {
			rc = emit_map_entry(d, f->msg, &cur, depth);
			cnt++;
		} else if (cur.wt == PB_LEN && is_packable(f->type)) {
			const uint8_t *q = d->base + cur.off, *end = q + cur.v;
			int wt = wire_of[f->type];
			while (q < end && rc == ICP_OK) {
				size_t eat = (size_t)(q - d->base);
				uint64_t v;
				int r = icp_pb_value(&q, end, wt, &v);
				if (r != 0)
					return wire_fail(d, r, eat);
				rc = emit_scalar(d, f, f->type, v, 0, eat);
				cnt++;
			}
		} else {
			rc = emit_one(d, f, depth, cur.v, cur.off, cur.off);
			cnt++;
		}
		if (rc != ICP_OK)
			return rc;
	}
	icp_vt_close(d->doc, idx, cnt);
	return ICP_OK;
}

static int decode_msg(icp_proto_decoder *d, const icp_proto_msg *m, uint32_t off, uint64_t len,
                      int depth, size_t at)
{
	const uint8_t *q = d->base + off, *end = q + len;
	size_t cb = d->n_ch, ob = d->n_occ, i;
	uint32_t obj;
	int rc;

	if (depth > ICP_PROTO_MAX_DEPTH)
		return fail(d, ICP_ERR_TOO_LARGE, at, "messages nested deeper than 64");
	if ((rc = push(d, ICP_VT_OBJ, &obj, at)) != ICP_OK)
		return rc;
	if (cb + m->n_fields > d->cap_ch &&
	    (rc = grow(d, (void **)&d->ch, &d->cap_ch, cb + m->n_fields, sizeof(chain))) != ICP_OK)
		return rc;
	for (i = 0; i < m->n_fields; i++)
		d->ch[cb + i].head = NONE;
	d->n_ch = cb + m->n_fields;
	while (q < end) {
		size_t fat = (size_t)(q - d->base);
		const pb_field *f;
		chain *c;
		uint32_t num;
		uint64_t v;
		int wt, r, slot;
		if ((r = icp_pb_tag(&q, end, &num, &wt)) != 0)
			return wire_fail(d, r, fat);
		slot = pb_msg_slot(m, num);
		if ((r = icp_pb_value(&q, end, wt, &v)) != 0) {
			if (slot >= 0)
				d->path[d->plen++] = m->fields[slot].name;
			rc = wire_fail(d, r, fat);
			d->plen -= slot >= 0;
			return rc;
		}
		if (slot < 0) {
			if (wt == PB_LEN)
				q += v;
			continue;
		}
		f = &m->fields[slot];
		if (wt != wire_of[f->type] && !(f->repeated && wt == PB_LEN && is_packable(f->type))) {
			d->path[d->plen++] = f->name;
			rc = fail(d, ICP_ERR_CORRUPT, fat, "wire type %d where %s expects %d", wt,
			          f->name, (int)wire_of[f->type]);
			d->plen--;
			return rc;
		}
		if (d->n_occ == d->cap_occ &&
		    (rc = grow(d, (void **)&d->occ, &d->cap_occ, d->n_occ + 1, sizeof(occ))) !=
		            ICP_OK)
			return rc;
		d->occ[d->n_occ].v = v;
		d->occ[d->n_occ].off = wt == PB_LEN ? (uint32_t)(q - d->base) : (uint32_t)fat;
		d->occ[d->n_occ].next = NONE;
		d->occ[d->n_occ].wt = (uint8_t)wt;
		c = &d->ch[cb + (size_t)slot];
		if (c->head == NONE || !f->repeated)
			c->head = (uint32_t)d->n_occ; /* singular: the last one wins */
		else
			d->occ[c->tail].next = (uint32_t)d->n_occ;
		c->tail = (uint32_t)d->n_occ;
		d->n_occ++;
		if (wt == PB_LEN)
			q += v;
	}
	for (i = 0; i < m->n_fields; i++) {
		const pb_field *f = &m->fields[i];
		uint32_t first = (uint32_t)d->doc->n;
		d->path[d->plen++] = f->name;
		rc = emit_field(d, f, d->ch[cb + i].head, depth, off);
		d->plen--;
		if (rc != ICP_OK)
			return rc;
		d->doc->nodes[first].key = f->name;
		d->doc->nodes[first].key_len = f->name_len;
	}
	icp_vt_close(d->doc, obj, (uint32_t)m->n_fields);
	d->n_ch = cb;
	d->n_occ = ob;
	return ICP_OK;
}

int icp_proto_decode(icp_proto_decoder *d, const icp_proto_msg *m, const uint8_t *p, size_t n,
                     icp_vt_doc *out, icp_error *err)
{
	size_t i;
	int rc;

	icp_vt_reset(out);
	/* A zero-initialised doc's scratch has max 0: give it room. */
	if (out->scratch.max == 0 && out->scratch.cap == 0)
		icp_buf_init(&out->scratch, 0);
	if (n > UINT32_MAX - 1)
		return icp_error_set(err, ICP_ERR_TOO_LARGE, "protobuf payload: %zu bytes", n);
	d->base = p ? p : (const uint8_t *)"";
	d->doc = out;
	d->err = err;
	d->plen = 0;
	d->n_occ = d->n_ch = d->n_fix = 0;
	rc = decode_msg(d, m, 0, n, 0, 0);
	if (rc == ICP_OK && out->scratch.status != ICP_OK)
		rc = icp_error_set(err, out->scratch.status, "protobuf payload: out of memory");
	if (rc == ICP_OK)
		for (i = 0; i < d->n_fix; i++)
			out->nodes[d->fix[i].node].s = (const char *)out->scratch.data + d->fix[i].off;
	return rc;
}
