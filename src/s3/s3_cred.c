/*
 * Credentials and the providers that find them. Each source is a vtable
 * (static keys, environment, shared files); a chain walks them in order
 * and the first with credentials wins, as the AWS SDKs do. Network
 * sources (web identity, ECS container, IMDS) become further vtables in
 * this list. Secrets are wiped before they are freed and never written
 * into error messages.
 */
#include "s3/s3_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Shared files are small; anything bigger is not one. */
#define MAX_FILE (1 << 20)
#define MAX_CHAIN 8

void icp_s3_credentials_init(icp_s3_credentials *c)
{
	memset(c, 0, sizeof(*c));
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		icp_free(s);
	}
}

void icp_s3_credentials_dispose(icp_s3_credentials *c)
{
	icp_free(c->access_key_id);
	free_secret(c->secret_access_key);
	free_secret(c->session_token);
	icp_s3_credentials_init(c);
}

int icp_s3_credentials_set(icp_s3_credentials *c, const char *id, const char *secret,
                           const char *token)
{
	const char *source = c->source;
	icp_s3_credentials_dispose(c);
	c->source = source;
	c->access_key_id = icp_strdup(id);
	c->secret_access_key = icp_strdup(secret);
	if (token && *token)
		c->session_token = icp_strdup(token);
	if (!c->access_key_id || !c->secret_access_key || (token && *token && !c->session_token)) {
		icp_s3_credentials_dispose(c);
		return ICP_ERR_NOMEM;
	}
	return ICP_OK;
}

/* ------------------------------------------------------------- provider */

struct icp_s3_cred_provider {
	const icp_s3_cred_provider_vtable *vt;
	void *state;
};

icp_s3_cred_provider *icp_s3_cred_provider_new(const icp_s3_cred_provider_vtable *vt,
                                               void *state)
{
	icp_s3_cred_provider *p = icp_calloc(1, sizeof(*p));
	if (!p) {
		if (vt->destroy)
			vt->destroy(state);
		return NULL;
	}
	p->vt = vt;
	p->state = state;
	return p;
}

void icp_s3_cred_provider_free(icp_s3_cred_provider *p)
{
	if (!p)
		return;
	if (p->vt->destroy)
		p->vt->destroy(p->state);
	icp_free(p);
}

int icp_s3_cred_provider_resolve(icp_s3_cred_provider *p, icp_s3_credentials *out,
                                 icp_error *err)
{
	int rc = p->vt->resolve(p->state, out, err);
	if (rc == ICP_OK)
		out->source = p->vt->name;
	return rc;
}

const char *icp_s3_cred_provider_name(const icp_s3_cred_provider *p)
{
	return p->vt->name;
}

/* --------------------------------------------------------------- static */

static int static_resolve(void *state, icp_s3_credentials *out, icp_error *err)
{
	icp_s3_credentials *c = state;
	if (icp_s3_credentials_set(out, c->access_key_id, c->secret_access_key,
	                           c->session_token) != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "s3 credentials: out of memory");
	return ICP_OK;
}

static void static_free(void *state)
{
	if (state) {
		icp_s3_credentials_dispose(state);
		icp_free(state);
	}
}

static const icp_s3_cred_provider_vtable static_vt = {"static", static_resolve, static_free};

icp_s3_cred_provider *icp_s3_cred_static_new(const char *id, const char *secret,
                                             const char *token)
{
	icp_s3_credentials *c;
	if (!id || !*id || !secret || !*secret)
		return NULL;
	c = icp_calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (icp_s3_credentials_set(c, id, secret, token) != ICP_OK) {
		icp_free(c);
		return NULL;
	}
	return icp_s3_cred_provider_new(&static_vt, c);
}

/* ---------------------------------------------------------- environment */

const char *icp_s3_env_get(const icp_s3_env *env, const char *name)
{
	const char *v = env->getenv ? env->getenv(env->ctx, name) : getenv(name);
	return v && *v ? v : NULL;
}

static int env_resolve(void *state, icp_s3_credentials *out, icp_error *err)
{
	const icp_s3_env *env = state;
	const char *id = icp_s3_env_get(env, "AWS_ACCESS_KEY_ID");
	const char *secret = icp_s3_env_get(env, "AWS_SECRET_ACCESS_KEY");

	if (!id && !secret)
		return ICP_ERR_NOT_FOUND;
	if (!id || !secret)
		return icp_error_set(err, ICP_ERR_INVALID, "s3 credentials: %s is set but %s is not",
		                     id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		                     id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	if (icp_s3_credentials_set(out, id, secret, icp_s3_env_get(env, "AWS_SESSION_TOKEN")) != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "s3 credentials: out of memory");
	return ICP_OK;
}

static const icp_s3_cred_provider_vtable env_vt = {"env", env_resolve, icp_free};

static icp_s3_env *env_copy(const icp_s3_env *env)
{
	icp_s3_env *e = icp_calloc(1, sizeof(*e));
	if (e && env)
		*e = *env;
	return e;
}

icp_s3_cred_provider *icp_s3_cred_env_new(const icp_s3_env *env)
{
	icp_s3_env *e = env_copy(env);
	return e ? icp_s3_cred_provider_new(&env_vt, e) : NULL;
}

/* --------------------------------------------------------- shared files */

/* What one profile gives, from either file. */
typedef struct profile_keys {
	const char *want;     /* section to collect */
	int config_file;      /* sections are "profile NAME" (or "default") */
	int found;            /* the section exists */
	char *id, *secret, *token;
	int oom;
} profile_keys;

static int section_matches(const profile_keys *pk, const char *section)
{
	const char *s = section;
	if (pk->config_file && strcmp(pk->want, "default") != 0) {
		/* "[profile  name]": the word, then blanks. */
		if (strncmp(s, "profile", 7) != 0 || (s[7] != ' ' && s[7] != '\t'))
			return 0;
		s += 7;
		while (*s == ' ' || *s == '\t')
			s++;
	}
	return strcmp(s, pk->want) == 0;
}

static void keep(char **slot, const char *v, profile_keys *pk)
{
	free_secret(*slot);
	*slot = icp_strdup(v);
	if (!*slot)
		pk->oom = 1;
}

static int on_kv(void *ctx, const char *section, const char *key, const char *value)
{
	profile_keys *pk = ctx;
	if (!section_matches(pk, section))
		return 0;
	pk->found = 1;
	if (strcmp(key, "aws_access_key_id") == 0)
		keep(&pk->id, value, pk);
	else if (strcmp(key, "aws_secret_access_key") == 0)
		keep(&pk->secret, value, pk);
	else if (strcmp(key, "aws_session_token") == 0)
		keep(&pk->token, value, pk);
	return 0;
}

static void pk_dispose(profile_keys *pk)
{
	icp_free(pk->id);
	free_secret(pk->secret);
	free_secret(pk->token);
}

int icp_s3_read_file(const char *path, icp_buf *out, icp_error *err)
{
	FILE *f = fopen(path, "rb");
	char tmp[4096];
	size_t n;
	int rc = ICP_OK;

	if (!f) {
		if (errno == ENOENT || errno == ENOTDIR)
			return ICP_ERR_NOT_FOUND;
		return icp_error_set(err, ICP_ERR_IO, "%s: %s", path, strerror(errno));
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (icp_buf_append(out, tmp, n) != ICP_OK)
			break;
	if (out->status == ICP_ERR_TOO_LARGE)
		rc = icp_error_set(err, ICP_ERR_TOO_LARGE, "%s: larger than %zu bytes", path, out->max);
	else if (out->status != ICP_OK)
		rc = icp_error_set(err, ICP_ERR_NOMEM, "%s: out of memory", path);
	else if (ferror(f))
		rc = icp_error_set(err, ICP_ERR_IO, "%s: read error", path);
	fclose(f);
	return rc;
}

/* Collects the profile's keys from one file (missing file: nothing). */
static int scan_file(const icp_s3_env *env, const char *var, const char *dflt,
                     profile_keys *pk, icp_error *err)
{
	const char *path = icp_s3_env_get(env, var);
	icp_buf p, text;
	int rc;

	icp_buf_init(&p, 4096);
	if (!path) {
		const char *home = icp_s3_env_get(env, "HOME");
		if (!home) {
			icp_buf_dispose(&p);
			return ICP_OK; /* no HOME, no default files */
		}
		icp_buf_printf(&p, "%s/%s", home, dflt);
	} else if (path[0] == '~' && path[1] == '/' && icp_s3_env_get(env, "HOME")) {
		icp_buf_printf(&p, "%s%s", icp_s3_env_get(env, "HOME"), path + 1);
	} else {
		icp_buf_append_str(&p, path);
	}
	icp_buf_append_byte(&p, 0);
	if (p.status != ICP_OK) {
		int st = p.status;
		icp_buf_dispose(&p);
		if (st == ICP_ERR_NOMEM)
			return icp_error_set(err, ICP_ERR_NOMEM, "s3 credentials: out of memory");
		return icp_error_set(err, ICP_ERR_INVALID, "s3 credentials: %s path too long", var);
	}
	icp_buf_init(&text, MAX_FILE);
	rc = icp_s3_read_file((const char *)p.data, &text, err);
	if (rc == ICP_OK) {
		rc = icp_s3_ini_parse((const char *)text.data, text.len, (const char *)p.data,
		                      on_kv, pk, err);
		if (rc == ICP_OK && pk->oom)
			rc = icp_error_set(err, ICP_ERR_NOMEM, "s3 credentials: out of memory");
	} else if (rc == ICP_ERR_NOT_FOUND) {
		rc = ICP_OK;
	}
	if (text.data)
		explicit_bzero(text.data, text.len);
	icp_buf_dispose(&text);
	icp_buf_dispose(&p);
	return rc;
}

static int profile_resolve(void *state, icp_s3_credentials *out, icp_error *err)
{
	const icp_s3_env *env = state;
	const char *name = icp_s3_env_get(env, "AWS_PROFILE");
	profile_keys cred, conf;
	int rc;

	if (!name)
		name = "default";
	memset(&cred, 0, sizeof(cred));
	memset(&conf, 0, sizeof(conf));
	cred.want = conf.want = name;
	conf.config_file = 1;
	rc = scan_file(env, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", &cred, err);
	if (rc == ICP_OK)
		rc = scan_file(env, "AWS_CONFIG_FILE", ".aws/config", &conf, err);
	if (rc != ICP_OK)
		goto out;
	{
		/* Key by key, the credentials file wins. */
		const char *id = cred.id ? cred.id : conf.id;
		const char *secret = cred.secret ? cred.secret : conf.secret;
		const char *token = cred.token ? cred.token : conf.token;
		if (!id && !secret) {
			rc = ICP_ERR_NOT_FOUND;
			goto out;
		}
		if (!id || !*id || !secret || !*secret) {
			rc = icp_error_set(err, ICP_ERR_INVALID, "s3 credentials: profile \"%s\" has "
			                   "%s but no %s", name,
			                   id && *id ? "aws_access_key_id" : "aws_secret_access_key",
			                   id && *id ? "aws_secret_access_key" : "aws_access_key_id");
			goto out;
		}
		if (icp_s3_credentials_set(out, id, secret, token) != ICP_OK)
			rc = icp_error_set(err, ICP_ERR_NOMEM, "s3 credentials: out of memory");
	}
out:
	pk_dispose(&cred);
	pk_dispose(&conf);
	return rc;
}

static const icp_s3_cred_provider_vtable profile_vt = {"profile", profile_resolve, icp_free};

icp_s3_cred_provider *icp_s3_cred_profile_new(const icp_s3_env *env)
{
	icp_s3_env *e = env_copy(env);
	return e ? icp_s3_cred_provider_new(&profile_vt, e) : NULL;
}

/* ---------------------------------------------------------------- chain */

struct icp_s3_cred_chain {
	icp_s3_cred_provider *p[MAX_CHAIN];
	size_t n;
};

icp_s3_cred_chain *icp_s3_cred_chain_new(void)
{
	return icp_calloc(1, sizeof(icp_s3_cred_chain));
}

void icp_s3_cred_chain_free(icp_s3_cred_chain *c)
{
	size_t i;
	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		icp_s3_cred_provider_free(c->p[i]);
	icp_free(c);
}

int icp_s3_cred_chain_add(icp_s3_cred_chain *c, icp_s3_cred_provider *p, icp_error *err)
{
	if (!p)
		return icp_error_set(err, ICP_ERR_INVALID, "s3 credentials: no provider "
		                     "(out of memory or bad arguments)");
	if (c->n == MAX_CHAIN) {
		icp_s3_cred_provider_free(p);
		return icp_error_set(err, ICP_ERR_INVALID, "s3 credentials: more than %d providers",
		                     MAX_CHAIN);
	}
	c->p[c->n++] = p;
	return ICP_OK;
}

icp_s3_cred_chain *icp_s3_cred_chain_default(const icp_s3_env *env)
{
	icp_s3_cred_chain *c = icp_s3_cred_chain_new();
	if (!c)
		return NULL;
	if (icp_s3_cred_chain_add(c, icp_s3_cred_env_new(env), NULL) != ICP_OK ||
	    icp_s3_cred_chain_add(c, icp_s3_cred_profile_new(env), NULL) != ICP_OK) {
		icp_s3_cred_chain_free(c);
		return NULL;
	}
	return c;
}

int icp_s3_cred_chain_resolve(icp_s3_cred_chain *c, icp_s3_credentials *out,
                              icp_error *err)
{
	char tried[256] = "";
	size_t i, used = 0;

	for (i = 0; i < c->n; i++) {
		int rc = icp_s3_cred_provider_resolve(c->p[i], out, err);
		if (rc != ICP_ERR_NOT_FOUND)
			return rc;
		if (used < sizeof(tried)) {
			int w = snprintf(tried + used, sizeof(tried) - used, "%s%s", i ? ", " : "",
			                 icp_s3_cred_provider_name(c->p[i]));
			used += w > 0 ? (size_t)w : 0;
		}
	}
	return icp_error_set(err, ICP_ERR_NOT_FOUND, "s3 credentials: none found (tried: %s)",
	                     c->n ? tried : "no providers");
}
