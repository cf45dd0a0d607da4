/*
 * Test helper for it_python_avro.sh (see avro_sample.h for the sample):
 *   avro_sample DIR           writes DIR/sample_null.avro (codec null, 60
 *                             datums, many small blocks) and
 *                             DIR/sample_deflate.avro (deflate, 500 datums)
 *   avro_sample check FILE N  reads FILE (written by python3-avro) with our
 *                             reader and checks that it holds exactly the N
 *                             sample datums and the sample metadata
 * Exit status 0 on success.
 */
#include "avro_sample.h"

#include <stdio.h>
#include <stdlib.h>

static int write_file(const char *dir, const char *name, icp_avro_codec codec, int n,
                      size_t block_bytes)
{
	char path[4096];
	icp_buf out;
	icp_error err;
	FILE *f;
	int rc;

	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	icp_error_init(&err);
	rc = sample_write(&out, codec, n, block_bytes, NULL, &err);
	if (rc != ICP_OK) {
		fprintf(stderr, "avro_sample: %s: %s\n", name, err.msg);
		icp_buf_dispose(&out);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(out.data, 1, out.len, f) != out.len || fclose(f) != 0) {
		fprintf(stderr, "avro_sample: cannot write %s\n", path);
		icp_buf_dispose(&out);
		return 1;
	}
	icp_buf_dispose(&out);
	return 0;
}

static int check_file(const char *path, int want)
{
	icp_buf file;
	icp_avro_reader *r = NULL;
	icp_arena *a = icp_arena_new(0);
	icp_error err;
	icp_json *d;
	icp_slice v;
	FILE *f = fopen(path, "rb");
	uint8_t tmp[65536];
	size_t got;
	int rc, n = 0;

	icp_buf_init(&file, ICP_BUF_UNLIMITED);
	icp_error_init(&err);
	if (!f || !a) {
		fprintf(stderr, "avro_sample: cannot open %s\n", path);
		return 1;
	}
	while ((got = fread(tmp, 1, sizeof(tmp), f)) > 0)
		icp_buf_append(&file, tmp, got);
	fclose(f);
	rc = icp_avro_reader_open(icp_slice_make(file.data, file.len), NULL, &r, &err);
	if (rc == ICP_OK) {
		CHECK_EQ_INT(icp_avro_reader_meta(r, "format-version", &v), ICP_OK);
		CHECK(icp_slice_eq(v, icp_slice_cstr("2")));
		CHECK_EQ_INT(icp_avro_reader_meta(r, "partition-spec", &v), ICP_OK);
		CHECK(icp_slice_eq(v, icp_slice_cstr(sample_partition_spec)));
		CHECK_EQ_INT(icp_json_get_path(icp_avro_reader_schema(r),
		                               "fields.9.type.fields.1.field-id")->u.num.i, 102);
		while ((rc = icp_avro_reader_next(r, a, &d, &err)) == ICP_OK) {
			sample_check(d, n++);
			icp_arena_reset(a);
		}
	}
	if (rc != ICP_END)
		fprintf(stderr, "avro_sample: %s: %s\n", path, err.msg);
	CHECK_EQ_INT(rc, ICP_END);
	CHECK_EQ_INT(n, want);
	printf("%s: our reader saw %d datums (%s codec)\n", path, n,
	       r && icp_avro_reader_codec(r) == ICP_AVRO_CODEC_DEFLATE ? "deflate" : "null");
	icp_avro_reader_free(r);
	icp_arena_free(a);
	icp_buf_dispose(&file);
	(void)test_passed; /* test.h's per-function tallies are unused here */
	(void)test_failed;
	(void)test_fn_failed;
	return test_checks_failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "check") == 0)
		return check_file(argv[2], (int)strtol(argv[3], NULL, 10));
	if (argc != 2) {
		fprintf(stderr, "usage: avro_sample DIR | avro_sample check FILE N\n");
		return 2;
	}
	if (write_file(argv[1], "sample_null.avro", ICP_AVRO_CODEC_NULL, 60, 500) ||
	    write_file(argv[1], "sample_deflate.avro", ICP_AVRO_CODEC_DEFLATE, 500, 0))
		return 1;
	return 0;
}
