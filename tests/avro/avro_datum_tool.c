/*
 * Helper for tests/avro/it_avro_datum.sh: decodes Avro binary datums with
 * our datum decoder and prints each as vtree JSON, one line per datum
 * ("ERROR <message>" when it fails).
 *   avro_datum_tool WRITER.avsc READER.avsc DATUM...
 * The reader file may be "-" (reader = writer).
 */
#include "avro/avro.h"

#include <stdio.h>

static int slurp(const char *path, icp_buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t n;

	if (!f)
		return -1;
	icp_buf_reset(b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		icp_buf_append(b, chunk, n);
	fclose(f);
	return b->status;
}

static int parse(const char *path, icp_avro_schema **out, icp_error *err)
{
	icp_buf b;
	int rc;

	icp_buf_init(&b, 1 << 24);
	if (slurp(path, &b) != 0) {
		icp_buf_dispose(&b);
		return icp_error_set(err, ICP_ERR_IO, "cannot read %s", path);
	}
	rc = icp_avro_schema_parse(NULL, 0, icp_slice_make(b.data, b.len), out, err);
	icp_buf_dispose(&b);
	return rc;
}

int main(int argc, char **argv)
{
	icp_avro_schema *w = NULL, *r = NULL;
	icp_avro_decoder *d = NULL;
	icp_vt_doc doc;
	icp_error err;
	icp_buf in, out;
	int i, rc = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: %s WRITER.avsc READER.avsc|- DATUM...\n", argv[0]);
		return 2;
	}
	memset(&doc, 0, sizeof(doc));
	icp_error_init(&err);
	icp_buf_init(&in, 1 << 24);
	icp_buf_init(&out, 1 << 24);
	if (parse(argv[1], &w, &err) != ICP_OK ||
	    (strcmp(argv[2], "-") != 0 && parse(argv[2], &r, &err) != ICP_OK) ||
	    icp_avro_decoder_new(w, r, &d, &err) != ICP_OK) {
		printf("ERROR %s\n", err.msg);
		goto out;
	}
	for (i = 3; i < argc; i++) {
		if (slurp(argv[i], &in) != 0) {
			fprintf(stderr, "cannot read %s\n", argv[i]);
			goto out;
		}
		icp_error_init(&err);
		if (icp_avro_decode(d, in.data, in.len, &doc, &err) != ICP_OK) {
			printf("ERROR %s\n", err.msg);
			continue;
		}
		icp_buf_reset(&out);
		icp_vt_to_json(&doc, 0, &out);
		printf("%.*s\n", (int)out.len, (const char *)out.data);
	}
	rc = 0;
out:
	icp_vt_doc_dispose(&doc);
	icp_buf_dispose(&in);
	icp_buf_dispose(&out);
	icp_avro_decoder_free(d);
	icp_avro_schema_free(w);
	icp_avro_schema_free(r);
	return rc;
}
