/*
 * `dump-segment`: decodes one segment and prints each data record as one
 * JSON line, exactly
 *   {"offset":N,"timestamp":N,"key":B64|null,"value":B64|null,
 *    "headers":[{"key":"K","value":B64|null}]}
 * (standard base64, no spaces). Control batches print nothing. With
 * --index the index is parsed and cross-checked against the batches; with
 * --from-offset the reader starts at the indexed batch that holds it.
 * Output is buffered and written in large blocks.
 */
#include "cli/cli.h"
#include "core/core.h"
#include "segment/segment.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define OUT_FLUSH (1u << 20)

static void dump_usage(FILE *f)
{
	fprintf(f,
	        "usage: iceberg-processor dump-segment SEGMENT.kfs [--index SEGMENT.index]\n"
	        "                                      [--from-offset N]\n"
	        "Prints every data record of a KafScale segment as one JSON line:\n"
	        "  {\"offset\":N,\"timestamp\":N,\"key\":B64|null,\"value\":B64|null,"
	        "\"headers\":[{\"key\":\"K\",\"value\":B64|null}]}\n"
	        "All CRCs are verified. Exit 2 when the segment or index is corrupt.\n");
}

static int read_small_file(const char *path, icp_buf *out, icp_error *err)
{
	FILE *f = fopen(path, "rb");
	uint8_t tmp[65536];
	size_t n;

	if (!f)
		return icp_error_set(err, errno == ENOENT ? ICP_ERR_NOT_FOUND : ICP_ERR_IO,
		                     "%s: cannot open: %s", path, strerror(errno));
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (icp_buf_append(out, tmp, n) != ICP_OK) {
			fclose(f);
			return icp_error_set(err, ICP_ERR_TOO_LARGE, "%s: index file is too large",
			                     path);
		}
	}
	if (ferror(f)) {
		fclose(f);
		return icp_error_set(err, ICP_ERR_IO, "%s: read failed", path);
	}
	fclose(f);
	return ICP_OK;
}

static void append_b64_or_null(icp_buf *o, icp_slice s, int is_null)
{
	if (is_null)
		icp_buf_append(o, "null", 4);
	else {
		icp_buf_append_byte(o, '"');
		icp_buf_append_base64(o, s.ptr, s.len);
		icp_buf_append_byte(o, '"');
	}
}

static int flush_out(icp_buf *o, icp_error *err)
{
	if (o->len && fwrite(o->data, 1, o->len, stdout) != o->len)
		return icp_error_set(err, ICP_ERR_IO, "stdout: write failed");
	icp_buf_reset(o);
	return ICP_OK;
}

static int dump(const char *kfs, const char *idx_path, int64_t from, icp_error *err)
{
	icp_segment_source src;
	icp_segment_index idx;
	icp_segment_reader *r = NULL;
	icp_buf ib, out;
	icp_batch b;
	uint64_t start = 0;
	int rc, have_src = 0;

	memset(&idx, 0, sizeof(idx));
	icp_buf_init(&ib, 256u << 20);
	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	if (idx_path) {
		rc = icp_segment_file_open(kfs, 0, &src, err); /* for its size */
		if (rc != ICP_OK)
			goto out;
		{
			uint64_t size = src.size;
			icp_segment_file_close(&src);
			rc = read_small_file(idx_path, &ib, err);
			if (rc != ICP_OK)
				goto out;
			rc = icp_segment_index_parse(icp_slice_make(ib.data, ib.len), idx_path, size,
			                             &idx, err);
			if (rc != ICP_OK)
				goto out;
		}
		if (from >= 0) {
			const icp_index_entry *e = icp_segment_index_seek(&idx, from);
			if (e)
				start = e->position;
		}
	}
	rc = icp_segment_file_open(kfs, start, &src, err);
	if (rc != ICP_OK)
		goto out;
	have_src = 1;
	rc = icp_segment_reader_new(&src, NULL, &r, err);
	if (rc != ICP_OK)
		goto out;
	if (idx_path)
		icp_segment_reader_check_index(r, &idx);
	while ((rc = icp_segment_reader_next(r, &b, err)) == ICP_OK) {
		size_t i;
		for (i = 0; i < b.n_records; i++) {
			const icp_record *rec = &b.records[i];
			uint32_t h;
			if (rec->offset < from)
				continue;
			icp_buf_append(&out, "{\"offset\":", 10);
			icp_buf_append_i64(&out, rec->offset);
			icp_buf_append(&out, ",\"timestamp\":", 13);
			icp_buf_append_i64(&out, rec->timestamp);
			icp_buf_append(&out, ",\"key\":", 7);
			append_b64_or_null(&out, rec->key, rec->key_null);
			icp_buf_append(&out, ",\"value\":", 9);
			append_b64_or_null(&out, rec->value, rec->value_null);
			icp_buf_append(&out, ",\"headers\":[", 12);
			for (h = 0; h < rec->header_count; h++) {
				const icp_kafka_header *hd = &b.headers[rec->header_first + h];
				if (h)
					icp_buf_append_byte(&out, ',');
				icp_buf_append(&out, "{\"key\":", 7);
				icp_buf_append_json_str(&out, hd->key.ptr, hd->key.len);
				icp_buf_append(&out, ",\"value\":", 9);
				append_b64_or_null(&out, hd->value, hd->value_null);
				icp_buf_append_byte(&out, '}');
			}
			icp_buf_append(&out, "]}\n", 3);
		}
		if (out.status != ICP_OK) {
			rc = icp_error_set(err, out.status, "output buffer: %s",
			                   icp_status_name(out.status));
			goto out;
		}
		if (out.len >= OUT_FLUSH && (rc = flush_out(&out, err)) != ICP_OK)
			goto out;
	}
	if (rc == ICP_END)
		rc = flush_out(&out, err);
out:
	icp_segment_reader_free(r);
	if (have_src)
		icp_segment_file_close(&src);
	icp_segment_index_dispose(&idx);
	icp_buf_dispose(&ib);
	icp_buf_dispose(&out);
	return rc;
}

int icp_cmd_dump_segment(int argc, char **argv)
{
	const char *kfs = NULL, *idx = NULL, *v;
	int64_t from = -1;
	icp_error err;
	int i = 1, rc;

	while (i < argc) {
		if (icp_cli_is_flag(argv[i], "help") || icp_cli_is_flag(argv[i], "h")) {
			dump_usage(stdout);
			return ICP_EXIT_OK;
		}
		if ((rc = icp_cli_opt_value(argc, argv, &i, "index", &v)) != 0) {
			if (rc < 0)
				goto usage;
			idx = v;
			continue;
		}
		if ((rc = icp_cli_opt_value(argc, argv, &i, "from-offset", &v)) != 0) {
			char *end;
			if (rc < 0)
				goto usage;
			errno = 0;
			from = strtoll(v, &end, 10);
			if (errno || *end || from < 0) {
				fprintf(stderr, "iceberg-processor: --from-offset \"%s\" is not a "
				                "non-negative integer\n", v);
				return ICP_EXIT_USAGE;
			}
			continue;
		}
		if (argv[i][0] == '-' || kfs)
			goto usage;
		kfs = argv[i++];
	}
	if (!kfs)
		goto usage;
	if (from >= 0 && !idx) {
		fprintf(stderr, "iceberg-processor: --from-offset needs --index\n");
		return ICP_EXIT_USAGE;
	}
	icp_error_init(&err);
	rc = dump(kfs, idx, from, &err);
	if (rc != ICP_OK) {
		fflush(stdout);
		fprintf(stderr, "iceberg-processor: dump-segment: %s\n", err.msg);
		return icp_cli_exit_code(rc);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "iceberg-processor: dump-segment: stdout: write failed\n");
		return ICP_EXIT_RUNTIME;
	}
	return ICP_EXIT_OK;
usage:
	dump_usage(stderr);
	return ICP_EXIT_USAGE;
}
