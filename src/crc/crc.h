/*
 * crc: CRC32C (Castagnoli), the checksum of Kafka record batches and of
 * KafScale segment bodies.
 *
 * icp_crc32c() is chainable: icp_crc32c(icp_crc32c(0, a, n), b, m) is the
 * CRC of a||b, so a stream can be hashed piecewise. It uses the SSE4.2
 * crc32 instruction (x86-64) or the ARMv8 CRC extension when the CPU has
 * them, with a portable table-driven fallback; all give the same result.
 */
#ifndef ICP_CRC_H
#define ICP_CRC_H

#include <stddef.h>
#include <stdint.h>

uint32_t icp_crc32c(uint32_t crc, const void *p, size_t n);
/* CRC of a||b given crc_a = CRC(a), crc_b = CRC(b) and len_b = |b|.
 * Costs O(log len_b) regardless of the data, so a reader that verified
 * the CRC of a large block can extend a running CRC over it for free. */
uint32_t icp_crc32c_combine(uint32_t crc_a, uint32_t crc_b, size_t len_b);
/* The portable implementation, exposed so tests compare both paths. */
uint32_t icp_crc32c_portable(uint32_t crc, const void *p, size_t n);
/* 1 when a hardware path is in use (for logs and benchmarks). */
int icp_crc32c_hw(void);

#endif
