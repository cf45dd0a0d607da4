/*
 * Partition tuples in manifests: the Avro schema of data_file.partition
 * (field 102), encoding a file's tuple, the manifest list summaries of a
 * manifest's tuples, and reading tuples back from manifests others wrote.
 *
 * Avro of the partition record (Iceberg spec "Manifests" and Appendix A;
 * Iceberg Java's TypeToSchema names), one optional field per partition
 * field: {"name":<name>,"type":["null",T],"default":null,"field-id":<id>}
 * where T is the field's result type:
 *   boolean, int, long, float, double, string  -> the same Avro primitive
 *   binary            -> "bytes"
 *   date (and day)    -> {"type":"int","logicalType":"date"}
 *   time              -> {"type":"long","logicalType":"time-micros"}
 *   timestamp(tz)     -> {"type":"long","logicalType":"timestamp-micros",
 *                         "adjust-to-utc":false|true}
 *   uuid              -> fixed "uuid_fixed" size 16, logicalType uuid
 *   fixed[L]          -> fixed "fixed_L" size L
 *   decimal(P,S)      -> fixed "decimal_P_S", the minimum bytes for P,
 *                        logicalType decimal, precision P, scale S
 * A named (fixed) type used by a second field is written by name, as Avro
 * forbids defining a name twice. The day transform's result is declared
 * date, as Iceberg Java does (same int value).
 *
 * Avro names are [A-Za-z_][A-Za-z0-9_]*. Iceberg Java writes a partition
 * field name that is not one escaped (AvroSchemaUtil.makeCompatibleName):
 * a leading digit d becomes "_d", any other invalid character c becomes
 * "_x" + its UTF-16 code unit in upper-case hex. Java keeps non-ASCII
 * letters (Character.isLetter) as they are, which strict Avro readers
 * refuse; we escape every non-ASCII code point (both halves of a surrogate
 * pair beyond U+FFFF), so our names are valid Avro everywhere. Readers
 * match partition fields by field id, so the name never matters to them.
 */
#include "iceberg/iceberg_int.h"

#include <math.h>
#include <stdio.h>

enum {
	ICE_AVRO_BOOLEAN = 1,
	ICE_AVRO_INT,
	ICE_AVRO_LONG,
	ICE_AVRO_FLOAT,
	ICE_AVRO_DOUBLE,
	ICE_AVRO_BYTES  /* string, bytes, fixed */
};

/* The type a partition value has in the manifest (day: date). */
static icp_ice_type part_type(const icp_pspec_field *f)
{
	icp_ice_type t = icp_pspec_result_type(f);

	if (f->transform == ICP_PSPEC_DAY)
		t.kind = ICP_ICE_DATE;
	return t;
}

static int field_writable(const icp_pspec_field *f, size_t i, icp_error *err)
{
	if (f->transform == ICP_PSPEC_UNKNOWN)
		return icp_error_set(err, ICP_ERR_UNSUPPORTED,
		                     "partition field %zu (%s): transform \"%s\" is unknown; the spec "
		                     "forbids writing with it",
		                     i, f->name, f->transform_text ? f->transform_text : "?");
	if (f->source_type.kind == 0)
		return icp_error_set(err, f->transform == ICP_PSPEC_VOID ? ICP_ERR_UNSUPPORTED
		                                                          : ICP_ERR_INVALID,
		                     "partition field %zu (%s): the spec is not bound to a schema "
		                     "with its source column %d",
		                     i, f->name, (int)f->source_id);
	if (!f->name || !f->name[0])
		return icp_error_set(err, ICP_ERR_INVALID, "partition field %zu has no name", i);
	return ICP_OK;
}

/* ------------------------------------------------------------ names */

static int ascii_alpha(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static void put_escape(icp_buf *b, unsigned unit)
{
	icp_buf_printf(b, "_x%X", unit);
}

/* Appends name as a valid Avro name (see the file comment). Bytes that
 * are not valid UTF-8 are escaped one by one. */
static void put_avro_name(icp_buf *b, const char *name)
{
	const uint8_t *p = (const uint8_t *)name;
	size_t n = strlen(name), i = 0;

	while (i < n) {
		unsigned c = p[i], cp = 0;
		size_t len = 1;
		if (c < 0x80) {
			if (ascii_alpha(c) || (i > 0 && c >= '0' && c <= '9'))
				icp_buf_append_byte(b, (uint8_t)c);
			else if (c >= '0' && c <= '9')
				icp_buf_printf(b, "_%c", (char)c); /* leading digit */
			else
				put_escape(b, c);
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0)
			len = 2, cp = c & 0x1F;
		else if ((c & 0xF0) == 0xE0)
			len = 3, cp = c & 0x0F;
		else if ((c & 0xF8) == 0xF0)
			len = 4, cp = c & 0x07;
		else
			len = 0;
		for (size_t k = 1; len && k < len; k++) {
			if (i + k >= n || (p[i + k] & 0xC0) != 0x80)
				len = 0;
			else
				cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if (len == 0) {
			put_escape(b, c);
			i++;
			continue;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			put_escape(b, 0xD800 + (cp >> 10));
			put_escape(b, 0xDC00 + (cp & 0x3FF));
		} else {
			put_escape(b, cp);
		}
		i += len;
	}
}

/* ----------------------------------------------------------- schema */

/* Name of the named Avro type of t into buf; 0 when t is not named. */
static int named_type(const icp_ice_type *t, char *buf, size_t cap)
{
	switch (t->kind) {
	case ICP_ICE_UUID:
		snprintf(buf, cap, "uuid_fixed");
		return 1;
	case ICP_ICE_FIXED:
		snprintf(buf, cap, "fixed_%d", (int)t->length);
		return 1;
	case ICP_ICE_DECIMAL:
		snprintf(buf, cap, "decimal_%d_%d", (int)t->precision, (int)t->scale);
		return 1;
	default:
		return 0;
	}
}

static void put_avro_type(icp_buf *b, const icp_ice_type *t, int defined)
{
	char nm[48];

	if (named_type(t, nm, sizeof(nm)) && defined) {
		icp_buf_printf(b, "\"%s\"", nm);
		return;
	}
	switch (t->kind) {
	case ICP_ICE_BOOLEAN: icp_buf_append_str(b, "\"boolean\""); break;
	case ICP_ICE_INT: icp_buf_append_str(b, "\"int\""); break;
	case ICP_ICE_LONG: icp_buf_append_str(b, "\"long\""); break;
	case ICP_ICE_FLOAT: icp_buf_append_str(b, "\"float\""); break;
	case ICP_ICE_DOUBLE: icp_buf_append_str(b, "\"double\""); break;
	case ICP_ICE_STRING: icp_buf_append_str(b, "\"string\""); break;
	case ICP_ICE_BINARY: icp_buf_append_str(b, "\"bytes\""); break;
	case ICP_ICE_DATE:
		icp_buf_append_str(b, "{\"type\":\"int\",\"logicalType\":\"date\"}");
		break;
	case ICP_ICE_TIME:
		icp_buf_append_str(b, "{\"type\":\"long\",\"logicalType\":\"time-micros\"}");
		break;
	case ICP_ICE_TIMESTAMP:
	case ICP_ICE_TIMESTAMPTZ:
		icp_buf_printf(b, "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\","
		                  "\"adjust-to-utc\":%s}",
		               t->kind == ICP_ICE_TIMESTAMPTZ ? "true" : "false");
		break;
	case ICP_ICE_UUID:
		icp_buf_printf(b, "{\"type\":\"fixed\",\"name\":\"%s\",\"size\":16,"
		                  "\"logicalType\":\"uuid\"}", nm);
		break;
	case ICP_ICE_FIXED:
		icp_buf_printf(b, "{\"type\":\"fixed\",\"name\":\"%s\",\"size\":%d}", nm,
		               (int)t->length);
		break;
	case ICP_ICE_DECIMAL:
		icp_buf_printf(b, "{\"type\":\"fixed\",\"name\":\"%s\",\"size\":%d,"
		                  "\"logicalType\":\"decimal\",\"precision\":%d,\"scale\":%d}",
		               nm, icp_parquet_decimal_bytes(t->precision), (int)t->precision,
		               (int)t->scale);
		break;
	default:
		break; /* not reached: field_writable and the pspec binding */
	}
}

int icp_ice_part_schema(const icp_pspec *spec, icp_buf *out, icp_error *err)
{
	size_t n = spec ? spec->n_fields : 0;
	int rc;

	icp_buf_append_str(out, "{\"type\":\"record\",\"name\":\"r102\",\"fields\":[");
	for (size_t i = 0; i < n; i++) {
		const icp_pspec_field *f = &spec->fields[i];
		icp_ice_type t;
		int defined = 0;
		char nm[48], nm2[48];
		if ((rc = field_writable(f, i, err)) != ICP_OK)
			return rc;
		t = part_type(f);
		if (t.kind == ICP_ICE_DECIMAL && (t.precision < 1 || t.precision > 38))
			return icp_error_set(err, ICP_ERR_UNSUPPORTED,
			                     "partition field %s: decimal precision %d", f->name,
			                     (int)t.precision);
		if (named_type(&t, nm, sizeof(nm)))
			for (size_t j = 0; j < i; j++) {
				icp_ice_type tj = part_type(&spec->fields[j]);
				if (named_type(&tj, nm2, sizeof(nm2)) && strcmp(nm, nm2) == 0)
					defined = 1;
			}
		icp_buf_append_str(out, i ? ",{\"name\":\"" : "{\"name\":\"");
		put_avro_name(out, f->name);
		icp_buf_append_str(out, "\",\"type\":[\"null\",");
		put_avro_type(out, &t, defined);
		icp_buf_printf(out, "],\"default\":null,\"field-id\":%d}", (int)f->field_id);
	}
	icp_buf_append_str(out, "]}");
	return out->status;
}

/* ------------------------------------------------------------ values */

static int check_value(const icp_pspec_field *f, const icp_pspec_value *v, size_t file,
                       size_t i, icp_error *err)
{
	icp_ice_type t = part_type(f);
	icp_slice b;
	int ok;

	if (v->is_null)
		return ICP_OK;
	ok = v->kind == t.kind || (t.kind == ICP_ICE_DATE && v->kind == ICP_ICE_INT);
	b = icp_pspec_value_bytes(v);
	if (ok && t.kind == ICP_ICE_INT && (v->i < INT32_MIN || v->i > INT32_MAX))
		ok = 0;
	if (ok && t.kind == ICP_ICE_DATE && (v->i < INT32_MIN || v->i > INT32_MAX))
		ok = 0;
	if (ok && t.kind == ICP_ICE_UUID && b.len != 16)
		ok = 0;
	if (ok && t.kind == ICP_ICE_FIXED && b.len != (size_t)t.length)
		ok = 0;
	if (ok && t.kind == ICP_ICE_DECIMAL) {
		uint8_t scratch[16];
		icp_slice m;
		ok = v->scale == t.scale && icp_pspec_value_serialize(v, scratch, &m) == ICP_OK &&
		     m.len <= (size_t)icp_parquet_decimal_bytes(t.precision);
	}
	if (!ok)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "iceberg manifest: file %zu: partition value %zu (%s) is a %s "
		                     "that does not fit the field's type %s",
		                     file, i, f->name, icp_ice_kind_name(v->kind),
		                     icp_ice_kind_name(t.kind));
	return ICP_OK;
}

int icp_ice_part_check(const icp_pspec *spec, const icp_ice_data_file *files, size_t n,
                       icp_error *err)
{
	int rc;

	if (!spec || spec->n_fields == 0)
		return ICP_OK;
	for (size_t k = 0; k < n; k++) {
		if (!files[k].partition)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "iceberg manifest: file %zu (%s) has no partition tuple for "
			                     "spec %d",
			                     k, files[k].path, (int)spec->spec_id);
		for (size_t i = 0; i < spec->n_fields; i++)
			if ((rc = check_value(&spec->fields[i], &files[k].partition[i], k, i, err)) !=
			    ICP_OK)
				return rc;
	}
	return ICP_OK;
}

void icp_ice_part_write(icp_avro_writer *w, const icp_pspec *spec, const icp_pspec_value *v)
{
	for (size_t i = 0; spec && i < spec->n_fields; i++) {
		icp_ice_type t = part_type(&spec->fields[i]);
		icp_slice b = icp_pspec_value_bytes(&v[i]);
		if (v[i].is_null) {
			icp_avro_write_union_branch(w, 0);
			continue;
		}
		icp_avro_write_union_branch(w, 1);
		switch (t.kind) {
		case ICP_ICE_BOOLEAN: icp_avro_write_boolean(w, v[i].i != 0); break;
		case ICP_ICE_INT:
		case ICP_ICE_DATE: icp_avro_write_int(w, (int32_t)v[i].i); break;
		case ICP_ICE_LONG:
		case ICP_ICE_TIME:
		case ICP_ICE_TIMESTAMP:
		case ICP_ICE_TIMESTAMPTZ: icp_avro_write_long(w, v[i].i); break;
		case ICP_ICE_FLOAT: icp_avro_write_float(w, (float)v[i].d); break;
		case ICP_ICE_DOUBLE: icp_avro_write_double(w, v[i].d); break;
		case ICP_ICE_STRING:
		case ICP_ICE_BINARY: icp_avro_write_bytes(w, b.ptr, b.len); break;
		case ICP_ICE_UUID:
		case ICP_ICE_FIXED: icp_avro_write_fixed(w, b.ptr, b.len); break;
		case ICP_ICE_DECIMAL: {
			/* the fixed holds the value sign-extended to the type's size */
			uint8_t scratch[16], wide[17];
			size_t size = (size_t)icp_parquet_decimal_bytes(t.precision);
			icp_slice m;
			icp_pspec_value_serialize(&v[i], scratch, &m);
			memset(wide, (m.len && (m.ptr[0] & 0x80)) ? 0xFF : 0x00, size);
			memcpy(wide + size - m.len, m.ptr, m.len);
			icp_avro_write_fixed(w, wide, size);
			break;
		}
		default:
			break;
		}
	}
}

/* ---------------------------------------------------------- summaries */

static int is_nan(const icp_pspec_value *v)
{
	return (v->kind == ICP_ICE_FLOAT || v->kind == ICP_ICE_DOUBLE) && isnan(v->d);
}

void icp_ice_manifest_info_dispose(icp_ice_manifest_info *info)
{
	if (!info)
		return;
	icp_free(info->partitions);
	info->partitions = NULL;
	info->n_partitions = 0;
}

int icp_ice_part_summarize(const icp_pspec *spec, const icp_ice_data_file *files, size_t n,
                           icp_ice_manifest_info *info, icp_error *err)
{
	size_t nf = spec ? spec->n_fields : 0, bytes = 0, off;
	icp_pspec_value *lo = NULL, *hi = NULL; /* kind 0: no bound yet */
	icp_ice_field_summary *s = NULL;
	uint8_t scratch[16];
	icp_slice b;
	int rc = ICP_ERR_NOMEM;

	info->partitions = NULL;
	info->n_partitions = 0;
	if (nf == 0)
		return ICP_OK;
	lo = icp_calloc(nf, sizeof(*lo));
	hi = icp_calloc(nf, sizeof(*hi));
	if (!lo || !hi)
		goto out;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < nf; i++) {
			/* compared as the field's type: a day may come as int or date */
			icp_pspec_value v = files[k].partition[i];
			if (v.is_null || is_nan(&v))
				continue;
			v.kind = part_type(&spec->fields[i]).kind;
			if (!lo[i].kind || icp_pspec_value_cmp(&v, &lo[i]) < 0)
				lo[i] = v;
			if (!hi[i].kind || icp_pspec_value_cmp(&v, &hi[i]) > 0)
				hi[i] = v;
		}
	for (size_t i = 0; i < nf; i++)
		if (lo[i].kind) {
			icp_pspec_value_serialize(&lo[i], scratch, &b);
			bytes += b.len;
			icp_pspec_value_serialize(&hi[i], scratch, &b);
			bytes += b.len;
		}
	/* one block: the summaries, then their bound bytes */
	s = icp_calloc(1, nf * sizeof(*s) + bytes + 1);
	if (!s)
		goto out;
	off = nf * sizeof(*s);
	for (size_t i = 0; i < nf; i++) {
		for (size_t k = 0; k < n; k++) {
			s[i].contains_null |= files[k].partition[i].is_null;
			s[i].contains_nan |= !files[k].partition[i].is_null &&
			                     is_nan(&files[k].partition[i]);
		}
		if (!lo[i].kind)
			continue;
		s[i].has_bounds = 1;
		for (int u = 0; u < 2; u++) {
			uint8_t *dst = (uint8_t *)s + off;
			icp_pspec_value_serialize(u ? &hi[i] : &lo[i], scratch, &b);
			if (b.len)
				memcpy(dst, b.ptr, b.len);
			if (u)
				s[i].upper = icp_slice_make(dst, b.len);
			else
				s[i].lower = icp_slice_make(dst, b.len);
			off += b.len;
		}
	}
	info->partitions = s;
	info->n_partitions = nf;
	rc = ICP_OK;
out:
	icp_free(lo);
	icp_free(hi);
	if (rc != ICP_OK)
		icp_error_set(err, rc, "iceberg manifest: out of memory");
	return rc;
}

/* ------------------------------------------------------------ reading */

/* Base kind of an Avro type node of a partition field; names defined by
 * earlier fields resolve to their kinds. */
static int avro_kind(const icp_json *t, const icp_ice_part_layout *l, const icp_json *fields,
                     size_t upto, int *decimal)
{
	const char *s, *lt;

	*decimal = 0;
	if (t && t->type == ICP_JSON_ARRAY) {
		for (size_t i = 0; i < t->u.arr.n; i++) {
			const icp_json *b = &t->u.arr.items[i];
			if (!(b->type == ICP_JSON_STRING && strcmp(b->u.str.ptr, "null") == 0))
				return avro_kind(b, l, fields, upto, decimal);
		}
		return 0;
	}
	if (t && t->type == ICP_JSON_OBJECT) {
		if (icp_json_as_str(icp_json_get(t, "logicalType"), &lt, NULL) == ICP_OK &&
		    strcmp(lt, "decimal") == 0)
			*decimal = 1;
		if (icp_json_as_str(icp_json_get(t, "type"), &s, NULL) != ICP_OK)
			return 0;
		if (strcmp(s, "fixed") == 0)
			return ICE_AVRO_BYTES;
		{
			int inner_decimal; /* the logicalType of this object wins */
			return avro_kind(icp_json_get(t, "type"), l, fields, upto, &inner_decimal);
		}
	}
	if (icp_json_as_str(t, &s, NULL) != ICP_OK)
		return 0;
	if (strcmp(s, "boolean") == 0)
		return ICE_AVRO_BOOLEAN;
	if (strcmp(s, "int") == 0)
		return ICE_AVRO_INT;
	if (strcmp(s, "long") == 0)
		return ICE_AVRO_LONG;
	if (strcmp(s, "float") == 0)
		return ICE_AVRO_FLOAT;
	if (strcmp(s, "double") == 0)
		return ICE_AVRO_DOUBLE;
	if (strcmp(s, "string") == 0 || strcmp(s, "bytes") == 0)
		return ICE_AVRO_BYTES;
	/* a name defined by an earlier field of the record (fixed types) */
	for (size_t j = 0; j < upto; j++) {
		const icp_json *ft = icp_json_get(icp_json_at(fields, j), "type");
		for (size_t k = 0; ft && k < (ft->type == ICP_JSON_ARRAY ? ft->u.arr.n : 1); k++) {
			const icp_json *b = ft->type == ICP_JSON_ARRAY ? &ft->u.arr.items[k] : ft;
			const char *nm;
			if (icp_json_as_str(icp_json_get(b, "name"), &nm, NULL) == ICP_OK) {
				const char *dot = strrchr(s, '.');
				if (strcmp(nm, dot ? dot + 1 : s) == 0) {
					*decimal = l->f[j].decimal;
					return l->f[j].avro;
				}
			}
		}
	}
	return 0;
}

int icp_ice_part_layout_init(const icp_json *type, icp_arena *a, icp_ice_part_layout *out,
                             icp_error *err)
{
	const icp_json *rec = icp_ice_avro_record(type), *fields;
	size_t n;

	memset(out, 0, sizeof(*out));
	fields = icp_json_get(rec, "fields");
	n = fields && fields->type == ICP_JSON_ARRAY ? fields->u.arr.n : 0;
	if (n == 0)
		return ICP_OK;
	out->f = icp_arena_alloc(a, n * sizeof(*out->f));
	if (!out->f)
		return icp_error_set(err, ICP_ERR_NOMEM, "iceberg manifest: out of memory");
	for (size_t i = 0; i < n; i++) {
		const icp_json *f = &fields->u.arr.items[i];
		icp_ice_part_field *pf = &out->f[i];
		int64_t id;
		if (icp_json_as_str(icp_json_get(f, "name"), &pf->name, NULL) != ICP_OK ||
		    icp_json_as_int64(icp_json_get(f, "field-id"), &id) != ICP_OK || id < 0 ||
		    id > INT32_MAX)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "iceberg manifest: partition field %zu has no name or "
			                     "field-id",
			                     i);
		pf->field_id = (int32_t)id;
		pf->avro = avro_kind(icp_json_get(f, "type"), out, fields, i, &pf->decimal);
		if (!pf->avro)
			return icp_error_set(err, ICP_ERR_UNSUPPORTED,
			                     "iceberg manifest: partition field %s (%lld) is not of a "
			                     "primitive Avro type",
			                     pf->name, (long long)id);
		out->n = i + 1;
	}
	return ICP_OK;
}

static void le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int icp_ice_part_read(const icp_ice_part_layout *l, const icp_json *rec, icp_arena *a,
                      const icp_ice_partition_value **out, icp_error *err)
{
	icp_ice_partition_value *v;

	*out = NULL;
	if (l->n == 0)
		return ICP_OK;
	v = icp_arena_alloc(a, l->n * (sizeof(*v) + 8));
	if (!v)
		return icp_error_set(err, ICP_ERR_NOMEM, "iceberg manifest: out of memory");
	for (size_t i = 0; i < l->n; i++) {
		const icp_ice_part_field *f = &l->f[i];
		const icp_json *d = icp_json_get(rec, f->name);
		uint8_t *num = (uint8_t *)(v + l->n) + 8 * i;
		int ok = 1;
		v[i].field_id = f->field_id;
		v[i].is_null = !d || d->type == ICP_JSON_NULL;
		v[i].value = icp_slice_make(num, 0);
		if (v[i].is_null)
			continue;
		switch (f->avro) {
		case ICE_AVRO_BOOLEAN:
			ok = d->type == ICP_JSON_BOOL;
			num[0] = ok && d->u.boolean;
			v[i].value.len = 1;
			break;
		case ICE_AVRO_INT:
		case ICE_AVRO_LONG:
			ok = d->type == ICP_JSON_INT;
			le(num, ok ? (uint64_t)d->u.num.i : 0, f->avro == ICE_AVRO_INT ? 4 : 8);
			v[i].value.len = f->avro == ICE_AVRO_INT ? 4 : 8;
			break;
		case ICE_AVRO_FLOAT:
		case ICE_AVRO_DOUBLE:
			ok = d->type == ICP_JSON_DOUBLE || d->type == ICP_JSON_INT;
			if (f->avro == ICE_AVRO_FLOAT) {
				float x = (float)d->u.num.d;
				uint32_t u;
				memcpy(&u, &x, 4);
				le(num, u, 4);
				v[i].value.len = 4;
			} else {
				uint64_t u;
				memcpy(&u, &d->u.num.d, 8);
				le(num, u, 8);
				v[i].value.len = 8;
			}
			break;
		default:
			ok = d->type == ICP_JSON_STRING;
			if (!ok)
				break;
			v[i].value = icp_slice_make(d->u.str.ptr, d->u.str.len);
			if (f->decimal) {
				/* Appendix D: the minimum bytes of the two's complement */
				icp_pspec_value dv = icp_pspec_value_of_bytes(
				        ICP_ICE_DECIMAL, d->u.str.ptr, d->u.str.len, 0);
				uint8_t scratch[16];
				icp_slice m;
				if (d->u.str.len > 0 &&
				    icp_pspec_value_serialize(&dv, scratch, &m) == ICP_OK) {
					/* the minimal form is a slice of the string; were
					 * it ever in scratch (stack), keep it in the arena */
					if (m.ptr == scratch && m.len <= 8) {
						memcpy(num, scratch, m.len);
						m = icp_slice_make(num, m.len);
					}
					v[i].value = m;
				}
			}
			break;
		}
		if (!ok)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "iceberg manifest: partition field %s holds a %s",
			                     f->name, icp_json_type_name(d->type));
	}
	*out = v;
	return ICP_OK;
}
