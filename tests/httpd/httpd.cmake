# Helper for tests/httpd/it_httpd.sh: httpd_check serves the process-wide
# metrics registry on an address given on its command line until SIGTERM.
# Built next to iceberg-processor.
add_executable(httpd_check ${CMAKE_SOURCE_DIR}/tests/httpd/httpd_check.c)
target_link_libraries(httpd_check icp)
