# Helper for tests/etcd/it_etcd.sh: runs the etcd client against the real
# etcd the script starts. Built next to iceberg-processor.
add_executable(etcd_check ${CMAKE_SOURCE_DIR}/tests/etcd/etcd_check.c)
target_include_directories(etcd_check PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(etcd_check icp)
