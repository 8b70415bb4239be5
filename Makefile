# Makefile - luksbox: one static musl binary, its tests and its checks.
# SPDX-License-Identifier: GPL-2.0-or-later
#
#   make              build ./luksbox (dependencies first, cached)
#   make ARCH=arm64   build ./luksbox-aarch64 for Graviton (cross-built; its
#                     dependencies in build/cache/aarch64; only all, size,
#                     test-build: build/obj-aarch64/test-hooks/luksbox)
#   make release      both binaries, SHA256SUMS and an SPDX SBOM in
#                     dist/luksbox-VERSION/ (tests/release/run checks it)
#   make test-build   build/obj/test-hooks/luksbox: luksbox with the test hooks
#   make demo         the main job end to end in a VM, narrated (no AWS account)
#   make test         every test tier that exists; ends "N passed, N failed"
#   make test-unit | test-applets | test-kms | test-vm | test-fuzz   one tier
#   make test-vm-big  the slow VM scenarios (16 TiB arrays, small guests), not in make test
#   make test-vm-arm64  the VM scenarios marked "# arch: arm64" on an arm64
#                     guest (qemu-system-aarch64); make test runs those
#                     marked "# arch: arm64 ci"
#   make fuzz         every libFuzzer target for FUZZ_TIME seconds each
#   make check        source-tree checks (table order, usage, globals, format,
#                     no test hook in the shipped luksbox)
#   make size         stripped size and biggest contributors
#   make repro        two clean builds of HEAD elsewhere: byte-identical?
#   make install DESTDIR=... PREFIX=...
#   make clean        our objects only; make distclean also drops build/cache

VERSION    := 0.1.0
PREFIX     ?= /usr
DESTDIR    ?=
CACHE      := build/cache

# The target: x86_64 (./luksbox) or aarch64 (./luksbox-aarch64, Graviton),
# named as `uname -m` names them; amd64 and arm64 are accepted.
ARCH       ?= x86_64
ifeq ($(ARCH),amd64)
override ARCH := x86_64
endif
ifeq ($(ARCH),arm64)
override ARCH := aarch64
endif
ifeq ($(ARCH),x86_64)
XCACHE     := $(CACHE)
OBJ        := build/obj
BIN        := luksbox
CC         := musl-gcc
STRIP      := strip
DEPS_ARGS  :=
ARCH_CFLAGS :=
DEPS_TOOLS := $(wildcard /usr/lib/musl/lib/libc.a)
else ifeq ($(ARCH),aarch64)
# Cross-built (build/deps.sh --arch aarch64): Debian's gcc-aarch64-linux-gnu
# with a musl built from Debian's musl source, whose own musl-gcc this is.
XCACHE     := $(CACHE)/aarch64
OBJ        := build/obj-aarch64
BIN        := luksbox-aarch64
CC         := $(XCACHE)/musl/bin/musl-gcc
STRIP      := aarch64-linux-gnu-strip
DEPS_ARGS  := --arch aarch64
# Unwind tables are made even without the asynchronous ones (80 KB).
ARCH_CFLAGS := -fno-unwind-tables
DEPS_TOOLS := $(wildcard /usr/lib/musl/lib/libc.a /usr/bin/aarch64-linux-gnu-gcc-[0-9]*)
else
$(error ARCH=$(ARCH): luksbox builds for x86_64 and aarch64 (arm64))
endif
SYSROOT    := $(XCACHE)/sysroot
DEPS_STAMP := $(XCACHE)/stamp/.all

# The one date the code needs, the TLS clock floor (kms/tls.h), is the last
# commit's, not the build's: two builds of one commit are byte-identical
# (make repro). A change of commit regenerates what embeds it.
# Outside a git checkout (a `git archive` tarball) it is the Makefile's
# modification time, which git archive sets to the commit's date.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || stat -c %Y Makefile)
export SOURCE_DATE_EPOCH
EPOCH_FILE := $(OBJ)/gen/source-date-epoch
$(shell mkdir -p $(OBJ)/gen && [ -f $(EPOCH_FILE) ] && \
	[ "$$(cat $(EPOCH_FILE))" = "$(SOURCE_DATE_EPOCH)" ] || \
	echo "$(SOURCE_DATE_EPOCH)" > $(EPOCH_FILE))

# -D_GNU_SOURCE: explicit_bzero, getrandom, mlock flags from musl.
CFLAGS  := -std=c11 -D_GNU_SOURCE -Os -pipe -Wall -Wextra -Wshadow \
	   -Wno-unused-parameter -Werror=implicit-function-declaration \
	   -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	   -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	   -I. -Iapplets -I$(OBJ) -I$(SYSROOT)/include -isystem $(SYSROOT)/kinclude \
	   $(ARCH_CFLAGS)
# -z norelro: in a static, non-PIE musl binary nothing ever applies
# PT_GNU_RELRO. The kernel's ELF loader ignores it; in musl 1.2.3 (Debian's
# source) only the dynamic linker reads it (ldso/dynlink.c: map_library,
# kernel_mapped_dso, reloc_all's mprotect), and a static binary's start
# (src/env/__libc_start_main.c, __init_libc; __init_tls.c reads PT_PHDR,
# PT_DYNAMIC, PT_TLS, PT_GNU_STACK only) neither reads it nor has
# relocations to apply: .data.rel.ro stays writable with or without it.
# The segment only cost padding: ld aligns its end to the maximum page
# size, 64 KiB on aarch64 (55 KB of zeros in luksbox-aarch64). The maximum
# page size stays the default, so 64K-page arm64 kernels still load it.
LDFLAGS := -static -Wl,--gc-sections -Wl,-z,norelro -Wl,-z,now -L$(SYSROOT)/lib
LIBS    := -lcryptsetup -ldevmapper -ljson-c -luuid -lnettle -lbearssl

# Modules: every .c in the module directories; applets: every applet file.
MOD_SRC    := $(sort $(wildcard lib/*.c block/*.c kms/*.c crypto/*.c conf/*.c volume/*.c))
APPLET_SRC := $(sort $(wildcard applets/*.c))
MOD_OBJ    := $(MOD_SRC:%.c=$(OBJ)/%.o) $(OBJ)/gen/embed.o $(OBJ)/gen/anchors.o
APPLET_OBJ := $(APPLET_SRC:%.c=$(OBJ)/%.o)
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(OBJ)/tests/%)
# The test build: the applets compiled again with LUKSBOX_TEST_HOOKS
# (LUKSBOX_FAILPOINT, LUKSBOX_EPHEMERAL_MODEL, LUKSBOX_EBS_MODEL,
# LUKSBOX_LOG_KMSG and
# LUKSBOX_LOG_SYSLOG, md-assemble --sysfs and
# --mountinfo), linked with the same modules. Only the test tiers run it:
# in the shipped luksbox whoever sets root's environment would choose which
# disks may be formatted (`make check` proves it has no hook). Hooks live
# in applets/ only (make check too).
TOBJ       := $(OBJ)/test-hooks
TEST_BIN   := $(TOBJ)/luksbox
TAPPLET_OBJ := $(APPLET_SRC:%.c=$(TOBJ)/%.o)
# Applets reached through a symlink (AF_NOLINK ones only as luksbox NAME).
APPLET_NAMES = $(shell awk -F'"' '/^APPLET/ && !/AF_NOLINK/ { print $$2 }' applets/applets.def)

.PHONY: all deps test-build test test-unit test-applets test-kms test-vm test-vm-big test-vm-arm64 test-fuzz check size \
	install clean distclean fuzz demo repro release test-release
all: $(BIN)

deps: $(DEPS_STAMP)
# deps.sh runs again when its lock, apt's source lists (a new Debian
# revision) or the host's musl change; it rebuilds only what changed.
$(DEPS_STAMP): build/deps.sh build/deps.lock $(wildcard /var/lib/apt/lists/*_Sources*) \
	       $(DEPS_TOOLS)
	build/deps.sh $(DEPS_ARGS)
	@touch $@

# What we link, for --version: the Debian versions deps.sh built and their
# licences, as it recorded them in the sysroot, not typed here.
$(OBJ)/version.h: $(DEPS_STAMP) Makefile
	@mkdir -p $(@D)
	@{ \
	echo '#define LUKSBOX_VERSION "$(VERSION)"'; \
	echo '#define LUKSBOX_LINKED \'; \
	sed -e 's/[\\"]/\\&/g' -e 's/.*/\t"  &\\n" \\/' $(SYSROOT)/share/luksbox/linked; \
	printf '\t""\n'; \
	} > $@.tmp && mv $@.tmp $@

$(OBJ)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(OBJ)/applets/main.o: $(OBJ)/version.h

$(TOBJ)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DLUKSBOX_TEST_HOOKS -MMD -MP -c -o $@ $<

$(TOBJ)/applets/main.o: $(OBJ)/version.h

# init/ files carried inside the binary for `luksbox install`.
EMBED := embed_init_script=init/luksbox embed_sysconfig=init/sysconfig \
	 embed_systemd_unit=init/luksbox.service embed_tab_example=init/luksbox.tab
$(OBJ)/gen/embed.c: build/embed.sh $(foreach e,$(EMBED),$(lastword $(subst =, ,$(e))))
	@mkdir -p $(@D)
	build/embed.sh $@ $(EMBED)

$(OBJ)/gen/embed.o: $(OBJ)/gen/embed.c conf/embed.h | $(DEPS_STAMP)
	$(CC) $(CFLAGS) -c -o $@ $<

# Trust anchors compiled in: the AWS roots, as PEM files checked into the
# repository with their SHA-256 (build/anchors/README), not the host's
# ca-certificates, which differ between machines.
ANCHOR_DIR := build/anchors
ANCHORS := "Amazon Root CA 1=$(ANCHOR_DIR)/Amazon_Root_CA_1.pem" \
	   "Amazon Root CA 2=$(ANCHOR_DIR)/Amazon_Root_CA_2.pem" \
	   "Amazon Root CA 3=$(ANCHOR_DIR)/Amazon_Root_CA_3.pem" \
	   "Amazon Root CA 4=$(ANCHOR_DIR)/Amazon_Root_CA_4.pem" \
	   "Starfield Services Root CA G2=$(ANCHOR_DIR)/Starfield_Services_Root_CA_G2.pem"
$(OBJ)/gen/anchors.c: build/anchors.py $(ANCHOR_DIR)/SHA256SUMS $(wildcard $(ANCHOR_DIR)/*.pem) \
		      $(EPOCH_FILE)
	@mkdir -p $(@D)
	build/anchors.py --sums $(ANCHOR_DIR)/SHA256SUMS $@ $(ANCHORS)

$(OBJ)/gen/anchors.o: $(OBJ)/gen/anchors.c kms/tls.h | $(DEPS_STAMP)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BIN): $(APPLET_OBJ) $(MOD_OBJ) $(DEPS_STAMP)
	$(CC) $(LDFLAGS) -Wl,-Map=$(OBJ)/luksbox.map -o $@.tmp $(APPLET_OBJ) $(MOD_OBJ) $(LIBS)
	$(STRIP) --strip-all -R .comment -R .note.gnu.build-id $@.tmp
	mv $@.tmp $@

$(TEST_BIN): $(TAPPLET_OBJ) $(MOD_OBJ) $(DEPS_STAMP)
	$(CC) $(LDFLAGS) -o $@.tmp $(TAPPLET_OBJ) $(MOD_OBJ) $(LIBS)
	$(STRIP) --strip-all -R .comment -R .note.gnu.build-id $@.tmp
	mv $@.tmp $@

test-build: $(TEST_BIN)

# Unit tests: one static program per module, linked with every module.
$(OBJ)/tests/%: tests/unit/%.c tests/unit/t.h $(MOD_OBJ) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-format-truncation -Itests/unit -o $@ $< $(MOD_OBJ) $(LDFLAGS) $(LIBS)

unit-bins: $(UNIT_BIN)

# Test tools for the VM guest (static, musl): tests/vm/*.c.
VM_TOOLS := $(OBJ)/tests/ptyfeed $(OBJ)/tests/maxrss
$(OBJ)/tests/%: tests/vm/%.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -static -o $@ $<

# make test's arm64 VM subset (tests/run vm-arm64: the scenarios marked
# "# arch: arm64 ci") boots ./luksbox-aarch64 and its test build, made
# here (the aarch64 dependencies first, cached: a few minutes once).
A64_TEST_BIN := build/obj-aarch64/test-hooks/luksbox
test: luksbox $(TEST_BIN) $(UNIT_BIN) $(VM_TOOLS)
	$(MAKE) ARCH=aarch64 luksbox-aarch64 $(A64_TEST_BIN)
	@tests/run all

test-unit: $(UNIT_BIN)
	@tests/run unit

test-applets: luksbox $(TEST_BIN)
	@tests/run applets

test-kms: luksbox $(UNIT_BIN)
	@tests/run kms

test-vm: luksbox $(TEST_BIN) $(VM_TOOLS)
	@tests/run vm

# The big tier: VM scenarios marked "# tier: big" (16 TiB of sparse disks,
# about 10 minutes; 256/512 MiB guests, 2-5 minutes), not part of make test.
test-vm-big: luksbox $(TEST_BIN) $(VM_TOOLS)
	@VM_TIER=big tests/run vm

# The arm64 (Graviton) tier: the scenarios marked "# arch: arm64" booted on
# Debian's arm64 kernel in qemu-system-aarch64 (virt machine, TCG;
# build/guest.sh --arch arm64) with ./luksbox-aarch64 and its test build. make
# test runs only the subset marked "# arch: arm64 ci": the x86-64 VM tier
# alone is near make test's time budget.
test-vm-arm64:
	$(MAKE) ARCH=aarch64 luksbox-aarch64 $(A64_TEST_BIN)
	@VM_ARCH=arm64 LUKSBOX=$(CURDIR)/luksbox-aarch64 \
		LUKSBOX_TEST=$(CURDIR)/$(A64_TEST_BIN) tests/run vm

test-fuzz: $(DEPS_STAMP)
	@tests/run fuzz

# libFuzzer targets (clang, ASan + UBSan): `make test` runs each over its
# seed corpus; `make fuzz` fuzzes each for FUZZ_TIME seconds (default 60).
FUZZ_TIME ?= 60
fuzz: $(DEPS_STAMP)
	@tests/fuzz/run --time $(FUZZ_TIME)

check: $(MOD_OBJ) $(APPLET_OBJ) luksbox $(TEST_BIN)
	@tests/check

size: $(BIN)
	@tests/size $(BIN) $(OBJ)/luksbox.map

# The release: both architectures' binaries named luksbox-VERSION-ARCH, their
# SHA256SUMS and an SPDX 2.3 SBOM from what deps.sh recorded (build/release.sh).
RELEASE := dist/luksbox-$(VERSION)
release:
	$(MAKE) ARCH=x86_64 luksbox
	$(MAKE) ARCH=aarch64 luksbox-aarch64
	build/release.sh $(VERSION) $(RELEASE)

test-release: release
	@tests/run release

# Two clean builds of the last commit in two directories must give one
# byte-identical luksbox (slow: two dependency builds; not in make test).
repro:
	@ARCH=$(ARCH) tests/repro/run

install: luksbox
	install -d $(DESTDIR)$(PREFIX)/sbin
	install -m 0755 luksbox $(DESTDIR)$(PREFIX)/sbin/luksbox
	for a in $(APPLET_NAMES); do \
		ln -sf luksbox $(DESTDIR)$(PREFIX)/sbin/$$a; \
	done

clean:
	rm -rf build/obj build/obj-aarch64 luksbox luksbox.tmp luksbox-aarch64 \
		luksbox-aarch64.tmp dist

distclean: clean
	rm -rf $(CACHE)

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

# The main job end to end in a VM with a fake AWS, narrated; installs what
# a fresh Debian 12 machine lacks (.ci/setup), builds, measures.
demo:
	@demo/demo.sh
