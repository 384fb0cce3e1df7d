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
#
#   make -f tests/bench/compare.mk bench-cross [BENCH_CROSS="redis nginx"]
#
# The cross-path table: for each workload w of BENCH_CROSS, a second
# recipe w-guest (w's fields, CLIENT_IN guest: the client in the guest,
# over loopback) in $(BENCH_WORK)/recipes, its own profile, and the
# kernels trained on each path measured on each (pgo-compare-w and
# pgo-compare-w-guest, with B each profile in turn); bench-cross-table
# prints them.  Profiles at BENCH_SCALE (default 1), loads at
# BENCH_COMPARE_SCALE (default 0.1).
#
#   make -f tests/bench/compare.mk bench-collect-par
#
# pgo-recollect-all one guest at a time, then under make -j2: the wall
# time of each, and each profile's counter sum in both (profiles at
# BENCH_SCALE, default 1).

KPGO_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
BENCH_WORK ?= $(KPGO_DIR)/work
BENCH_RUNS ?= 5
BENCH_MEASURE ?= 1
bench-names := redis memcached nginx apache leveldb rocksdb mysql postgresql
bench-out := $(BENCH_WORK)/build/.kpgo/compare
BENCH_CROSS ?= redis nginx
# the profiles' and the compare loads' sizes of bench-cross
BENCH_SCALE ?= 1
BENCH_COMPARE_SCALE ?= 0.1
bench-recipes := $(BENCH_WORK)/recipes
bench-make = $(MAKE) --no-print-directory -C $(KPGO_DIR) KSRC=$(BENCH_WORK)/linux-source-6.12 \
	O=$(BENCH_WORK)/build PGO_COMPARE_RUNS=$(BENCH_RUNS) PGO_COMPARE_MEASURE=$(BENCH_MEASURE) \
	$(if $(wildcard $(bench-recipes)/*.mk),PGO_RECIPE_DIRS=$(bench-recipes))

bench-compare:
	$(MAKE) --no-print-directory -C $(KPGO_DIR) QS_WORK=$(BENCH_WORK) PGO_SCALE=1 quickstart
	$(bench-make) pgo-collect-all
	for w in $(bench-names); do $(bench-make) pgo-compare-$$w || exit 1; done
	$(bench-make) pgo-compare-all
	$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) bench-tables bench-charts

# markdown rows from a summary: the plugin's figures (B medians, ratios
# A/B; the path, the spread of the runs, B's share of kernel instructions
# in its cold code) and the client's (medians, B/A with its interval)
bench-plugin-row = awk -v w=$(1) ' \
	/^the client on the host/ { p = "host" } /^the load in the guest/ { p = "guest" } \
	/^  kernel instructions +[0-9]/ { ka = $$3; kb = $$4; kr = $$5; sp = $$0; sub(/.*\(runs /, "", sp); sub(/\)$$/, "", sp) } \
	/^    share of kernel instructions/ { cb = $$(NF - 4) " %" } \
	/^  kernel taken branches / { ta = $$4; tb = $$5; tr = $$6 } \
	/^  kernel L1I misses  / { la = $$4; lb = $$5; lr = $$6 } \
	/^  kernel L1I misses per 1000/ { ma = $$8; mb = $$9 } \
	/^  kernel ITLB misses / { ia = $$4; ib = $$5; ir = $$6 } \
	/^  text / { xa = $$2; xb = $$3 } \
	END { printf "| %s | %s | %s → %s (%s) | %s | %s → %s (%s) | %s → %s (%s) | %s → %s | %s → %s (%s) | %s | %.1f → %.1f MB |\n", \
	  w, p, ka, kb, kr, sp, ta, tb, tr, la, lb, lr, ma, mb, ia, ib, ir, cb, xa / 1e6, xb / 1e6 }' $(2)
bench-plugin-head = echo '| workload | path | kernel insns/op A → B (A/B) | runs | kernel taken branches/op (A/B) | kernel L1I misses/op (A/B) | L1I misses per 1000 kernel insns | kernel ITLB misses/op (A/B) | B in cold code | text A → B |'; \
	echo '|---|---|---|---|---|---|---|---|---|---|'
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
	/^  kernel instructions +[0-9]/ { k[FILENAME] = $$4 } /^  kernel taken branches / { t[FILENAME] = $$5 } \
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

# --- the traffic paths ------------------------------------------------------
# $(call bench-guest-recipe,w): recipes/w.mk as w-guest, the client in the guest
bench-guest-recipe = mkdir -p $(bench-recipes) && \
	u=$$(echo $(1) | tr a-z- A-Z_); sed "s/\b$${u}_/$${u}_GUEST_/g; /^.(eval .(kpgo-recipe))/i $${u}_GUEST_CLIENT_IN := guest" \
	  $(KPGO_DIR)/recipes/$(1).mk > $(bench-recipes)/$(1)-guest.mk.tmp && \
	mv -f $(bench-recipes)/$(1)-guest.mk.tmp $(bench-recipes)/$(1)-guest.mk

bench-cross:
	for w in $(BENCH_CROSS); do $(call bench-guest-recipe,$$w) || exit 1; done
	+$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) bench-cross-runs

bench-cross-runs:
	for w in $(BENCH_CROSS); do \
	  $(bench-make) PGO_SCALE=$(BENCH_SCALE) pgo-collect-$$w pgo-collect-$$w-guest && \
	  for c in "$$w" "$$w-guest" "$$w PGO_COMPARE_B=$$w-guest" "$$w-guest PGO_COMPARE_B=$$w"; do \
	    set -- $$c; $(bench-make) PGO_SCALE=$(BENCH_SCALE) PGO_COMPARE_SCALE=$(BENCH_COMPARE_SCALE) \
	      $$2 pgo-compare-$$1 || exit 1; done; done
	$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) bench-cross-table

# one row: the kernel trained on a path, measured on a path
bench-cross-row = awk -v w="$(1)" -v t="$(2)" -v m="$(3)" ' \
	/^  kernel instructions +[0-9]/ { ka = $$3; kb = $$4; kr = $$5; sp = $$0; sub(/.*\(runs /, "", sp); sub(/\)$$/, "", sp) } \
	/^  kernel taken branches / { tr = $$6 } /^  kernel L1I misses  / { lr = $$6 } \
	/^  kernel instructions in cold code/ { ca = $$(NF - 1); cb = $$NF } \
	/^    share of kernel instructions/ { cs = $$(NF - 4) " %" } \
	END { printf "| %s | %s | %s | %s → %s (%s) | %s | %s | %s | %s | %s |\n", w, t, m, ka, kb, kr, sp, tr, lr, cb, cs }' $(4)

bench-cross-table:
	@echo '### Trained on one traffic path, measured on each (plugin figures per operation; B: the kernel of the profile trained on "trained")'; echo; \
	echo '| workload | trained | measured | kernel insns/op A → B (A/B) | runs | taken branches A/B | L1I misses A/B | B kernel insns/op in cold code | B share in cold code |'; \
	echo '|---|---|---|---|---|---|---|---|---|'; \
	for w in $(BENCH_CROSS); do for tm in host:host guest:guest host:guest guest:host; do \
	  t=$${tm%:*}; m=$${tm#*:}; b=$$w$$(test $$t = guest && echo -guest); r=$$w$$(test $$m = guest && echo -guest); \
	  f=$(bench-out)/$$r-$$b-vs-baseline/summary.txt; \
	  if [ -f $$f ]; then $(call bench-cross-row,$$w,$$t,$$m,$$f); else echo "| $$w | $$t | $$m | not measured |"; fi; done; done

# --- collections side by side ------------------------------------------------
# $(call bench-sums,TAG): each workload's counter sum, from profile.info
bench-sums = for w in $(bench-names); do printf '%s %s %s\n' $(1) $$w "$$(sed -n '1s/.*, sum \([0-9]*\),.*/\1/p' \
	$(BENCH_WORK)/build/.kpgo/profiles/$$w/profile.info)"; done

bench-collect-par:
	@echo "load average before: $$(cut -d' ' -f1-3 /proc/loadavg)"
	t0=$$(date +%s); $(bench-make) -j1 PGO_SCALE=$(BENCH_SCALE) pgo-recollect-all > $(BENCH_WORK)/collect-j1.log 2>&1 || exit 1; \
	  echo "pgo-recollect-all -j1: $$(( $$(date +%s) - t0 )) s"
	$(call bench-sums,j1) > $(BENCH_WORK)/sums-j1
	t0=$$(date +%s); $(bench-make) -j2 PGO_SCALE=$(BENCH_SCALE) pgo-recollect-all > $(BENCH_WORK)/collect-j2.log 2>&1 || exit 1; \
	  echo "pgo-recollect-all -j2: $$(( $$(date +%s) - t0 )) s"
	$(call bench-sums,j2) > $(BENCH_WORK)/sums-j2
	@echo '| workload | counter sum, -j1 | counter sum, -j2 | -j2/-j1 |'; echo '|---|---|---|---|'; \
	paste $(BENCH_WORK)/sums-j1 $(BENCH_WORK)/sums-j2 | \
	  awk '{ printf "| %s | %s | %s | %.4f |\n", $$2, $$3, $$6, ($$3 > 0 ? $$6 / $$3 : 0) }'

.PHONY: bench-compare bench-tables bench-charts bench-cross bench-cross-runs bench-cross-table bench-collect-par
