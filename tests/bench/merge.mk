# SPDX-License-Identifier: GPL-2.0
#
# tests/bench/merge.mk - benchmark (not a test): kpgo-gcda merge against gcc's
# gcov-tool merge, on real kernel profiles.
#
#   make -f tests/bench/merge.mk bench-merge [BENCH_PROFILES=DIR] [BENCH_FLEET=1000]
#        [BENCH_DISTINCT=N] [BENCH_OUT=/tmp/kpgo-bench] [BENCH_REPEAT=2]
#
# BENCH_PROFILES holds <w>/gcda for each of BENCH_WORKLOADS (kpgo's own
# .kpgo/profiles of an instrumented build).  gcov-tool merges exactly two
# directories, so N profiles take a chain of N-1 gcov-tool runs (the sum so
# far gets weight 1); kpgo-gcda merges all N in one run.  Steps, in order:
#
#   bench-workloads  the 8 profiles, weights 1
#   bench-weighted   the same, weights BENCH_WEIGHTS (kpgo DIR:W, gcov-tool -w)
#   bench-union      files found in only one input: kept by both?
#   bench-fleet      BENCH_FLEET profiles made once by gcov-tool rewrite -s
#                    (workload i mod 8, scale 0.50..2.00 from i), kept in
#                    BENCH_OUT; BENCH_DISTINCT of them distinct, the others
#                    repeat them (the same directory given again)
#
# Each prints wall and cpu seconds and peak memory (GNU time) of both
# mergers, files and counters, and compares the arc counters of the two
# outputs file by file (kpgo-gcda dump of both; header and summary record
# ignored: each merger writes its own).  Any difference fails the step.
# Timings are of one run each (BENCH_REPEAT runs of the small steps) on
# whatever else the machine does: the load average is printed.
#
# gcov-tool (gcc 12) as seen here: its -w takes integers (sscanf "%d,%d")
# although its help says floats, and "-w 1.5,2" silently merges with weights
# 1,1; its merge and rewrite write the summary record runs 0, sum_max 0.
#
# It lives in tests/bench/, out of tests/check.mk's reach: it is no test.

bench-mk := $(lastword $(MAKEFILE_LIST))
KPGO_DIR ?= $(abspath $(dir $(bench-mk))/../..)
include $(KPGO_DIR)/mk/kpgo-lib.mk
include $(KPGO_DIR)/mk/tools.mk

BENCH_PROFILES  ?= $(KPGO_DIR)/work/build/.kpgo/profiles
BENCH_WORKLOADS ?= redis memcached nginx apache leveldb rocksdb mysql postgresql
BENCH_WEIGHTS   ?= 1 2 3 4 5 6 7 8
BENCH_FLEET     ?= 1000
BENCH_DISTINCT  ?= $(BENCH_FLEET)
BENCH_OUT       ?= /tmp/kpgo-bench
BENCH_REPEAT    ?= 2
BENCH_TIME      ?= /usr/bin/time
GCOV_TOOL       ?= gcov-tool

bench-gcda := $(KPGO_BIN)/kpgo-gcda
bench-prof := $(BENCH_OUT)/prof

# run alone (not included by tests/check.mk): bench-merge by default, one
# step at a time (the fleet's rewrites may use make -j)
ifeq ($(bench-mk),$(firstword $(MAKEFILE_LIST)))
.DEFAULT_GOAL := bench-merge
ifeq ($(filter bench-fleet-profiles,$(MAKECMDGOALS)),)
.NOTPARALLEL:
endif
endif

# --- inputs, as DIR:WEIGHT words -----------------------------------------

# the workloads' profiles are copied to $(bench-in) first: BENCH_PROFILES may
# be replaced while this runs
bench-in     := $(BENCH_OUT)/in
bench-w-dirs = $(addprefix $(bench-in)/,$(BENCH_WORKLOADS))
bench-w-in   = $(addsuffix :1,$(bench-w-dirs))
bench-ww-in  = $(join $(bench-w-dirs),$(addprefix :,$(BENCH_WEIGHTS)))

# fleet profile i: workload i mod 8 scaled by (50 + (37 i mod 151)) / 100;
# fleet member i is profile i mod BENCH_DISTINCT
bench-scale = $$(( 50 + $(1) * 37 % 151 ))
bench-prof-stamps = $(addprefix $(bench-prof)/p,$(addsuffix .done,\
	$(shell seq 0 $$(( $(BENCH_DISTINCT) - 1 )))))
bench-fleet-in = $(shell awk 'BEGIN { for (i = 0; i < $(BENCH_FLEET); i++) \
	printf "%s/p%d:1 ", "$(bench-prof)", i % $(BENCH_DISTINCT) }')

# --- helpers -------------------------------------------------------------

# $(call bench-time,FILE,COMMAND): run COMMAND (sh), its stdout to FILE.out;
# FILE gets "wall user sys maxrss-KB" (GNU time; maxrss of the largest process)
bench-time = $(BENCH_TIME) -f '%e %U %S %M' -o $(1) \
	sh -ec '$(call kpgo-escsq,$(2))' >$(1).out

# $(call bench-gcov-chain,OUT,DIR:W...): gcov-tool merge the DIRs into OUT:
# the first two with -w W1,W2, then each further DIR into the sum so far
# with -w 1,W.  The sum alternates between OUT.0 and OUT.1 (gcov-tool
# overwrites its output files; the set of files only grows).
bench-gcov-chain = set -- $(2); acc=$$1; shift; n=0; for d; do \
	n=$$(( n + 1 )); o=$(1).$$(( n % 2 )); \
	$(GCOV_TOOL) merge -w $${acc\#\#*:},$${d\#\#*:} -o $$o $${acc%:*} $${d%:*}; \
	acc=$$o:1; done; mv $$o $(1)

# $(call bench-n,N,WORD): "N WORD" or "N WORDs"
bench-n = $(1) $(2)$(if $(filter-out 1,$(1)),s)

# $(call bench-summary,DIR): the summary record of DIR's first file
bench-summary = $(bench-gcda) dump $$(find $(1) -name '*.gcda' | sort | sed -n 1p) | \
	sed -n 's|^offset [0-9]*: \(summary: .*\)|  SUMMARY $(1): \1 (first file)|p'

# $(call bench-show,TAG,TEXT,FILE): print a timing written by bench-time
bench-show = awk '{ printf "  %-8s%-34s %8.2f s wall %8.2f s cpu %8.1f MB peak\n", \
	"$(1)", "$(2)", $$1, $$2 + $$3, $$4 / 1024 }' $(3)

# $(call bench-ratio,TAG,KPGO-TIME,GCOV-TIME): gcov-tool's times over kpgo-gcda's
bench-ratio = awk 'NR == 1 { w = $$1; c = $$2 + $$3; next } \
	{ printf "  %-8s%-34s %8.1fx wall %7.1fx cpu\n", "$(1)", \
	"gcov-tool / kpgo-gcda", $$1 / (w > 0.01 ? w : 0.01), \
	($$2 + $$3) / (c > 0.01 ? c : 0.01) }' $(2) $(3)

# $(call bench-stat,TAG,DIR...): kpgo-gcda stat of each DIR, one line each
bench-stat = $(bench-gcda) stat $(2) | awk '{ printf "  %-8s%s\n", "$(1)", $$0 }'

# $(call bench-ctrs,DIR,OUT): every arc counter of DIR's .gcda files, one a
# line "file function index value", from kpgo-gcda dump
bench-ctrs = (cd $(1) && find . -name '*.gcda' | sort | xargs -n 1 \
	$(bench-gcda) dump) | awk -f $(BENCH_OUT)/ctrs.awk >$(2)

# $(call bench-check,DIR): compare DIR/kpgo with DIR/gcov, fail on a difference
bench-check = $(call bench-ctrs,$(1)/kpgo,$(1)/kpgo.ctrs) && \
	$(call bench-ctrs,$(1)/gcov,$(1)/gcov.ctrs) && \
	awk -f $(BENCH_OUT)/cmp.awk $(1)/kpgo.ctrs $(1)/gcov.ctrs

# kpgo-gcda dump listings -> one line per arc counter
define bench-ctrs-awk
/: magic 0x/		{ file = $$1; sub(/:$$/, "", file); next }
/^offset [0-9]+: function ident / { fn = $$5 $$7 $$9; next }
/^offset [0-9]+:   arcs: /	{ next }
/^offset [0-9]+: summary: /	{ next }
/^no summary record$$/	{ next }
/^ +[0-9]+: /		{ for (k = 2; k <= NF; k++) print file, fn, $$1 + k - 2, $$k; next }
			{ print "kpgo-gcda dump: unexpected line: " $$0 >"/dev/stderr"; bad = 1 }
END			{ exit bad }
endef

# two bench-ctrs listings (kpgo-gcda's output, gcov-tool's) -> one line of
# figures and the first differences; exit 1 on any difference.  Values are
# compared as strings (awk's numbers are doubles).
define bench-cmp-awk
NR == FNR { k = $$1 " " $$2 " " $$3; if (k in a) dup++; a[k] = $$4; fa[$$1]; next }
{
	k = $$1 " " $$2 " " $$3; fb[$$1]
	if (!(k in a)) { onlyb++; bad[$$1]; next }
	n++
	if (a[k] "" != $$4 "") {
		diff++; bad[$$1]
		if (diff <= 5) printf "  DIFF    %s: kpgo-gcda %s, gcov-tool %s\n", k, a[k], $$4
	}
	delete a[k]
}
END {
	for (k in a) { onlya++; split(k, p, " "); bad[p[1]] }
	for (f in fa) { nfa++; if (f in fb) nf++ }
	for (f in fb) nfb++
	for (f in bad) nbad++
	printf "  CHECK   files: kpgo-gcda %d, gcov-tool %d, in both %d; %d counters compared, %d differ; %d counters in one output only; %d files differ\n", \
		nfa, nfb, nf, n, diff, onlya + onlyb, nbad
	if (dup) printf "  CHECK   %d counters listed twice (same file, function, index)\n", dup
	exit (diff || onlya || onlyb || dup || !n)
}
endef

$(BENCH_OUT)/%.awk: $(bench-mk)
	$(shell mkdir -p $(@D))$(file >$@,$(bench-$*-awk))

# $(call bench-round,DIR,INPUTS,RUN): time kpgo-gcda merge INPUTS (one run)
# and the gcov-tool chain of INPUTS, into fresh DIR/kpgo and DIR/gcov
define bench-round
	@rm -rf $(1)/kpgo $(1)/gcov $(1)/gcov.0 $(1)/gcov.1
	@$(call bench-time,$(1)/kpgo.time,$(bench-gcda) merge -o $(1)/kpgo $(2))
	@$(call bench-time,$(1)/gcov.time,$(call bench-gcov-chain,$(1)/gcov,$(2)))
	@$(call bench-show,RUN $(3),kpgo-gcda merge$(comma) 1 invocation,$(1)/kpgo.time)
	@$(call bench-show,RUN $(3),gcov-tool merge$(comma) $(call bench-n,$(words $(wordlist 2,$(words $(2)),$(2))),invocation),$(1)/gcov.time)
	@$(call bench-ratio,RUN $(3),$(1)/kpgo.time,$(1)/gcov.time)
endef

# $(call bench-step,DIR,INPUTS,RUNS): bench-round RUNS times, then the
# outputs' figures and the counter check
define bench-step
	@mkdir -p $(1)
	$(foreach r,$(3),$(call bench-round,$(1),$(2),$(r))
	)
	@sed 's/^/  OUTPUT  /' $(1)/kpgo.time.out
	@$(call bench-stat,OUTPUT,$(1)/kpgo $(1)/gcov)
	@$(call bench-summary,$(1)/kpgo) && $(call bench-summary,$(1)/gcov)
	@$(call bench-check,$(1))
endef

# --- steps ---------------------------------------------------------------

bench-merge: bench-workloads bench-weighted bench-union bench-fleet
	@$(call kpgo-say,BENCH,done: all outputs' counters agree)

bench-prepare: $(bench-gcda) $(BENCH_OUT)/ctrs.awk $(BENCH_OUT)/cmp.awk
	$(call kpgo-need,$(GCOV_TOOL),gcc)
	$(call kpgo-need,$(BENCH_TIME),time)
	@for w in $(BENCH_WORKLOADS); do test -d $(BENCH_PROFILES)/$$w/gcda || { \
		echo "kpgo: no profile $(BENCH_PROFILES)/$$w/gcda" >&2; exit 1; }; done
	@rm -rf $(bench-in) && mkdir -p $(bench-in) && for w in $(BENCH_WORKLOADS); do \
		cp -r $(BENCH_PROFILES)/$$w/gcda $(bench-in)/$$w; done
	@$(call kpgo-say,BENCH,kpgo-gcda merge vs $(GCOV_TOOL) merge ($(shell \
	$(GCOV_TOOL) --version | sed -n 1p)); $$(nproc) cpus$(comma) load \
	$$(cut -d' ' -f1-3 /proc/loadavg); output in $(BENCH_OUT))

bench-workloads: bench-prepare
	@$(call kpgo-say,BENCH,$(words $(BENCH_WORKLOADS)) workloads$(comma) weights 1$(comma) \
	$(BENCH_REPEAT) timed runs; copied from $(BENCH_PROFILES))
	@$(call bench-stat,INPUT,$(bench-w-dirs))
	$(call bench-step,$(BENCH_OUT)/w,$(bench-w-in),$(shell seq $(BENCH_REPEAT)))

bench-weighted: bench-prepare
	@$(call kpgo-say,BENCH,$(words $(BENCH_WORKLOADS)) workloads$(comma) \
	weights $(BENCH_WEIGHTS)$(comma) $(BENCH_REPEAT) timed runs)
	$(call bench-step,$(BENCH_OUT)/ww,$(bench-ww-in),$(shell seq $(BENCH_REPEAT)))

# A: kernel/ of the first workload; B: kernel/fork.gcda and mm/ of the
# second.  Files only in A or only in B must be in both outputs.
bench-union: bench-prepare
	@$(call kpgo-say,BENCH,files in one input only: A:2 = $(word 1,$(BENCH_WORKLOADS))'s \
	kernel/$(comma) B:3 = $(word 2,$(BENCH_WORKLOADS))'s kernel/fork.gcda and mm/)
	@rm -rf $(BENCH_OUT)/u && mkdir -p $(BENCH_OUT)/u/A $(BENCH_OUT)/u/B/kernel
	@cp -r $(word 1,$(bench-w-dirs))/kernel $(BENCH_OUT)/u/A/
	@cp -r $(word 2,$(bench-w-dirs))/mm $(BENCH_OUT)/u/B/
	@cp $(word 2,$(bench-w-dirs))/kernel/fork.gcda $(BENCH_OUT)/u/B/kernel/
	@$(call bench-stat,INPUT,$(BENCH_OUT)/u/A $(BENCH_OUT)/u/B)
	$(call bench-step,$(BENCH_OUT)/u,$(BENCH_OUT)/u/A:2 $(BENCH_OUT)/u/B:3,1)

# the fleet's profiles: made once, again only when missing or when the
# inputs change (their checksum); the time it took is kept in $(bench-prof)/setup
bench-settings = $(BENCH_WORKLOADS) $(shell $(GCOV_TOOL) --version | sed -n 1p; \
	cd $(bench-in) && find . -name '*.gcda' | sort | xargs cat | md5sum)

$(bench-prof)/p%.done: $(bench-prof)/settings
	@$(if $(filter %00,$*),$(call kpgo-say,REWRITE,p$* of $(BENCH_DISTINCT)))
	@set -- $(BENCH_WORKLOADS); shift $$(( $* % $$# )); rm -rf $(@:.done=) && \
	$(GCOV_TOOL) rewrite -s $(call bench-scale,$*)/100 -o $(@:.done=) \
		$(bench-in)/$$1 && \
	echo "$$1 x $(call bench-scale,$*)/100" >$@ && echo $* >>$(bench-prof)/made

bench-fleet-profiles: $(bench-prof-stamps)
	@:

bench-fleet-setup: bench-prepare
	$(call kpgo-filechk,$(bench-prof)/settings,$(bench-settings))
	@rm -f $(bench-prof)/made
	@$(BENCH_TIME) -f '%e %U %S' -o $(bench-prof)/setup.time $(MAKE) \
		--no-print-directory -f $(bench-mk) bench-fleet-profiles
	@test ! -s $(bench-prof)/made || awk '{ printf "%d profiles made by %s in %.0f s wall (%.2f s each)$(comma) %.0f s cpu\n", \
		n, "gcov-tool rewrite", $$1, $$1 / n, $$2 + $$3 }' \
		n=$$(wc -l <$(bench-prof)/made) $(bench-prof)/setup.time >$(bench-prof)/setup
	@$(call kpgo-say,SETUP,$$(test -s $(bench-prof)/made || echo 'none missing; earlier: ')$$(cat \
	$(bench-prof)/setup); $$(du -sh $(bench-prof) | cut -f1) in $(bench-prof))

bench-fleet: bench-fleet-setup
	@$(call kpgo-say,BENCH,fleet of $(BENCH_FLEET) profiles$(comma) $(BENCH_DISTINCT) \
	distinct (workload i mod $(words $(BENCH_WORKLOADS))$(comma) gcov-tool rewrite -s \
	0.50..2.00)$(if $(filter-out $(BENCH_FLEET),$(BENCH_DISTINCT)),$(comma) \
	member i is profile i mod $(BENCH_DISTINCT))$(comma) 1 timed run)
	@$(bench-gcda) stat $(sort $(patsubst %:1,%,$(bench-fleet-in))) | \
		awk '{ f += $$2; c += $$10 } END { printf "  %-8s%d distinct profiles: %d files$(comma) %d arc counters\n", \
		"INPUT", NR, f, c }'
	$(call bench-step,$(BENCH_OUT)/fleet,$(bench-fleet-in),1)

.PHONY: bench-merge bench-prepare bench-workloads bench-weighted bench-union \
	bench-fleet-profiles bench-fleet-setup bench-fleet
