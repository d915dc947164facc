# SPDX-License-Identifier: Apache-2.0
# ward: one non-recursive GNU Make file. `make help` lists the targets.
#
# Variants live in their own build folders:
#   make check SAN=address,undefined BUILD=build-asan
#   make CC=clang BUILD=build-clang
# Comments stay on their own lines: a trailing comment keeps spaces in the value.

BUILD ?= build
GEN := $(BUILD)/gen
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
PREFIX ?= /usr/local
DESTDIR ?=

ifeq ($(V),1)
Q :=
else
Q := @
endif

PKGS := libbpf yaml-0.1 sqlite3 jansson libmicrohttpd libcurl rdkafka libpq openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lz -lpthread -lm

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wvla -Wimplicit-fallthrough
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS ?= -O2 -g
ifneq ($(SAN),)
SANFLAGS := -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
HARDEN := -fPIE
endif
CPPFLAGS += -D_GNU_SOURCE -Isrc -Itests -isystem $(GEN) $(PKG_CFLAGS)
ALL_CFLAGS = -std=c11 $(WARNINGS) $(HARDEN) $(CFLAGS) $(SANFLAGS) -MMD -MP
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now $(SANFLAGS) $(LDFLAGS)

BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH)

# *.bpf.c never reaches gcc. cli/ holds main(); everything else is the library.
LIB_SRCS := $(sort $(shell find src -name '*.c' ! -name '*.bpf.c' ! -path 'src/cli/*'))
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
BPF_SRCS := $(sort $(wildcard src/bpf/*.bpf.c))
SKELS := $(patsubst src/bpf/%.bpf.c,$(GEN)/%.skel.h,$(BPF_SRCS))
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
CLI_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRCS))
LIBWARD := $(BUILD)/libward.a
WARD := $(BUILD)/ward

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
KERNEL_SRCS := $(sort $(wildcard tests/kernel/test_*.c))
TEST_SUPPORT_SRCS := $(sort $(wildcard tests/support/*.c))
TEST_SUPPORT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SUPPORT_SRCS))
UNIT_BINS := $(patsubst %.c,$(BUILD)/%,$(UNIT_SRCS))
KERNEL_BINS := $(patsubst %.c,$(BUILD)/%,$(KERNEL_SRCS))
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS := $(patsubst %.c,$(BUILD)/%,$(HELPER_SRCS))
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(patsubst %.c,$(BUILD)/%,$(BENCH_SRCS))
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_REPLAY_BINS := $(patsubst fuzz/%.c,$(BUILD)/fuzz/replay_%,$(FUZZ_SRCS))
FUZZ_BUILD := build-fuzz
FUZZ_BINS := $(patsubst fuzz/%.c,$(FUZZ_BUILD)/%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 30

.PHONY: all deps run check check-unit check-kernel check-e2e check-fuzz check-all fuzz fuzz-smoke \
	bench format format-check tidy cppcheck analyze install clean help tests

all: $(WARD) $(HELPER_BINS)

help:
	@echo 'ward make targets:'
	@echo '  all            build build/ward (default)'
	@echo '  run            install deps, build, start the agent on the embedded store with examples/policies'
	@echo '  check          install deps, build, run every test tier; last line "check: N passed, N failed, N skipped"'
	@echo '  check-unit     unit tier only (no root, no kernel)'
	@echo '  check-kernel   kernel tier (root, BPF, fanotify, cgroups)'
	@echo '  check-e2e      end-to-end scenarios against build/ward'
	@echo '  check-fuzz     replay fuzz seeds and regressions (part of check)'
	@echo '  fuzz-smoke     run each libFuzzer target for FUZZ_SECONDS (default 30)'
	@echo '  fuzz           build libFuzzer targets into build-fuzz/'
	@echo '  bench          build benchmarks (run them with bench/run)'
	@echo '  format         clang-format the sources; format-check fails on differences'
	@echo '  tidy cppcheck  static analysis'
	@echo '  install        install ward, ward.service and /etc/ward/'
	@echo 'Variables: BUILD=dir SAN=address,undefined CC=clang V=1'

deps:
	$(Q)scripts/install-deps check

# ---- BPF pipeline: vmlinux.h -> .bpf.o -> skeleton ------------------------------------------
$(GEN)/vmlinux.h:
	$(Q)mkdir -p $(@D)
	$(Q)test -r $(VMLINUX_BTF) || { echo "error: no BTF at $(VMLINUX_BTF); set VMLINUX_BTF=" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(GEN)/%.bpf.o: src/bpf/%.bpf.c src/bpf/events.h $(wildcard src/bpf/*.bpf.h) $(GEN)/vmlinux.h
	@echo '  BPF     $@'
	$(Q)$(CLANG) $(BPF_CFLAGS) -I$(GEN) -Isrc/bpf -c $< -o $@.tmp && $(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

# The enforcers' objects share only enforce.bpf.h (not the monitor's events.h).
$(GEN)/enforce_%.bpf.o: src/bpf/enforce_%.bpf.c src/bpf/enforce.bpf.h $(GEN)/vmlinux.h
	@echo '  BPF     $@'
	$(Q)$(CLANG) $(BPF_CFLAGS) -I$(GEN) -Isrc/bpf -c $< -o $@.tmp && $(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(GEN)/%.skel.h: $(GEN)/%.bpf.o
	@echo '  SKEL    $@'
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

# ---- user space ------------------------------------------------------------------------------
$(LIB_OBJS) $(CLI_OBJS): | $(SKELS)
# -MMD skips -isystem headers, so the skeleton wrappers name their generated header here.
$(foreach o,$(LIB_OBJS),$(if $(findstring /skel/,$(o)),$(o))): $(SKELS)

$(BUILD)/%.o: %.c
	@echo '  CC      $@'
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(LIBWARD): $(LIB_OBJS)
	@echo '  AR      $@'
	$(Q)rm -f $@ && ar rcs $@ $^

$(WARD): $(CLI_OBJS) $(LIBWARD)
	@echo '  LD      $@'
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJS) $(LIBWARD) $(PKG_LIBS)

# ---- tests -----------------------------------------------------------------------------------
$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBWARD) $(TEST_SUPPORT_OBJS)
	@echo '  TEST    $@'
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(TEST_SUPPORT_OBJS) $(LIBWARD) $(PKG_LIBS) -lcmocka $(ALL_LDFLAGS)

$(BUILD)/tests/kernel/%: tests/kernel/%.c $(LIBWARD) $(TEST_SUPPORT_OBJS)
	@echo '  TEST    $@'
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(TEST_SUPPORT_OBJS) $(LIBWARD) $(PKG_LIBS) -lcmocka $(ALL_LDFLAGS)

# store_edit works on the store's own block codec, so it links libward
$(BUILD)/tests/helpers/store_edit: tests/helpers/store_edit.c $(BUILD)/tests/support/store_edit.o $(LIBWARD)
	@echo '  HELPER  $@'
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(BUILD)/tests/support/store_edit.o $(LIBWARD) $(PKG_LIBS) $(ALL_LDFLAGS)

$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@echo '  HELPER  $@'
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(ALL_LDFLAGS) -lpthread

$(BUILD)/bench/%: bench/%.c $(LIBWARD)
	@echo '  BENCH   $@'
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(LIBWARD) $(PKG_LIBS) $(ALL_LDFLAGS)

# A fuzz target linked with fuzz/replay.c (a plain main) replays seeds under gcc inside `make check`.
$(BUILD)/fuzz/replay_%: fuzz/%.c fuzz/replay.c $(LIBWARD)
	@echo '  REPLAY  $@'
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< fuzz/replay.c $(LIBWARD) $(PKG_LIBS) $(ALL_LDFLAGS)

tests: $(WARD) $(UNIT_BINS) $(KERNEL_BINS) $(HELPER_BINS) $(FUZZ_REPLAY_BINS)
# e2e tests drive libward through bench programs: fwd_drive (forwarding), ship_load (fleet ingest)
tests: $(BUILD)/bench/fwd_drive $(BUILD)/bench/ship_load

check-unit: $(UNIT_BINS)
	$(Q)tests/run-tests.sh unit $(BUILD)

check-kernel: $(WARD) $(KERNEL_BINS) $(HELPER_BINS)
	$(Q)tests/run-tests.sh kernel $(BUILD)

check-e2e: $(WARD) $(HELPER_BINS) $(BUILD)/bench/ship_load
	$(Q)tests/run-tests.sh e2e $(BUILD)

check-fuzz: $(FUZZ_REPLAY_BINS)
	$(Q)tests/run-tests.sh fuzz $(BUILD)

# `make check` is the README's test command: deps, build, every tier, one closing line.
check: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)tests/run-tests.sh all $(BUILD)

check-all: check

run: deps
	$(Q)$(MAKE) --no-print-directory $(WARD)
	$(Q)scripts/run-agent $(WARD)

# ---- fuzzing (clang + libFuzzer) -------------------------------------------------------------
FUZZ_CFLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(LIB_SRCS))

$(FUZZ_BUILD)/src/%.o: src/%.c | $(SKELS)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CPPFLAGS) -DWARD_FUZZING -std=c11 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -Wall -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	@echo '  FUZZ    $@'
	$(Q)$(CLANG) $(CPPFLAGS) -DWARD_FUZZING $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_OBJS) $(PKG_LIBS)

fuzz: $(FUZZ_BINS)

fuzz-smoke: fuzz
	$(Q)scripts/fuzz-smoke $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: $(WARD) $(BENCH_BINS) $(HELPER_BINS)

# ---- style and analysis ----------------------------------------------------------------------
FORMAT_SRCS = $(shell find src tests fuzz bench -name '*.[ch]' 2>/dev/null)

format:
	$(Q)clang-format -i $(FORMAT_SRCS)

format-check:
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRCS)

tidy:
	$(Q)clang-tidy $(LIB_SRCS) $(CLI_SRCS) -- $(CPPFLAGS) -std=c11

cppcheck:
	$(Q)cppcheck --std=c11 --enable=warning,performance,portability --inline-suppr --error-exitcode=1 \
		--suppress=missingIncludeSystem -D_GNU_SOURCE -Isrc -i src/bpf --library=posix --quiet src/

analyze:
	$(Q)$(MAKE) --no-print-directory BUILD=build-analyze CFLAGS='-O1 -g -fanalyzer' $(WARD) || true

# ---- install ---------------------------------------------------------------------------------
install: $(WARD)
	install -D -m 0755 $(WARD) $(DESTDIR)$(PREFIX)/bin/ward
	install -D -m 0644 packaging/ward.service $(DESTDIR)/etc/systemd/system/ward.service
	install -d -m 0750 $(DESTDIR)/etc/ward/policies $(DESTDIR)/var/lib/ward
	test -e $(DESTDIR)/etc/ward/ward.yaml || install -m 0640 packaging/ward.yaml $(DESTDIR)/etc/ward/ward.yaml
	install -d $(DESTDIR)$(PREFIX)/share/ward/web
	if [ -d web ]; then cp -r web/. $(DESTDIR)$(PREFIX)/share/ward/web/; fi

clean:
	rm -rf build build-* 

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d)
# test and bench binaries track their headers too (a changed struct must relink them)
-include $(UNIT_BINS:=.d) $(KERNEL_BINS:=.d) $(BENCH_BINS:=.d)
.DELETE_ON_ERROR:
.SECONDARY:
