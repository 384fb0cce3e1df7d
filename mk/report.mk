# SPDX-License-Identifier: GPL-2.0
#
# mk/report.mk - pgo-report-<w>: a workload's gcov profile as a coverage
# report a person can browse, and pgo-report-diff A=<w> B=<w>: the hot
# functions two workloads share.
#
# lcov (Debian's) reads the profile's .gcda files beside the .gcno notes of
# the instrumented kernel they came from (both copied into one tree; the
# sources are found by the absolute paths the instrumented build recorded)
# and genhtml writes the HTML.  In $(PGO_OUT)/report/<w>/:
#   coverage.info   lcov's tracefile (per source file: functions with their
#                   entry counts, lines with their counts)
#   html/index.html the browsable report
#   summary.txt     files and functions run, top functions and files
# Redone when the profile changes.  gcc profiles only: a clang profile is
# text (profile.proftext; llvm-profdata show --topn=20 reads it).

ifndef kpgo-report-mk
kpgo-report-mk := 1

kpgo-recipe-phases += report

KPGO_LCOV    ?= lcov
KPGO_GENHTML ?= genhtml
kpgo-report-dir = $(PGO_OUT)/report/$(1)

# $(call rule_report,name): lcov and genhtml, then the report's figures
define rule_report
$(call kpgo-cmd,report,$(1))
$(call kpgo-cmd,report_figures,$(1))
endef

# (the profile may be a PGO_PROFILES tree from elsewhere: kpgo-gcda stat
# refuses its links, FIFOs, devices and bad names before anything is
# copied, and cp -P would not follow a link anyway)
quiet_cmd_report = PGO-REP $(2): the profile's coverage report (lcov, genhtml) in $(call kpgo-report-dir,$(2))
      cmd_report = d=$(call kpgo-report-dir,$(2)); t=$$d/tree; p=$(call kpgo-prof,$(2)); \
	rm -rf $$d.new && mkdir -p $$d.new/tree && t0=$$(date +%s) && \
	{ ( cd $(kpgo-instr) && find . -name '*.gcno' -print0 | xargs -0 -r cp --parents -t $$d.new/tree ) && \
	  $(KPGO_BIN)/kpgo-gcda stat $$p/gcda > $$d.new/stat.txt && \
	  ( cd $$p/gcda && find . -name '*.gcda' -print0 | xargs -0 -r cp -P --parents -t $$d.new/tree ) || { \
	  echo "kpgo: $(2): cannot copy the .gcno of $(kpgo-instr) and the .gcda of $$p/gcda into $$d.new/tree" >&2; \
	  exit 1; }; } && \
	$(KPGO_LCOV) --quiet --capture --directory $$d.new/tree --base-directory $(call kpgo-own-src,$(kpgo-instr)) \
	  --test-name $(subst -,_,$(2)) --output-file $$d.new/coverage.info > $$d.new/lcov.log 2>&1 || { \
	  echo "kpgo: $(2): lcov failed; last lines of $$d.new/lcov.log:" >&2; tail -n 15 $$d.new/lcov.log >&2; exit 1; } && \
	$(KPGO_GENHTML) --quiet --ignore-errors source --function-coverage --output-directory $$d.new/html \
	  --title "kpgo: kernel coverage of $(2)" $$d.new/coverage.info > $$d.new/genhtml.log 2>&1 || { \
	  echo "kpgo: $(2): genhtml failed; last lines of $$d.new/genhtml.log:" >&2; tail -n 15 $$d.new/genhtml.log >&2; exit 1; } && \
	rm -rf $$d.new/tree && \
	$(KPGO_BIN)/kpgo-report top $$d.new/coverage.info --srctree $(call kpgo-own-src,$(kpgo-instr)) > $$d.new/summary.txt && \
	rm -rf $$d && mv $$d.new $$d && $(call kpgo-time,report,$(2))

# (empty: a figures command prints only its figures; the .gcda counted are
# those the report copied: all of the profile's)
quiet_cmd_report_figures =
      cmd_report_figures = d=$(call kpgo-report-dir,$(2)); \
	$(call kpgo-say,PGO-REP,$(2): lcov over $$(find $(call kpgo-prof,$(2))/gcda -name '*.gcda' | wc -l) .gcda \
	  files with the .gcno of $(kpgo-instr)) && \
	$(call kpgo-say,PGO-REP,$(2): $$(head -n 1 $$d/summary.txt); $$(cat $(kpgo-times)/report-$(2)) s) && \
	$(call kpgo-say-lines,sed -n '2$(comma)7p' $$d/summary.txt) && \
	$(call kpgo-say,PGO-REP,$(2): $$d/html/index.html$(comma) summary $$d/summary.txt)

kpgo-report-checks = $(if $(LLVM),$(error kpgo: pgo-report reads gcc's gcov profile; for a \
	clang profile: $(call kpgo-llvm-tool,llvm-profdata) show --topn=20 \
	$(call kpgo-prof,$(1))/profile.proftext))$(call kpgo-need,$(KPGO_LCOV),lcov)$(if \
	$(wildcard $(call kpgo-prof,$(1))/profile.info),,$(error kpgo: pgo-report: no profile of $(1) \
	($(call kpgo-prof,$(1))): make pgo-collect-$(1) first))

define kpgo-report-tmpl
# (MAKECMDGOALS: lcov and the profile checked early, before any build)
$(if $(filter pgo-report-$(1),$(MAKECMDGOALS)),$(call kpgo-report-checks,$(1)))
$(call kpgo-report-dir,$(1))/coverage.info: $(call kpgo-prof,$(1))/profile.info $(KPGO_BIN)/kpgo-report
	$$(call rule_report,$(1))
pgo-report-$(1): $(call kpgo-report-dir,$(1))/coverage.info
	@cat $(call kpgo-report-dir,$(1))/summary.txt
.PHONY: pgo-report-$(1)
endef

# pgo-report-diff A=<w> B=<w> (checked once the recipes are read)
kpgo-report-diff-check = $(foreach v,A B,$(if $(filter $($(v)),$(kpgo-recipes)),,$(error kpgo: \
	pgo-report-diff: $(v)=$($(v)) is not a workload: make pgo-report-diff A=<workload> \
	B=<workload> (workloads: $(kpgo-recipes)))))$(if $(filter $(A),$(B)),$(error kpgo: \
	pgo-report-diff: A and B are both $(A): name two workloads))$(foreach w,$(A) $(B),$(call \
	kpgo-report-checks,$(w)))
pgo-report-diff: $(call kpgo-report-dir,$(A))/coverage.info $(call kpgo-report-dir,$(B))/coverage.info
	@$(KPGO_BIN)/kpgo-report diff --srctree $(call kpgo-own-src,$(kpgo-instr)) --top 25 $^ > $(PGO_OUT)/report/diff-$(A)-$(B).txt.tmp && \
	sed 's|$(PGO_OUT)/report/\([^/ ]*\)/coverage.info|\1|g' $(PGO_OUT)/report/diff-$(A)-$(B).txt.tmp \
		> $(PGO_OUT)/report/diff-$(A)-$(B).txt && rm -f $(PGO_OUT)/report/diff-$(A)-$(B).txt.tmp && \
	cat $(PGO_OUT)/report/diff-$(A)-$(B).txt

.PHONY: pgo-report-diff

endif
