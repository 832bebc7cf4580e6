# Thin wrapper over CMake. Every target first installs what is missing.
#
#   make          build build/callbot
#   make test     install deps, build (plain and ASan+UBSan), run every test
#   make bench    run the benchmarks
#   make fuzz     run each fuzzer longer (FUZZ_SECONDS, default 300)
#   make models   download and verify the speech models (MODELS_DIR, default
#                 $CALLBOT_MODELS or /usr/share/callbot/models)
#   make format   clang-format the sources

FUZZ_SECONDS ?= 300
CI_FUZZ_SECONDS ?= 30
JOBS ?= $(shell nproc)

.PHONY: all deps build build-asan test bench fuzz format clean models

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j $(JOBS)

build-asan: deps
	@cmake -S . -B build-asan -DCMAKE_C_COMPILER=clang \
		-DCMAKE_BUILD_TYPE=Debug -DCALLBOT_SANITIZE=ON \
		-DCALLBOT_FUZZ=ON -DCALLBOT_FUZZ_SECONDS=$(CI_FUZZ_SECONDS) \
		>/dev/null
	@cmake --build build-asan -j $(JOBS)

test: build build-asan
	@tests/run-all build build-asan

bench: build
	@bench/run build

fuzz: build-asan
	@for f in build-asan/fuzz_*; do \
		n=$$(basename $$f); \
		sh fuzz/run.sh $$f fuzz/corpus/$$n $(FUZZ_SECONDS) || exit 1; \
	done

models:
	@scripts/get-models $(MODELS_DIR)

format:
	@clang-format -i src/*/*.[ch] tests/unit/*.[ch] bench/*.c fuzz/*.c

clean:
	rm -rf build build-asan
