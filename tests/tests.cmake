# Unit tests: tests/<module>/test_<name>.c -> executable test_<module>_<name>,
# run from the source tree so tests find tests/data.
file(GLOB ICP_TEST_SRC CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/*/test_*.c)
foreach(src ${ICP_TEST_SRC})
  get_filename_component(dir ${src} DIRECTORY)
  get_filename_component(mod ${dir} NAME)
  get_filename_component(name ${src} NAME_WE)
  set(t ${mod}_${name})
  add_executable(${t} ${src})
  target_include_directories(${t} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(${t} icp)
  add_test(NAME ${t} COMMAND ${t} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 300)
endforeach()

# Integration tests: tests/<module>/it_<name>.sh, given the binary path.
file(GLOB ICP_IT_SRC CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/*/it_*.sh)
foreach(src ${ICP_IT_SRC})
  get_filename_component(dir ${src} DIRECTORY)
  get_filename_component(mod ${dir} NAME)
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME ${mod}_${name} COMMAND bash ${src} $<TARGET_FILE:iceberg-processor>
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(${mod}_${name} PROPERTIES LABELS integration TIMEOUT 900)
endforeach()
include(${CMAKE_SOURCE_DIR}/tests/avro/avro.cmake)
include(${CMAKE_SOURCE_DIR}/tests/parquet/parquet.cmake)
include(${CMAKE_SOURCE_DIR}/tests/iceberg/iceberg.cmake)
