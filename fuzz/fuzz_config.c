/* Fuzz target: arbitrary bytes as a config file. The environment is a
 * fixed fake one (deterministic runs); both warning paths (callback and
 * strict) are exercised, and a loaded config is printed as JSON. */
#include "config/config.h"

static const char *fuzz_env(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "SET") == 0)
		return "value";
	if (strcmp(name, "KAFSCALE_ICEBERG_LFS_MODE") == 0)
		return NULL;
	return NULL;
}

static void fuzz_warn(void *ctx, const char *msg)
{
	(*(size_t *)ctx) += strlen(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	icp_config_opts o;
	icp_config *cfg = NULL;
	icp_error err;
	size_t warned = 0;

	icp_config_opts_init(&o);
	o.getenv = fuzz_env;
	o.warn = fuzz_warn;
	o.warn_ctx = &warned;
	o.strict = size > 0 && (data[0] & 1);
	icp_error_init(&err);
	if (icp_config_load_string((const char *)data, size, &o, &cfg, &err) == ICP_OK) {
		icp_buf b;
		icp_buf_init(&b, 0);
		icp_config_to_json(cfg, &b, 1);
		icp_buf_dispose(&b);
		icp_config_free(cfg);
	}
	return 0;
}
