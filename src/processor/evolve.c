/*
 * Schema of a mapped table: what a new table is created with, and the
 * evolution of an existing one to the mapping's columns (src/columns
 * decides; this file commits). Evolution runs when the table is opened,
 * before any data file is written, as its own commit: add-schema +
 * set-current-schema, guarded by assert-table-uuid,
 * assert-current-schema-id and assert-last-assigned-field-id, so two
 * workers evolving at once cannot both win with different ids. After a
 * conflict the table is reloaded and the decision made again (the other
 * worker has usually added the same columns: nothing left to do).
 *
 * Columns come from the mapping (schema.source mapping) or from the schema
 * registry (source registry: {base_url}/{topic}.json, fetched at open and
 * again whenever its cached document changes: icp_table_registry_recheck runs
 * after each commit, when nothing is buffered, so a file never mixes two
 * schemas). When the registry cannot be reached, an existing table keeps
 * its own schema and a new one is created with the base columns (both
 * logged); the registry's columns are added once it answers.
 *
 * The wanted schema is icp_columns_mapping_schema's: base columns, the
 * record-time column (mappings[].timestamp_column, timestamptz), the
 * mapping's or registry's columns, the lfs_* columns. A table without the
 * record-time column gets it as an optional column like any other new
 * column; one that has it with another type is refused (columns.md).
 */
#include "columns/columns.h"
#include "processor/decode_int.h"
#include "log/log.h"
#include "registry/registry.h"
#include "avro/avro.h"
#include "proto/proto.h"

#include <stdio.h>

#define EVOLVE_ATTEMPTS 5

/* The registry's columns for topic into arena a. Uses the processor's
 * registry client (schema.mode != off), else a short-lived one. */
static int registry_defs(icp_processor *p, const char *topic, const char *ts_col,
                         icp_arena *a, icp_columns_def **defs, size_t *n, uint64_t *gen,
                         icp_error *err)
{
	icp_registry *own = NULL, *r = p->registry;
	icp_json *root = NULL;
	icp_slice doc;
	int rc, stale = 0;

	if (!r) {
		icp_registry_opts ro;
		memset(&ro, 0, sizeof(ro));
		ro.base_url = p->cfg->schema.registry.base_url;
		ro.timeout_seconds = p->cfg->schema.registry.timeout_seconds;
		ro.cache_seconds = p->cfg->schema.registry.cache_seconds;
		rc = icp_registry_new(&ro, &own, err);
		if (rc != ICP_OK)
			return rc;
		r = own;
	}
	rc = icp_registry_get(r, topic, &doc, gen, &stale, err);
	if (rc == ICP_OK)
		rc = icp_json_parse(a, (const char *)doc.ptr, doc.len, NULL, &root, err);
	if (rc == ICP_OK)
		rc = icp_columns_defs_from_json_schema(root, a, defs, n, err);
	/* The registry's `required` is enforced by validation (schema.mode);
	 * in the table the columns stay optional so that tombstones (null
	 * values, which validation lets through) and values written under an
	 * older document can still be rows. */
	for (size_t i = 0; rc == ICP_OK && i < *n; i++)
		(*defs)[i].required = 0;
	/* A property named like a base column (topic, key, value, ...) is a
	 * field of the value, not the record: it cannot be a column of its
	 * own, and refusing the whole document would stop the table over one
	 * name. Skipped, once per document fetched. */
	if (rc == ICP_OK && *n) {
		icp_ice_schema *base = icp_ice_schema_base();
		size_t i, k = 0;
		if (!base)
			rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		for (i = 0; rc == ICP_OK && i < *n; i++) {
			if (icp_ice_schema_find(base, (*defs)[i].name)) {
				ICP_WARN("registry property named like a base column; not a column", "topic",
				         topic, "property", (*defs)[i].name);
				continue;
			}
			/* the record-time column is filled from the record */
			if (ts_col && *ts_col && strcmp((*defs)[i].name, ts_col) == 0) {
				ICP_WARN("registry property named like mappings[].timestamp_column; not "
				         "a column", "topic", topic, "property", (*defs)[i].name);
				continue;
			}
			(*defs)[k++] = (*defs)[i];
		}
		if (rc == ICP_OK)
			*n = k;
		icp_ice_schema_free(base);
	}
	icp_registry_free(own);
	return rc;
}

/* A Confluent subject's latest version as column definitions (issue 18):
 * Avro records and Protobuf messages through their modules' Iceberg
 * mapping (nested requiredness kept: all optional), JSON Schema through
 * the nested JSON Schema rules with formats. *keep holds what the defs'
 * types point into (the caller frees it after building the schema);
 * *gen = the version's schema id. */
static int confluent_defs(icp_processor *p, const icp_config_mapping *m, icp_arena *a,
                          icp_columns_def **defs, size_t *n, icp_ice_schema **keep,
                          uint64_t *gen, icp_error *err)
{
	const icp_csr_schema *s = NULL;
	icp_ice_schema *ice = NULL, *base;
	int stale = 0, rc;
	size_t i, k;

	*keep = NULL;
	rc = icp_csr_latest(p->csr, m->schema.subject, &s, &stale, err);
	if (rc != ICP_OK)
		return rc;
	*gen = (uint64_t)(uint32_t)s->id;
	if (s->type == ICP_CSR_JSON) {
		icp_json *root = NULL;
		icp_columns_js_opts jo;
		memset(&jo, 0, sizeof(jo));
		jo.formats = 1;
		jo.strict_refs = 1;
		rc = icp_json_parse(a, (const char *)s->text.ptr, s->text.len, NULL, &root, err);
		if (rc == ICP_OK)
			rc = icp_columns_defs_from_json_schema_with(root, &jo, a, defs, n, err);
		/* optional like every registry column: "required" is the
		 * validator's (a tombstone, a later version dropping the name) */
		for (i = 0; rc == ICP_OK && i < *n; i++)
			(*defs)[i].required = 0;
	} else if (s->type == ICP_CSR_AVRO) {
		icp_avro_schema *as = NULL;
		rc = icp_avro_schema_parse(s->refs, s->n_refs, s->text, &as, err);
		if (rc == ICP_OK)
			rc = icp_avro_schema_to_iceberg(as, &ice, err);
		icp_avro_schema_free(as);
	} else {
		icp_proto_schema *ps = NULL;
		const icp_proto_msg *msg = NULL;
		icp_slice *files = icp_arena_alloc(a, (s->n_refs + 1) * sizeof(*files));
		if (!files)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		if (s->n_refs) /* memcpy from NULL is undefined even for 0 bytes */
			memcpy(files, s->refs, s->n_refs * sizeof(*files));
		files[s->n_refs] = s->text;
		rc = icp_proto_schema_new(files, s->n_refs + 1, &ps, err);
		/* the configured message, else the file's first (Confluent's
		 * message index [0]) */
		if (rc == ICP_OK)
			rc = icp_proto_find_message(ps, m->schema.message, &msg, err);
		if (rc == ICP_OK)
			rc = icp_proto_to_iceberg(msg, &ice, err);
		icp_proto_schema_free(ps);
	}
	if (rc == ICP_OK && ice) {
		*n = ice->root.n_fields;
		*defs = icp_arena_alloc(a, (*n ? *n : 1) * sizeof(**defs));
		if (!*defs)
			rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		for (i = 0; rc == ICP_OK && i < *n; i++) {
			(*defs)[i].name = ice->root.fields[i].name;
			(*defs)[i].type = NULL;
			(*defs)[i].required = 0;
			(*defs)[i].itype = ice->root.fields[i].type;
		}
	}
	if (rc != ICP_OK) {
		icp_ice_schema_free(ice);
		icp_error_prefix(err, "schema registry subject %s (schema id %d)", m->schema.subject,
		                 s ? (int)s->id : 0);
		/* a version we cannot turn into columns is the schema's fault,
		 * not the registry's: refused, not retried as unavailable */
		return rc == ICP_ERR_NOMEM ? rc : ICP_ERR_INVALID;
	}
	*keep = ice;
	/* names of the base columns and of the record-time column are the
	 * record's, not the value's: skipped (as for registry documents) */
	base = icp_ice_schema_base();
	if (!base)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	for (i = 0, k = 0; i < *n; i++) {
		const char *nm = (*defs)[i].name;
		if (icp_ice_schema_find(base, nm) ||
		    (m->timestamp_column && *m->timestamp_column && strcmp(nm, m->timestamp_column) == 0)) {
			ICP_WARN("registry field named like a base or timestamp column; not a column",
			         "subject", m->schema.subject, "field", nm);
			continue;
		}
		(*defs)[k++] = (*defs)[i];
	}
	*n = k;
	icp_ice_schema_free(base);
	return ICP_OK;
}

/* *unavailable: the registry could not give a schema (err says why).
 * *gen: the registry document's generation the columns came from (0 for
 * mapping columns). */
static int wanted(icp_processor *p, const icp_config_mapping *m, icp_ice_schema **out,
                  int *unavailable, uint64_t *gen, icp_error *err)
{
	icp_columns_def *defs = NULL;
	size_t n = 0;
	int rc;

	*unavailable = 0;
	*gen = 0;
	if (m->schema.source == ICP_SOURCE_CONFLUENT) {
		icp_arena *a = icp_arena_new(0);
		icp_ice_schema *keep = NULL;
		if (!a)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		rc = confluent_defs(p, m, a, &defs, &n, &keep, gen, err);
		*unavailable = rc == ICP_ERR_RETRYABLE || rc == ICP_ERR_NOT_FOUND;
		if (rc == ICP_OK)
			rc = icp_columns_mapping_schema(m, defs, n, out, err);
		icp_ice_schema_free(keep);
		icp_arena_free(a);
	} else if (m->schema.source == ICP_SOURCE_REGISTRY) {
		icp_arena *a = icp_arena_new(0);
		if (!a)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		rc = registry_defs(p, m->topic, m->timestamp_column, a, &defs, &n, gen, err);
		*unavailable = rc == ICP_ERR_RETRYABLE || rc == ICP_ERR_NOT_FOUND;
		/* base, timestamp_column, the columns, lfs_* (ids stable) */
		if (rc == ICP_OK)
			rc = icp_columns_mapping_schema(m, defs, n, out, err);
		icp_arena_free(a);
	} else {
		rc = icp_columns_defs_from_mapping(m, &defs, &n, err);
		if (rc == ICP_OK)
			rc = icp_columns_mapping_schema(m, defs, n, out, err);
		icp_free(defs);
	}
	if (rc != ICP_OK)
		icp_error_prefix(err, "mapping for topic %s", m->topic);
	return rc;
}

int icp_evolve_new_schema(icp_processor *p, const icp_config_mapping *m, icp_ice_schema **out,
                          icp_error *err)
{
	int unavailable, rc;
	uint64_t gen;

	rc = wanted(p, m, out, &unavailable, &gen, err);
	if (rc != ICP_OK && unavailable) {
		/* Created with the base columns (and the record-time column,
		 * which needs no registry); the registry's are added by
		 * evolution at a later open once it answers. */
		icp_columns_def ts = {m->timestamp_column, "timestamptz", 0, NULL};
		ICP_WARN("schema registry unavailable; creating the table with the base columns",
		         "table", m->table, "error", err->msg);
		icp_error_clear(err);
		return icp_columns_schema(&ts, m->timestamp_column && *m->timestamp_column ? 1 : 0, out, err);
	}
	return rc;
}

int icp_evolve_commit(icp_processor *p, icp_table *t, icp_ice_metadata **meta,
                      const icp_ice_commit *c, int *applied, icp_error *err)
{
	icp_ice_metadata *after = NULL;
	int rc = icp_catalog_commit_table(p->catalog, t->ns, t->name, *meta, c, &after, err);

	*applied = rc == ICP_OK;
	if (rc == ICP_ERR_CONFLICT || rc == ICP_ERR_RETRYABLE) {
		/* another worker changed the table first (or nothing was
		 * sent): decide again on what the table is now */
		icp_error_clear(err);
		rc = icp_catalog_load_table(p->catalog, t->ns, t->name, &after, err);
	}
	if (rc != ICP_OK)
		return rc;
	icp_ice_metadata_free(*meta);
	*meta = after;
	return ICP_OK;
}

int icp_evolve_table(icp_processor *p, icp_table *t, icp_ice_metadata **meta, icp_error *err)
{
	icp_ice_schema *want = NULL, *cur = NULL, *next = NULL;
	int attempt, rc, unavailable = 0;
	uint64_t gen = 0;

	rc = wanted(p, t->map, &want, &unavailable, &gen, err);
	if (rc != ICP_OK && unavailable) {
		/* the registry is down: write with the table's schema as it is */
		ICP_WARN("schema registry unavailable; keeping the table's schema", "table",
		         t->map->table, "error", err->msg);
		icp_error_clear(err);
		goto adopt;
	}
	if (rc != ICP_OK)
		return rc;
	for (attempt = 0;; attempt++) {
		const icp_ice_schema *have = icp_ice_metadata_schema(*meta);
		int applied = 0;
		icp_ice_commit c;

		icp_ice_schema_free(cur);
		cur = NULL;
		if (!have) {
			rc = icp_error_set(err, ICP_ERR_CORRUPT, "table %s: no current schema",
			                   t->map->table);
			goto out;
		}
		if (!(cur = icp_ice_schema_copy(have))) {
			rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
			goto out;
		}
		/* Ids of dropped columns are never reused. */
		if (cur->highest_field_id < icp_ice_metadata_last_column_id(*meta))
			cur->highest_field_id = icp_ice_metadata_last_column_id(*meta);
		if (t->map->schema.source == ICP_SOURCE_CONFLUENT) {
			/* a registry subject evolves under its compatibility rules:
			 * widening and required -> optional are what they allow */
			icp_columns_evolve_opts eo;
			memset(&eo, 0, sizeof(eo));
			eo.allow_widening = 1;
			eo.relax_required = 1;
			eo.wanted_by = "the registry schema";
			rc = icp_columns_evolve_with(t->map->table, cur, want, &eo, &next, err);
		} else {
			/* a mapping column no longer required becomes optional
			 * (any depth); the record-time column is the processor's,
			 * not the mapping's: it keeps what the table has */
			icp_columns_evolve_opts eo;
			const char *tsn = t->map->timestamp_column;
			const icp_ice_field *hf = tsn && *tsn ? icp_ice_schema_find(cur, tsn) : NULL;
			size_t k;
			for (k = 0; hf && hf->required && k < want->root.n_fields; k++)
				if (strcmp(want->root.fields[k].name, tsn) == 0)
					want->root.fields[k].required = 1;
			memset(&eo, 0, sizeof(eo));
			eo.allow_widening = t->map->schema.allow_type_widening;
			eo.relax_required = t->map->schema.source == ICP_SOURCE_MAPPING;
			rc = icp_columns_evolve_with(t->map->table, cur, want, &eo, &next, err);
		}
		if (rc != ICP_OK)
			goto out;
		if (!next)
			break; /* the table already has what the mapping wants */
		if (attempt >= EVOLVE_ATTEMPTS) {
			rc = icp_error_set(err, ICP_ERR_CONFLICT,
			                   "table %s: schema evolution still conflicting after %d "
			                   "attempts", t->map->table, attempt);
			goto out;
		}
		memset(&c, 0, sizeof(c));
		c.assert_uuid = icp_ice_metadata_uuid(*meta);
		c.assert_schema = 1;
		c.current_schema_id = icp_ice_metadata_current_schema_id(*meta);
		c.last_assigned_field_id = icp_ice_metadata_last_column_id(*meta);
		c.add_schema = next;
		c.snapshot_schema_id = -1;
		c.main_snapshot_id = -1;
		rc = icp_evolve_commit(p, t, meta, &c, &applied, err);
		if (rc != ICP_OK)
			goto out;
		if (applied) {
			char ids[32];
			snprintf(ids, sizeof(ids), "%d", (int)next->highest_field_id);
			ICP_INFO("table schema evolved", "table", t->map->table, "last_column_id", ids);
		}
		icp_ice_schema_free(next);
		next = NULL;
	}
adopt:
	/* Write with the table's own current schema: ids as the table has
	 * them, columns the mapping no longer lists still filled by name. */
	icp_ice_schema_free(t->schema);
	t->schema = icp_ice_schema_copy(icp_ice_metadata_schema(*meta));
	if (!t->schema) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		goto out;
	}
	icp_rows_schema_changed(t);
	t->registry_gen = gen; /* 0 while the registry is unavailable */
	/* values are decoded into the version the table now has */
	if (t->decode && gen) {
		rc = icp_decode_set_reader(t->decode, (int32_t)gen, err);
		if (rc != ICP_OK)
			goto out;
	}
	rc = ICP_OK;
out:
	icp_ice_schema_free(want);
	icp_ice_schema_free(cur);
	icp_ice_schema_free(next);
	return rc;
}
