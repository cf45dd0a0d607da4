/* Internals shared by the files of src/s3/ (not part of its interface). */
#ifndef ICP_S3_INT_H
#define ICP_S3_INT_H

#include "s3/s3.h"

/* The variable's value, or NULL when unset or empty. */
const char *icp_s3_env_get(const icp_s3_env *env, const char *name);
/* Appends a whole file to out (bounded by out->max: ICP_ERR_TOO_LARGE).
 * ICP_ERR_NOT_FOUND when it does not exist, ICP_ERR_IO, ICP_ERR_NOMEM. */
int icp_s3_read_file(const char *path, icp_buf *out, icp_error *err);

#endif
