# viobench: plain Makefile.
#
# One binary, `viobench`, built from one folder per layer: lib/ (shared pieces: histogram,
# result format, units, time source, JSON, CLI options), platform/$(PLATFORM)/ (OS-specific
# code, chosen here and nowhere else), kernels/ (the measured loops and their table), bench/
# (runner and CLI), collect/ (the store) and analyze/ (statistics and plots).
#
#   make                      dynamic build with hwloc, jansson, liburing, SQLite
#   make static               static guest binary `viobench-static` (no collect/analyze)
#   make windows              static Windows guest binary `viobench.exe` (mingw-w64)
#   make test                 warnings as errors, unit + end-to-end tests, format check
#   make SANITIZE=address,undefined [test]
#   make install PREFIX=/usr/local [DESTDIR=...]

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share/viobench
CC       ?= cc
PLATFORM ?= linux
SANITIZE ?=
WERROR   ?=
PKG_CONFIG ?= pkg-config

VERSION  := $(shell cat VERSION)
GITREV   := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

VARIANT  := $(if $(SANITIZE),san,default)
BUILD    ?= build/$(VARIANT)

CFLAGS   ?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 \
            -Wno-format-nonliteral -Wno-missing-field-initializers -Wvla
ifneq ($(WERROR),)
WARNINGS += -Werror
endif
ifneq ($(SANITIZE),)
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
CFLAGS   += $(SAN_FLAGS)
LDFLAGS  += -fsanitize=$(SANITIZE)
endif

ifeq ($(PLATFORM),windows)
# Windows (make windows runs this Makefile again with PLATFORM=windows): jansson is built
# from Debian's source package by scripts/windows-deps; the rest is Windows' own DLLs.
# platform/windows/compat.h supplies the few POSIX calls mingw-w64 lacks, to every file.
WIN_DEPS   ?= build/windows-deps
PKGS_FULL  :=
LIBVERS    := jansson $(shell cat $(WIN_DEPS)/jansson.version 2>/dev/null);
PKG_CFLAGS := -I$(WIN_DEPS)/include -include platform/windows/compat.h -D_WIN32_WINNT=0x0A00 \
              -DWIN32_LEAN_AND_MEAN \
              -D__USE_MINGW_ANSI_STDIO=1
PKG_LIBS   := $(WIN_DEPS)/lib/libjansson.a -lws2_32 -lsetupapi -ladvapi32 -lntdll \
              $(shell $(CC) -print-file-name=binmode.o) $(shell $(CC) -print-file-name=CRT_noglob.o)
else
PKGS_GUEST := hwloc jansson liburing
PKGS_FULL  := $(PKGS_GUEST) sqlite3 inih libarchive nettle
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS_FULL) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS_FULL) 2>/dev/null)
LIBVERS    := $(foreach p,$(PKGS_FULL),$(p) $(shell $(PKG_CONFIG) --modversion $(p) 2>/dev/null);)
endif

INCLUDES := -Ilib -Iplatform -Iplatform/$(PLATFORM) -Ikernels -Ibench -Icollect -Ianalyze
DEFS     := -D_GNU_SOURCE -DVB_VERSION='"$(VERSION)"' -DVB_GITREV='"$(GITREV)"' \
            -DVB_PLATFORM='"$(PLATFORM)"' -DVB_LIB_VERSIONS='"$(strip $(LIBVERS))"'
ALL_CFLAGS = $(CFLAGS) $(WARNINGS) $(INCLUDES) $(DEFS) $(PKG_CFLAGS) -MMD -MP
LIBS     := $(PKG_LIBS) -lm -lpthread

# Sources by layer. Adding a file to a folder adds it to the build.
LIB_SRC     := $(wildcard lib/*.c)
PLAT_SRC    := $(wildcard platform/$(PLATFORM)/*.c)
KERNEL_SRC  := $(wildcard kernels/*.c) $(wildcard kernels/$(PLATFORM)/*.c)
BENCH_SRC   := $(filter-out bench/main.c,$(wildcard bench/*.c))
COLLECT_SRC := $(wildcard collect/*.c)
ANALYZE_SRC := $(wildcard analyze/*.c)

CORE_SRC := $(LIB_SRC) $(PLAT_SRC) $(KERNEL_SRC) $(BENCH_SRC)
FULL_SRC := $(CORE_SRC) $(COLLECT_SRC) $(ANALYZE_SRC) bench/variant/full.c
obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

FULL_OBJ := $(call obj,$(FULL_SRC))
MAIN_OBJ := $(call obj,bench/main.c)

TEST_SRC  := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TOOL_SRC  := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRC))

.PHONY: all static windows test check unit-tests tools install uninstall clean format format-check viobench

all: viobench

# ./viobench is always the binary of the last variant built (default or sanitized).
viobench: $(BUILD)/viobench
	@cmp -s $< $@ || cp $< $@

$(BUILD)/viobench: $(MAIN_OBJ) $(BUILD)/libvb.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(BUILD)/libvb.a $(LIBS)

$(BUILD)/libvb.a: $(FULL_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The store schema is compiled in from its one SQL file (.incbin in collect/schema_sql.c).
$(BUILD)/collect/schema_sql.o: collect/schema.sql

# Unit tests link against the same archive as the binary; each test_*.c is one program.
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libvb.a tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libvb.a $(LIBS)

# Small helper programs used by tests and benchmark scripts.
$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libvb.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libvb.a $(LIBS)

unit-tests: $(TEST_BINS)
tools: $(TOOL_BINS)

# The static guest binary: guest-side commands only (run, list, sysinfo, serve, version).
# Static hwloc needs libudev, which Debian ships only as a shared library; hwloc works
# without it (udev only adds device names), so platform/linux/static/udev_stub.c stands in.
STATIC_BUILD := build/static
STATIC_SRC   := $(CORE_SRC) bench/variant/guest.c bench/main.c platform/$(PLATFORM)/static/udev_stub.c
STATIC_OBJ   := $(patsubst %.c,$(STATIC_BUILD)/%.o,$(STATIC_SRC))
# A static binary cannot carry the sanitizers' runtimes: SANITIZE applies to ./viobench only.
NOSAN         = $(filter-out $(SAN_FLAGS) -fsanitize=%,$(1))
STATIC_CFLAGS = $(call NOSAN,$(CFLAGS)) $(WARNINGS) $(INCLUDES) $(DEFS) -DVB_STATIC=1 \
                $(shell $(PKG_CONFIG) --cflags $(PKGS_GUEST)) -MMD -MP
STATIC_LIBS  := -lhwloc -ljansson -luring -lm -lpthread

static: viobench-static

viobench-static: $(STATIC_OBJ)
	$(CC) -static $(call NOSAN,$(CFLAGS) $(LDFLAGS)) -o $@ $^ $(STATIC_LIBS) 2>&1 | \
	    { grep -v -e 'statically linked applications requires at runtime' \
	              -e 'in function .hwloc__dlforeach_cb' || true; }
	@test -x $@
	strip $@

$(STATIC_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(STATIC_CFLAGS) -c -o $@ $<

# The Windows guest binary: the same sources cross-built with Debian's mingw-w64, linked
# statically (no DLL beyond Windows' own), guest commands only. PLATFORM=windows picks
# platform/windows/ and kernels/windows/; jansson comes from scripts/windows-deps.
WIN_CC     ?= x86_64-w64-mingw32-gcc-posix
WIN_BUILD  := build/windows
WIN_DEPS   ?= build/windows-deps
WIN_SRC     = $(CORE_SRC) bench/variant/guest.c bench/main.c

windows: $(WIN_DEPS)/lib/libjansson.a
	$(MAKE) PLATFORM=windows CC=$(WIN_CC) BUILD=$(WIN_BUILD) WIN_DEPS=$(WIN_DEPS) SANITIZE= viobench.exe

$(WIN_DEPS)/lib/libjansson.a: scripts/windows-deps
	scripts/windows-deps --out $(WIN_DEPS) --cc $(WIN_CC)

viobench.exe: $(patsubst %.c,$(BUILD)/%.o,$(WIN_SRC))
	$(CC) -static $(CFLAGS) $(LDFLAGS) -o $(BUILD)/viobench.exe $^ $(LIBS)
	$(WIN_STRIP) -o $@ $(BUILD)/viobench.exe

WIN_STRIP ?= x86_64-w64-mingw32-strip

# `make test` is the README's test command and what CI runs: -Werror build, then everything.
test:
	$(MAKE) WERROR=1 all unit-tests tools
	VIOBENCH_BUILD=$(BUILD) VIOBENCH=$(CURDIR)/$(BUILD)/viobench tests/run

check: test

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	tests/e2e/format.sh

install: viobench
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/scripts/guest $(DESTDIR)$(DATADIR)/lib \
	    $(DESTDIR)$(DATADIR)/doc $(DESTDIR)$(DATADIR)/doc/machines
	install -m 0755 viobench $(DESTDIR)$(BINDIR)/viobench
	install -m 0755 $$(find scripts -maxdepth 1 -type f) $(DESTDIR)$(DATADIR)/scripts/
	install -m 0644 scripts/guest/* $(DESTDIR)$(DATADIR)/scripts/guest/
	install -m 0644 lib/x86.h $(DESTDIR)$(DATADIR)/lib/
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DATADIR)/doc/
	install -m 0644 docs/machines/*.md $(DESTDIR)$(DATADIR)/doc/machines/
	if [ -f viobench-static ]; then install -m 0755 viobench-static $(DESTDIR)$(BINDIR)/; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/viobench $(DESTDIR)$(BINDIR)/viobench-static
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build viobench viobench-static viobench.exe

-include $(shell find build -name '*.d' 2>/dev/null)
