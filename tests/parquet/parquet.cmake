# Parquet test helpers that are not unit tests: pq_gen writes files plus the
# values a reader must find in them, for tests/parquet/it_interop.sh.
add_executable(pq_gen ${CMAKE_SOURCE_DIR}/tests/parquet/pq_gen.c)
target_link_libraries(pq_gen icp)
# pq_read prints a file's rows as read by icp_parquet_reader, for
# tests/parquet/it_reader_duckdb.sh.
add_executable(pq_read ${CMAKE_SOURCE_DIR}/tests/parquet/pq_read.c)
target_link_libraries(pq_read icp)
