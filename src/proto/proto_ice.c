/*
 * proto -> Iceberg: the column types of a message (see proto.h for the
 * mapping). Ids are handed out depth-first from 1: a field takes the next
 * id, then the ids inside its type (list element; map key, value; struct
 * fields). A message met again on the path from the root is recursive,
 * which Iceberg cannot express: ICP_ERR_INVALID naming the field path.
 */
#include "proto/proto_int.h"

typedef struct ictx {
	const icp_proto_msg *stack[ICP_PROTO_MAX_DEPTH + 1];
	const char *path[ICP_PROTO_MAX_DEPTH + 1];
	int depth;
	int32_t next_id;
	icp_error *err;
} ictx;

static int fail(ictx *c, const char *what, const char *detail)
{
	char p[512];
	size_t len = 0;
	int i;

	p[0] = 0;
	for (i = 0; i < c->depth && len < sizeof(p) - 1; i++) {
		int w = snprintf(p + len, sizeof(p) - len, "%s%s", i ? "." : "", c->path[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (len >= sizeof(p))
		len = sizeof(p) - 1;
	p[len] = 0;
	return icp_error_set(c->err, ICP_ERR_INVALID, "protobuf schema: field %s: %s%s", p, what,
	                     detail ? detail : "");
}

static icp_ice_type *prim(int pbtype)
{
	icp_ice_kind k;

	switch (pbtype) {
	case PB_T_DOUBLE:
		k = ICP_ICE_DOUBLE;
		break;
	case PB_T_FLOAT:
		k = ICP_ICE_FLOAT;
		break;
	case PB_T_INT32:
	case PB_T_SINT32:
	case PB_T_SFIXED32:
		k = ICP_ICE_INT;
		break;
	case PB_T_INT64:
	case PB_T_SINT64:
	case PB_T_SFIXED64:
	case PB_T_UINT32:
	case PB_T_FIXED32:
	case PB_T_UINT64:
	case PB_T_FIXED64:
		k = ICP_ICE_LONG;
		break;
	case PB_T_BOOL:
		k = ICP_ICE_BOOLEAN;
		break;
	case PB_T_STRING:
	case PB_T_ENUM:
		k = ICP_ICE_STRING;
		break;
	case PB_T_BYTES:
		k = ICP_ICE_BINARY;
		break;
	default:
		return NULL;
	}
	return icp_ice_type_new(k);
}

static int struct_of(ictx *c, const icp_proto_msg *m, icp_ice_type **out);

/* Type of one value of field f (the element type for a repeated field). */
static int value_type(ictx *c, const pb_field *f, icp_ice_type **out)
{
	icp_ice_type *t = NULL;

	*out = NULL;
	if (f->wkt == PB_WKT_TIMESTAMP)
		t = icp_ice_type_new(ICP_ICE_TIMESTAMPTZ);
	else if (f->wkt)
		t = prim(icp_pb_wkt_scalar(f->wkt));
	else if (f->type == PB_T_MESSAGE) {
		if (!f->msg)
			return fail(c, "unresolvable message type ", f->type_name);
		return struct_of(c, f->msg, out);
	} else if (f->type == PB_T_ENUM && !f->en)
		return fail(c, "unresolvable enum type ", f->type_name);
	else if (f->type == 0)
		return fail(c, "unresolvable type ", f->type_name);
	else
		t = prim(f->type);
	if (!t)
		return icp_error_set(c->err, ICP_ERR_NOMEM, "protobuf schema: out of memory");
	*out = t;
	return ICP_OK;
}

static int field_type(ictx *c, const pb_field *f, icp_ice_type **out)
{
	icp_ice_type *t = NULL;
	int rc;

	if (f->is_map) {
		const icp_proto_msg *e = f->msg;
		const pb_field *kf = &e->fields[pb_msg_slot(e, 1)];
		const pb_field *vf = &e->fields[pb_msg_slot(e, 2)];
		if (!(t = icp_ice_type_new(ICP_ICE_MAP)))
			return icp_error_set(c->err, ICP_ERR_NOMEM, "protobuf schema: out of memory");
		t->key_id = c->next_id++;
		t->value_id = c->next_id++;
		t->value_required = 0;
		if ((rc = value_type(c, kf, &t->key)) != ICP_OK ||
		    (rc = value_type(c, vf, &t->value)) != ICP_OK)
			goto out;
	} else if (f->repeated) {
		if (!(t = icp_ice_type_new(ICP_ICE_LIST)))
			return icp_error_set(c->err, ICP_ERR_NOMEM, "protobuf schema: out of memory");
		t->element_id = c->next_id++;
		t->element_required = 0;
		if ((rc = value_type(c, f, &t->element)) != ICP_OK)
			goto out;
	} else {
		return value_type(c, f, out);
	}
	*out = t;
	return ICP_OK;
out:
	icp_ice_type_free(t);
	return rc;
}

static int struct_of(ictx *c, const icp_proto_msg *m, icp_ice_type **out)
{
	icp_ice_type *st;
	size_t i;
	int d, rc;

	for (d = 0; d < c->depth; d++)
		if (c->stack[d] == m)
			return fail(c, "recursive message ", m->full_name);
	if (c->depth >= ICP_PROTO_MAX_DEPTH)
		return fail(c, "nested deeper than 64 in ", m->full_name);
	if (!(st = icp_ice_type_new(ICP_ICE_STRUCT)))
		return icp_error_set(c->err, ICP_ERR_NOMEM, "protobuf schema: out of memory");
	c->stack[c->depth] = m;
	for (i = 0; i < m->n_fields; i++) {
		const pb_field *f = &m->fields[i];
		icp_ice_type *ft;
		int32_t id = c->next_id++;
		c->path[c->depth] = f->name;
		c->depth++;
		rc = field_type(c, f, &ft);
		c->depth--;
		if (rc != ICP_OK)
			goto fail;
		if ((rc = icp_ice_type_add_field(st, id, f->name, 0, ft)) != ICP_OK) {
			rc = icp_error_set(c->err, ICP_ERR_NOMEM, "protobuf schema: out of memory");
			goto fail;
		}
	}
	*out = st;
	return ICP_OK;
fail:
	icp_ice_type_free(st);
	return rc;
}

int icp_proto_to_iceberg(const icp_proto_msg *m, icp_ice_schema **out, icp_error *err)
{
	ictx c;
	icp_ice_type *st = NULL;
	icp_ice_schema *s;
	size_t i;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.err = err;
	c.next_id = 1;
	if ((rc = struct_of(&c, m, &st)) != ICP_OK)
		return rc;
	if (!(s = icp_ice_schema_new(0))) {
		icp_ice_type_free(st);
		return icp_error_set(err, ICP_ERR_NOMEM, "protobuf schema: out of memory");
	}
	/* Move the fields over: each takes its type along. */
	for (i = 0; i < st->n_fields; i++) {
		icp_ice_field *f = &st->fields[i];
		icp_ice_type *t = f->type;
		f->type = NULL;
		if (rc == ICP_OK && icp_ice_schema_add_type(s, f->id, f->name, 0, t) != ICP_OK)
			rc = icp_error_set(err, ICP_ERR_NOMEM, "protobuf schema: out of memory");
		else if (rc != ICP_OK)
			icp_ice_type_free(t);
	}
	icp_ice_type_free(st);
	if (rc != ICP_OK) {
		icp_ice_schema_free(s);
		return rc;
	}
	*out = s;
	return ICP_OK;
}
