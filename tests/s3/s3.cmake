# Helper for tests/s3/it_*.sh: drives the S3 storage backend against the
# s3rver (and fault proxy) the scripts start. Built next to
# iceberg-processor.
add_executable(s3drive ${CMAKE_SOURCE_DIR}/tests/s3/s3drive.c)
target_include_directories(s3drive PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(s3drive icp)
