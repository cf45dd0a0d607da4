# Helper for tests/proto/it_proto.sh: decodes Confluent Protobuf payloads
# written by python3-protobuf with src/proto and prints them as JSON.
add_executable(proto_sample ${CMAKE_SOURCE_DIR}/tests/proto/proto_sample.c)
target_include_directories(proto_sample PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(proto_sample icp)
