# SPDX-License-Identifier: MIT
# Short commands for the README; CMake does the work. Build directories: build/ and build-sanitize/.
BUILD    ?= build
SANITIZE ?= build-sanitize
TSAN     ?= build-tsan
FUZZ     ?= build-fuzz
FUZZ_TIME ?= 60
PREFIX   ?= /usr/local
WERROR   ?= OFF
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)

CONFIGURE = cmake -S . -DLIPC_WERROR=$(WERROR) -DCMAKE_INSTALL_PREFIX=$(PREFIX)

.PHONY: all test tour sanitize tsan valgrind fuzz soak install clean

all:
	$(CONFIGURE) -B $(BUILD)
	cmake --build $(BUILD) -j $(JOBS)

test: all
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

tour: all
	$(BUILD)/lipc tour

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer, in its own directory.
sanitize:
	$(CONFIGURE) -B $(SANITIZE) -DCMAKE_BUILD_TYPE=Debug -DLIPC_SANITIZE=address,undefined
	cmake --build $(SANITIZE) -j $(JOBS)
	ctest --test-dir $(SANITIZE) --output-on-failure -j $(JOBS)

# The thread tests (ctest label "thread") under ThreadSanitizer, in their own directory.
tsan:
	$(CONFIGURE) -B $(TSAN) -DCMAKE_BUILD_TYPE=Debug -DLIPC_SANITIZE=thread
	cmake --build $(TSAN) -j $(JOBS)
	ctest --test-dir $(TSAN) --output-on-failure -L thread

# The tests of the command once more, each lipc they start run under valgrind memcheck (through
# LIPC_WRAPPER, see tests/check_cmd.c): an invalid access or a definite leak is exit status 99, and
# fails the test.
VALGRIND_CMD = valgrind --quiet --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite --track-fds=no
valgrind: all
	@command -v valgrind >/dev/null 2>&1 || { echo "make valgrind: valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
	LIPC_WRAPPER="$(VALGRIND_CMD)" ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) -L cli

# The libFuzzer harnesses of tests/fuzz, built with clang (ASan + UBSan, the library instrumented
# for coverage), then each run for FUZZ_TIME seconds from its corpus; a crash fails.
fuzz:
	@tests/fuzz/have-libfuzzer || { echo "make fuzz: clang cannot link -fsanitize=fuzzer here (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
	cmake -S . -B $(FUZZ) -DLIPC_WERROR=$(WERROR) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
		-DLIPC_SANITIZE=address,undefined -DLIPC_FUZZ=ON -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link
	cmake --build $(FUZZ) -j $(JOBS) --target fuzzers
	tests/fuzz/run.sh $(FUZZ) $(FUZZ_TIME)

# The long runs (ctest label "soak") at ten times the counts that make test and CI run: 2,000
# kills at random points per mechanism instead of 200, and 4 producers x 2,500,000 messages per
# multi-writer transport instead of 4 x 250,000. Each test prints what it counted.
SOAK_KILLS ?= 2000
SOAK_MSGS  ?= 2500000
soak: all
	LIPC_KILL_ROUNDS=$(SOAK_KILLS) LIPC_LOAD_MSGS=$(SOAK_MSGS) \
		ctest --test-dir $(BUILD) --output-on-failure --timeout 7200 -V -L soak

install: all
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(SANITIZE) $(TSAN) $(FUZZ)
