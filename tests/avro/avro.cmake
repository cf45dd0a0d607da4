# Helper for tests/avro/it_python_avro.sh: writes sample Avro files that
# Debian's python3-avro then reads. Built next to iceberg-processor.
add_executable(avro_sample ${CMAKE_SOURCE_DIR}/tests/avro/avro_sample.c)
target_include_directories(avro_sample PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(avro_sample icp)
# Helper for tests/avro/it_avro_datum.sh: decodes datums python3-avro wrote.
add_executable(avro_datum_tool ${CMAKE_SOURCE_DIR}/tests/avro/avro_datum_tool.c)
target_link_libraries(avro_datum_tool icp)
