/*
 * What the other files of the processor read of its environment: the
 * stores' settings, the shutdown deadline and the end of a turn. A leaf:
 * it calls no other file of the module, so everything may call it (the
 * processor, tables, partitions, the filter) without a cycle.
 */
#include "processor/proc_int.h"

const char *icp_proc_nonempty(const char *s)
{
	return s && s[0] ? s : NULL;
}

/* The store of a bucket: file://<endpoint dir>/<bucket> for local
 * stores, else s3://<bucket> with the endpoint's settings. */
static int store_url(const char *endpoint, const char *bucket, icp_buf *out, icp_error *err)
{
	if (strncmp(endpoint, "file://", 7) == 0)
		icp_buf_printf(out, "%s/%s", endpoint, bucket);
	else
		icp_buf_printf(out, "s3://%s", bucket);
	return out->status ? icp_error_set(err, ICP_ERR_NOMEM, "out of memory") : ICP_OK;
}

/* Every S3 request, by operation and status class, into
 * kafscale_processor_s3_requests_total (called from any thread: metric
 * handles are atomic). */
static void on_s3_request(void *ctx, icp_s3_op op, long status)
{
	icp_processor *p = ctx;
	icp_s3_class cls = icp_s3_class_of(status);
	if ((int)op >= 0 && op < ICP_S3_OP_COUNT && (int)cls >= 0 && cls < ICP_S3_CLASS_COUNT)
		icp_metrics_counter_inc(p->m_s3[op][cls]);
}

/* S3 settings: s3.* for segments and LFS blobs, iceberg.s3.* (which
 * default to s3.*) for the warehouse. */
void icp_proc_store_opts(icp_processor *p, int warehouse, icp_storage_opts *o)
{
	const icp_config *cfg = p->cfg;
	icp_storage_opts_init(o);
	o->s3.endpoint = warehouse ? cfg->iceberg.s3.endpoint : cfg->s3.endpoint;
	o->s3.region = warehouse ? cfg->iceberg.s3.region : cfg->s3.region;
	o->s3.path_style = warehouse ? cfg->iceberg.s3.path_style : cfg->s3.path_style;
	o->s3.ca_bundle = icp_proc_nonempty(warehouse ? cfg->iceberg.s3.ca_bundle : cfg->s3.ca_bundle);
	o->s3.access_key_id =
		icp_proc_nonempty(warehouse ? cfg->iceberg.s3.access_key_id : cfg->s3.access_key_id);
	o->s3.secret_access_key =
		icp_proc_nonempty(warehouse ? cfg->iceberg.s3.secret_access_key : cfg->s3.secret_access_key);
	o->s3.session_token =
		icp_proc_nonempty(warehouse ? cfg->iceberg.s3.session_token : cfg->s3.session_token);
	o->s3.on_request = on_s3_request;
	o->s3.on_request_ctx = p;
	o->s3_upload_concurrency = (int)(warehouse ? cfg->iceberg.s3.upload_concurrency
	                                           : cfg->s3.upload_concurrency);
	/* the memory budget's share for upload parts (memory.c) */
	if (warehouse && p->mem_upload_conc > 0) {
		o->s3_upload_concurrency = p->mem_upload_conc;
		o->s3_part_size = (size_t)8 << 20;
	}
}

/* iceberg.catalog.*: the catalog's options over warehouse store ws. */
void icp_proc_catalog_opts(const icp_config *cfg, icp_storage *ws, icp_catalog_opts *co)
{
	memset(co, 0, sizeof(*co));
	co->type = cfg->iceberg.catalog.type == ICP_CATALOG_SQL ? "sql" : "rest";
	co->uri = cfg->iceberg.catalog.uri;
	co->name = "default";
	co->warehouse = cfg->iceberg.warehouse;
	co->token = cfg->iceberg.catalog.token;
	co->username = cfg->iceberg.catalog.username;
	co->password = cfg->iceberg.catalog.password;
	/* "" in the config means "the default": NULL for the catalog */
	co->oauth2_server_uri = icp_proc_nonempty(cfg->iceberg.catalog.oauth2_server_uri);
	co->scope = icp_proc_nonempty(cfg->iceberg.catalog.scope);
	co->access_delegation = icp_proc_nonempty(cfg->iceberg.catalog.access_delegation);
	co->rest_warehouse = icp_proc_nonempty(cfg->iceberg.catalog.warehouse);
	co->ca_bundle = icp_proc_nonempty(cfg->iceberg.catalog.ca_bundle);
	co->timeout_ms = (long)cfg->iceberg.catalog.timeout_seconds * 1000;
	co->warehouse_store = ws;
}

int icp_processor_open_bucket(icp_processor *p, const char *bucket, icp_storage **out,
                              icp_error *err)
{
	icp_buf url;
	int rc;
	icp_buf_init(&url, 0);
	icp_storage_opts o;
	icp_proc_store_opts(p, 0, &o);
	rc = store_url(p->cfg->s3.endpoint, bucket, &url, err);
	if (rc == ICP_OK)
		rc = icp_storage_open_ex((char *)url.data, &o, out, err);
	icp_buf_dispose(&url);
	return rc;
}

int icp_processor_past_deadline(const icp_processor *p)
{
	/* a second signal in --once (2) gives up at once */
	return p->stop && *p->stop &&
	       (*p->stop >= 2 || (p->deadline_ns && icp_mono_ns() >= p->deadline_ns));
}

int icp_proc_turn_over(const icp_processor *p)
{
	if (p->turn_table && icp_sink_count(&p->turn_table->sink) >= ICP_PROC_MAX_CLOSED_FILES)
		return 1;
	return p->turn_end_ns && icp_mono_ns() >= p->turn_end_ns;
}
