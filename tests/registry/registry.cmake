# Helper for tests/registry/it_csr.sh: csr_probe drives one icp_csr client
# with commands read line by line on stdin. Built next to iceberg-processor.
add_executable(csr_probe ${CMAKE_SOURCE_DIR}/tests/registry/csr_probe.c)
target_link_libraries(csr_probe icp)
