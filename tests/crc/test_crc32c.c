/* CRC32C: known answers, and the hardware path (with its 3-way stripes and
 * combination) equal to the portable one for every length and split. */
#include "crc/crc.h"
#include "core/core.h"
#include "test.h"

static void test_known(void)
{
	uint8_t zeros[32] = {0}, ones[32];
	memset(ones, 0xff, sizeof(ones));
	/* RFC 3720 B.4 test vectors */
	CHECK_EQ_INT(icp_crc32c(0, "123456789", 9), 0xE3069283u);
	CHECK_EQ_INT(icp_crc32c(0, zeros, 32), 0x8A9136AAu);
	CHECK_EQ_INT(icp_crc32c(0, ones, 32), 0x62A8AB43u);
	CHECK_EQ_INT(icp_crc32c_portable(0, "123456789", 9), 0xE3069283u);
	CHECK_EQ_INT(icp_crc32c(0, "", 0), 0);
}

static void test_paths_agree(void)
{
	size_t n = 200000, lens[] = {0, 1, 7, 8, 9, 63, 4096, 24575, 24576, 24577,
	                             49152 + 13, 100000, 200000};
	uint8_t *buf = icp_malloc(n);
	uint32_t x = 12345;
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (i = 0; i < ICP_ARRAY_LEN(lens); i++) {
		uint32_t a = icp_crc32c(0, buf + 3, lens[i] < n - 3 ? lens[i] : n - 3);
		uint32_t b = icp_crc32c_portable(0, buf + 3, lens[i] < n - 3 ? lens[i] : n - 3);
		CHECK_EQ_INT(a, b);
	}
	/* chaining: crc(a||b) == crc(crc(a), b) */
	CHECK_EQ_INT(icp_crc32c(icp_crc32c(0, buf, 70001), buf + 70001, n - 70001),
	             icp_crc32c(0, buf, n));
	/* combine: CRC(a||b) from CRC(a), CRC(b), |b| */
	CHECK_EQ_INT(icp_crc32c_combine(icp_crc32c(0, buf, 1000), icp_crc32c(0, buf + 1000, n - 1000),
	                                n - 1000),
	             icp_crc32c(0, buf, n));
	CHECK_EQ_INT(icp_crc32c_combine(icp_crc32c(0, buf, 5), icp_crc32c(0, buf + 5, 0), 0),
	             icp_crc32c(0, buf, 5));
	icp_free(buf);
}

int main(void)
{
	TEST_RUN(test_known);
	TEST_RUN(test_paths_agree);
	printf("crc32c hardware path: %s\n", icp_crc32c_hw() ? "yes" : "no");
	return TEST_DONE();
}
