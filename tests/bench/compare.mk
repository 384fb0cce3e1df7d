# SPDX-License-Identifier: GPL-2.0
#
# tests/bench/compare.mk - the measurements behind BENCHMARKS.md (a
# benchmark: it prints figures, it is not a test).
#
#   make -f tests/bench/compare.mk bench-compare [BENCH_WORK=dir] [BENCH_RUNS=N]
#
# On make quickstart's tree (tinyconfig + kvm_guest + kpgo's fragments, -O2,
# seed-sized profiles, PGO_SCALE=1) in BENCH_WORK: every workload's profile,
# then
#   pgo-compare-<w>                  baseline against <w>'s own profile
#   pgo-compare-all                  baseline against the merged `all`
# and the markdown tables of BENCHMARKS.md from their summaries
# (bench-tables alone re-prints them).

KPGO_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
BENCH_WORK ?= $(KPGO_DIR)/work
BENCH_RUNS ?= 5
BENCH_MEASURE ?= 1
bench-names := redis memcached nginx apache leveldb rocksdb mysql postgresql
bench-out := $(BENCH_WORK)/build/.kpgo/compare
bench-make = $(MAKE) --no-print-directory -C $(KPGO_DIR) KSRC=$(BENCH_WORK)/linux-source-6.12 \
	O=$(BENCH_WORK)/build PGO_COMPARE_RUNS=$(BENCH_RUNS) PGO_COMPARE_MEASURE=$(BENCH_MEASURE)

bench-compare:
	$(MAKE) --no-print-directory -C $(KPGO_DIR) QS_WORK=$(BENCH_WORK) PGO_SCALE=1 quickstart
	$(bench-make) pgo-collect-all
	for w in $(bench-names); do $(bench-make) pgo-compare-$$w || exit 1; done
	$(bench-make) pgo-compare-all
	$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) bench-tables bench-charts

# markdown rows from a summary: the plugin's figures (B medians, ratios
# A/B) and the client's (medians, B/A with its interval)
bench-plugin-row = awk -v w=$(1) ' \
	/^  kernel instructions / { ka = $$3; kb = $$4; kr = $$5 } \
	/^  kernel taken branches / { ta = $$4; tb = $$5; tr = $$6 } \
	/^  kernel L1I misses  / { la = $$4; lb = $$5; lr = $$6 } \
	/^  kernel L1I misses per 1000/ { ma = $$8; mb = $$9 } \
	/^  kernel ITLB misses / { ia = $$4; ib = $$5; ir = $$6 } \
	/^  text / { xa = $$2; xb = $$3 } \
	END { printf "| %s | %s → %s (%s) | %s → %s (%s) | %s → %s (%s) | %s → %s | %s → %s (%s) | %.1f → %.1f MB |\n", \
	  w, ka, kb, kr, ta, tb, tr, la, lb, lr, ma, mb, ia, ib, ir, xa / 1e6, xb / 1e6 }' $(2)
bench-plugin-head = echo '| workload | kernel insns/op A → B (A/B) | kernel taken branches/op (A/B) | kernel L1I misses/op (A/B) | L1I misses per 1000 kernel insns | kernel ITLB misses/op (A/B) | text A → B |'; \
	echo '|---|---|---|---|---|---|---|'
bench-client-row = awk -v w=$(1) ' \
	/^client figure/ { match($$0, /under [^ ]+/); acc = substr($$0, RSTART + 6, RLENGTH - 6) } \
	/^  run / { u = $$0; sub(/.*\(/, "", u); sub(/\)$$/, "", u) } \
	/^  median / { ma = $$2; mb = $$3 } \
	/ = [0-9.]+ \(N=/ { v = $$0; sub(/^[^=]*= /, "", v) } \
	END { printf "| %s | %s | %s → %s | %s | %s |\n", w, u, ma, mb, v, acc }' $(2)
bench-client-head = echo '| workload | figure | median A → B | B/A (95% CI) | accel |'; echo '|---|---|---|---|---|'
# the client table of a comparison: summary-client.txt when the plugin
# runs were made again without client runs, else summary.txt
bench-client-file = $$(if [ -f $(1)/summary-client.txt ]; then echo $(1)/summary-client.txt; else echo $(1)/summary.txt; fi)

# $(call bench-own-all,w,own-summary,all-summary): B's medians of both
bench-own-all = awk -v w=$(1) -v o=$(2) -v a=$(3) ' \
	/^  kernel instructions / { k[FILENAME] = $$4 } /^  kernel taken branches / { t[FILENAME] = $$5 } \
	/^  kernel L1I misses  / { l[FILENAME] = $$5 } /^  kernel ITLB misses / { i[FILENAME] = $$5 } \
	END { printf "| %s | %s, %s (%.4f) | %s, %s (%.4f) | %s, %s (%.4f) | %s, %s (%.4f) |\n", w, \
	  k[o], k[a], k[a] / k[o], t[o], t[a], t[a] / t[o], l[o], l[a], l[a] / l[o], i[o], i[a], i[a] / i[o] }' $(2) $(3)

# $(call bench-table,B-of-the-dir,row-macro,head-macro,file-macro)
bench-table = $(3); for w in $(bench-names); do d=$(bench-out)/$$w-$(if $(1),$(1),$$w)-vs-baseline; \
	  if [ -f $$d/summary.txt ]; then $(call $(2),$$w,$(call $(4),$$d)); else echo "| $$w | not measured |"; fi; done
bench-summary-file = $(1)/summary.txt

bench-tables:
	@echo '### Plugin figures: baseline (A) against the workload'"'"'s own profile (B), per operation'; echo; \
	$(call bench-table,,bench-plugin-row,$(bench-plugin-head),bench-summary-file)
	@echo; echo '### Client figures: baseline (A) against the workload'"'"'s own profile (B)'; echo; \
	$(call bench-table,,bench-client-row,$(bench-client-head),bench-client-file)
	@echo; echo '### Plugin figures: baseline (A) against the merged `all` profile (B), on each load'; echo; \
	$(call bench-table,all,bench-plugin-row,$(bench-plugin-head),bench-summary-file)
	@echo; echo '### One profile for all? `all` against the workload'"'"'s own profile (plugin figures per operation, B medians of the two tables above; all/own above 1: the own profile is better)'; echo; \
	echo '| workload | kernel insns own, all (all/own) | taken branches own, all (all/own) | kernel L1I misses own, all (all/own) | kernel ITLB misses own, all (all/own) |'; \
	echo '|---|---|---|---|---|'; \
	for w in $(bench-names); do o=$(bench-out)/$$w-$$w-vs-baseline/summary.txt; a=$(bench-out)/$$w-all-vs-baseline/summary.txt; \
	  if [ -f $$o ] && [ -f $$a ]; then $(call bench-own-all,$$w,$$o,$$a); else echo "| $$w | not measured |"; fi; done

# the charts and CSVs, copied next to BENCHMARKS.md (tests/bench/charts);
# where the plugin runs were made again without client runs, the client
# runs' own chart and CSV (client-<dir>.svg, .csv) from their files
bench-charts:
	@c=$(KPGO_DIR)/tests/bench/charts; mkdir -p $$c && for d in $(bench-out)/*/; do \
	  n=$$(basename $$d); test -f $$d/chart.svg && cp $$d/chart.svg $$c/$$n.svg; \
	  test -f $$d/compare.csv && cp $$d/compare.csv $$c/$$n.csv; \
	  if [ -f $$d/summary-client.txt ]; then w=$${n%%-*}; b=$${n#*-}; b=$${b%-vs-*}; a=$${n##*-vs-}; \
	    r=$$(ls $$d/run-*-a.txt | wc -l); \
	    $(KPGO_DIR)/build/bin/kpgo-compare --dir $$d --workload $$w --a $$a --b $$b --runs $$r \
	      --csv $$c/client-$$n.csv --chart-data $$d/client > /dev/null && \
	    gnuplot -e "set terminal svg size 600,400 dynamic font 'sans,11'; set output '$$c/client-$$n.svg'; \
	      set title '$$w: client figure per run, A B A B ... (A $$a, B $$b)'; set xlabel 'run'; set xtics 1; \
	      set key below; plot '$$d/client-runs.dat' using 1:2 with linespoints title 'A: $$a', \
	      '' using 1:3 with linespoints title 'B: $$b'" || exit 1; fi; done; ls $$c

.PHONY: bench-compare bench-tables bench-charts
