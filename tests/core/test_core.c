/* Tests for src/core: buffer bounds and sticky errors, base64, JSON string
 * escaping, error propagation rules, arena, allocation-failure hook. */
#include "core/core.h"
#include "test.h"

static void test_buf_bounds(void)
{
	icp_buf b;
	icp_buf_init(&b, 8);
	CHECK_EQ_INT(icp_buf_append(&b, "12345678", 8), ICP_OK);
	CHECK_EQ_INT(icp_buf_append(&b, "9", 1), ICP_ERR_TOO_LARGE);
	/* sticky: later appends are no-ops that report the first failure */
	CHECK_EQ_INT(icp_buf_append_str(&b, ""), ICP_ERR_TOO_LARGE);
	CHECK_EQ_INT(b.len, 8);
	CHECK(memcmp(b.data, "12345678", 8) == 0);
	icp_buf_reset(&b);
	CHECK_EQ_INT(b.status, ICP_OK);
	CHECK_EQ_INT(icp_buf_printf(&b, "%d-%s", 42, "x"), ICP_OK);
	CHECK_EQ_STR((char *)b.data, "42-x");
	icp_buf_dispose(&b);
}

static void test_base64(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
	             {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
	size_t i;
	for (i = 0; i < ICP_ARRAY_LEN(cases); i++) {
		icp_buf b;
		icp_buf_init(&b, 0);
		icp_buf_append_base64(&b, (const uint8_t *)cases[i].in, strlen(cases[i].in));
		icp_buf_append_byte(&b, 0);
		CHECK_EQ_STR((char *)b.data, cases[i].out);
		icp_buf_dispose(&b);
	}
	/* decoding: every case back, then what a strict decoder refuses */
	for (i = 0; i < ICP_ARRAY_LEN(cases); i++) {
		uint8_t out[16];
		size_t n, bad;
		CHECK_EQ_INT(icp_base64_decode((const uint8_t *)cases[i].out, strlen(cases[i].out), out,
		                               &n, &bad),
		             ICP_OK);
		CHECK_EQ_INT((int)n, (int)strlen(cases[i].in));
		CHECK(memcmp(out, cases[i].in, n) == 0);
	}
	{
		static const struct {
			const char *in;
			size_t at;
		} bad[] = {{"Zg=", 3},      /* length */
		           {"Zh==", 0},     /* stray bits before '==' */
		           {"Zm9=", 0},     /* stray bits before '=' */
		           {"Z===", 1},     /* '=' in data */
		           {"Zm8=Zm8=", 3}, /* padding in the middle */
		           {"Zm 9", 2}};
		uint8_t out[16];
		size_t n, at;
		for (i = 0; i < ICP_ARRAY_LEN(bad); i++) {
			CHECK_EQ_INT(icp_base64_decode((const uint8_t *)bad[i].in, strlen(bad[i].in), out,
			                               &n, &at),
			             ICP_ERR_CORRUPT);
			CHECK_EQ_INT((int)at, (int)bad[i].at);
		}
	}
}

static void test_json_escape(void)
{
	const uint8_t in[] = "a\"b\\c\b\t\n\f\r\x01\x1f/\x7f\xc3\xa9";
	icp_buf b;
	icp_buf_init(&b, 0);
	icp_buf_append_json_str(&b, in, sizeof(in) - 1);
	icp_buf_append_byte(&b, 0);
	CHECK_EQ_STR((char *)b.data,
	             "\"a\\\"b\\\\c\\b\\t\\n\\f\\r\\u0001\\u001f/\x7f\xc3\xa9\"");
	icp_buf_dispose(&b);
}

static void test_i64(void)
{
	icp_buf b;
	icp_buf_init(&b, 0);
	icp_buf_append_i64(&b, INT64_MIN);
	icp_buf_append_byte(&b, ' ');
	icp_buf_append_i64(&b, INT64_MAX);
	icp_buf_append_byte(&b, ' ');
	icp_buf_append_i64(&b, 0);
	icp_buf_append_byte(&b, 0);
	CHECK_EQ_STR((char *)b.data, "-9223372036854775808 9223372036854775807 0");
	icp_buf_dispose(&b);
}

static void test_error_once(void)
{
	icp_error e;
	icp_error_init(&e);
	CHECK_EQ_INT(icp_error_set(&e, ICP_ERR_CORRUPT, "bad at byte %d", 7), ICP_ERR_CORRUPT);
	/* a caller higher up cannot overwrite the detail */
	icp_error_set(&e, ICP_ERR_IO, "something else");
	CHECK_EQ_INT(e.status, ICP_ERR_CORRUPT);
	icp_error_prefix(&e, "orders/0/segment-1.kfs");
	CHECK_EQ_STR(e.msg, "orders/0/segment-1.kfs: bad at byte 7");
	CHECK_EQ_STR(icp_status_name(ICP_ERR_CONFLICT), "conflict");
}

static void test_arena(void)
{
	icp_arena *a = icp_arena_new(128);
	char *s;
	int i;
	CHECK(a != NULL);
	for (i = 0; i < 100; i++) {
		uint8_t *p = icp_arena_alloc(a, (size_t)i + 1);
		CHECK(p != NULL);
		CHECK(((uintptr_t)p & 15) == 0);
		memset(p, 0xab, (size_t)i + 1);
	}
	s = icp_arena_strdup(a, "hello");
	CHECK_EQ_STR(s, "hello");
	CHECK(icp_arena_alloc(a, 10000) != NULL);
	icp_arena_reset(a);
	CHECK_EQ_INT(icp_arena_bytes(a), 0);
	CHECK(icp_arena_alloc(a, 16) != NULL);
	icp_arena_free(a);
	icp_arena_free(NULL);
}

static void test_alloc_fail(void)
{
	size_t before = icp_alloc_live_bytes();
	void *p = icp_malloc(1000);
	CHECK(icp_alloc_live_bytes() >= before + 1000);
	icp_free(p);
	CHECK_EQ_INT(icp_alloc_live_bytes(), before);
	icp_alloc_fail_after(2);
	p = icp_malloc(1);
	CHECK(p != NULL);
	CHECK(icp_malloc(1) == NULL);
	icp_free(p);
	p = icp_malloc(1); /* the hook is disarmed after firing */
	CHECK(p != NULL);
	icp_free(p);
	icp_alloc_fail_after(0);
}

static void test_size_math(void)
{
	size_t r;
	CHECK_EQ_INT(icp_add_size((size_t)-1, 1, &r), -1);
	CHECK_EQ_INT(icp_mul_size((size_t)1 << 40, (size_t)1 << 40, &r), -1);
	CHECK_EQ_INT(icp_mul_size(3, 4, &r), 0);
	CHECK_EQ_INT(r, 12);
}

int main(void)
{
	TEST_RUN(test_buf_bounds);
	TEST_RUN(test_base64);
	TEST_RUN(test_json_escape);
	TEST_RUN(test_i64);
	TEST_RUN(test_error_once);
	TEST_RUN(test_arena);
	TEST_RUN(test_alloc_fail);
	TEST_RUN(test_size_math);
	return TEST_DONE();
}
