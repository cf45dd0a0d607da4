# The two commands are `make demo` and `make test`; everything else is for
# developers. CMake + CTest do the work; this file only sequences them.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 60

.PHONY: all bootstrap build debug asan tsan test test-release test-asan demo bench fuzz lint clean

all: build

bootstrap:
	@scripts/bootstrap

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc >/dev/null

build: bootstrap $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

debug: bootstrap
	cmake -S . -B build-debug -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-debug -j $(JOBS)

asan: bootstrap
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DICP_SANITIZE=ON -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# ThreadSanitizer: the code that runs on several threads (the pool, the
# segment decode-ahead and the parquet writer on it, the S3 read-ahead and
# part uploads, the memory budget), every processor test (unit and
# integration), and the S3 read-ahead, kill and upload tests (they run with processor.threads
# >= 2, tests/processor/lib.sh).
# every processor unit test (TSAN_TESTS runs processor_.*), found by name
# so a new one cannot be left unbuilt
PROCESSOR_UNIT_TESTS = $(patsubst tests/processor/%.c,processor_%,$(wildcard tests/processor/test_*.c))
TSAN_TARGETS = iceberg-processor icp-seggen pool_test_pool segment_test_reader $(PROCESSOR_UNIT_TESTS) \
               parquet_test_parquet parquet_test_parallel \
               storage_test_prefetch s3_test_upload budget_test_budget
TSAN_TESTS = ^(pool_test_pool|segment_test_reader|processor_.*|parquet_test_parquet|parquet_test_parallel|storage_test_prefetch|s3_test_upload|s3_it_prefetch|budget_test_budget|s3_it_kill|s3_it_upload_concurrency)$$

tsan: bootstrap
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DICP_TSAN=ON -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target $(TSAN_TARGETS)

lint:
	@scripts/lint

test: build asan lint tsan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ICP_MAINT_KILLS=20 ctest --output-on-failure -j $(JOBS)
	cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

demo: build
	@scripts/demo

bench: build
	@scripts/bench

fuzz: bootstrap
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DICP_SANITIZE=ON -DICP_FUZZ=ON -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@scripts/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD) build-debug
