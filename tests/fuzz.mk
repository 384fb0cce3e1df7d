# SPDX-License-Identifier: GPL-2.0
#
# tests/fuzz.mk - libFuzzer target for kpgo-gcda's .gcda parser
# (tests/fuzz/gcda-fuzz.c), and its quick test in the fast tier.
#
#   make -f tests/check.mk TESTS=gcda-fuzz check
#       the test: build the fuzzer, make the seeds, fuzz GCDA_FUZZ_RUNS
#       (500000) inputs for at most GCDA_FUZZ_TIME (20) seconds; a crash,
#       sanitizer report, leak, hang (10 s) or 1 GB of memory fails it.
#       About 10 s on two cores (45000 inputs/s), 25 s at most.
#   make -f tests/check.mk fuzz-gcda [FUZZ_TIME=600] [FUZZ_JOBS=1] [FUZZ_ARGS=]
#       fuzz by hand for FUZZ_TIME seconds with FUZZ_JOBS processes; the
#       corpus stays in $(KPGO_BUILD)/fuzz/gcda-corpus for the next run, a
#       crashing input is saved as $(KPGO_BUILD)/fuzz/crash-<sha1>; replay it
#       with build/fuzz/kpgo-gcda-fuzz build/fuzz/crash-<sha1>.  FUZZ_ARGS
#       are more libFuzzer options (e.g. -use_value_profile=1).
#
# The fuzzer is built with clang (KPGO_FUZZCC) -fsanitize=fuzzer,address,
# undefined: Debian's clang and libclang-rt-dev (libFuzzer, the sanitizers).
# Its seeds are made when it runs, from real gcov data: tests/gcda.mk's
# program built with gcc -fprofile-arcs (libgcov's files, at -O2 and -O0,
# and kernel-style copies) and with -fprofile-generate (value counters,
# which kpgo-gcda rejects).

KPGO_TESTS_FAST += gcda-fuzz

GCDA_FUZZ        = $(KPGO_BUILD)/fuzz/kpgo-gcda-fuzz
GCDA_FUZZ_CORPUS = $(KPGO_BUILD)/fuzz/gcda-corpus
GCDA_FUZZ_RUNS  ?= 500000
GCDA_FUZZ_TIME  ?= 20
FUZZ_TIME       ?= 600
FUZZ_JOBS       ?= 1
FUZZ_ARGS       ?=
KPGO_FUZZCC     ?= clang
KPGO_FUZZCFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
		   -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer

# libFuzzer options of both: an input taking 10 s hangs; kp_die()'s message
# for each rejected input is not shown (stderr closed, reports still are)
gcda-fuzz-opts = -timeout=10 -rss_limit_mb=1024 -close_fd_mask=2

gcda-fuzz-hint = apt-get install clang libclang-rt-dev (or make -C $(KPGO_DIR) pgo-deps)

quiet_cmd_fuzzcc = FUZZCC  $(notdir $@)
      cmd_fuzzcc = command -v $(KPGO_FUZZCC) >/dev/null || { echo "kpgo: building \
		   $(notdir $@) needs $(KPGO_FUZZCC): $(gcda-fuzz-hint)" >&2; exit 1; }; \
		   ls "$$($(KPGO_FUZZCC) -print-runtime-dir 2>/dev/null)"/libclang_rt.fuzzer*.a \
		   >/dev/null 2>&1 || { echo "kpgo: building $(notdir $@) needs \
		   libFuzzer for $(KPGO_FUZZCC): $(gcda-fuzz-hint)" >&2; exit 1; }; \
		   mkdir -p $(@D) && $(KPGO_FUZZCC) $(KPGO_FUZZCFLAGS) \
		   -Dmain=kpgo_gcda_main -o $@ $< $(KPGO_DIR)/tools/util.c

$(GCDA_FUZZ): $(KPGO_DIR)/tests/fuzz/gcda-fuzz.c $(call kpgo-tool-deps,gcda)
	$(call kpgo-cmd,fuzzcc)

# $(gcda-fuzz-seeds): real .gcda files in $(T)/seeds, named <build>-<object>:
# a (-O2), o (-O0, never() run too), k (kernel-style copies of a),
# g (-fprofile-generate)
gcda-fuzz-seeds = $(gcda-src) && \
	$(call gcda-train,a,1000,-fprofile-arcs) && \
	$(call gcda-train,o,1000 x,-fprofile-arcs -O0) && \
	$(call gcda-train,g,10,-fprofile-generate) && \
	$(call gcda-ktree,a,k) && mkdir -p $(T)/seeds && \
	for b in a o k g; do cp $(T)/$$b/main.gcda $(T)/seeds/$$b-main.gcda && \
		cp $(T)/$$b/lib/work.gcda $(T)/seeds/$$b-work.gcda || exit 1; done

# The harness runs each seed once: gcc's arc data must parse (no message
# from kp_die) and -fprofile-generate's be rejected.  Then the fuzzing.
test-gcda-fuzz: $(GCDA_FUZZ)
	$(gcda-fuzz-seeds)
	$(GCDA_FUZZ) $(T)/seeds/[aok]-*.gcda >$(T)/seeds.log 2>&1 || \
		{ cat $(T)/seeds.log; exit 1; }
	! grep '^kpgo-gcda-fuzz:' $(T)/seeds.log
	grep -c '^Executed .*seeds/[aok]-' $(T)/seeds.log | grep -qx 6
	$(GCDA_FUZZ) $(T)/seeds/g-*.gcda >$(T)/seeds.log 2>&1 || \
		{ cat $(T)/seeds.log; exit 1; }
	grep -c '^kpgo-gcda-fuzz: .*only arc counters' $(T)/seeds.log | grep -qx 2
	mkdir -p $(T)/corpus
	$(GCDA_FUZZ) $(gcda-fuzz-opts) -runs=$(GCDA_FUZZ_RUNS) \
		-max_total_time=$(GCDA_FUZZ_TIME) -print_final_stats=1 \
		-artifact_prefix=$(T)/ $(T)/corpus $(T)/seeds >$(T)/fuzz.log 2>&1 || \
		{ grep -E -m1 -A14 '^==[0-9]+== ?ERROR|^gcda-fuzz:|runtime error:|^ALARM' \
		  $(T)/fuzz.log; grep '^SUMMARY' $(T)/fuzz.log; \
		  for f in $(T)/crash-* $(T)/leak-* $(T)/oom-* $(T)/timeout-*; do \
		  test ! -e $$f || echo "input: $$f (replay: $(GCDA_FUZZ) $$f)"; done; exit 1; }
	grep -E '^(INFO: Seed|#[0-9]+[[:space:]]+(INITED|DONE)|Done|stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb))' $(T)/fuzz.log
	grep -Eq '^#[0-9]+[[:space:]]+INITED .*corp: [1-9]' $(T)/fuzz.log
	grep -q '^Done [0-9]* runs' $(T)/fuzz.log

fuzz-gcda: $(GCDA_FUZZ)
	$(shell rm -rf $(T) && mkdir -p $(T))
	$(gcda-fuzz-seeds)
	mkdir -p $(GCDA_FUZZ_CORPUS)
	$(GCDA_FUZZ) $(gcda-fuzz-opts) -max_total_time=$(FUZZ_TIME) \
		$(if $(filter-out 1,$(FUZZ_JOBS)),-fork=$(FUZZ_JOBS)) \
		-print_final_stats=1 -artifact_prefix=$(KPGO_BUILD)/fuzz/ \
		$(FUZZ_ARGS) $(GCDA_FUZZ_CORPUS) $(T)/seeds

.PHONY: fuzz-gcda
