# Helper for tests/maint/it_expire.sh: runs icp_maint_expire on a table of
# a SQLite catalog. Built next to iceberg-processor.
add_executable(expire_tool ${CMAKE_SOURCE_DIR}/tests/maint/expire_tool.c)
target_link_libraries(expire_tool icp)
