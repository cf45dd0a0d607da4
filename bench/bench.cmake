# Benchmarks: bench/bench_<name>.c -> executable bench_<name> (not tests;
# scripts/bench runs bench/run_*.sh against them).
file(GLOB ICP_BENCH_SRC CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bench/bench_*.c)
foreach(src ${ICP_BENCH_SRC})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_link_libraries(${name} icp)
endforeach()
