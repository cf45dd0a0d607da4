/*
 * decode.c: the values of a schema.source confluent mapping (issue 18).
 *
 * A value is the Confluent wire format: magic byte 0, the writer schema's
 * id (4 bytes, big-endian), for Protobuf the message-index array, then the
 * Avro binary datum, Protobuf message or JSON text (mode schema_id_prefix);
 * or the bare encoding of the subject's latest version (mode latest).
 *
 * Schemas are fetched by id once (the registry client keeps them for the
 * process's life: ids are immutable) and compiled once per id here. The
 * table follows one version of the subject, the *reader* (table.c evolves
 * the table to the latest version and then calls icp_decode_set_reader);
 * an Avro writer is resolved into the reader once per (id, reader) pair,
 * so a record of an older version gets the reader's defaults and a newer
 * field never reaches a table that has no column for it (table.c evolves
 * before such a record is written). Protobuf and JSON need no resolution:
 * fields are matched by name when the tree is shredded.
 *
 * Per record nothing is allocated once the tree and the Protobuf
 * decoder's scratch have grown: strings and bytes point into the payload.
 *
 * Invalid records (icp_invalid, for the on_invalid policy): stage prefix
 * (wrong_magic, truncated), schema (unknown_schema_id, unusable_schema,
 * bad_message_index), decode (corrupt), validate (schema_violation).
 * A registry that does not answer is not an invalid record: the ids of a
 * batch are learnt before it is written (icp_decode_learn), and an outage
 * there retries the batch.
 *
 * Ownership: the table owns its icp_decode; the registry client is the
 * processor's (borrowed). Main thread only.
 */
#include "processor/decode_int.h"

#include "avro/avro.h"
#include "jsonschema/jsonschema.h"
#include "proto/proto.h"
#include "registry/registry.h"

#include <stdio.h>

enum { ID_OK, ID_UNKNOWN, ID_UNUSABLE };

typedef struct dec_id {
	int32_t id;
	int state;                  /* ID_* */
	icp_csr_type type;
	icp_avro_schema *avro;      /* the writer */
	icp_avro_decoder *resolved; /* writer -> reader, for reader_id */
	int32_t resolved_for;
	char *why;                  /* resolution refused (for resolved_for) */
	icp_proto_schema *proto;
	icp_jsonschema *js;
	char *error;                /* ID_UNKNOWN, ID_UNUSABLE: why */
} dec_id;

struct icp_decode {
	icp_csr *csr;
	const char *subject;
	const char *message;        /* Protobuf: the table's message, NULL = [0] */
	int mode;                   /* ICP_CSR_MODE_* */
	dec_id *ids;
	size_t n_ids, cap_ids;
	size_t last;                /* index of the last id used */
	int32_t reader_id;          /* 0: none yet */
	icp_vt_doc doc;
	icp_proto_decoder *pdec;
	icp_arena *scratch;         /* JSON validation */
	char msg[480];              /* the last invalid record's message */
	char path[ICP_JSONSCHEMA_PATH_MAX + 16];
};

static void id_dispose(dec_id *e)
{
	icp_avro_decoder_free(e->resolved);
	icp_avro_schema_free(e->avro);
	icp_proto_schema_free(e->proto);
	icp_jsonschema_free(e->js);
	icp_free(e->why);
	icp_free(e->error);
}

void icp_decode_free(icp_decode *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n_ids; i++)
		id_dispose(&d->ids[i]);
	icp_free(d->ids);
	icp_vt_doc_dispose(&d->doc);
	icp_proto_decoder_free(d->pdec);
	icp_arena_free(d->scratch);
	icp_free(d);
}

int icp_decode_new(icp_csr *csr, const icp_config_mapping *m, icp_decode **out, icp_error *err)
{
	icp_decode *d = icp_calloc(1, sizeof(*d));

	*out = NULL;
	if (!d)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	d->csr = csr;
	d->subject = m->schema.subject;
	d->message = m->schema.message && *m->schema.message
	                     ? m->schema.message + (m->schema.message[0] == '.')
	                     : NULL;
	d->mode = m->schema.mode;
	icp_buf_init(&d->doc.scratch, 0);
	d->pdec = icp_proto_decoder_new();
	d->scratch = icp_arena_new(16 * 1024);
	if (!d->pdec || !d->scratch) {
		icp_decode_free(d);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	*out = d;
	return ICP_OK;
}

int icp_decode_mode(const icp_decode *d)
{
	return d->mode;
}

static dec_id *find(icp_decode *d, int32_t id)
{
	size_t i;

	if (d->last < d->n_ids && d->ids[d->last].id == id)
		return &d->ids[d->last];
	for (i = 0; i < d->n_ids; i++)
		if (d->ids[i].id == id) {
			d->last = i;
			return &d->ids[i];
		}
	return NULL;
}

static char *dup_msg(const char *s)
{
	return icp_strdup(s ? s : "?");
}

/* Compiles a fetched schema; an error makes the id unusable (its records
 * invalid), not the batch. */
static int compile(icp_decode *d, dec_id *e, const icp_csr_schema *s, icp_error *err)
{
	icp_error ce;
	int rc = ICP_OK;

	(void)d;
	icp_error_init(&ce);
	e->type = s->type;
	switch (s->type) {
	case ICP_CSR_AVRO:
		rc = icp_avro_schema_parse(s->refs, s->n_refs, s->text, &e->avro, &ce);
		break;
	case ICP_CSR_PROTOBUF: {
		/* the dependencies first, the schema's own file last */
		icp_slice *files = icp_calloc(s->n_refs + 1, sizeof(*files));
		if (!files)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		if (s->n_refs) /* memcpy from NULL is undefined even for 0 bytes */
			memcpy(files, s->refs, s->n_refs * sizeof(*files));
		files[s->n_refs] = s->text;
		rc = icp_proto_schema_new(files, s->n_refs + 1, &e->proto, &ce);
		icp_free(files);
		break;
	}
	case ICP_CSR_JSON:
		rc = icp_jsonschema_compile((const char *)s->text.ptr, s->text.len, NULL, &e->js, &ce);
		break;
	}
	if (rc == ICP_ERR_NOMEM)
		return icp_error_set(err, rc, "out of memory compiling schema id %d", (int)e->id);
	if (rc != ICP_OK) {
		e->state = ID_UNUSABLE;
		e->error = dup_msg(ce.msg);
		if (!e->error)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	return ICP_OK;
}

int icp_decode_learn(icp_decode *d, int32_t id, int *first, icp_error *err)
{
	const icp_csr_schema *s = NULL;
	icp_error fe;
	dec_id *e;
	int rc;

	*first = 0;
	if (find(d, id))
		return ICP_OK;
	icp_error_init(&fe);
	rc = icp_csr_by_id(d->csr, id, &s, &fe);
	if (rc == ICP_ERR_NOMEM)
		return icp_error_set(err, rc, "out of memory");
	if (rc != ICP_OK && rc != ICP_ERR_NOT_FOUND && rc != ICP_ERR_CORRUPT)
		/* unreachable, 5xx, refused credentials: not the record's fault;
		 * nothing is decided, the batch is read again later */
		return icp_error_set(err, rc == ICP_ERR_INVALID ? ICP_ERR_INVALID : ICP_ERR_RETRYABLE,
		                     "%s", fe.msg);
	if (d->n_ids == d->cap_ids) {
		size_t nc = d->cap_ids ? d->cap_ids * 2 : 8;
		dec_id *n = icp_realloc(d->ids, nc * sizeof(*n));
		if (!n)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		d->ids = n;
		d->cap_ids = nc;
	}
	e = &d->ids[d->n_ids++];
	memset(e, 0, sizeof(*e));
	e->id = id;
	*first = 1;
	if (rc != ICP_OK) {
		/* 40403 (or an answer that makes no sense): its records are
		 * invalid. The client asks again after cache_seconds; this
		 * table does not, so one unknown id costs one lookup. */
		e->state = ID_UNKNOWN;
		e->error = dup_msg(fe.msg);
		return e->error ? ICP_OK : icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	return compile(d, e, s, err);
}

int32_t icp_decode_reader(const icp_decode *d)
{
	return d->reader_id;
}

int icp_decode_id_ok(icp_decode *d, int32_t id)
{
	const dec_id *e = find(d, id);
	return e && e->state == ID_OK;
}

int icp_decode_set_reader(icp_decode *d, int32_t id, icp_error *err)
{
	int first;
	int rc = icp_decode_learn(d, id, &first, err);

	if (rc != ICP_OK)
		return rc;
	d->reader_id = id;
	return ICP_OK;
}

/* Fills why from the decoder's message: the field path after "field ",
 * up to the next ':' (Avro and Protobuf both name it so). */
static void invalid(icp_decode *d, icp_invalid *why, const char *stage, const char *reason,
                    const char *msg, int64_t id)
{
	const char *f;

	snprintf(d->msg, sizeof(d->msg), "%s", msg ? msg : reason);
	d->path[0] = '\0';
	f = msg ? strstr(msg, "field ") : NULL;
	if (f) {
		size_t n = strcspn(f + 6, ":");
		if (n >= sizeof(d->path))
			n = sizeof(d->path) - 1;
		memcpy(d->path, f + 6, n);
		d->path[n] = '\0';
	}
	why->stage = stage;
	why->reason = reason;
	why->message = d->msg;
	why->path = d->path[0] ? d->path : NULL;
	why->schema_id = id;
}

/* 1 when message m of writer e is the one the table holds: the
 * configured full name, else the first message of the file (each
 * version's own first message: a version may rename it). */
static int msg_is_tables(icp_decode *d, const dec_id *e, const icp_proto_msg *m)
{
	const icp_proto_msg *want = NULL;
	icp_error ie;

	if (d->message)
		return strcmp(icp_proto_msg_name(m) + 1, d->message) == 0;
	icp_error_init(&ie);
	return icp_proto_message(e->proto, NULL, 0, &want, &ie) == ICP_OK && want == m;
}

static const dec_id *reader_entry(icp_decode *d)
{
	return d->reader_id ? find(d, d->reader_id) : NULL;
}

/* The Avro decoder of writer e into the table's reader. */
static int avro_decoder(icp_decode *d, dec_id *e, const icp_avro_decoder **out,
                        icp_error *err)
{
	const dec_id *r = reader_entry(d);
	const icp_avro_schema *reader = r && r->state == ID_OK && r->type == ICP_CSR_AVRO ? r->avro
	                                                                                 : NULL;
	icp_error re;
	int rc;

	*out = NULL;
	if (e->resolved_for == d->reader_id && (e->resolved || e->why)) {
		*out = e->resolved;
		return ICP_OK;
	}
	icp_avro_decoder_free(e->resolved);
	e->resolved = NULL;
	icp_free(e->why);
	e->why = NULL;
	e->resolved_for = d->reader_id;
	icp_error_init(&re);
	rc = icp_avro_decoder_new(e->avro, reader, &e->resolved, &re);
	if (rc == ICP_ERR_NOMEM)
		return icp_error_set(err, rc, "out of memory");
	if (rc != ICP_OK && !(e->why = dup_msg(re.msg)))
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	*out = e->resolved;
	return ICP_OK;
}

int icp_decode_value(icp_decode *d, icp_slice v, icp_decoded *out, icp_invalid *why)
{
	const uint8_t *p = v.ptr, *end = v.ptr + v.len;
	int32_t id, idx[64];
	size_t n_idx = 0;
	icp_error e;
	dec_id *de;
	int rc;

	memset(out, 0, sizeof(*out));
	icp_error_init(&e);
	if (d->mode == ICP_CSR_MODE_LATEST) {
		id = d->reader_id;
	} else {
		if (v.len < 5) {
			invalid(d, why, "prefix", "truncated", v.len && p[0] != 0
			        ? "not the Confluent wire format (magic byte is not 0)"
			        : "shorter than the 5-byte wire-format prefix", -1);
			if (v.len && p[0] != 0)
				why->reason = "wrong_magic";
			return 0;
		}
		if (p[0] != 0) {
			char m[96];
			snprintf(m, sizeof(m), "magic byte is %u, not 0 (not the Confluent wire format)",
			         (unsigned)p[0]);
			invalid(d, why, "prefix", "wrong_magic", m, -1);
			return 0;
		}
		id = (int32_t)icp_load_be32(p + 1);
		p += 5;
	}
	de = find(d, id);
	if (!de || de->state == ID_UNKNOWN) {
		invalid(d, why, "schema", "unknown_schema_id", de ? de->error : "schema id not known",
		        id);
		return 0;
	}
	if (de->state == ID_UNUSABLE) {
		invalid(d, why, "schema", "unusable_schema", de->error, id);
		return 0;
	}
	switch (de->type) {
	case ICP_CSR_AVRO: {
		const icp_avro_decoder *ad;
		rc = avro_decoder(d, de, &ad, &e);
		if (rc != ICP_OK)
			return rc;
		if (!ad) {
			invalid(d, why, "schema", "incompatible_schema", de->why, id);
			return 0;
		}
		rc = icp_avro_decode(ad, p, (size_t)(end - p), &d->doc, &e);
		break;
	}
	case ICP_CSR_PROTOBUF: {
		const icp_proto_msg *m;
		if (d->mode == ICP_CSR_MODE_LATEST) {
			/* a bare message: the table's */
			if (icp_proto_find_message(de->proto, d->message, &m, &e) != ICP_OK) {
				invalid(d, why, "schema", "other_message", e.msg, id);
				return 0;
			}
		} else if (icp_proto_read_indexes(&p, end, idx, ICP_ARRAY_LEN(idx), &n_idx, &e) !=
		           ICP_OK) {
			invalid(d, why, "prefix", "truncated", e.msg, id);
			return 0;
		} else if (icp_proto_message(de->proto, idx, n_idx, &m, &e) != ICP_OK) {
			invalid(d, why, "schema", "bad_message_index", e.msg, id);
			return 0;
		}
		if (d->mode != ICP_CSR_MODE_LATEST && !msg_is_tables(d, de, m)) {
			char b[320];
			snprintf(b, sizeof(b), "the record is a %.120s, the table holds %.120s "
			         "(mappings[].schema.message)", icp_proto_msg_name(m) + 1,
			         d->message ? d->message : "the file's first message");
			invalid(d, why, "schema", "other_message", b, id);
			return 0;
		}
		rc = icp_proto_decode(d->pdec, m, p, (size_t)(end - p), &d->doc, &e);
		break;
	}
	case ICP_CSR_JSON: {
		icp_jsonschema_result res;
		icp_arena_reset(d->scratch);
		rc = icp_jsonschema_validate_text(de->js, (const char *)p, (size_t)(end - p),
		                                  d->scratch, &res);
		if (rc == ICP_ERR_NOMEM)
			return rc;
		if (rc != ICP_OK) {
			invalid(d, why, rc == ICP_ERR_CORRUPT ? "decode" : "validate",
			        rc == ICP_ERR_CORRUPT ? "corrupt" : "schema_violation", res.message, id);
			if (res.instance_path[0])
				snprintf(d->path, sizeof(d->path), "%s", res.instance_path);
			why->path = d->path[0] ? d->path : NULL;
			return 0;
		}
		out->json = icp_slice_make(p, (size_t)(end - p));
		out->is_json = 1;
		out->schema_id = id;
		return 1;
	}
	default: rc = ICP_ERR_UNSUPPORTED; break;
	}
	if (rc == ICP_ERR_NOMEM)
		return rc;
	if (rc != ICP_OK) {
		invalid(d, why, "decode", "corrupt", e.msg, id);
		return 0;
	}
	out->tree = &d->doc;
	out->schema_id = id;
	return 1;
}
