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

# one markdown row per summary: the verdict, the plugin's ratios, the text
# size ratio (B/A)
bench-row = awk -v w=$(1) ' \
	/^client figure/ { match($$0, /under [^ ]+( -icount)?/); acc = substr($$0, RSTART + 6, RLENGTH - 6) } \
	/^  median / { ma = $$2; mb = $$3 } \
	/^  kernel instructions / { ka = $$3; kb = $$4; kr = $$5 } \
	/^  kernel taken branches / { tr = $$6 } \
	/^  kernel L1I misses  / { la = $$4; lb = $$5; lr = $$6 } \
	/^  kernel ITLB misses / { ir = $$6 } \
	/^  text / { xr = $$4 } \
	/ = [0-9.]+ \(N=/ { v = $$0; sub(/^[^=]*= /, "", v) } \
	END { printf "| %s | %s | %s | %s | %s → %s (%s) | %s | %s → %s (%s) | %s | %s |\n", \
	  w, ma " → " mb, v, acc, ka, kb, kr, tr, la, lb, lr, ir, xr }' $(2)

# $(call bench-own-all,w,own-summary,all-summary): B's medians of both
bench-own-all = awk -v w=$(1) -v o=$(2) -v a=$(3) ' \
	/^  kernel instructions / { k[FILENAME] = $$4 } /^  kernel taken branches / { t[FILENAME] = $$5 } \
	/^  kernel L1I misses  / { l[FILENAME] = $$5 } / = [0-9.]+ \(N=/ { v[FILENAME] = $$4 } \
	END { printf "| %s | %s, %s (%.4f) | %s, %s (%.4f) | %s, %s (%.4f) | %s, %s |\n", w, \
	  k[o], k[a], k[a] / k[o], t[o], t[a], t[a] / t[o], l[o], l[a], l[a] / l[o], v[o], v[a] }' $(2) $(3)

bench-head = echo '| workload | client figure A → B (median) | B/A (95% CI) | accel | kernel insns/op A → B (A/B) | taken branches A/B | kernel L1I misses/op A → B (A/B) | ITLB misses A/B | text B/A |'; \
	echo '|---|---|---|---|---|---|---|---|---|'

bench-tables:
	@echo '### Each workload: baseline (A) against its own profile (B)'; echo; $(bench-head); \
	for w in $(bench-names); do f=$(bench-out)/$$w-$$w-vs-baseline/summary.txt; \
	  if [ -f $$f ]; then $(call bench-row,$$w,$$f); else echo "| $$w | not measured |"; fi; done
	@echo; echo '### The merged `all` profile (B) against the baseline (A), on each load'; echo; $(bench-head); \
	for w in $(bench-names); do f=$(bench-out)/$$w-all-vs-baseline/summary.txt; \
	  if [ -f $$f ]; then $(call bench-row,$$w,$$f); else echo "| $$w | not measured |"; fi; done
	@echo; echo '### One profile for all? The kernel built with `all` against the one built with the workload'"'"'s own profile'; \
	echo; echo 'From the plugin figures of the two tables above (B medians; both against the same baseline); all/own above 1: the own profile is better.'; echo; \
	echo '| workload | kernel insns/op own, all (all/own) | taken branches/op own, all (all/own) | kernel L1I misses/op own, all (all/own) | client B/A own, all |'; \
	echo '|---|---|---|---|---|'; \
	for w in $(bench-names); do o=$(bench-out)/$$w-$$w-vs-baseline/summary.txt; a=$(bench-out)/$$w-all-vs-baseline/summary.txt; \
	  if [ -f $$o ] && [ -f $$a ]; then $(call bench-own-all,$$w,$$o,$$a); else echo "| $$w | not measured |"; fi; done

# the charts, copied next to BENCHMARKS.md's tables (tests/bench/charts)
bench-charts:
	@mkdir -p $(KPGO_DIR)/tests/bench/charts && for d in $(bench-out)/*/; do \
	  n=$$(basename $$d); test -f $$d/chart.svg && cp $$d/chart.svg $(KPGO_DIR)/tests/bench/charts/$$n.svg; \
	  test -f $$d/compare.csv && cp $$d/compare.csv $(KPGO_DIR)/tests/bench/charts/$$n.csv; done; \
	ls $(KPGO_DIR)/tests/bench/charts

.PHONY: bench-compare bench-tables bench-charts
