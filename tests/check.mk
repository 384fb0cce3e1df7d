# SPDX-License-Identifier: GPL-2.0
#
# tests/check.mk - kpgo's test runner.
#
#   make -f tests/check.mk [TIER=fast|e2e|workloads|long|all] [TESTS="name ..."]
#
# Every tests/*.mk file (but this one and tests/lib.mk) adds test names to
# KPGO_TESTS_FAST, KPGO_TESTS_E2E, KPGO_TESTS_WORKLOADS or KPGO_TESTS_LONG
# and defines a target test-<name>.  A test passes when its recipe exits
# 0, and is skipped when it exits 0 after $(call skip,REASON).  Each runs
# in a fresh scratch directory $(T), its output goes to $(T).log and is
# shown when it fails.  TIER=all is fast, e2e and workloads (make check);
# the long tier (make check-long) runs after the e2e tier's tree exists.
# The last line printed is "N passed, N failed" (a line "N skipped"
# before it).
#
# Available in test recipes:
#   $(T)          scratch directory of the running test (created empty)
#   $(KPGO_DIR)   the kpgo checkout;  $(KPGO_BIN), $(KPGO_SAN): helpers
#   $(KSRC_TEST)  an unpacked linux-source-6.12 tree (e2e tests only)
#   $(call expect-fail,COMMAND,EXTENDED-REGEX)  COMMAND must fail and print
#                 (its output goes to $(T)/out: do not use that name)
#                 a line matching the regex (stdout or stderr); the regex
#                 sits in single quotes: match a quote with .
#   tests/lib.mk  the helpers more than one test file uses (kmake, pk-tree,
#                 gcda-train, llp-program, flame-program, e2e-o, ...): read
#                 before the test files; a helper of one file stays there

KPGO_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
include $(KPGO_DIR)/mk/kpgo-lib.mk
include $(KPGO_DIR)/mk/tools.mk

TIER      ?= fast
TEST_OUT  ?= $(KPGO_BUILD)/tests
T          = $(TEST_OUT)/$(patsubst test-%,%,$@)

.DEFAULT_GOAL := check

KPGO_TESTS_FAST :=
KPGO_TESTS_E2E  :=
KPGO_TESTS_WORKLOADS :=
KPGO_TESTS_LONG :=

# Debian's kernel source, unpacked once for every test that needs a tree
KSRC_TARBALL ?= /usr/src/linux-source-6.12.tar.xz
KSRC_TEST    ?= $(KPGO_BUILD)/linux-source-6.12
# (unpacked beside, then renamed: a killed or failed tar leaves no tree
# whose Kbuild file looks up to date)
$(KSRC_TEST)/Kbuild:
	rm -rf $(KSRC_TEST) $(KSRC_TEST).unpack && mkdir -p $(KSRC_TEST).unpack
	tar -xf $(KSRC_TARBALL) -C $(KSRC_TEST).unpack
	mv $(KSRC_TEST).unpack/$(notdir $(KSRC_TEST)) $(KSRC_TEST) && rmdir $(KSRC_TEST).unpack
	test -f $@ && touch $@
include $(KPGO_DIR)/tests/lib.mk
include $(filter-out %/check.mk %/lib.mk,$(wildcard $(KPGO_DIR)/tests/*.mk))

TESTS ?= $(if $(filter fast,$(TIER)),$(KPGO_TESTS_FAST),\
	 $(if $(filter e2e,$(TIER)),$(KPGO_TESTS_E2E),\
	 $(if $(filter workloads,$(TIER)),$(KPGO_TESTS_WORKLOADS),\
	 $(if $(filter long,$(TIER)),$(KPGO_TESTS_LONG),\
	 $(if $(filter serial,$(TIER)),$(KPGO_TESTS_E2E) $(KPGO_TESTS_WORKLOADS),\
	 $(KPGO_TESTS_FAST) $(KPGO_TESTS_E2E) $(KPGO_TESTS_WORKLOADS))))))

# skip: the test cannot run here; it is counted as skipped, not passed
skip = { echo "SKIP: $(1)"; echo "$(1)" > $(T)/SKIP; exit 0; }

# expect-fail: run $(1), which must exit non-zero and print a line matching $(2)
expect-fail = { if ( $(1) ) >$(T)/out 2>&1; then \
	echo "expected failure, got success: $(1)"; cat $(T)/out; exit 1; fi; \
	grep -Eq -- '$(2)' $(T)/out || { echo "no line matching '$(2)' in:"; \
	cat $(T)/out; exit 1; }; }

# TIER=all (make check) without TESTS: the fast tier side by side (-j,
# as make check-fast), then the e2e and workloads tiers one at a time
ifeq ($(TIER)$(origin TESTS),allfile)
check-tiers: check-prepare
	+@t0=$$(date +%s); $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) $(kpgo-jobs) \
	  TIER=fast KPGO_CHECK_SUB=1 check-runs; echo "fast tier: $$(( $$(date +%s) - t0 )) s"
	+@t0=$$(date +%s); $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) \
	  TIER=serial KPGO_CHECK_SUB=1 check-runs; echo "e2e and workloads tiers: $$(( $$(date +%s) - t0 )) s"
check: check-tiers
.PHONY: check-tiers
else
check: check-runs
endif
check-runs: $(addprefix run-,$(TESTS))
check:
	@p=$$(ls $(TEST_OUT)/*.pass 2>/dev/null | wc -l); \
	f=$$(ls $(TEST_OUT)/*.fail 2>/dev/null | wc -l); \
	s=$$(ls $(TEST_OUT)/*.skip 2>/dev/null | wc -l); \
	echo "$$s skipped"; echo "$$p passed, $$f failed"; test $$f -eq 0

run-%: check-prepare
	@rm -rf $(TEST_OUT)/$*; mkdir -p $(TEST_OUT)/$*; t0=$$(date +%s); \
	if $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) \
		test-$* >$(TEST_OUT)/$*.log 2>&1; then \
		if [ -f $(TEST_OUT)/$*/SKIP ]; then touch $(TEST_OUT)/$*.skip; \
		echo "SKIP  $* ($$(cat $(TEST_OUT)/$*/SKIP))"; else \
		echo "PASS  $* ($$(( $$(date +%s) - t0 )) s)"; touch $(TEST_OUT)/$*.pass; fi; \
	else echo "FAIL  $* ($$(( $$(date +%s) - t0 )) s), last lines of $(TEST_OUT)/$*.log:"; \
		tail -n 25 $(TEST_OUT)/$*.log | sed 's/^/    | /'; touch $(TEST_OUT)/$*.fail; fi

# The helpers, and the inputs fast tests share (the configured tree, GNU
# make with Guile, the TCG plugin), are made once, before any test runs: not by the tests'
# sub-makes side by side, which would race on them.
check-prepare: $(KSRC_TEST)/Kbuild kpgo-tools $(addprefix $(KPGO_SAN)/kpgo-,$(kpgo-host-tools)) \
		$(if $(filter $(KPGO_TESTS_FAST),$(TESTS)),$(PK_CONFIG) $(MAKE_GUILE) $(KPGO_PLUGIN))
	@mkdir -p $(TEST_OUT)$(if $(KPGO_CHECK_SUB),,; rm -f $(TEST_OUT)/*.pass $(TEST_OUT)/*.fail $(TEST_OUT)/*.skip)

.PHONY: check check-prepare check-runs
# The e2e, workloads and long tiers build on each other: one test at a
# time (a test's own make may still use -j).  The fast tier's tests are
# independent (each in its own $(T); shared inputs are prerequisites made
# once): make -j runs them side by side (make check-fast does).
ifneq ($(TIER),fast)
.NOTPARALLEL:
endif
