# viobench: plain Makefile.
#
# One binary, `viobench`, built from one folder per layer; each layer may use only the
# layers below it, and the build enforces it (see "Layers" below and docs/ARCHITECTURE.md):
#
#   lib/                 shared pieces: histogram, result format, units, JSON, CLI options
#   platform/            the OS seam (platform.h, platform/$(PLATFORM)/) and the time source
#   measure/             the measurement layer: harness/ (runner, cleanups, interrupt),
#                        kernels/ (the measured loops and their table), detect/ (pairing
#                        detection), peer/ (the peer server); OS parts in <component>/$(PLATFORM)/
#   cli/                 the guest-side commands: run, list, sysinfo, serve, version
#   collect/             the store
#   analyze/             statistics and plots
#   program/             main() and each build variant's command list (the top)
#
#   make                      dynamic build with hwloc, jansson, liburing, SQLite
#   make static               static guest binary `viobench-static` (no collect/analyze)
#   make windows              static Windows guest binary `viobench.exe` (mingw-w64)
#   make test                 warnings as errors, unit + end-to-end tests, format check
#   make SANITIZE=address,undefined [test]
#   make fuzz FUZZ_SECONDS=N  build the libFuzzer harnesses (clang) and run each N seconds
#   make man                  manual pages from the option tables into build/man/
#   make install PREFIX=/usr/local [DESTDIR=...]

# Plain `make` builds ./viobench: the goal is named here because the per-layer rules made
# with $(eval) below come first in the file.
.DEFAULT_GOAL := all

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share/viobench
MANDIR   ?= $(PREFIX)/share/man
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
# platform/windows/compat.h supplies the few POSIX calls mingw-w64 lacks, to every file;
# compat.c, their bodies, is the C library's missing part: its own archive, linked with the
# system libraries below every layer (lib/ uses getline and strndup like any libc call).
COMPAT_SRC := platform/windows/compat.c
COMPAT_LIB  = $(BUILD)/layers/compat.a
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
PKGS_FULL  := $(PKGS_GUEST) sqlite3 inih libarchive nettle zlib libpq
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS_FULL) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS_FULL) 2>/dev/null)
LIBVERS    := $(foreach p,$(PKGS_FULL),$(p) $(shell $(PKG_CONFIG) --modversion $(p) 2>/dev/null);)
endif

DEFS     := -D_GNU_SOURCE -DVB_VERSION='"$(VERSION)"' -DVB_GITREV='"$(GITREV)"' \
            -DVB_PLATFORM='"$(PLATFORM)"' -DVB_LIB_VERSIONS='"$(strip $(LIBVERS))"'
BUILD_KIND ?= dynamic
ALL_CFLAGS = $(CFLAGS) $(WARNINGS) $(INCLUDES) $(DEFS) -DVB_BUILD_KIND='"$(BUILD_KIND)"' \
             $(PKG_CFLAGS) -MMD -MP
LIBS      = $(COMPAT_LIB) $(PKG_LIBS) -lm -lpthread

# ---- Layers ---------------------------------------------------------------------------
# Bottom to top. Each layer's sources are its folder's (and, for platform-specific parts,
# its <component>/$(PLATFORM)/ subfolders'); adding a file to a folder adds it to the build.
# A layer compiles with the include paths of itself and the layers below (a lower layer
# cannot include a higher layer's header), is archived on its own, and the program links
# the archives top first, lib last. $(BUILD)/layers/checked links each layer whole against
# only the layers below it, so a reference to a higher layer fails the build;
# tests/e2e/layers.sh checks the same on the archives with nm.
LAYERS       := lib platform measure cli collect analyze
GUEST_LAYERS := lib platform measure cli
MEAS_DIRS    := measure/harness measure/detect measure/detect/$(PLATFORM) measure/peer \
                measure/peer/$(PLATFORM) measure/kernels measure/kernels/$(PLATFORM)

SRC_lib      := $(wildcard lib/*.c)
SRC_platform := $(filter-out $(COMPAT_SRC),$(wildcard platform/*.c platform/$(PLATFORM)/*.c))
SRC_measure  := $(foreach d,$(MEAS_DIRS),$(wildcard $(d)/*.c))
SRC_cli      := $(wildcard cli/*.c)
SRC_collect  := $(wildcard collect/*.c)
SRC_analyze  := $(wildcard analyze/*.c)

INC_lib      := -Ilib
INC_platform := $(INC_lib) -Iplatform -Iplatform/$(PLATFORM)
INC_measure  := $(INC_platform) $(addprefix -I,$(MEAS_DIRS))
INC_cli      := $(INC_measure) -Icli
INC_collect  := $(INC_cli) -Icollect
INC_analyze  := $(INC_collect) -Ianalyze
INC_program  := $(INC_analyze) -Iprogram
INCLUDES      = $(INC_program)

# Top first, lib last: the link order of the archives.
reverse       = $(if $(1),$(call reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
archives      = $(foreach l,$(call reverse,$(2)),$(1)/layers/$(l).a)

# Per build directory (default, sanitized, static, windows): include paths per layer and
# one archive per layer.
# The .members file changes when a source file comes or goes, so the archive follows.
define LAYER_RULES
$(1)/$(2)/%.o: INCLUDES = $$(INC_$(2))
$(1)/layers/$(2).members: FORCE
	@mkdir -p $$(dir $$@)
	@echo '$$(SRC_$(2))' | cmp -s - $$@ || echo '$$(SRC_$(2))' >$$@
$(1)/layers/$(2).a: $$(patsubst %.c,$(1)/%.o,$$(SRC_$(2))) $(1)/layers/$(2).members
	rm -f $$@
	$$(AR) rcs $$@ $$(filter %.o,$$^)
endef
$(foreach l,$(LAYERS),$(eval $(call LAYER_RULES,$(BUILD),$(l))))
$(BUILD)/program/%.o: INCLUDES = $(INC_program)
ifneq ($(COMPAT_SRC),)
$(COMPAT_LIB): $(patsubst %.c,$(BUILD)/%.o,$(COMPAT_SRC))
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^
endif

# Link each layer whole (every object, used or not) against the layers below it only:
# an undefined reference here is a call into a higher layer.
define LAYER_CHECK
$(1)/layers/checked: $(foreach l,$(2),$(1)/layers/$(l).a) $$(COMPAT_LIB)
	@mkdir -p $(1)/layers
	@printf 'int main(void);\nint main(void) { return 0; }\n' >$(1)/layers/stub.c
	$$(CC) $$(CFLAGS) -c -o $(1)/layers/stub.o $(1)/layers/stub.c
	@set -e; lower=; for l in $(2); do \
	    $$(CC) $$(CFLAGS) $$(LDFLAGS) -o $(1)/layers/check-$$$$l $(1)/layers/stub.o \
	        -Wl,--whole-archive $(1)/layers/$$$$l.a -Wl,--no-whole-archive $$$$lower $$(LIBS) || \
	        { echo "layers: $$$$l/ calls into a layer above it (undefined references above)" >&2; \
	          exit 1; }; \
	    lower="$(1)/layers/$$$$l.a $$$$lower"; \
	done; echo "layers: $(2): each links against the layers below it only"
	@touch $$@
endef

LAYER_LIBS := $(call archives,$(BUILD),$(LAYERS))
MAIN_OBJ   := $(BUILD)/program/main.o $(BUILD)/program/full.o
obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

TEST_SRC  := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TOOL_SRC  := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRC))

.PHONY: FORCE all static windows test check unit-tests tools install uninstall clean format format-check viobench man

all: viobench

# ./viobench is always the binary of the last variant built (default or sanitized).
viobench: $(BUILD)/viobench
	@cmp -s $< $@ || cp $< $@

$(BUILD)/viobench: $(MAIN_OBJ) $(LAYER_LIBS) $(BUILD)/layers/checked
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(LAYER_LIBS) $(LIBS)

# The Windows build has the guest layers only (no SQLite there).
CHECK_LAYERS := $(if $(filter windows,$(PLATFORM)),$(GUEST_LAYERS),$(LAYERS))
$(eval $(call LAYER_CHECK,$(BUILD),$(CHECK_LAYERS)))

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The store schema is compiled in from its one SQL file (.incbin in collect/schema_sql.c).
$(BUILD)/collect/schema_sql.o: collect/schema.sql collect/schema_pg.sql

# Unit tests link against the same archives as the binary; each test_*.c is one program.
$(BUILD)/tests/%: tests/unit/%.c $(LAYER_LIBS) tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LAYER_LIBS) $(LIBS)

# Small helper programs used by tests and benchmark scripts.
$(BUILD)/tools/%: tests/tools/%.c $(LAYER_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LAYER_LIBS) $(LIBS)

unit-tests: $(TEST_BINS)
tools: $(TOOL_BINS)

# The static guest binary: guest-side commands only (run, list, sysinfo, serve, version).
# Static hwloc needs libudev, which Debian ships only as a shared library; hwloc works
# without it (udev only adds device names), so platform/linux/static/udev_stub.c stands in.
STATIC_BUILD := build/static
STATIC_MAIN  := $(STATIC_BUILD)/program/main.o $(STATIC_BUILD)/program/guest.o \
                $(STATIC_BUILD)/platform/$(PLATFORM)/static/udev_stub.o
STATIC_ARCH  := $(call archives,$(STATIC_BUILD),$(GUEST_LAYERS))
$(foreach l,$(GUEST_LAYERS),$(eval $(call LAYER_RULES,$(STATIC_BUILD),$(l))))
$(STATIC_BUILD)/program/%.o: INCLUDES = $(INC_program)
# A static binary cannot carry the sanitizers' runtimes: SANITIZE applies to ./viobench only.
NOSAN         = $(filter-out $(SAN_FLAGS) -fsanitize=%,$(1))
STATIC_CFLAGS = $(call NOSAN,$(CFLAGS)) $(WARNINGS) $(INCLUDES) $(DEFS) -DVB_STATIC=1 \
                -DVB_BUILD_KIND='"static"' $(shell $(PKG_CONFIG) --cflags $(PKGS_GUEST)) -MMD -MP
STATIC_LIBS  := -lhwloc -ljansson -luring -lm -lpthread

static: viobench-static

viobench-static: $(STATIC_MAIN) $(STATIC_ARCH)
	$(CC) -static $(call NOSAN,$(CFLAGS) $(LDFLAGS)) -o $@ $(STATIC_MAIN) $(STATIC_ARCH) $(STATIC_LIBS) 2>&1 | \
	    { grep -v -e 'statically linked applications requires at runtime' \
	              -e 'in function .hwloc__dlforeach_cb' || true; }
	@test -x $@
	strip $@

$(STATIC_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(STATIC_CFLAGS) -c -o $@ $<

# The Windows guest binary: the same sources cross-built with Debian's mingw-w64, linked
# statically (no DLL beyond Windows' own), guest commands only. PLATFORM=windows picks
# platform/windows/ and measure/*/windows/; jansson comes from scripts/windows-deps.
WIN_CC     ?= x86_64-w64-mingw32-gcc-posix
WIN_BUILD  := build/windows
WIN_DEPS   ?= build/windows-deps
WIN_AR     ?= x86_64-w64-mingw32-ar

windows: $(WIN_DEPS)/lib/libjansson.a
	$(MAKE) PLATFORM=windows CC=$(WIN_CC) AR=$(WIN_AR) BUILD=$(WIN_BUILD) WIN_DEPS=$(WIN_DEPS) \
	    SANITIZE= BUILD_KIND=static viobench.exe

$(WIN_DEPS)/lib/libjansson.a: scripts/windows-deps
	scripts/windows-deps --out $(WIN_DEPS) --cc $(WIN_CC)

WIN_MAIN    = $(BUILD)/program/main.o $(BUILD)/program/guest.o
WIN_ARCH    = $(call archives,$(BUILD),$(GUEST_LAYERS))

viobench.exe: $(WIN_MAIN) $(WIN_ARCH) $(COMPAT_LIB) $(BUILD)/layers/checked
	$(CC) -static $(CFLAGS) $(LDFLAGS) -o $(BUILD)/viobench.exe $(WIN_MAIN) $(WIN_ARCH) $(LIBS)
	$(WIN_STRIP) -o $@ $(BUILD)/viobench.exe

WIN_STRIP ?= x86_64-w64-mingw32-strip

# ---- Fuzzing ----------------------------------------------------------------------------
# `make fuzz FUZZ_SECONDS=N`: every libFuzzer harness in tests/fuzz/ (one per parser of
# outside input) built with clang under ASan and UBSan in $(FUZZ_BUILD), its crash
# regressions replayed, then run N seconds on seeds made from tests/fixtures; fails on any
# finding (tests/fuzz/run prints executions, coverage and the result per harness). The
# parsers' sources are compiled here directly (not the layer archives, which are gcc's):
# lib (lib/log.c replaced by the harnesses' silent one), platform, pairing detection,
# collect and analyze. `make fuzz-build` only builds; scripts/bench-fuzz runs them long.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 10
FUZZ_JOBS    ?= 1
FUZZ_BUILD   ?= build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(WARNINGS) -Wno-string-plus-int \
                $(INC_program) -Itests/fuzz $(DEFS) -DVB_BUILD_KIND='"fuzz"' $(PKG_CFLAGS) -MMD -MP
FUZZ_LIBSRC  := $(filter-out lib/log.c,$(SRC_lib)) $(SRC_platform) \
                $(wildcard measure/detect/*.c measure/detect/$(PLATFORM)/*.c) $(SRC_collect) \
                $(SRC_analyze) tests/fuzz/fuzz_common.c
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_HARNESS := $(filter-out fuzz_common,$(patsubst tests/fuzz/%.c,%,$(FUZZ_SRC)))
FUZZ_BINS    := $(addprefix $(FUZZ_BUILD)/bin/,$(FUZZ_HARNESS))

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	tests/fuzz/run --build $(FUZZ_BUILD) --seconds $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS) $(FUZZ_HARNESS)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/obj/collect/schema_sql.o: collect/schema.sql collect/schema_pg.sql

$(FUZZ_BUILD)/libvb.a: $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_LIBSRC))
	rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/bin/%: $(FUZZ_BUILD)/obj/tests/fuzz/%.o $(FUZZ_BUILD)/libvb.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libvb.a $(PKG_LIBS) -lm -lpthread

# `make test` is the README's test command and what CI runs: -Werror build, then everything.
test:
	$(MAKE) WERROR=1 all unit-tests tools
	VIOBENCH_BUILD=$(BUILD) VIOBENCH=$(CURDIR)/$(BUILD)/viobench tests/run

check: test

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	tests/e2e/format.sh

# Manual pages, generated from the option tables (`viobench COMMAND --man`, lib/opt_man.c):
# viobench(1) and one page per command, e.g. viobench-run(1), viobench-analyze-gate(1).
MAN_CMDS := run list sysinfo serve version collect collect-ls export analyze-compare \
            analyze-trend analyze-gate analyze-matrix analyze-capacity analyze-plot analyze-report

man: viobench
	@mkdir -p build/man
	./viobench --man >build/man/viobench.1
	@set -e; for c in $(MAN_CMDS); do \
	    ./viobench $$(echo $$c | tr - ' ') --man >build/man/viobench-$$c.1; done
	@echo "man: build/man/viobench.1 and $(words $(MAN_CMDS)) command pages"

install: viobench man
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/scripts/guest $(DESTDIR)$(DATADIR)/lib \
	    $(DESTDIR)$(DATADIR)/doc $(DESTDIR)$(DATADIR)/doc/machines
	install -m 0755 viobench $(DESTDIR)$(BINDIR)/viobench
	install -m 0755 $$(find scripts -maxdepth 1 -type f) $(DESTDIR)$(DATADIR)/scripts/
	install -m 0644 scripts/guest/* $(DESTDIR)$(DATADIR)/scripts/guest/
	install -m 0644 lib/x86.h $(DESTDIR)$(DATADIR)/lib/
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DATADIR)/doc/
	install -m 0644 docs/machines/*.md $(DESTDIR)$(DATADIR)/doc/machines/
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 0644 build/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	if [ -f viobench-static ]; then install -m 0755 viobench-static $(DESTDIR)$(BINDIR)/; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/viobench $(DESTDIR)$(BINDIR)/viobench-static
	rm -rf $(DESTDIR)$(DATADIR)
	rm -f $(DESTDIR)$(MANDIR)/man1/viobench.1 $(addprefix $(DESTDIR)$(MANDIR)/man1/viobench-,$(addsuffix .1,$(MAN_CMDS)))

clean:
	rm -rf build viobench viobench-static viobench.exe

-include $(shell find build -name '*.d' 2>/dev/null)
