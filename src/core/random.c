/*
 * Random bytes for ids (snapshot ids, UUIDs), Avro sync markers, temp
 * names and backoff jitter: one implementation for every module.
 */
#include "core/core.h"

#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

/* Fills p from the kernel's CSPRNG. getrandom only fails on ancient
 * kernels or seccomp sandboxes; then /dev/urandom, and as a last resort a
 * mix of clocks and addresses (ids must be unique, not secret). */
void icp_random_bytes(void *out, size_t n)
{
	uint8_t *p = out;
	size_t got = 0;
	FILE *f;

	while (got < n) {
		ssize_t r = getrandom(p + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return;
	f = fopen("/dev/urandom", "rb");
	if (f) {
		got = fread(p, 1, n, f);
		fclose(f);
		if (got == n)
			return;
	}
	{
		uint64_t x = icp_mono_ns() ^ (uint64_t)icp_now_ms() << 20 ^ (uint64_t)(uintptr_t)p;
		for (size_t i = 0; i < n; i++) {
			/* splitmix64 step */
			uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
			z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
			z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
			p[i] = (uint8_t)(z ^ (z >> 31));
		}
	}
}
