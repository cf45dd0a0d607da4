# Helper for tests/iceberg/it_manifests.sh: writes manifests and manifest
# lists that Debian's python3-avro then checks. Built next to
# iceberg-processor.
add_executable(ice_manifest_gen ${CMAKE_SOURCE_DIR}/tests/iceberg/ice_manifest_gen.c)
target_link_libraries(ice_manifest_gen icp)
# Helper for tests/iceberg/it_partition_icebird.sh: writes a partitioned
# table (Parquet data, manifest, list, metadata) that icebird then reads.
add_executable(ice_table_gen ${CMAKE_SOURCE_DIR}/tests/iceberg/ice_table_gen.c)
target_link_libraries(ice_table_gen icp)
