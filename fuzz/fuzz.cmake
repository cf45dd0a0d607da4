# Fuzz targets: fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput.
# - Always: replay_<name> = target + fuzz/replay.c, run by CTest over
#   fuzz/corpus/<name>/ (so `make test` replays every corpus, also under
#   ASan+UBSan).
# - With ICP_FUZZ=ON (clang): fuzz_<name> linked with -fsanitize=fuzzer.
file(GLOB ICP_FUZZ_SRC CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/fuzz/fuzz_*.c)
foreach(src ${ICP_FUZZ_SRC})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" short ${name})
  add_executable(replay_${short} ${src} ${CMAKE_SOURCE_DIR}/fuzz/replay.c)
  target_link_libraries(replay_${short} icp)
  add_test(NAME fuzz_replay_${short}
           COMMAND replay_${short} ${CMAKE_SOURCE_DIR}/fuzz/corpus/${short})
  set_tests_properties(fuzz_replay_${short} PROPERTIES LABELS fuzz TIMEOUT 600)
  if(ICP_FUZZ)
    add_executable(${name} ${src})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name} icp)
  endif()
endforeach()
