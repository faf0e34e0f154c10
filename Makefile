# The two-command quick start: `make run` and `make test` (see README.md).
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 300
CMAKE_FLAGS ?=

.PHONY: all deps build run test test-asan bench fuzz fuzz-smoke clean

all: build

deps:
	@tools/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# A sample: the gofer serves examples/rootfs to our own 9P client, which lists it.
run: build
	tools/run-sample.sh $(BUILD)

test: build fuzz-smoke
	# A test that fails is run once more, so a rare flake (see the closing
	# notes) does not hide the rest; a real failure fails twice.
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure --timeout 300 --repeat until-pass:2

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DSANDBOX_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest -j $(JOBS) --output-on-failure --timeout 600

$(FUZZ_BUILD)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DSANDBOX_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
fuzz-build: deps $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets

# Brief fuzzing, part of `make test`; `make fuzz` runs longer (FUZZ_SECONDS each).
fuzz-smoke: fuzz-build
	tools/run-fuzzers.sh $(FUZZ_BUILD) 20
fuzz: fuzz-build
	tools/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: build
	tools/run-bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
