/*
 * Runs the official JSON-Schema-Test-Suite cases kept in
 * tests/jsonschema/suite/ (see the README there for the commit and the
 * exclusions) and prints the pass rate per file (keyword) and per draft.
 * Fails when the overall pass rate drops below JS_MIN_PASS_PERMILLE (set
 * just under the measured rate) or when a failing validation has no
 * message; every failing case is listed ("  FAIL file: group / case").
 *
 * Each test group's schema is written back to text with the JSON writer
 * and compiled through the public API, as the processor does. The suite's
 * top-level format.json files say format is an annotation by default, so
 * they run with format_annotate = 1; the optional/format files test the
 * assertion we ship, so they run with it on.
 */
#include "jsonschema/jsonschema.h"
#include "test.h"

#include <dirent.h>

/* Set from the measured result (see docs/internals/jsonschema.md). */
#define JS_MIN_PASS_PERMILLE 998

typedef struct excl {
	const char *file;  /* "draft7/definitions.json" */
	const char *group; /* group description, exact */
	const char *why;
} excl;

/* Groups that need a schema we do not have locally (the meta-schemas) or a
 * remote document. Listed with the reason in suite/README.md. */
static const excl k_excl[] = {
	{"draft7/definitions.json", "validate definition against metaschema",
	 "$ref to the draft-07 meta-schema (remote)"},
	{"draft2020-12/defs.json", "validate definition against metaschema",
	 "$ref to the 2020-12 meta-schema (remote)"},
	{"draft7/ref.json", "remote ref, containing refs itself",
	 "$ref to the draft-07 meta-schema (remote)"},
	{"draft2020-12/ref.json", "remote ref, containing refs itself",
	 "$ref to the 2020-12 meta-schema (remote)"},
	{NULL, NULL, NULL}};

static const char *excluded(const char *file, const char *group)
{
	const excl *e;
	for (e = k_excl; e->file; e++)
		if (strcmp(e->file, file) == 0 && strcmp(e->group, group) == 0)
			return e->why;
	return NULL;
}

typedef struct tally {
	int pass, fail, skipped;
} tally;

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	icp_buf b;
	char tmp[8192];
	size_t n;
	icp_buf_init(&b, 16u << 20);
	if (!f)
		return NULL;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		icp_buf_append(&b, tmp, n);
	fclose(f);
	return (char *)icp_buf_detach(&b, len);
}

static int g_bad_messages;

static void run_file(const char *draft, const char *rel, tally *t, int verbose_fail)
{
	char path[512], key[256];
	size_t len, gi, ti;
	char *text;
	icp_arena *a = icp_arena_new(0), *scratch = icp_arena_new(0);
	icp_json *root = NULL;
	icp_error err;
	int d = strcmp(draft, "draft7") == 0 ? ICP_JSONSCHEMA_DRAFT_07 : ICP_JSONSCHEMA_DRAFT_2020_12;

	snprintf(path, sizeof(path), "tests/jsonschema/suite/%s/%s", draft, rel);
	snprintf(key, sizeof(key), "%s/%s", draft, rel);
	icp_error_init(&err);
	text = slurp(path, &len);
	CHECK(text != NULL);
	if (!text || icp_json_parse(a, text, len, NULL, &root, &err) != ICP_OK) {
		fprintf(stderr, "cannot read %s: %s\n", path, err.msg);
		t->fail++;
		goto out;
	}
	for (gi = 0; gi < icp_json_len(root); gi++) {
		const icp_json *g = icp_json_at(root, gi);
		const icp_json *tests = icp_json_get(g, "tests");
		const char *gdesc = "";
		const char *why;
		icp_buf sb;
		icp_json_writer w;
		icp_jsonschema *v = NULL;
		icp_jsonschema_opts o = {0};
		int crc;

		icp_json_as_str(icp_json_get(g, "description"), &gdesc, NULL);
		if ((why = excluded(key, gdesc)) != NULL) {
			t->skipped += (int)icp_json_len(tests);
			continue;
		}
		icp_buf_init(&sb, ICP_BUF_UNLIMITED);
		icp_json_writer_init(&w, &sb, 0);
		icp_json_write_value(&w, icp_json_get(g, "schema"));
		CHECK(icp_json_writer_finish(&w) == ICP_OK);
		o.draft = d;
		o.format_annotate = strcmp(rel, "format.json") == 0;
		icp_error_init(&err);
		crc = icp_jsonschema_compile((const char *)sb.data, sb.len, &o, &v, &err);
		icp_buf_dispose(&sb);
		for (ti = 0; ti < icp_json_len(tests); ti++) {
			const icp_json *tc = icp_json_at(tests, ti);
			const icp_json *want = icp_json_get(tc, "valid");
			const char *tdesc = "";
			icp_jsonschema_result res;
			int ok = 0, rc;
			icp_json_as_str(icp_json_get(tc, "description"), &tdesc, NULL);
			if (crc == ICP_OK) {
				rc = icp_jsonschema_validate(v, icp_json_get(tc, "data"), scratch, &res);
				icp_arena_reset(scratch);
				ok = want && want->type == ICP_JSON_BOOL &&
				     (rc == ICP_OK) == want->u.boolean;
				if (rc != ICP_OK && (!res.message[0] || !res.keyword[0])) {
					fprintf(stderr, "no message: %s: %s / %s\n", key, gdesc, tdesc);
					g_bad_messages++;
				}
				if (!ok && verbose_fail)
					printf("  FAIL %s: %s / %s (got %s%s%s)\n", key, gdesc, tdesc,
					       rc == ICP_OK ? "valid" : "invalid",
					       rc == ICP_OK ? "" : ": ", rc == ICP_OK ? "" : res.message);
			} else if (verbose_fail) {
				printf("  FAIL %s: %s / %s (compile: %s)\n", key, gdesc, tdesc, err.msg);
			}
			if (ok)
				t->pass++;
			else
				t->fail++;
		}
		icp_jsonschema_free(v);
	}
out:
	icp_free(text);
	icp_arena_free(a);
	icp_arena_free(scratch);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Sorted *.json names in dir (relative names prefixed with prefix). */
static size_t list_dir(const char *dir, const char *prefix, char names[][96], size_t cap)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	size_t n = 0;
	char *ptrs[128];
	char tmp[128][96];
	size_t i;
	if (!dh)
		return 0;
	while ((de = readdir(dh)) && n < cap && n < 128) {
		size_t l = strlen(de->d_name);
		if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0) {
			snprintf(tmp[n], sizeof(tmp[n]), "%s%s", prefix, de->d_name);
			ptrs[n] = tmp[n];
			n++;
		}
	}
	closedir(dh);
	qsort(ptrs, n, sizeof(ptrs[0]), cmp_str);
	for (i = 0; i < n; i++)
		snprintf(names[i], 96, "%s", ptrs[i]);
	return n;
}

static void test_suite(void)
{
	static const char *const drafts[] = {"draft7", "draft2020-12"};
	static char names[160][96];
	tally total = {0, 0, 0};
	size_t di;

	printf("%-44s %6s %6s %6s %7s\n", "file", "pass", "fail", "excl", "rate");
	for (di = 0; di < 2; di++) {
		char dir[256];
		size_t n, i;
		tally dt = {0, 0, 0};
		snprintf(dir, sizeof(dir), "tests/jsonschema/suite/%s", drafts[di]);
		n = list_dir(dir, "", names, 160);
		snprintf(dir, sizeof(dir), "tests/jsonschema/suite/%s/optional/format", drafts[di]);
		n += list_dir(dir, "optional/format/", names + n, 160 - n);
		CHECK(n > 10);
		for (i = 0; i < n; i++) {
			tally t = {0, 0, 0};
			char label[200];
			run_file(drafts[di], names[i], &t, 1);
			snprintf(label, sizeof(label), "%s/%s", drafts[di], names[i]);
			printf("%-44s %6d %6d %6d %6.1f%%\n", label, t.pass, t.fail, t.skipped,
			       t.pass + t.fail ? 100.0 * t.pass / (t.pass + t.fail) : 100.0);
			dt.pass += t.pass;
			dt.fail += t.fail;
			dt.skipped += t.skipped;
		}
		printf("%-44s %6d %6d %6d %6.1f%%\n", drafts[di], dt.pass, dt.fail, dt.skipped,
		       100.0 * dt.pass / (dt.pass + dt.fail ? dt.pass + dt.fail : 1));
		total.pass += dt.pass;
		total.fail += dt.fail;
		total.skipped += dt.skipped;
	}
	printf("%-44s %6d %6d %6d %6.1f%%\n", "TOTAL", total.pass, total.fail, total.skipped,
	       100.0 * total.pass / (total.pass + total.fail ? total.pass + total.fail : 1));
	CHECK(total.pass + total.fail > 1000);
	CHECK(total.pass * 1000 >= JS_MIN_PASS_PERMILLE * (total.pass + total.fail));
	CHECK_EQ_INT(g_bad_messages, 0);
}

int main(void)
{
	TEST_RUN(test_suite);
	return TEST_DONE();
}
