# icp-seggen: developer tool that writes realistic KafScale segment datasets
# (demo, benchmarks, tests/segwrite/it_segwrite.sh). Built next to
# iceberg-processor so scripts find it as $(dirname BINARY)/icp-seggen.
add_executable(icp-seggen ${CMAKE_SOURCE_DIR}/tools/seggen/seggen.c)
target_link_libraries(icp-seggen icp)
