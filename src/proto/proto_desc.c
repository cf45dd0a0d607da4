/*
 * proto descriptors: parses serialized FileDescriptorProtos at the wire
 * level, resolves type names, compiles field lookup tables.
 *
 * Field numbers read (google/protobuf/descriptor.proto):
 *   FileDescriptorProto: name 1, package 2, message_type 4 (DescriptorProto),
 *     enum_type 5 (EnumDescriptorProto), syntax 12
 *   DescriptorProto: name 1, field 2, nested_type 3, enum_type 4,
 *     options 7 (MessageOptions: map_entry 7)
 *   FieldDescriptorProto: name 1, number 3, label 4 (1 optional, 2 required,
 *     3 repeated), type 5, type_name 6, oneof_index 9, proto3_optional 17
 *   EnumDescriptorProto: name 1, value 2 (EnumValueDescriptorProto: name 1,
 *     number 2)
 * Everything else (services, options, source info, extensions) is skipped.
 * Each message is read twice: a first pass counts the repeated members so
 * the second fills arrays of the exact size, all in the schema's arena.
 */
#include "proto/proto_int.h"

#include <stdlib.h>

typedef struct pb_name {
	const char *name;
	icp_proto_msg *msg;
	pb_enum *en;
} pb_name;

struct icp_proto_schema {
	icp_arena *arena;
	icp_proto_msg **top; /* the main file's message_type */
	size_t n_top;
	pb_name *names;      /* every message and enum, sorted by full name */
	size_t n_names, cap_names;
};

typedef struct pctx {
	icp_proto_schema *s;
	icp_error *err;
	size_t file;
	const char *file_name;
	const char *package;
	int proto3;
} pctx;

static int pb_fail(pctx *c, int status, const char *what, const char *where)
{
	return icp_error_set(c->err, status, "protobuf descriptor (file %zu \"%s\"): %s%s%s",
	                     c->file, c->file_name ? c->file_name : "", where ? where : "",
	                     where ? ": " : "", what);
}

static int wire_fail(pctx *c, int r, const char *where)
{
	return pb_fail(c, ICP_ERR_CORRUPT,
	               r == -1 ? "truncated wire data" : "malformed wire data (bad varint, tag "
	                                                 "or group)",
	               where);
}

static void *zalloc(pctx *c, size_t n, size_t size)
{
	size_t b;
	void *p;

	if (icp_mul_size(n, size, &b))
		return NULL;
	p = icp_arena_alloc(c->s->arena, b);
	if (p)
		memset(p, 0, b);
	return p;
}

static int numslot_cmp(const void *a, const void *b)
{
	const struct pb_numslot *x = a, *y = b;

	return x->num < y->num ? -1 : x->num > y->num;
}

/* By number, then declaration order (the first of aliases first). */
static int enum_value_cmp(const void *a, const void *b)
{
	const pb_enum_value *x = *(pb_enum_value *const *)a, *y = *(pb_enum_value *const *)b;

	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return x < y ? -1 : x > y;
}

static char *dupn(pctx *c, const uint8_t *p, size_t n)
{
	char *d = icp_arena_alloc(c->s->arena, n + 1);

	if (d) {
		memcpy(d, p, n);
		d[n] = 0;
	}
	return d;
}

/* prefix "." name, or "." name when prefix is empty. */
static char *join(pctx *c, const char *prefix, const char *name)
{
	size_t a = strlen(prefix), b = strlen(name);
	char *d = icp_arena_alloc(c->s->arena, a + b + 2);

	if (d) {
		memcpy(d, prefix, a);
		d[a] = '.';
		memcpy(d + a + 1, name, b + 1);
	}
	return d;
}

static int add_name(pctx *c, const char *name, icp_proto_msg *m, pb_enum *e)
{
	icp_proto_schema *s = c->s;

	if (s->n_names == s->cap_names) {
		size_t nc = s->cap_names ? s->cap_names * 2 : 32;
		pb_name *nn = icp_realloc(s->names, nc * sizeof(*nn));
		if (!nn)
			return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
		s->names = nn;
		s->cap_names = nc;
	}
	s->names[s->n_names].name = name;
	s->names[s->n_names].msg = m;
	s->names[s->n_names].en = e;
	s->n_names++;
	return ICP_OK;
}

/* Iterates the fields of a message body: calls back per field. */
typedef struct wfield {
	uint32_t num;
	int wt;
	uint64_t v;          /* varint/fixed value, LEN length */
	const uint8_t *p;    /* LEN bytes */
} wfield;

static int next_field(pctx *c, const uint8_t **p, const uint8_t *end, wfield *f,
                      const char *where)
{
	int r = icp_pb_tag(p, end, &f->num, &f->wt);

	if (r == 0)
		r = icp_pb_value(p, end, f->wt, &f->v);
	if (r != 0)
		return wire_fail(c, r, where);
	if (f->wt == PB_LEN) {
		f->p = *p;
		*p += f->v;
	}
	return ICP_OK;
}

static int parse_enum(pctx *c, const uint8_t *p, size_t n, const char *prefix, pb_enum *e)
{
	const uint8_t *q = p, *end = p + n;
	const char *name = NULL;
	size_t nv = 0, i;
	wfield f;
	int rc;

	while (q < end) {
		if ((rc = next_field(c, &q, end, &f, prefix)) != ICP_OK)
			return rc;
		if (f.num == 1 && f.wt == PB_LEN && !(name = dupn(c, f.p, f.v)))
			return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
		if (f.num == 2 && f.wt == PB_LEN)
			nv++;
	}
	if (!name || !*name)
		return pb_fail(c, ICP_ERR_INVALID, "enum without a name", prefix);
	if (!(e->full_name = join(c, prefix, name)) ||
	    !(e->values = zalloc(c, nv ? nv : 1, sizeof(*e->values))) ||
	    !(e->sorted = zalloc(c, nv ? nv : 1, sizeof(*e->sorted))))
		return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
	for (q = p; q < end;) {
		const uint8_t *vq, *vend;
		pb_enum_value *ev;
		wfield g;
		if ((rc = next_field(c, &q, end, &f, e->full_name)) != ICP_OK)
			return rc;
		if (f.num != 2 || f.wt != PB_LEN)
			continue;
		ev = &e->values[e->n_values++];
		for (vq = f.p, vend = f.p + f.v; vq < vend;) {
			if ((rc = next_field(c, &vq, vend, &g, e->full_name)) != ICP_OK)
				return rc;
			if (g.num == 1 && g.wt == PB_LEN) {
				if (!(ev->name = dupn(c, g.p, g.v)))
					return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
				ev->name_len = g.v;
			} else if (g.num == 2 && g.wt == PB_VARINT) {
				ev->number = (int32_t)(uint32_t)g.v;
			}
		}
		if (!ev->name)
			return pb_fail(c, ICP_ERR_INVALID, "enum value without a name",
			               e->full_name);
	}
	for (i = 0; i < e->n_values; i++)
		e->sorted[i] = &e->values[i];
	qsort(e->sorted, e->n_values, sizeof(*e->sorted), enum_value_cmp);
	return add_name(c, e->full_name, NULL, e);
}

static int parse_field(pctx *c, const uint8_t *p, size_t n, const char *msg, pb_field *fd)
{
	const uint8_t *q = p, *end = p + n;
	int label = 1;
	wfield f;
	int rc;

	fd->oneof_index = -1;
	while (q < end) {
		if ((rc = next_field(c, &q, end, &f, msg)) != ICP_OK)
			return rc;
		switch (f.num) {
		case 1:
			if (f.wt == PB_LEN) {
				if (!(fd->name = dupn(c, f.p, f.v)))
					return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
				fd->name_len = f.v;
			}
			break;
		case 3:
			if (f.wt == PB_VARINT)
				fd->number = (int32_t)(uint32_t)f.v;
			break;
		case 4:
			if (f.wt == PB_VARINT)
				label = (int)(f.v > 3 ? 0 : f.v);
			break;
		case 5:
			if (f.wt == PB_VARINT)
				fd->type = (uint8_t)(f.v > 18 ? 0xff : f.v);
			break;
		case 6:
			if (f.wt == PB_LEN && !(fd->type_name = dupn(c, f.p, f.v)))
				return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
			break;
		case 9:
			if (f.wt == PB_VARINT)
				fd->oneof_index = (int32_t)(uint32_t)f.v;
			break;
		case 17:
			if (f.wt == PB_VARINT)
				fd->proto3_optional = f.v != 0;
			break;
		default:
			break;
		}
	}
	if (!fd->name || !fd->name_len)
		return pb_fail(c, ICP_ERR_INVALID, "field without a name", msg);
	if (fd->number < 1 || fd->number > 0x1fffffff || label < 1 || fd->type == 0xff ||
	    (fd->type == 0 && !fd->type_name))
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "protobuf descriptor (file %zu): field %s.%s: bad number, "
		                     "label or type",
		                     c->file, msg, fd->name);
	if (fd->type == PB_T_GROUP)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "protobuf descriptor (file %zu): field %s.%s: groups are not "
		                     "supported",
		                     c->file, msg, fd->name);
	if ((fd->type == PB_T_MESSAGE || fd->type == PB_T_ENUM) && !fd->type_name)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "protobuf descriptor (file %zu): field %s.%s: no type_name",
		                     c->file, msg, fd->name);
	fd->repeated = label == 3;
	return ICP_OK;
}

static int parse_message(pctx *c, const uint8_t *p, size_t n, const char *prefix, int depth,
                         icp_proto_msg **out)
{
	const uint8_t *q = p, *end = p + n;
	size_t nf = 0, nn = 0, ne = 0;
	icp_proto_msg *m;
	const char *name = NULL;
	wfield f;
	int rc;

	if (depth > ICP_PROTO_MAX_DEPTH)
		return pb_fail(c, ICP_ERR_TOO_LARGE, "messages nested deeper than 64", prefix);
	if (!(m = zalloc(c, 1, sizeof(*m))))
		return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
	while (q < end) {
		if ((rc = next_field(c, &q, end, &f, prefix)) != ICP_OK)
			return rc;
		if (f.wt != PB_LEN)
			continue;
		if (f.num == 1 && !(name = dupn(c, f.p, f.v)))
			return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
		nf += f.num == 2;
		nn += f.num == 3;
		ne += f.num == 4;
		if (f.num == 7) { /* MessageOptions */
			const uint8_t *oq = f.p, *oend = f.p + f.v;
			wfield g;
			while (oq < oend) {
				if ((rc = next_field(c, &oq, oend, &g, prefix)) != ICP_OK)
					return rc;
				if (g.num == 7 && g.wt == PB_VARINT)
					m->map_entry = g.v != 0;
			}
		}
	}
	if (!name || !*name)
		return pb_fail(c, ICP_ERR_INVALID, "message without a name", prefix);
	if (!(m->full_name = join(c, prefix, name)))
		return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
	m->name = name;
	m->proto3 = c->proto3;
	if (!(m->fields = zalloc(c, nf ? nf : 1, sizeof(*m->fields))) ||
	    !(m->nested = zalloc(c, nn ? nn : 1, sizeof(*m->nested))) ||
	    !(m->enums = zalloc(c, ne ? ne : 1, sizeof(*m->enums))))
		return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
	for (q = p; q < end;) {
		if ((rc = next_field(c, &q, end, &f, m->full_name)) != ICP_OK)
			return rc;
		if (f.wt != PB_LEN)
			continue;
		if (f.num == 2)
			rc = parse_field(c, f.p, f.v, m->full_name, &m->fields[m->n_fields++]);
		else if (f.num == 3)
			rc = parse_message(c, f.p, f.v, m->full_name, depth + 1,
			                   &m->nested[m->n_nested++]);
		else if (f.num == 4) {
			pb_enum *e = zalloc(c, 1, sizeof(*e));
			if (!e)
				return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
			m->enums[m->n_enums++] = e;
			rc = parse_enum(c, f.p, f.v, m->full_name, e);
		}
		if (rc != ICP_OK)
			return rc;
	}
	*out = m;
	return add_name(c, m->full_name, m, NULL);
}

static int parse_file(pctx *c, icp_slice file, int main_file)
{
	const uint8_t *q = file.ptr, *end = file.ptr + file.len;
	size_t nm = 0;
	const char *prefix = "";
	wfield f;
	int rc;

	c->file_name = NULL;
	c->package = NULL;
	c->proto3 = 0;
	while (q < end) {
		if ((rc = next_field(c, &q, end, &f, NULL)) != ICP_OK)
			return rc;
		if (f.wt != PB_LEN)
			continue;
		if (f.num == 1 && !(c->file_name = dupn(c, f.p, f.v)))
			return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
		if (f.num == 2 && !(c->package = dupn(c, f.p, f.v)))
			return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
		if (f.num == 12)
			c->proto3 = f.v == 6 && memcmp(f.p, "proto3", 6) == 0;
		nm += f.num == 4;
	}
	if (c->package && *c->package && !(prefix = join(c, "", c->package)))
		return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
	if (main_file) {
		if (!(c->s->top = zalloc(c, nm ? nm : 1, sizeof(*c->s->top))))
			return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
	}
	for (q = file.ptr; q < end;) {
		icp_proto_msg *m = NULL;
		if ((rc = next_field(c, &q, end, &f, NULL)) != ICP_OK)
			return rc;
		if (f.wt != PB_LEN)
			continue;
		if (f.num == 4) {
			if ((rc = parse_message(c, f.p, f.v, prefix, 1, &m)) != ICP_OK)
				return rc;
			if (main_file)
				c->s->top[c->s->n_top++] = m;
		} else if (f.num == 5) {
			pb_enum *e = zalloc(c, 1, sizeof(*e));
			if (!e)
				return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
			if ((rc = parse_enum(c, f.p, f.v, prefix, e)) != ICP_OK)
				return rc;
		}
	}
	return ICP_OK;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const pb_name *)a)->name, ((const pb_name *)b)->name);
}

static const pb_name *find_name(const icp_proto_schema *s, const char *full)
{
	pb_name key = {full, NULL, NULL};

	if (!s->n_names)
		return NULL;
	return bsearch(&key, s->names, s->n_names, sizeof(*s->names), name_cmp);
}

static const struct {
	const char *name;
	int wkt;
} wkts[] = {
	{".google.protobuf.Timestamp", PB_WKT_TIMESTAMP},
	{".google.protobuf.DoubleValue", PB_WKT_DOUBLE},
	{".google.protobuf.FloatValue", PB_WKT_FLOAT},
	{".google.protobuf.Int64Value", PB_WKT_INT64},
	{".google.protobuf.UInt64Value", PB_WKT_UINT64},
	{".google.protobuf.Int32Value", PB_WKT_INT32},
	{".google.protobuf.UInt32Value", PB_WKT_UINT32},
	{".google.protobuf.BoolValue", PB_WKT_BOOL},
	{".google.protobuf.StringValue", PB_WKT_STRING},
	{".google.protobuf.BytesValue", PB_WKT_BYTES},
};

/* Resolves one candidate full name: 1 when found. */
static int try_name(const icp_proto_schema *s, pb_field *f, const char *cand)
{
	const pb_name *nm;
	size_t i;

	for (i = 0; i < ICP_ARRAY_LEN(wkts); i++)
		if (strcmp(cand, wkts[i].name) == 0 && f->type != PB_T_ENUM) {
			f->wkt = (uint8_t)wkts[i].wkt;
			f->type = PB_T_MESSAGE;
			return 1;
		}
	if (!(nm = find_name(s, cand)))
		return 0;
	if (nm->msg && f->type != PB_T_ENUM) {
		f->msg = nm->msg;
		f->type = PB_T_MESSAGE;
		return 1;
	}
	if (nm->en && f->type != PB_T_MESSAGE) {
		f->en = nm->en;
		f->type = PB_T_ENUM;
		return 1;
	}
	return 0;
}

/* Protobuf scoping: a relative name is looked up in the message's scope,
 * then each enclosing scope outwards. */
static int resolve(icp_proto_schema *s, const icp_proto_msg *m, pb_field *f, icp_buf *tmp)
{
	const char *tn = f->type_name;
	size_t scope;

	if (tn[0] == '.')
		return try_name(s, f, tn);
	scope = strlen(m->full_name);
	for (;;) {
		icp_buf_reset(tmp);
		icp_buf_append(tmp, m->full_name, scope);
		icp_buf_append_byte(tmp, '.');
		icp_buf_append_str(tmp, tn);
		icp_buf_append_byte(tmp, 0);
		if (tmp->status != ICP_OK)
			return tmp->status;
		if (try_name(s, f, (const char *)tmp->data))
			return 1;
		if (scope == 0)
			return 0;
		while (scope > 0 && m->full_name[--scope] != '.')
			;
	}
}

static int map_key_ok(int t)
{
	return t != PB_T_DOUBLE && t != PB_T_FLOAT && t != PB_T_BYTES && t != PB_T_MESSAGE &&
	       t != PB_T_ENUM && t != 0;
}

/* Resolves the message's fields and builds its lookup table. */
static int compile_msg(pctx *c, icp_proto_msg *m, icp_buf *tmp)
{
	size_t i;

	for (i = 0; i < m->n_fields; i++) {
		pb_field *f = &m->fields[i];
		if (f->type_name && (f->type == 0 || f->type == PB_T_MESSAGE || f->type == PB_T_ENUM)) {
			int r = resolve(c->s, m, f, tmp);
			if (r < 0)
				return pb_fail(c, r, "out of memory", NULL);
		}
	}
	for (i = 0; i < m->n_fields; i++) {
		pb_field *f = &m->fields[i];
		f->explicit_presence = f->type == PB_T_MESSAGE || !m->proto3 ||
		                       f->proto3_optional || f->oneof_index >= 0;
		if (f->repeated && f->msg && f->msg->map_entry) {
			int ks = pb_msg_slot(f->msg, 1), vs = pb_msg_slot(f->msg, 2);
			f->is_map = f->msg->n_fields == 2 && ks >= 0 && vs >= 0 &&
			            !f->msg->fields[ks].repeated && !f->msg->fields[vs].repeated &&
			            map_key_ok(f->msg->fields[ks].type);
		}
	}
	return ICP_OK;
}

/* Builds m's number lookup (before any compile_msg reads another's). */
static int index_msg(pctx *c, icp_proto_msg *m)
{
	int32_t max = 0;
	size_t i;

	if (m->n_fields >= 0xffff)
		return pb_fail(c, ICP_ERR_TOO_LARGE, "too many fields", m->full_name);
	for (i = 0; i < m->n_fields; i++)
		if (m->fields[i].number > max)
			max = m->fields[i].number;
	if ((size_t)max <= 4 * m->n_fields + 64) {
		if (!(m->dense = zalloc(c, (size_t)max + 1, sizeof(*m->dense))))
			return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
		m->dense_n = (uint32_t)max + 1;
		for (i = 0; i < m->n_fields; i++) {
			uint16_t *d = &m->dense[m->fields[i].number];
			if (*d)
				goto dup;
			*d = (uint16_t)(i + 1);
		}
		return ICP_OK;
	}
	if (!(m->by_num = zalloc(c, m->n_fields, sizeof(*m->by_num))))
		return pb_fail(c, ICP_ERR_NOMEM, "out of memory", NULL);
	for (i = 0; i < m->n_fields; i++) {
		m->by_num[i].num = (uint32_t)m->fields[i].number;
		m->by_num[i].slot = (uint32_t)i;
	}
	qsort(m->by_num, m->n_fields, sizeof(*m->by_num), numslot_cmp);
	for (i = 1; i < m->n_fields; i++)
		if (m->by_num[i].num == m->by_num[i - 1].num) {
			i = m->by_num[i].slot;
			goto dup;
		}
	return ICP_OK;
dup:
	return icp_error_set(c->err, ICP_ERR_INVALID,
	                     "protobuf descriptor: message %s: field number %d used twice",
	                     m->full_name, (int)m->fields[i].number);
}

int icp_proto_schema_new(const icp_slice *files, size_t n, icp_proto_schema **out,
                         icp_error *err)
{
	icp_proto_schema *s;
	pctx c = {0};
	icp_buf tmp;
	size_t i;
	int rc = ICP_ERR_NOMEM;

	*out = NULL;
	if (n == 0)
		return icp_error_set(err, ICP_ERR_INVALID, "protobuf schema: no descriptor file");
	if (!(s = icp_calloc(1, sizeof(*s))) || !(s->arena = icp_arena_new(0))) {
		icp_free(s);
		return icp_error_set(err, ICP_ERR_NOMEM, "protobuf schema: out of memory");
	}
	icp_buf_init(&tmp, 1 << 16);
	c.s = s;
	c.err = err;
	for (i = 0; i < n; i++) {
		c.file = i;
		if ((rc = parse_file(&c, files[i], i == n - 1)) != ICP_OK)
			goto out;
	}
	if (s->n_names)
		qsort(s->names, s->n_names, sizeof(*s->names), name_cmp);
	for (i = 0; i < s->n_names; i++)
		if (s->names[i].msg && (rc = index_msg(&c, s->names[i].msg)) != ICP_OK)
			goto out;
	for (i = 0; i < s->n_names; i++)
		if (s->names[i].msg && (rc = compile_msg(&c, s->names[i].msg, &tmp)) != ICP_OK)
			goto out;
	*out = s;
	s = NULL;
	rc = ICP_OK;
out:
	icp_buf_dispose(&tmp);
	icp_proto_schema_free(s);
	return rc;
}

void icp_proto_schema_free(icp_proto_schema *s)
{
	if (!s)
		return;
	icp_arena_free(s->arena);
	icp_free(s->names);
	icp_free(s);
}

int icp_proto_message(const icp_proto_schema *s, const int32_t *idx, size_t n,
                      const icp_proto_msg **out, icp_error *err)
{
	static const int32_t zero = 0;
	const icp_proto_msg *m = NULL;
	size_t i;

	if (n == 0) {
		idx = &zero;
		n = 1;
	}
	for (i = 0; i < n; i++) {
		icp_proto_msg *const *list = i == 0 ? s->top : m->nested;
		size_t cnt = i == 0 ? s->n_top : m->n_nested;
		if (idx[i] < 0 || (size_t)idx[i] >= cnt)
			return icp_error_set(err, ICP_ERR_NOT_FOUND,
			                     "protobuf message index %d at position %zu: %s has %zu "
			                     "message types",
			                     (int)idx[i], i, i == 0 ? "the main file" : m->full_name,
			                     cnt);
		m = list[idx[i]];
	}
	*out = m;
	return ICP_OK;
}

const char *icp_proto_msg_name(const icp_proto_msg *m)
{
	return m->full_name;
}

/* Depth-first over m and its nested messages. */
static const icp_proto_msg *find_named(const icp_proto_msg *m, const char *name)
{
	size_t i;
	const icp_proto_msg *f;

	if (strcmp(m->full_name + (m->full_name[0] == '.'), name) == 0)
		return m;
	for (i = 0; i < m->n_nested; i++)
		if ((f = find_named(m->nested[i], name)) != NULL)
			return f;
	return NULL;
}

int icp_proto_find_message(const icp_proto_schema *s, const char *name,
                           const icp_proto_msg **out, icp_error *err)
{
	size_t i;

	if (!name || !*name)
		return icp_proto_message(s, NULL, 0, out, err);
	if (name[0] == '.')
		name++;
	for (i = 0; i < s->n_top; i++)
		if ((*out = find_named(s->top[i], name)) != NULL)
			return ICP_OK;
	return icp_error_set(err, ICP_ERR_NOT_FOUND, "protobuf message %s is not in the schema's file",
	                     name);
}

int icp_proto_read_indexes(const uint8_t **p, const uint8_t *end, int32_t *idx, size_t cap,
                           size_t *n, icp_error *err)
{
	const uint8_t *q = *p, *start = *p;
	uint64_t v;
	int64_t cnt, i;

	if (icp_pb_varint(&q, end, &v) != 0)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "protobuf message indexes: truncated count at byte 0");
	cnt = icp_pb_unzigzag64(v);
	if (cnt == 0) { /* the one-byte form of [0] */
		if (cap < 1)
			return icp_error_set(err, ICP_ERR_TOO_LARGE, "protobuf message indexes: no room");
		idx[0] = 0;
		*n = 1;
		*p = q;
		return ICP_OK;
	}
	if (cnt < 0)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "protobuf message indexes: negative count %lld", (long long)cnt);
	if ((uint64_t)cnt > cap)
		return icp_error_set(err, ICP_ERR_TOO_LARGE,
		                     "protobuf message indexes: %lld indexes, at most %zu",
		                     (long long)cnt, cap);
	for (i = 0; i < cnt; i++) {
		int64_t x;
		if (icp_pb_varint(&q, end, &v) != 0)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "protobuf message indexes: index %lld truncated at byte %zu",
			                     (long long)i, (size_t)(q - start));
		x = icp_pb_unzigzag64(v);
		if (x < 0 || x > INT32_MAX)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "protobuf message indexes: index %lld is %lld",
			                     (long long)i, (long long)x);
		idx[i] = (int32_t)x;
	}
	*n = (size_t)cnt;
	*p = q;
	return ICP_OK;
}

const pb_enum_value *icp_pb_enum_find(const pb_enum *e, int32_t number)
{
	size_t lo = 0, hi = e->n_values;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (e->sorted[mid]->number == number) {
			/* the first declared of aliases: step back over equal ones */
			while (mid > 0 && e->sorted[mid - 1]->number == number)
				mid--;
			return e->sorted[mid];
		}
		if (e->sorted[mid]->number < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
