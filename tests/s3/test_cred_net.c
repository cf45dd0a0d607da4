/*
 * Network credential sources with a fake transport: what they send (URL,
 * headers, form body) and how they read answers (credentials, service
 * errors, retryable statuses, transport failures), plus the environment
 * rules (both-or-neither variables, http only to container/loopback).
 */
#include "s3/s3.h"
#include "test.h"

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

/* Records the last request; answers with status/body, or fails. */
typedef struct fake_http {
	int status;
	const char *body;
	int fail;
	int calls;
	char method[8];
	char url[512];
	char headers[2048];
	char sent[2048];
} fake_http;

static int fake_perform(void *ctx, const icp_s3_http_request *req, int *status, icp_buf *body,
                        icp_error *err)
{
	fake_http *f = ctx;
	size_t i, used = 0;
	f->calls++;
	snprintf(f->method, sizeof(f->method), "%s", req->method);
	snprintf(f->url, sizeof(f->url), "%s", req->url);
	f->headers[0] = 0;
	for (i = 0; i < req->n_headers; i++)
		used += (size_t)snprintf(f->headers + used, sizeof(f->headers) - used, "%s\n",
		                         req->headers[i]);
	snprintf(f->sent, sizeof(f->sent), "%.*s", (int)req->body_len,
	         req->body ? (const char *)req->body : "");
	if (f->fail)
		return icp_error_set(err, ICP_ERR_IO, "connect: refused");
	*status = f->status;
	icp_buf_append_str(body, f->body);
	return body->status;
}

static char dir[64];

static const char *write_tmp(const char *name, const char *text, char *path, size_t n)
{
	FILE *f;
	snprintf(path, n, "%s/%s", dir, name);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

static const char STS_OK[] =
	"<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
	"<SessionToken>STSTOKEN</SessionToken><SecretAccessKey>STSSECRET</SecretAccessKey>"
	"<Expiration>2014-10-24T23:00:23Z</Expiration><AccessKeyId>ASIASTS</AccessKeyId>"
	"</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";

static int resolve(icp_s3_cred_provider *p, icp_s3_credentials *c, icp_error *err)
{
	icp_s3_credentials_dispose(c);
	icp_error_init(err);
	return icp_s3_cred_provider_resolve(p, c, err);
}

static void test_web_identity(void)
{
	fake_env fe = {{{0}}, 0};
	icp_s3_env env = {fake_get, &fe};
	fake_http fh;
	icp_s3_http_transport t = {fake_perform, &fh};
	icp_s3_cred_provider *p = icp_s3_cred_web_identity_new(&env, &t, NULL);
	icp_s3_credentials c;
	icp_error err;
	char tokpath[256];

	memset(&fh, 0, sizeof(fh));
	icp_s3_credentials_init(&c);
	CHECK(p != NULL);
	CHECK_EQ_STR(icp_s3_cred_provider_name(p), "web-identity");
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_NOT_FOUND);
	CHECK_EQ_INT(fh.calls, 0);
	fset(&fe, "AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ice");
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not");
	fset(&fe, "AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/icp-token");
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "does not exist");

	fset(&fe, "AWS_WEB_IDENTITY_TOKEN_FILE", write_tmp("tok", "eyJ.a+b/c=\n", tokpath,
	                                                   sizeof(tokpath)));
	fset(&fe, "AWS_REGION", "eu-west-1");
	fh.status = 200;
	fh.body = STS_OK;
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_OK);
	CHECK_EQ_STR(c.access_key_id, "ASIASTS");
	CHECK_EQ_STR(c.session_token, "STSTOKEN");
	CHECK_EQ_STR(c.source, "web-identity");
	CHECK(c.expires_ms == 1414191623000LL);
	CHECK_EQ_STR(fh.method, "POST");
	CHECK_EQ_STR(fh.url, "https://sts.eu-west-1.amazonaws.com/");
	CHECK_CONTAINS(fh.headers, "Content-Type: application/x-www-form-urlencoded");
	CHECK_EQ_STR(fh.sent, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&"
	                      "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fice&"
	                      "RoleSessionName=iceberg-processor&WebIdentityToken=eyJ.a%2Bb%2Fc%3D");

	/* STS's own errors. */
	fh.status = 400;
	fh.body = "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
	          "<Message>expired</Message></Error></ErrorResponse>";
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_IO);
	CHECK_CONTAINS(err.msg, "HTTP 400 InvalidIdentityToken: expired");
	fh.body = "<ErrorResponse><Error><Code>IDPCommunicationError</Code></Error></ErrorResponse>";
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_RETRYABLE);
	fh.status = 503;
	fh.body = "<html>busy</html>";
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_RETRYABLE);
	CHECK_CONTAINS(err.msg, "HTTP 503");
	fh.status = 200;
	fh.body = "<AssumeRoleWithWebIdentityResponse>";
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_CORRUPT);
	fh.fail = 1;
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_IO);
	CHECK_CONTAINS(err.msg, "sts AssumeRoleWithWebIdentity: connect: refused");
	CHECK(c.access_key_id == NULL);
	icp_s3_cred_provider_free(p);

	/* Explicit endpoint and session name; an empty token file. */
	fh.fail = 0;
	fh.status = 200;
	fh.body = STS_OK;
	p = icp_s3_cred_web_identity_new(&env, &t, "http://127.0.0.1:9000");
	fset(&fe, "AWS_ROLE_SESSION_NAME", "run 1");
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_OK);
	CHECK_EQ_STR(fh.url, "http://127.0.0.1:9000/");
	CHECK_CONTAINS(fh.sent, "&RoleSessionName=run%201&");
	fset(&fe, "AWS_WEB_IDENTITY_TOKEN_FILE", write_tmp("empty", "\n", tokpath, sizeof(tokpath)));
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "no single-line token");
	icp_s3_cred_provider_free(p);
	CHECK(icp_s3_cred_web_identity_new(&env, NULL, NULL) == NULL);
	icp_s3_credentials_dispose(&c);
	unlink(tokpath);
	snprintf(tokpath, sizeof(tokpath), "%s/tok", dir);
	unlink(tokpath);
}

static const char CONTAINER_OK[] =
	"{\"AccessKeyId\":\"ASIACONT\",\"SecretAccessKey\":\"contsecret\",\"Token\":\"conttoken\","
	"\"Expiration\":\"2017-05-17T15:09:54Z\",\"RoleArn\":\"arn:aws:iam::1:role/x\"}";

static void test_container(void)
{
	fake_env fe = {{{0}}, 0};
	icp_s3_env env = {fake_get, &fe};
	fake_http fh;
	icp_s3_http_transport t = {fake_perform, &fh};
	icp_s3_cred_provider *p = icp_s3_cred_container_new(&env, &t);
	icp_s3_credentials c;
	icp_error err;
	char tokpath[256];
	static const char *const allowed[] = {
		"http://169.254.170.23/v1/credentials", "http://127.0.0.1:8080/creds",
		"http://localhost/creds", "http://[::1]:80/c", "http://[fd00:ec2::23]/v1",
		"https://creds.example.com/x",
	};
	static const char *const refused[] = {
		"http://example.com/creds", "http://169.254.170.2.evil.com/", "http://127.0.0.1.nip.io/",
		"ftp://127.0.0.1/", "http://[fd00:ec2::24]/", "http://10.0.0.1/",
	};
	size_t i;

	memset(&fh, 0, sizeof(fh));
	icp_s3_credentials_init(&c);
	CHECK(p != NULL);
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_NOT_FOUND);
	fh.status = 200;
	fh.body = CONTAINER_OK;
	fset(&fe, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc");
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_OK);
	CHECK_EQ_STR(fh.method, "GET");
	CHECK_EQ_STR(fh.url, "http://169.254.170.2/v2/credentials/abc");
	CHECK(strstr(fh.headers, "Authorization") == NULL);
	CHECK_EQ_STR(c.access_key_id, "ASIACONT");
	CHECK_EQ_STR(c.session_token, "conttoken");
	CHECK_EQ_STR(c.source, "container");
	CHECK(c.expires_ms == 1495033794000LL);
	fset(&fe, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/x");
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_INVALID);
	fset(&fe, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x\r\nHost: evil");
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "line breaks");
	fset(&fe, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "");

	/* Full URIs and their host rule. */
	for (i = 0; i < ICP_ARRAY_LEN(allowed); i++) {
		fset(&fe, "AWS_CONTAINER_CREDENTIALS_FULL_URI", allowed[i]);
		CHECK_EQ_INT(resolve(p, &c, &err), ICP_OK);
		CHECK_EQ_STR(fh.url, allowed[i]);
	}
	fh.calls = 0;
	for (i = 0; i < ICP_ARRAY_LEN(refused); i++) {
		fset(&fe, "AWS_CONTAINER_CREDENTIALS_FULL_URI", refused[i]);
		CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_INVALID);
		CHECK_CONTAINS(err.msg, "must be https");
	}
	CHECK_EQ_INT(fh.calls, 0);

	/* Authorization: the file wins over the variable. */
	fset(&fe, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
	fset(&fe, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abc");
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_OK);
	CHECK_CONTAINS(fh.headers, "Authorization: Basic abc\n");
	fset(&fe, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	     write_tmp("ctok", "eks-pod-token\r\n", tokpath, sizeof(tokpath)));
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_OK);
	CHECK_CONTAINS(fh.headers, "Authorization: eks-pod-token\n");
	fset(&fe, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "");
	fset(&fe, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "a\r\nInjected: 1");
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_INVALID);
	fset(&fe, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "");

	/* Failures. */
	fh.status = 500;
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_RETRYABLE);
	fh.status = 403;
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_IO);
	CHECK_CONTAINS(err.msg, "HTTP 403");
	fh.status = 200;
	fh.body = "{\"AccessKeyId\":\"A\"}";
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "container credentials: credentials document lacks");
	fh.fail = 1;
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_IO);
	CHECK_CONTAINS(err.msg, "container credentials http://169.254.170.23/v1/credentials: "
	                        "connect: refused");
	icp_s3_credentials_dispose(&c);
	icp_s3_cred_provider_free(p);
	unlink(tokpath);
}

/* IMDS: a scripted fake answering by (method, URL). */
typedef struct route {
	const char *method, *url;
	int status;
	const char *body;
} route;

typedef struct imds_fake {
	const route *r;
	size_t n;
	int unreachable;
	int calls;
	char last_headers[512];
} imds_fake;

static int imds_perform(void *ctx, const icp_s3_http_request *req, int *status, icp_buf *body,
                        icp_error *err)
{
	imds_fake *f = ctx;
	size_t i;
	f->calls++;
	snprintf(f->last_headers, sizeof(f->last_headers), "%s",
	         req->n_headers ? req->headers[0] : "");
	if (f->unreachable)
		return icp_error_set(err, ICP_ERR_IO, "connect: timed out");
	for (i = 0; i < f->n; i++)
		if (strcmp(f->r[i].method, req->method) == 0 && strcmp(f->r[i].url, req->url) == 0) {
			*status = f->r[i].status;
			icp_buf_append_str(body, f->r[i].body);
			return body->status;
		}
	*status = 404;
	return ICP_OK;
}

#define IMDS "http://169.254.169.254"
#define ROLES IMDS "/latest/meta-data/iam/security-credentials/"

static void test_imds(void)
{
	fake_env fe = {{{0}}, 0};
	icp_s3_env env = {fake_get, &fe};
	static const route ok[] = {
		{"PUT", IMDS "/latest/api/token", 200, "AQAEAtoken==\n"},
		{"GET", ROLES, 200, "ec2-role\n"},
		{"GET", ROLES "ec2-role", 200,
		 "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIAIMDS\","
		 "\"SecretAccessKey\":\"imdssecret\",\"Token\":\"imdstoken\","
		 "\"Expiration\":\"2017-05-17T15:09:54Z\"}"},
	};
	static const route no_profile[] = {
		{"PUT", IMDS "/latest/api/token", 200, "tok"},
	};
	static const route bad_role[] = {
		{"PUT", IMDS "/latest/api/token", 200, "tok"},
		{"GET", ROLES, 200, "../admin\n"},
	};
	static const route v1_only[] = {
		{"PUT", IMDS "/latest/api/token", 403, ""},
	};
	static const route custom[] = {
		{"PUT", "http://[fd00:ec2::254]/latest/api/token", 200, "tok"},
		{"GET", "http://[fd00:ec2::254]/latest/meta-data/iam/security-credentials/", 200, "r"},
		{"GET", "http://[fd00:ec2::254]/latest/meta-data/iam/security-credentials/r", 500, ""},
	};
	imds_fake f = {ok, ICP_ARRAY_LEN(ok), 0, 0, ""};
	icp_s3_http_transport t = {imds_perform, &f};
	icp_s3_cred_provider *p = icp_s3_cred_imds_new(&env, &t);
	icp_s3_credentials c;
	icp_error err;

	icp_s3_credentials_init(&c);
	CHECK(p != NULL);
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_OK);
	CHECK_EQ_STR(c.access_key_id, "ASIAIMDS");
	CHECK_EQ_STR(c.session_token, "imdstoken");
	CHECK_EQ_STR(c.source, "imds");
	CHECK(c.expires_ms == 1495033794000LL);
	CHECK_EQ_INT(f.calls, 3);
	CHECK_EQ_STR(f.last_headers, "X-aws-ec2-metadata-token: AQAEAtoken==");

	f.r = no_profile;
	f.n = ICP_ARRAY_LEN(no_profile);
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_NOT_FOUND);
	CHECK_EQ_INT(err.status, ICP_OK); /* nothing to report: no instance profile */
	f.r = bad_role;
	f.n = ICP_ARRAY_LEN(bad_role);
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "malformed role name");
	f.r = v1_only;
	f.n = ICP_ARRAY_LEN(v1_only);
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_IO);
	CHECK_CONTAINS(err.msg, "token request: HTTP 403");
	f.unreachable = 1;
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_NOT_FOUND);
	CHECK_EQ_INT(err.status, ICP_OK);
	f.unreachable = 0;
	f.calls = 0;
	fset(&fe, "AWS_EC2_METADATA_DISABLED", "TRUE");
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_NOT_FOUND);
	CHECK_EQ_INT(f.calls, 0);
	fset(&fe, "AWS_EC2_METADATA_DISABLED", "false");
	fset(&fe, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://[fd00:ec2::254]/");
	f.r = custom;
	f.n = ICP_ARRAY_LEN(custom);
	CHECK_EQ_INT(resolve(p, &c, &err), ICP_ERR_RETRYABLE);
	CHECK_CONTAINS(err.msg, "imds: credentials: HTTP 500");
	CHECK_EQ_INT(f.calls, 3);
	CHECK(c.access_key_id == NULL);
	icp_s3_credentials_dispose(&c);
	icp_s3_cred_provider_free(p);
}

/* A chain of env, profile, web identity and container, as the default
 * chain will be once the transport exists. */
static void test_chain_order(void)
{
	fake_env fe = {{{0}}, 0};
	icp_s3_env env = {fake_get, &fe};
	fake_http fh;
	icp_s3_http_transport t = {fake_perform, &fh};
	icp_s3_cred_chain *ch = icp_s3_cred_chain_default(&env);
	icp_s3_credentials c;
	icp_error err;

	memset(&fh, 0, sizeof(fh));
	fh.status = 200;
	fh.body = CONTAINER_OK;
	icp_s3_credentials_init(&c);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_cred_chain_add(ch, icp_s3_cred_web_identity_new(&env, &t, NULL), &err),
	             ICP_OK);
	CHECK_EQ_INT(icp_s3_cred_chain_add(ch, icp_s3_cred_container_new(&env, &t), &err), ICP_OK);
	CHECK_EQ_INT(icp_s3_cred_chain_resolve(ch, &c, &err), ICP_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.msg, "tried: env, profile, web-identity, container");
	CHECK_EQ_INT(fh.calls, 0);
	fset(&fe, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_cred_chain_resolve(ch, &c, &err), ICP_OK);
	CHECK_EQ_STR(c.source, "container");
	CHECK_EQ_INT(fh.calls, 1);
	icp_s3_credentials_dispose(&c);
	icp_s3_cred_chain_free(ch);
}

static void test_alloc_failures(void)
{
	fake_env fe = {{{0}}, 0};
	icp_s3_env env = {fake_get, &fe};
	fake_http fh;
	icp_s3_http_transport t = {fake_perform, &fh};
	char tokpath[256];
	long n;
	int ok = 0;

	memset(&fh, 0, sizeof(fh));
	fh.status = 200;
	fh.body = STS_OK;
	fset(&fe, "AWS_ROLE_ARN", "arn:aws:iam::1:role/r");
	fset(&fe, "AWS_WEB_IDENTITY_TOKEN_FILE", write_tmp("oomtok", "t", tokpath, sizeof(tokpath)));
	for (n = 1; n < 200 && !ok; n++) {
		icp_s3_cred_provider *p;
		icp_s3_credentials c;
		icp_error err;
		int rc = ICP_ERR_NOMEM;
		icp_s3_credentials_init(&c);
		icp_error_init(&err);
		icp_alloc_fail_after(n);
		p = icp_s3_cred_web_identity_new(&env, &t, NULL);
		if (p)
			rc = icp_s3_cred_provider_resolve(p, &c, &err);
		icp_alloc_fail_after(0);
		CHECK(rc == ICP_OK || rc == ICP_ERR_NOMEM);
		if (rc != ICP_OK && rc != ICP_ERR_NOMEM)
			fprintf(stderr, "at %ld: %d %s\n", n, rc, err.msg);
		if (rc == ICP_OK) {
			ok = 1;
			CHECK_EQ_STR(c.session_token, "STSTOKEN");
		}
		icp_s3_credentials_dispose(&c);
		icp_s3_cred_provider_free(p);
	}
	CHECK(ok);
	unlink(tokpath);
}

int main(void)
{
	int rc;
	snprintf(dir, sizeof(dir), "/tmp/icp-s3-net-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	TEST_RUN(test_web_identity);
	TEST_RUN(test_container);
	TEST_RUN(test_imds);
	TEST_RUN(test_chain_order);
	TEST_RUN(test_alloc_failures);
	rc = TEST_DONE();
	{
		char p[256];
		snprintf(p, sizeof(p), "%s/ctok", dir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/empty", dir);
		unlink(p);
	}
	rmdir(dir);
	return rc;
}
