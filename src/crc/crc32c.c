/*
 * CRC32C. The hardware path runs three independent crc32 streams over
 * thirds of large blocks so the instruction's 3-cycle latency is hidden,
 * then folds them together by shifting with the portable zero-extension
 * (crc of zeros) — cheap because it happens once per block. Small inputs
 * take the simple 8-bytes-a-step loop.
 */
#include "crc/crc.h"

#include <string.h>

#include "crc32c_table.h"

uint32_t icp_crc32c_portable(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;
	crc = ~crc;
	while (n--)
		crc = crc32c_table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* Multiplication in GF(2) modulo the CRC polynomial (reflected). */
static uint32_t gf2_mul(uint32_t a, uint32_t b)
{
	uint32_t prod = 0;
	int i;
	for (i = 0; i < 32; i++) {
		if (a & 0x80000000u)
			prod ^= b;
		a <<= 1;
		b = (b & 1) ? (b >> 1) ^ 0x82F63B78u : b >> 1;
	}
	return prod;
}

/* x^(8n) mod P, reflected: the operator that appends n zero bytes. */
static uint32_t x_pow_8n(size_t n)
{
	uint32_t result = 0x80000000u; /* x^0 */
	uint32_t sq = 0x00800000u;     /* x^8 */
	while (n) {
		if (n & 1)
			result = gf2_mul(result, sq);
		sq = gf2_mul(sq, sq);
		n >>= 1;
	}
	return result;
}

uint32_t icp_crc32c_combine(uint32_t crc_a, uint32_t crc_b, size_t len_b)
{
	/* Registers are linear: shift crc_a's register over len_b zero bytes
	 * and xor the CRC of b; the ~ pre/post conditioning cancels out except
	 * for the shift of the initial all-ones, which this form absorbs. */
	return gf2_mul(crc_a, x_pow_8n(len_b)) ^ crc_b;
}

#if defined(__x86_64__)
#include <nmmintrin.h>
#define HW_TARGET __attribute__((target("sse4.2")))
#define HW_CRC8(c, v) ((uint32_t)_mm_crc32_u64((c), (v)))
#define HW_CRC1(c, v) _mm_crc32_u8((c), (v))
static int have_hw(void)
{
	return __builtin_cpu_supports("sse4.2");
}
#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>
#define HW_TARGET
#define HW_CRC8(c, v) __crc32cd((c), (v))
#define HW_CRC1(c, v) __crc32cb((c), (v))
static int have_hw(void)
{
	return 1;
}
#endif

#ifdef HW_CRC8
static HW_TARGET uint32_t hw_small(uint32_t c, const uint8_t *b, size_t n)
{
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, b, 8);
		c = HW_CRC8(c, v);
		b += 8;
		n -= 8;
	}
	while (n--)
		c = HW_CRC1(c, *b++);
	return c;
}

#define STRIPE 8192 /* bytes per stream per round */

static HW_TARGET uint32_t hw_crc(uint32_t crc, const uint8_t *b, size_t n)
{
	uint32_t c0 = ~crc;

	if (n >= 3 * STRIPE) {
		/* Precomputed once per call: shifting by STRIPE bytes. */
		uint32_t shift = x_pow_8n(STRIPE);
		while (n >= 3 * STRIPE) {
			uint32_t c1 = 0, c2 = 0;
			const uint8_t *b1 = b + STRIPE, *b2 = b + 2 * STRIPE;
			size_t i;
			for (i = 0; i < STRIPE; i += 8) {
				uint64_t v0, v1, v2;
				memcpy(&v0, b + i, 8);
				memcpy(&v1, b1 + i, 8);
				memcpy(&v2, b2 + i, 8);
				c0 = HW_CRC8(c0, v0);
				c1 = HW_CRC8(c1, v1);
				c2 = HW_CRC8(c2, v2);
			}
			/* raw (non-inverted) states combine linearly */
			c0 = gf2_mul(c0, shift) ^ c1;
			c0 = gf2_mul(c0, shift) ^ c2;
			b += 3 * STRIPE;
			n -= 3 * STRIPE;
		}
	}
	return ~hw_small(c0, b, n);
}
#endif

int icp_crc32c_hw(void)
{
#ifdef HW_CRC8
	return have_hw();
#else
	return 0;
#endif
}

uint32_t icp_crc32c(uint32_t crc, const void *p, size_t n)
{
#ifdef HW_CRC8
	if (have_hw())
		return hw_crc(crc, p, n);
#endif
	return icp_crc32c_portable(crc, p, n);
}
