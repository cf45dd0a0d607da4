# Helper for tests/avro/it_python_avro.sh: writes sample Avro files that
# Debian's python3-avro then reads. Built next to iceberg-processor.
add_executable(avro_sample ${CMAKE_SOURCE_DIR}/tests/avro/avro_sample.c)
target_include_directories(avro_sample PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(avro_sample icp)
