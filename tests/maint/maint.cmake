# Helper for tests/maint/it_expire.sh: runs icp_maint_expire on a table of
# a SQLite catalog. Built next to iceberg-processor.
add_executable(expire_tool ${CMAKE_SOURCE_DIR}/tests/maint/expire_tool.c)
target_link_libraries(expire_tool icp)
# ... and for tests/maint/it_orphans.sh: icp_maint_remove_orphans.
add_executable(orphans_tool ${CMAKE_SOURCE_DIR}/tests/maint/orphans_tool.c)
target_link_libraries(orphans_tool icp)
# Helper for tests/maint/it_compact.sh: runs icp_maint_compact on a table.
add_executable(compact_tool ${CMAKE_SOURCE_DIR}/tests/maint/compact_tool.c)
target_link_libraries(compact_tool icp)
