/* The one response header parser (src/http/http_headers.c): lookups are
 * case-insensitive, folded lines join their header, repeated names become
 * one comma list, a new status line starts over, malformed lines are
 * skipped, and the limits (line, block, count) are refused with
 * ICP_ERR_TOO_LARGE. */
#include "http/http.h"
#include "test.h"

#include <stdio.h>

static void add(icp_http_headers *h, const char *line)
{
	icp_http_headers_add(h, line, strlen(line));
}

static void test_lookup(void)
{
	icp_http_headers h;
	uint64_t v = 0;

	icp_http_headers_init(&h);
	add(&h, "HTTP/1.1 200 OK\r\n");
	add(&h, "ETag: \"abc\"\r\n");
	add(&h, "content-LENGTH:   42  \r\n");
	add(&h, "X-Amz-Request-Id:\tR1\r\n");
	add(&h, "Empty:\r\n");
	add(&h, "\r\n");
	CHECK_EQ_INT(h.status, ICP_OK);
	CHECK_EQ_STR(icp_http_header(&h, "etag"), "\"abc\"");
	CHECK_EQ_STR(icp_http_header(&h, "ETAG"), "\"abc\"");
	CHECK_EQ_STR(icp_http_header(&h, "x-amz-request-id"), "R1");
	CHECK_EQ_STR(icp_http_header(&h, "empty"), "");
	CHECK(icp_http_header(&h, "etag2") == NULL);
	CHECK(icp_http_header(&h, "eta") == NULL);
	CHECK(icp_http_header_u64(&h, "Content-Length", &v) == 1);
	CHECK(v == 42);
	CHECK(icp_http_header_u64(&h, "empty", &v) == 0);
	CHECK(icp_http_header_u64(&h, "etag", &v) == 0);
	icp_http_headers_dispose(&h);
}

static void test_fold_and_duplicates(void)
{
	icp_http_headers h;
	uint64_t v = 7;

	icp_http_headers_init(&h);
	add(&h, "Warning: first\r\n");
	add(&h, "X-Folded: one\r\n");
	add(&h, "   two  \r\n");
	add(&h, "\tthree\r\n");
	add(&h, "warning: second\r\n");
	add(&h, " more\r\n"); /* folds into the repeated Warning */
	add(&h, "Content-Length: 5\r\n");
	add(&h, "Content-Length: 5\r\n");
	add(&h, "After: x\r\n");
	CHECK_EQ_INT(h.status, ICP_OK);
	CHECK_EQ_STR(icp_http_header(&h, "x-folded"), "one two three");
	CHECK_EQ_STR(icp_http_header(&h, "WARNING"), "first, second more");
	CHECK_EQ_STR(icp_http_header(&h, "content-length"), "5, 5");
	/* a repeated length is a list, not a number */
	CHECK(icp_http_header_u64(&h, "content-length", &v) == 0);
	CHECK(v == 7);
	CHECK_EQ_STR(icp_http_header(&h, "after"), "x");
	icp_http_headers_dispose(&h);
}

static void test_status_line_restarts(void)
{
	icp_http_headers h;

	icp_http_headers_init(&h);
	add(&h, "HTTP/1.1 100 Continue\r\n");
	add(&h, "X-Interim: yes\r\n");
	add(&h, "\r\n");
	add(&h, "HTTP/1.1 301 Moved\r\n");
	add(&h, "Location: /b\r\n");
	add(&h, "\r\n");
	add(&h, "HTTP/2 200\r\n");
	add(&h, "ETag: final\r\n");
	CHECK(icp_http_header(&h, "x-interim") == NULL);
	CHECK(icp_http_header(&h, "location") == NULL);
	CHECK_EQ_STR(icp_http_header(&h, "etag"), "final");
	icp_http_headers_dispose(&h);
}

static void test_malformed_skipped(void)
{
	icp_http_headers h;

	icp_http_headers_init(&h);
	CHECK_EQ_INT(icp_http_headers_add(&h, " orphan fold\r\n", 14), ICP_ERR_CORRUPT);
	CHECK_EQ_INT(icp_http_headers_add(&h, "no colon here\r\n", 15), ICP_ERR_CORRUPT);
	CHECK_EQ_INT(icp_http_headers_add(&h, "Bad Name: x\r\n", 13), ICP_ERR_CORRUPT);
	CHECK_EQ_INT(icp_http_headers_add(&h, ": x\r\n", 5), ICP_ERR_CORRUPT);
	CHECK_EQ_INT(icp_http_headers_add(&h, "Nul: a\0b\r\n", 10), ICP_ERR_CORRUPT);
	/* a fold after a skipped line has no header to join */
	CHECK_EQ_INT(icp_http_headers_add(&h, " cont\r\n", 7), ICP_ERR_CORRUPT);
	CHECK_EQ_INT(h.status, ICP_OK); /* not sticky: the block stays usable */
	add(&h, "Good: yes\r\n");
	CHECK_EQ_STR(icp_http_header(&h, "good"), "yes");
	CHECK(icp_http_header(&h, "bad name") == NULL);
	CHECK(icp_http_header(&h, "nul") == NULL);
	icp_http_headers_dispose(&h);
}

static void test_limits(void)
{
	icp_http_headers h;
	icp_buf line;
	char name[32];
	int i;

	/* one line over the line limit */
	icp_http_headers_init(&h);
	icp_buf_init(&line, ICP_BUF_UNLIMITED);
	icp_buf_append_str(&line, "X-Long: ");
	for (i = 0; i < ICP_HTTP_HEADER_LINE_MAX; i++)
		icp_buf_append_byte(&line, 'a');
	CHECK_EQ_INT(icp_http_headers_add(&h, (const char *)line.data, line.len),
	             ICP_ERR_TOO_LARGE);
	CHECK_EQ_INT(h.status, ICP_ERR_TOO_LARGE);
	/* sticky: later lines are refused too */
	CHECK_EQ_INT(icp_http_headers_add(&h, "A: b", 4), ICP_ERR_TOO_LARGE);
	CHECK(icp_http_header(&h, "a") == NULL);
	/* a new response (reset) clears it */
	icp_http_headers_reset(&h);
	add(&h, "A: b");
	CHECK_EQ_STR(icp_http_header(&h, "a"), "b");
	icp_http_headers_dispose(&h);

	/* many lines under the line limit, together over the block limit:
	 * growth by folding and by repeats is bounded the same way */
	icp_http_headers_init(&h);
	icp_buf_reset(&line);
	icp_buf_append_str(&line, "X-Rep: ");
	for (i = 0; i < 1000; i++)
		icp_buf_append_byte(&line, 'b');
	for (i = 0; i < 100 && h.status == ICP_OK; i++)
		icp_http_headers_add(&h, (const char *)line.data, line.len);
	CHECK_EQ_INT(h.status, ICP_ERR_TOO_LARGE);
	CHECK(i < 100);
	CHECK(h.buf.len <= ICP_HTTP_HEADERS_MAX);
	icp_http_headers_dispose(&h);

	/* too many distinct names */
	icp_http_headers_init(&h);
	for (i = 0; i <= ICP_HTTP_MAX_HEADERS; i++) {
		snprintf(name, sizeof(name), "H%d: v", i);
		icp_http_headers_add(&h, name, strlen(name));
	}
	CHECK_EQ_INT(h.status, ICP_ERR_TOO_LARGE);
	CHECK_EQ_STR(icp_http_header(&h, "h0"), "v");
	icp_http_headers_dispose(&h);
	icp_buf_dispose(&line);
}

static void test_outcome_of_status(void)
{
	CHECK_EQ_INT(icp_http_outcome_of_status(200), ICP_HTTP_OK);
	CHECK_EQ_INT(icp_http_outcome_of_status(206), ICP_HTTP_OK);
	CHECK_EQ_INT(icp_http_outcome_of_status(408), ICP_HTTP_RETRY_STATUS);
	CHECK_EQ_INT(icp_http_outcome_of_status(429), ICP_HTTP_RETRY_STATUS);
	CHECK_EQ_INT(icp_http_outcome_of_status(500), ICP_HTTP_RETRY_STATUS);
	CHECK_EQ_INT(icp_http_outcome_of_status(503), ICP_HTTP_RETRY_STATUS);
	CHECK_EQ_INT(icp_http_outcome_of_status(404), ICP_HTTP_FINAL_STATUS);
	CHECK_EQ_INT(icp_http_outcome_of_status(400), ICP_HTTP_FINAL_STATUS);
	CHECK_EQ_INT(icp_http_outcome_of_status(301), ICP_HTTP_FINAL_STATUS);
	CHECK(icp_http_outcome_not_sent(ICP_HTTP_NOT_SENT));
	CHECK(icp_http_outcome_not_sent(ICP_HTTP_BAD_SETUP));
	CHECK(!icp_http_outcome_not_sent(ICP_HTTP_UNKNOWN));
	CHECK_EQ_STR(icp_http_outcome_name(ICP_HTTP_UNKNOWN), "unknown");
}

int main(void)
{
	TEST_RUN(test_lookup);
	TEST_RUN(test_fold_and_duplicates);
	TEST_RUN(test_status_line_restarts);
	TEST_RUN(test_malformed_skipped);
	TEST_RUN(test_limits);
	TEST_RUN(test_outcome_of_status);
	return TEST_DONE();
}
