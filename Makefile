# Short commands for the README; CMake does the work. Build directories: build/ and build-sanitize/.
BUILD    ?= build
SANITIZE ?= build-sanitize
TSAN     ?= build-tsan
PREFIX   ?= /usr/local
WERROR   ?= OFF
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)

CONFIGURE = cmake -S . -DLIPC_WERROR=$(WERROR) -DCMAKE_INSTALL_PREFIX=$(PREFIX)

.PHONY: all test tour sanitize tsan install clean

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

install: all
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(SANITIZE) $(TSAN)
