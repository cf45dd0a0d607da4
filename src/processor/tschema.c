/*
 * tschema.c: a table following what defines its columns from outside the
 * config: a registry document (schema.source registry) or a Confluent
 * subject (schema.source confluent), and a mapping's dead-letter table.
 *
 * - icp_table_registry_recheck (after each commit, nothing buffered):
 *   the registry's document or the subject's latest version changed, so
 *   the table evolves between two data files.
 * - icp_table_decode_prepare (before each batch of a confluent mapping):
 *   every schema id of the batch is known before a record is decided, and
 *   a record of a version newer than the table's makes the table commit
 *   and evolve first (docs/internals/confluent.md).
 * - icp_table_open_dlq: the dead-letter table of on_invalid dead_letter
 *   (docs/internals/commit-protocol.md, "Two tables for one topic").
 *
 * Above table.c (it commits, adopts, opens tables); called by processor.c
 * and segread.c.
 */
#include "processor/decode_int.h"

#include "log/log.h"
#include "registry/registry.h"

/* The error columns of a dead-letter table, after the base ones. */
static icp_config_column dlq_columns[] = {
	{"error_stage", ICP_COL_STRING, 0, "string", ICP_TIME_FMT_DEFAULT},
	{"error_reason", ICP_COL_STRING, 0, "string", ICP_TIME_FMT_DEFAULT},
	{"error_path", ICP_COL_STRING, 0, "string", ICP_TIME_FMT_DEFAULT},
	{"schema_id", ICP_COL_LONG, 0, "long", ICP_TIME_FMT_DEFAULT},
};

int icp_table_open_dlq(icp_processor *p, icp_table *t, icp_error *err)
{
	const icp_config_mapping *m = t->map;
	icp_config_mapping *dm;
	int rc;

	if (m->on_invalid != ICP_ON_INVALID_DEAD_LETTER)
		return ICP_OK;
	/* The dead-letter table is a table of its own mapping: same topic,
	 * created when missing, the error columns as mapping columns (so the
	 * extractor fills them from each record's error object), and nothing
	 * of the data mapping's layout (partitioning, sorting, LFS, typed
	 * columns): an invalid record has nothing those could read. */
	dm = icp_calloc(1, sizeof(*dm));
	t->dlq = icp_calloc(1, sizeof(*t->dlq));
	if (!dm || !t->dlq) {
		icp_free(dm);
		icp_free(t->dlq);
		t->dlq = NULL;
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	t->dlq_map = dm;
	dm->topic = m->topic;
	dm->table = m->dead_letter_table;
	dm->mode = m->mode;
	dm->create_table_if_missing = 1;
	dm->isolation_level = m->isolation_level;
	dm->schema.source = ICP_SOURCE_MAPPING;
	dm->schema.columns = dlq_columns;
	dm->schema.n_columns = ICP_ARRAY_LEN(dlq_columns);
	dm->schema.subject = "";
	dm->on_invalid = ICP_ON_INVALID_DROP;
	dm->dead_letter_table = "";
	dm->timestamp_column = "";
	dm->lfs.mode = ICP_LFS_OFF;
	rc = icp_table_open(p, t->dlq, dm, err);
	t->dlq->dlq_of = t;
	if (rc != ICP_OK)
		icp_error_prefix(err, "dead-letter table of mapping %s", m->topic);
	return rc;
}

/* Reloads the table and brings it to the registry's columns (document
 * generation or Confluent schema id `gen`): schema, spec, sort order. */
static int reevolve(icp_processor *p, icp_table *t, uint64_t gen, icp_error *err)
{
	icp_ice_metadata *m = NULL;
	uint64_t before = t->registry_gen;
	int rc;

	rc = icp_catalog_load_table(p->catalog, t->ns, t->name, &m, err);
	if (rc == ICP_OK)
		rc = icp_evolve_table(p, t, &m, err);
	if (rc == ICP_OK)
		rc = icp_evolve_spec(p, t, &m, err);
	if (rc == ICP_OK)
		rc = icp_evolve_sort_order(p, t, &m, err);
	if (rc == ICP_OK)
		rc = icp_table_build_pfields(t, err);
	if (rc == ICP_OK) {
		rc = icp_table_adopt(p, t, m, err);
		m = rc == ICP_OK ? NULL : m;
	}
	icp_ice_metadata_free(m);
	if (rc == ICP_ERR_INVALID && t->registry_gen == before)
		t->registry_gen = gen; /* refused: not again for this document */
	if (rc != ICP_OK)
		icp_error_prefix(err, "table %s: registry schema changed", t->map->table);
	icp_free(t->refused);
	t->refused = NULL;
	t->refused_gen = 0;
	if (rc == ICP_ERR_INVALID) {
		/* a Confluent version the table cannot take: its records wait
		 * (icp_table_decode_prepare says why each time) */
		t->refused = icp_strdup(err->msg);
		t->refused_gen = gen;
	}
	return rc;
}

int icp_table_registry_recheck(icp_processor *p, icp_table *t, icp_error *err)
{
	icp_slice doc;
	uint64_t gen = 0;
	int stale = 0;
	icp_error e;

	if (!t->meta || icp_sink_busy(&t->sink))
		return ICP_OK; /* only between files: one schema per file */
	icp_error_init(&e);
	if (t->map->schema.source == ICP_SOURCE_CONFLUENT && p->csr) {
		const icp_csr_schema *s;
		if (icp_csr_latest(p->csr, t->map->schema.subject, &s, &stale, &e) != ICP_OK)
			return ICP_OK; /* unreachable (the client logs it) */
		gen = (uint64_t)(uint32_t)s->id;
	} else if (t->map->schema.source == ICP_SOURCE_REGISTRY && p->registry) {
		if (icp_registry_get(p->registry, t->map->topic, &doc, &gen, &stale, &e) != ICP_OK)
			return ICP_OK; /* unreachable (the registry logs it) */
	} else {
		return ICP_OK;
	}
	if (gen == t->registry_gen)
		return ICP_OK; /* unchanged */
	return reevolve(p, t, gen, err);
}

int icp_table_decode_prepare(icp_processor *p, icp_table *t, icp_part *pt, const icp_batch *b,
                             icp_error *err)
{
	icp_decode *d = t->decode;
	const icp_csr_schema *latest;
	int32_t last = -1;
	int64_t at = pt->next;
	int newer = 0, stale = 0, first, rc;
	size_t i;

	if (icp_decode_mode(d) == ICP_CSR_MODE_ID_PREFIX) {
		for (i = 0; i < b->n_records; i++) {
			const icp_record *r = &b->records[i];
			int32_t id;
			if (r->offset < pt->next || r->value_null || r->value.len < 5 ||
			    r->value.ptr[0] != 0)
				continue; /* not a prefixed value: decode.c says so */
			id = (int32_t)icp_load_be32(r->value.ptr + 1);
			if (id == last)
				continue;
			last = id;
			rc = icp_decode_learn(d, id, &first, err);
			if (rc != ICP_OK) {
				/* (the partition's log line and /status name topic and
				 * partition) */
				icp_error_prefix(err, "offset %lld: schema id %d", (long long)r->offset,
				                 (int)id);
				return rc;
			}
			if (first && icp_decode_id_ok(d, id) && id != icp_decode_reader(d))
				newer = 1;
			/* a version the table refused stays refused (its records
			 * wait) until the subject moves on */
			if (t->refused && t->refused_gen == (uint64_t)(uint32_t)id)
				newer = 1;
		}
	}
	if (!newer && icp_decode_reader(d))
		return ICP_OK;
	/* A version not seen before (or none followed yet): the subject's
	 * latest, asked now, says whether the table must evolve first. */
	icp_csr_expire_latest(p->csr, t->map->schema.subject);
	rc = icp_csr_latest(p->csr, t->map->schema.subject, &latest, &stale, err);
	if (rc == ICP_OK && stale)
		rc = icp_error_set(err, ICP_ERR_RETRYABLE, "schema registry: subject %s: latest "
		                   "version unknown (registry unreachable)", t->map->schema.subject);
	if (rc != ICP_OK) {
		/* a record of an unseen version may be newer than the table:
		 * written now, its new fields would be lost; wait instead */
		return rc == ICP_ERR_NOMEM ? rc : ICP_ERR_RETRYABLE;
	}
	if (t->refused && t->refused_gen == (uint64_t)(uint32_t)latest->id)
		return icp_error_set(err, ICP_ERR_INVALID, "%s", t->refused);
	if ((uint64_t)(uint32_t)latest->id == t->registry_gen && icp_decode_reader(d))
		return ICP_OK; /* an older version (or another subject's schema) */
	/* The table follows the latest version from the next file on: what
	 * is buffered is committed first (one schema per data file). */
	if (icp_table_busy(t)) {
		rc = icp_table_commit(p, t, err);
		if (rc != ICP_OK)
			return rc;
		if (pt->next != at)
			/* the commit found our partitions moved (another writer):
			 * read again from where the table stands */
			return icp_error_set(err, ICP_ERR_RETRYABLE, "topic %s partition %d: rewound "
			                     "while committing before a schema change", pt->topic,
			                     pt->partition);
	}
	ICP_INFO("schema registry subject has a new version; evolving the table", "table",
	         t->map->table, "subject", t->map->schema.subject);
	return reevolve(p, t, (uint64_t)(uint32_t)latest->id, err);
}

