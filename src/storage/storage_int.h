/* Internals shared by the storage front end and its backends. */
#ifndef ICP_STORAGE_INT_H
#define ICP_STORAGE_INT_H

#include "storage/storage.h"

extern const icp_storage_vtable icp_storage_local_vtable;
extern const icp_storage_vtable icp_storage_s3_vtable;

/* Appends a copy of key[0..klen) to the list. */
int icp_storage_list_add(icp_storage_listing *l, const char *key, size_t klen,
                         uint64_t size, int is_prefix);

#endif
