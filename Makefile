# OpenVZ-style beancounters on a stock kernel.
#
#   make            build libbc and the tools into build/
#   make check      deps, layering, build, unit tests (plain and ASan/UBSan), guest suite
#   make layers     hold every #include to the arrows of core/LAYERS
#   make demo       deps, build, boot the guest and run a short scripted session
#   make install    install what `make` built (PREFIX, DESTDIR); rebuilds nothing
#   make deps       install every Debian package the project needs
#   make fuzz       run every fuzz target for FUZZ_SECONDS each
#   make template   build the busybox OS template into the template cache (TEMPLATE_OUT=FILE)
#   make template-debian  build the Debian 12 templates (systemd, sysvinit, openrc) in the
#                   test guest into tests/vm/cache/templates (TEMPLATE_INITS="systemd ...")
#   make bench      build, boot the guest once and run the benchmarks of bench/ (BENCH_ARGS)
#   make bench-counters  the same for the workload and counters benchmarks alone
#   make bench-export    the same for the export benchmark alone (BENCH_EXPORT_ARGS)

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
DESTDIR    ?=
BUILD      ?= build
SAN        ?=
FUZZ_SECONDS ?= 30

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS += -I. -D_GNU_SOURCE $(shell pkg-config --cflags libnl-3.0)
LIBS_CORE = -lcgroup -lcap -lm -lnl-3 $(shell pkg-config --libs libseccomp)
ifeq ($(SAN),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) $(CPPFLAGS) -MMD -MP

TOOLS = vzctl vzcfgvalidate vzlist vzubc bcmetrics check_bc bcfs
# Libraries a single tool links with besides libbc's: LIBS_<tool>.
LIBS_vzlist = -ljson-c
LIBS_bcfs = -lfuse3 -lpthread

CONF_SRCS = $(wildcard conf/*.c)
# seccomp-gen.c is a program of the build (see $(SECCOMP_BPF)), not of libbc.
CORE_SRCS = $(filter-out core/runtime/seccomp-gen.c,$(wildcard core/*/*.c))
EXPORT_SRCS = $(wildcard proc-export/*.c)
CLI_SRCS  = ctl/cli.c
UNIT_SRCS = $(wildcard tests/unit/*.c)
FUZZ_SRCS = $(wildcard tests/fuzz/fuzz_*.c)
HELPER_SRCS = $(wildcard tests/helpers/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBCONF = $(BUILD)/libvzconf.a
LIBBC   = $(BUILD)/libbc.a
LIBEXPORT = $(BUILD)/libexport.a
TOOL_BINS = $(addprefix $(BUILD)/bin/,$(TOOLS))
UNIT_BIN  = $(BUILD)/tests/unit-tests
HELPER_BINS = $(patsubst tests/helpers/%.c,$(BUILD)/tests/%,$(HELPER_SRCS))

.PHONY: all layers check unit unit-asan consumers integration demo install deps fuzz clean template template-debian bench bench-counters bench-export
CT_PROBE = $(BUILD)/tests/ct-probe

all: $(TOOL_BINS) $(HELPER_BINS) $(CT_PROBE)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The system-call filter as a BPF program, made by libseccomp at build time from the
# table in core/runtime/seccomp.c, for the build's architecture: loading it costs the
# process that enters a CT nothing (building it took each `vzctl exec` ~10 ms).
SECCOMP_GEN = $(BUILD)/gen/seccomp-gen
SECCOMP_BPF = $(BUILD)/gen/seccomp-bpf.h
$(SECCOMP_GEN): core/runtime/seccomp-gen.c core/runtime/seccomp.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) $(CPPFLAGS) -o $@ $^ $(shell pkg-config --libs libseccomp)
$(SECCOMP_BPF): $(SECCOMP_GEN)
	$(SECCOMP_GEN) >$@.tmp && mv $@.tmp $@
$(BUILD)/obj/core/runtime/seccomp-load.o: CPPFLAGS += -I$(BUILD)/gen
$(BUILD)/obj/core/runtime/seccomp-load.o: $(SECCOMP_BPF)

$(LIBCONF): $(call obj,$(CONF_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBBC): $(call obj,$(CORE_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBEXPORT): $(call obj,$(EXPORT_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# Each tool is ctl/<tool>.c plus ctl/<tool>-*.c, with the shared front-end helpers.
.SECONDEXPANSION:
# Objects are kept, so that a second `make` (or `make install`) builds nothing.
.SECONDARY:
$(BUILD)/bin/%: $$(call obj,ctl/$$*.c $$(wildcard ctl/$$*-*.c) $(CLI_SRCS)) $(LIBEXPORT) $(LIBBC) $(LIBCONF)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.o,$^) $(LIBEXPORT) $(LIBBC) $(LIBCONF) $(LIBS_CORE) $(LIBS_$*)

$(UNIT_BIN): $(call obj,$(UNIT_SRCS)) $(LIBEXPORT) $(LIBBC) $(LIBCONF)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.o,$^) $(LIBEXPORT) $(LIBBC) $(LIBCONF) $(LIBS_CORE) -lcriterion -liniparser -ljson-c -lfuse3

# Small programs the tests run (inside the guest too).
$(BUILD)/tests/%: $(BUILD)/obj/tests/helpers/%.o $(LIBEXPORT) $(LIBBC) $(LIBCONF)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBEXPORT) $(LIBBC) $(LIBCONF) $(LIBS_CORE)

# Copied into CTs by the guest tests: static, and without sanitizers (they need a
# dynamic runtime the CT does not have).
$(CT_PROBE): tests/ct-probe/ct-probe.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -static -o $@ $<

deps:
	bash scripts/deps.sh

# The unit suite runs with the tools built, since some tests drive them as processes.
unit: $(UNIT_BIN) $(TOOL_BINS) $(HELPER_BINS)
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/unit/lsan.supp:print_suppressions=0 \
	BUILD=$(abspath $(BUILD)) SRCDIR=$(CURDIR) $(UNIT_BIN) --jobs 2

unit-asan:
	$(MAKE) BUILD=build-asan SAN=1 unit

# The export parsed as each consumer of reference §8.2 parses it (host only).
consumers: $(TOOL_BINS) $(HELPER_BINS)
	BUILD=$(abspath $(BUILD)) bash tests/consumers/run.sh

# The Debian templates are built (in the guest) once, before the suite boots its guest.
integration: all
	bash tests/vm/debian-templates.sh >/dev/null
	BUILD=$(abspath $(BUILD)) bash tests/vm/run-suite.sh

# Every #include held to the arrows between layers written in core/LAYERS.
layers:
	python3 scripts/check-layers $(CURDIR)

check: deps
	$(MAKE) layers
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) consumers
	$(MAKE) unit-asan
	$(MAKE) integration

demo: deps
	$(MAKE) all
	BUILD=$(abspath $(BUILD)) bash tests/vm/demo.sh

# The benchmarks' programs; workload runs inside CTs, so it is static (as ct-probe).
BENCH_BINS = $(addprefix $(BUILD)/bench/,workload table-all table-raw export-read)
$(BUILD)/bench/workload: bench/workload.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -static -o $@ $<
$(BUILD)/bench/table-all: $(BUILD)/obj/bench/table-all.o $(LIBBC) $(LIBCONF)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBBC) $(LIBCONF) $(LIBS_CORE)
$(BUILD)/bench/table-raw: $(BUILD)/obj/bench/table-raw.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<
$(BUILD)/bench/export-read: $(BUILD)/obj/bench/export-read.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<

# Every benchmark of bench/ in one guest boot: vzctl exec and start against nsenter and
# LXC (BENCH_ARGS="EXEC_RUNS START_RUNS WARMUP"), a workload in a CT against the host
# (BENCH_OVERHEAD_ARGS), the counters table against a minimal reader (BENCH_COUNTERS_ARGS),
# bcfs's user_beancounters against the same (BENCH_EXPORT_ARGS="REPS READS SIZES").
# bench-counters: the workload and the table alone; bench-export: the export alone.
bench: all $(BENCH_BINS)
	BUILD=$(abspath $(BUILD)) BENCH_OVERHEAD_ARGS="$(BENCH_OVERHEAD_ARGS)" \
	BENCH_COUNTERS_ARGS="$(BENCH_COUNTERS_ARGS)" BENCH_EXPORT_ARGS="$(BENCH_EXPORT_ARGS)" \
	BENCH_BASE="$(BENCH_BASE)" BENCH_DEBIAN_ARGS="$(BENCH_DEBIAN_ARGS)" \
	bash bench/run.sh $(BENCH_ARGS)

bench-counters: all $(BENCH_BINS)
	BUILD=$(abspath $(BUILD)) BENCH_ONLY="overhead counters" \
	BENCH_OVERHEAD_ARGS="$(BENCH_OVERHEAD_ARGS)" BENCH_COUNTERS_ARGS="$(BENCH_COUNTERS_ARGS)" \
	bash bench/run.sh

bench-export: all $(BENCH_BINS)
	BUILD=$(abspath $(BUILD)) BENCH_ONLY="export" BENCH_EXPORT_ARGS="$(BENCH_EXPORT_ARGS)" \
	bash bench/run.sh

FUZZ_CC = clang
FUZZ_FLAGS = -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(CONF_SRCS) $(CORE_SRCS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(CONF_SRCS) $(CORE_SRCS) $(LIBS_CORE)

fuzz: $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
	@set -e; for f in $^; do \
		name=$$(basename $$f); corpus=$(BUILD)/fuzz/corpus-$$name; mkdir -p $$corpus; \
		echo "fuzz: $$name for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $$corpus tests/fuzz/seeds/$$name 2>&1 | tail -n 3; \
	done

# The busybox OS template, into <TEMPLATE>/cache/busybox.tar.gz (TEMPLATE from $VZ_CONF or
# /etc/vz/vz.conf); TEMPLATE_OUT=FILE writes it elsewhere.
template:
	bash scripts/vztmpl-busybox $(if $(TEMPLATE_OUT),-o $(TEMPLATE_OUT))

# The Debian templates the guest tests boot.  vztmpl-debian runs mmdebstrap, which mounts
# and chroots, so here it runs in the test guest, from a local archive of the packages
# fetched on this host; on a real host `vztmpl-debian --init INIT` writes into
# <TEMPLATE>/cache by itself.
template-debian:
	bash tests/vm/debian-templates.sh $(TEMPLATE_INITS)

install:
	@for t in $(TOOL_BINS); do [ -x $$t ] || { echo "install: $$t is not built; run 'make' first" >&2; exit 1; }; done
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/vz/conf
	install -m 0755 $(TOOL_BINS) $(DESTDIR)$(SBINDIR)/
	install -m 0755 scripts/vztmpl-busybox scripts/vztmpl-debian $(DESTDIR)$(SBINDIR)/
	install -d $(DESTDIR)$(PREFIX)/lib/vzbc
	install -m 0644 scripts/vztmpl.bash $(DESTDIR)$(PREFIX)/lib/vzbc/
	install -m 0644 conf/samples/*.conf-sample $(DESTDIR)$(SYSCONFDIR)/vz/conf/
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/sbin/|$(SBINDIR)/|g' etc/bcfs.service >$(DESTDIR)$(UNITDIR)/bcfs.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/bcfs.service
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/vz/vz.conf ]; then \
		echo "install: keeping the existing $(DESTDIR)$(SYSCONFDIR)/vz/vz.conf"; \
	else \
		install -m 0644 conf/samples/vz.conf $(DESTDIR)$(SYSCONFDIR)/vz/vz.conf; \
	fi

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
