/*
 * Parquet reader, pages: corrupt column chunks of files made by our writer
 * must fail with ICP_ERR_CORRUPT and a message naming the column: a page
 * running past its chunk, a dictionary index out of range, a definition
 * level out of range, level runs cut short.
 */
#include "reader_util.h"

static size_t chunk_start(const icp_buf *file, size_t leaf)
{
	icp_parquet_reader *r = NULL;
	icp_error err;
	size_t at = 0;
	icp_error_init(&err);
	if (icp_parquet_reader_open(mem_read_at, (void *)file, file->len, &r, &err) == ICP_OK)
		at = (size_t)r->chunks[leaf].start;
	icp_parquet_reader_free(r);
	CHECK(at > 0);
	return at;
}

static size_t varint_len(const uint8_t *p)
{
	size_t n = 1;
	while (p[n - 1] & 0x80)
		n++;
	return n;
}

/* Length of the Thrift struct (a page header) at p. */
static size_t header_len(const uint8_t *p, size_t n)
{
	pq_tr t;
	int type;
	int16_t id;
	pq_tr_init(&t, p, n);
	while (pq_tr_field(&t, &type, &id))
		pq_tr_skip(&t, type, 0);
	CHECK(!t.bad);
	return (size_t)(t.p - p);
}

static void test_corrupt_pages(void)
{
	icp_buf f;
	size_t at, h, k;
	uint8_t *p;

	icp_buf_init(&f, ICP_BUF_UNLIMITED);

	/* page length past the end of the chunk: the first data page of
	 * 'id' (200 PLAIN longs: a two-byte compressed_page_size) */
	small_file(&f, 0, 200);
	at = chunk_start(&f, 0);
	p = f.data + at;
	k = 1 + varint_len(p + 1);          /* type */
	k += 1 + varint_len(p + k + 1);     /* uncompressed size */
	CHECK_EQ_INT(p[k], 0x15);
	CHECK_EQ_INT(varint_len(p + k + 1), 2);
	p[k + 1] = 0xFE;                    /* 8191 */
	p[k + 2] = 0x7F;
	expect(&f, ICP_ERR_CORRUPT, "'id'");
	expect(&f, ICP_ERR_CORRUPT, "runs past the end");

	/* dictionary index out of range: the dictionary page of 'id' says
	 * one entry instead of three */
	icp_buf_reset(&f);
	small_file(&f, 1, 10);
	at = chunk_start(&f, 0);
	p = f.data + at;
	CHECK_EQ_INT(p[1], 4);               /* DICTIONARY_PAGE */
	k = 1 + varint_len(p + 1);
	k += 1 + varint_len(p + k + 1);
	k += 1 + varint_len(p + k + 1);
	CHECK_EQ_INT(p[k], 0x4C);            /* field 7, struct */
	CHECK_EQ_INT(p[k + 1], 0x15);
	CHECK_EQ_INT(p[k + 2], 6);           /* num_values 3 */
	p[k + 2] = 2;
	expect(&f, ICP_ERR_CORRUPT, "'id'");
	expect(&f, ICP_ERR_CORRUPT, "dictionary index 1 out of range");

	/* definition level out of range: 'st.val' has max 2 (width 2); its
	 * one RLE run of 2s becomes a run of 3s */
	icp_buf_reset(&f);
	small_file(&f, 0, 10);
	at = chunk_start(&f, 1);
	p = f.data + at;
	h = header_len(p, f.len - at);
	CHECK_EQ_INT(icp_load_le32(p + h), 2); /* levels: run header, value */
	CHECK_EQ_INT(p[h + 4], 20);
	CHECK_EQ_INT(p[h + 5], 2);
	p[h + 5] = 3;
	expect(&f, ICP_ERR_CORRUPT, "'st.val'");
	expect(&f, ICP_ERR_CORRUPT, "definition level 3 out of range");
	/* and a level run cut short */
	p[h + 5] = 2;
	p[h] = 1;
	expect(&f, ICP_ERR_CORRUPT, "'st.val'");
	expect(&f, ICP_ERR_CORRUPT, "truncated");
	icp_buf_dispose(&f);
}

int main(void)
{
	TEST_RUN(test_corrupt_pages);
	return TEST_DONE();
}
