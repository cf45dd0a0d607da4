/*
 * Credential providers without network: environment, shared files
 * (credentials/config, profiles, precedence, defaults under $HOME), the
 * chain (order, NOT_FOUND fall-through, stop on error, a plugged-in
 * vtable) and allocation failures. The environment is a fake table; files
 * live in a fresh temporary directory.
 */
#include "s3/s3.h"
#include "test.h"

#include <sys/stat.h>
#include <unistd.h>

typedef struct fake_env {
	const char *kv[16][2];
	size_t n;
} fake_env;

static const char *fake_get(void *ctx, const char *name)
{
	fake_env *e = ctx;
	size_t i;
	for (i = 0; i < e->n; i++)
		if (strcmp(e->kv[i][0], name) == 0)
			return e->kv[i][1];
	return NULL;
}

static void fset(fake_env *e, const char *k, const char *v)
{
	size_t i;
	for (i = 0; i < e->n; i++)
		if (strcmp(e->kv[i][0], k) == 0) {
			e->kv[i][1] = v;
			return;
		}
	e->kv[e->n][0] = k;
	e->kv[e->n++][1] = v;
}

static char dir[64];

static const char *path_in(const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", dir, name);
	return buf;
}

static void write_file(const char *name, const char *text)
{
	char p[256];
	FILE *f = fopen(path_in(name, p, sizeof(p)), "wb");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int resolve_with(icp_s3_cred_provider *p, icp_s3_credentials *c, icp_error *err)
{
	icp_error_init(err);
	icp_s3_credentials_dispose(c);
	return icp_s3_cred_provider_resolve(p, c, err);
}

static void test_env(void)
{
	fake_env fe = {{{0}}, 0};
	icp_s3_env env = {fake_get, &fe};
	icp_s3_cred_provider *p = icp_s3_cred_env_new(&env);
	icp_s3_credentials c;
	icp_error err;

	icp_s3_credentials_init(&c);
	CHECK(p != NULL);
	CHECK_EQ_STR(icp_s3_cred_provider_name(p), "env");
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_ERR_NOT_FOUND);
	fset(&fe, "AWS_ACCESS_KEY_ID", "AKIDENV");
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "AWS_SECRET_ACCESS_KEY is not");
	fset(&fe, "AWS_SECRET_ACCESS_KEY", "envsecret");
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_OK);
	CHECK_EQ_STR(c.access_key_id, "AKIDENV");
	CHECK_EQ_STR(c.secret_access_key, "envsecret");
	CHECK(c.session_token == NULL);
	CHECK_EQ_STR(c.source, "env");
	fset(&fe, "AWS_SESSION_TOKEN", "envtoken");
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_OK);
	CHECK_EQ_STR(c.session_token, "envtoken");
	/* Empty counts as unset. */
	fset(&fe, "AWS_ACCESS_KEY_ID", "");
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_ERR_INVALID);
	CHECK(strstr(err.msg, "envsecret") == NULL);
	fset(&fe, "AWS_SECRET_ACCESS_KEY", "");
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_ERR_NOT_FOUND);
	icp_s3_credentials_dispose(&c);
	icp_s3_cred_provider_free(p);
	icp_s3_cred_provider_free(NULL);
}

static void test_static(void)
{
	icp_s3_cred_provider *p = icp_s3_cred_static_new("ID", "SECRET", NULL);
	icp_s3_credentials c;
	icp_error err;
	icp_s3_credentials_init(&c);
	CHECK(p != NULL);
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_OK);
	CHECK_EQ_STR(c.access_key_id, "ID");
	CHECK_EQ_STR(c.source, "static");
	CHECK(icp_s3_cred_static_new("", "x", NULL) == NULL);
	CHECK(icp_s3_cred_static_new("x", NULL, NULL) == NULL);
	icp_s3_credentials_dispose(&c);
	icp_s3_cred_provider_free(p);
}

static void test_profile(void)
{
	fake_env fe = {{{0}}, 0};
	icp_s3_env env = {fake_get, &fe};
	icp_s3_cred_provider *p = icp_s3_cred_profile_new(&env);
	icp_s3_credentials c;
	icp_error err;
	char cred[256], conf[256], home_cred[256];

	icp_s3_credentials_init(&c);
	CHECK(p != NULL);
	/* No HOME, no variables: nothing. */
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_ERR_NOT_FOUND);
	/* HOME without .aws: nothing. */
	fset(&fe, "HOME", dir);
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_ERR_NOT_FOUND);
	/* Default location $HOME/.aws/credentials, [default]. */
	CHECK_EQ_INT(mkdir(path_in(".aws", cred, sizeof(cred)), 0700), 0);
	write_file(".aws/credentials", "[default]\naws_access_key_id = HOMEID\n"
	                               "aws_secret_access_key = homesecret\n");
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_OK);
	CHECK_EQ_STR(c.access_key_id, "HOMEID");
	CHECK_EQ_STR(c.source, "profile");
	path_in(".aws/credentials", home_cred, sizeof(home_cred));

	/* Explicit files and a named profile. */
	write_file("credentials",
	           "[default]\naws_access_key_id = DEFID\naws_secret_access_key = defsecret\n"
	           "[dev]\r\naws_access_key_id = DEVID\r\n"
	           "# the secret is in the config file\r\n"
	           "[profile dev]\naws_access_key_id = WRONG\naws_secret_access_key = wrong\n");
	write_file("config",
	           "[default]\nregion = us-east-1\n"
	           "[dev]\naws_secret_access_key = notthisone\n"
	           "[profile dev]\naws_access_key_id = CONFID\n"
	           "aws_secret_access_key = devsecret\naws_session_token = devtoken\n"
	           "s3 =\n  addressing_style = path\n"
	           "[profile conf-only]\naws_access_key_id = ONLYID\n"
	           "aws_secret_access_key = onlysecret\n"
	           "[profile half]\naws_access_key_id = HALFID\n");
	fset(&fe, "AWS_SHARED_CREDENTIALS_FILE", path_in("credentials", cred, sizeof(cred)));
	fset(&fe, "AWS_CONFIG_FILE", path_in("config", conf, sizeof(conf)));
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_OK);
	CHECK_EQ_STR(c.access_key_id, "DEFID");
	CHECK(c.session_token == NULL);
	/* dev: id from the credentials file wins, the rest from [profile dev]
	 * of the config file ([dev] there is not that profile). */
	fset(&fe, "AWS_PROFILE", "dev");
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_OK);
	CHECK_EQ_STR(c.access_key_id, "DEVID");
	CHECK_EQ_STR(c.secret_access_key, "devsecret");
	CHECK_EQ_STR(c.session_token, "devtoken");
	fset(&fe, "AWS_PROFILE", "conf-only");
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_OK);
	CHECK_EQ_STR(c.access_key_id, "ONLYID");
	fset(&fe, "AWS_PROFILE", "half");
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "profile \"half\" has aws_access_key_id but no "
	                        "aws_secret_access_key");
	fset(&fe, "AWS_PROFILE", "absent");
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_ERR_NOT_FOUND);

	/* A broken file is an error naming it, not a silent skip. */
	fset(&fe, "AWS_PROFILE", "");
	write_file("broken", "[default]\naws_access_key_id = X\nthis line is wrong\n");
	fset(&fe, "AWS_CONFIG_FILE", path_in("broken", conf, sizeof(conf)));
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "broken:3:");
	/* Named files that do not exist are fine. */
	fset(&fe, "AWS_CONFIG_FILE", path_in("nope", conf, sizeof(conf)));
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_OK);
	CHECK_EQ_STR(c.access_key_id, "DEFID");
	/* "~/" means $HOME. */
	fset(&fe, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials");
	CHECK_EQ_INT(resolve_with(p, &c, &err), ICP_OK);
	CHECK_EQ_STR(c.access_key_id, "HOMEID");

	icp_s3_credentials_dispose(&c);
	icp_s3_cred_provider_free(p);
	unlink(home_cred);
	unlink(path_in("credentials", cred, sizeof(cred)));
	unlink(path_in("config", conf, sizeof(conf)));
	unlink(path_in("broken", conf, sizeof(conf)));
	rmdir(path_in(".aws", cred, sizeof(cred)));
}

/* A plugged-in source, as network sources will be. */
typedef struct fake_src {
	int rc;
	int calls;
} fake_src;

static int fake_resolve(void *state, icp_s3_credentials *out, icp_error *err)
{
	fake_src *s = state;
	s->calls++;
	if (s->rc == ICP_OK)
		return icp_s3_credentials_set(out, "FAKEID", "fakesecret", "faketoken");
	if (s->rc == ICP_ERR_IO)
		return icp_error_set(err, ICP_ERR_IO, "fake: metadata service unreachable");
	return s->rc;
}

static const icp_s3_cred_provider_vtable fake_vt = {"fake", fake_resolve, NULL};

static void test_chain(void)
{
	fake_env fe = {{{0}}, 0};
	icp_s3_env env = {fake_get, &fe};
	icp_s3_cred_chain *ch = icp_s3_cred_chain_default(&env);
	icp_s3_credentials c;
	icp_error err;
	fake_src src = {ICP_ERR_NOT_FOUND, 0};
	int i;

	icp_s3_credentials_init(&c);
	CHECK(ch != NULL);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_cred_chain_resolve(ch, &c, &err), ICP_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.msg, "tried: env, profile");
	/* A plugged-in third source. */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_cred_chain_add(ch, icp_s3_cred_provider_new(&fake_vt, &src), &err),
	             ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_cred_chain_resolve(ch, &c, &err), ICP_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.msg, "tried: env, profile, fake");
	src.rc = ICP_ERR_IO;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_cred_chain_resolve(ch, &c, &err), ICP_ERR_IO);
	CHECK_CONTAINS(err.msg, "unreachable");
	src.rc = ICP_OK;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_cred_chain_resolve(ch, &c, &err), ICP_OK);
	CHECK_EQ_STR(c.source, "fake");
	CHECK_EQ_STR(c.session_token, "faketoken");
	/* An earlier source wins and later ones are not asked. */
	fset(&fe, "AWS_ACCESS_KEY_ID", "ENVID");
	fset(&fe, "AWS_SECRET_ACCESS_KEY", "envsecret");
	src.calls = 0;
	icp_s3_credentials_dispose(&c);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_cred_chain_resolve(ch, &c, &err), ICP_OK);
	CHECK_EQ_STR(c.source, "env");
	CHECK_EQ_STR(c.access_key_id, "ENVID");
	CHECK_EQ_INT(src.calls, 0);
	/* Capacity and NULL providers. */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_cred_chain_add(ch, NULL, &err), ICP_ERR_INVALID);
	for (i = 0; i < 5; i++) {
		icp_error_init(&err);
		CHECK_EQ_INT(icp_s3_cred_chain_add(ch, icp_s3_cred_static_new("a", "b", NULL), &err),
		             ICP_OK);
	}
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_cred_chain_add(ch, icp_s3_cred_static_new("a", "b", NULL), &err),
	             ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "more than 8");
	icp_s3_credentials_dispose(&c);
	icp_s3_cred_chain_free(ch);
	icp_s3_cred_chain_free(NULL);
}

/* Every allocation failing in turn, building and resolving a chain over
 * a shared file: NULL/NOMEM or success, no leaks (ASan). */
static void test_alloc_failures(void)
{
	fake_env fe = {{{0}}, 0};
	icp_s3_env env = {fake_get, &fe};
	char cred[256];
	long n;
	int ok = 0;

	write_file("oomcred", "[default]\naws_access_key_id = A\naws_secret_access_key = B\n"
	                      "aws_session_token = C\n");
	fset(&fe, "AWS_SHARED_CREDENTIALS_FILE", path_in("oomcred", cred, sizeof(cred)));
	fset(&fe, "AWS_CONFIG_FILE", "/nonexistent/icp-config");
	for (n = 1; n < 100 && !ok; n++) {
		icp_s3_cred_chain *ch;
		icp_s3_credentials c;
		icp_error err;
		int rc = ICP_ERR_NOMEM;
		icp_s3_credentials_init(&c);
		icp_error_init(&err);
		icp_alloc_fail_after(n);
		ch = icp_s3_cred_chain_default(&env);
		if (ch)
			rc = icp_s3_cred_chain_resolve(ch, &c, &err);
		icp_alloc_fail_after(0);
		CHECK(rc == ICP_OK || rc == ICP_ERR_NOMEM);
		if (rc != ICP_OK && rc != ICP_ERR_NOMEM)
			fprintf(stderr, "fail at %ld: %d %s\n", n, rc, err.msg);
		if (rc == ICP_OK) {
			ok = 1;
			CHECK_EQ_STR(c.session_token, "C");
		}
		icp_s3_credentials_dispose(&c);
		icp_s3_cred_chain_free(ch);
	}
	CHECK(ok);
	unlink(cred);
}

int main(void)
{
	int rc;
	snprintf(dir, sizeof(dir), "/tmp/icp-s3-cred-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	TEST_RUN(test_env);
	TEST_RUN(test_static);
	TEST_RUN(test_profile);
	TEST_RUN(test_chain);
	TEST_RUN(test_alloc_failures);
	rc = TEST_DONE();
	rmdir(dir);
	return rc;
}
