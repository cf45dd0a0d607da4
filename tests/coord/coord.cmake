# Helper for tests/coord/it_coord.sh: one simulated worker driving the
# coordinator against the real etcd the script starts. Built next to
# iceberg-processor.
add_executable(coord_worker ${CMAKE_SOURCE_DIR}/tests/coord/coord_worker.c)
target_link_libraries(coord_worker icp)
# Deterministic scenarios (injected clock) run first by it_coord.sh.
add_executable(coord_check ${CMAKE_SOURCE_DIR}/tests/coord/coord_check.c)
target_include_directories(coord_check PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(coord_check icp)
