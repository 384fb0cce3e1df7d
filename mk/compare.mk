# SPDX-License-Identifier: GPL-2.0
#
# mk/compare.mk - pgo-compare-<w|set>: what PGO buys, measured on the
# user's own workload.
#
# pgo-compare-<x> builds, when needed, kernel A (PGO_COMPARE_A, default the
# baseline: same .config and compiler, no profile, in $(PGO_OUT)/baseline)
# and kernel B (PGO_COMPARE_B, default x: the tree's kernel built by
# pgo-use-x, kept as $(PGO_OUT)/kernels/x/).  Then, for workload x (or each
# workload of set x), it boots them alternately, A B A B ...:
#   PGO_COMPARE_RUNS runs each (default 5) of the recipe as pgo-bench runs
#     it, the client's figure (requests/s ...) under KVM or TCG;
#   PGO_COMPARE_MEASURE runs each (default 2) under TCG with -icount and
#     kpgo's plugin (tools/frontend.c), on the workload's traffic path
#     (CLIENT_IN): guest and kernel instructions, kernel taken branches,
#     simulated kernel L1I and ITLB misses, per operation, and the kernel
#     instructions in the kernel's cold code (kpgo-cold's ranges).  With
#     the load in the guest nothing reaches it at a time the host decides
#     (kpgo-vm --icount --isolated): two runs of a kernel give the same
#     figures.
# Loads are sized by PGO_COMPARE_SCALE (default 0.1 of the seed's).
# Results: $(PGO_OUT)/compare/<w>-<B>-vs-<A>/ with summary.txt (the table,
# printed), compare.csv and chart.svg (gnuplot).  Runs already made with
# the same kernels and settings are reused: delete the directory to measure
# again.

ifndef kpgo-compare-mk
kpgo-compare-mk := 1

KPGO_GNUPLOT        ?= gnuplot

kpgo-recipe-phases += compare
kpgo-kernels := $(PGO_OUT)/kernels$(kpgo-fam)

$(foreach v,PGO_COMPARE_RUNS PGO_COMPARE_MEASURE,$(if $(shell echo '$($(v))' | \
	grep -Ex '[0-9]{1,3}'),,$(error kpgo: $(v)=$($(v)) is not a count of runs (0-999))))
$(if $(shell echo '$(PGO_COMPARE_SCALE)' | grep -Ex '[0-9]*\.?[0-9]+'),,$(error \
	kpgo: PGO_COMPARE_SCALE=$(PGO_COMPARE_SCALE) is not a number))

# $(call kpgo-cmp-kernel,X): the image of kernel X: baseline, or a workload,
# set or imported profile's; X@METHOD (gcc, ir, autofdo) is the kernel a
# pgo-compare of that method kept, as it is (AutoFDO against IR PGO:
# PGO_COMPARE_A=redis@ir, once make LLVM=-19 pgo-compare-redis kept it;
# <w>@bolt and profiling@bolt, the kernels pgo-bolt-<w> made: mk/bolt.mk)
kpgo-cmp-other = $(if $(findstring @,$(1)),$(PGO_OUT)/kernels$(kpgo-fam-$(word 2,$(subst @, ,$(1))))/$(word \
	1,$(subst @, ,$(1))))
kpgo-cmp-kdir = $(or $(kpgo-cmp-other),$(kpgo-kernels)/$(1))
kpgo-cmp-kernel = $(if $(filter baseline,$(1)),$(kpgo-kernel-baseline),$(kpgo-cmp-kdir)/$(notdir $(kpgo-arch-image)))
kpgo-cmp-size = $(if $(filter baseline,$(1)),$(kpgo-base)/kpgo-size.txt,$(kpgo-cmp-kdir)/size.txt)
# its cold code's ranges (kpgo-cold), for the plugin's representativeness
# figure: the kernel instructions run in code its profile placed cold
kpgo-cmp-cold = $(if $(filter baseline,$(1)),$(kpgo-base)/kpgo-cold.ranges,$(kpgo-cmp-kdir)/cold.ranges)

# $(call kpgo-size-of,VMLINUX,IMAGE): text= data= bss= image= lines
kpgo-size-of = s=$$(size -B $(1)) && printf '%s\n' "$$s" | \
	awk 'NR == 2 { printf "text=%s\ndata=%s\nbss=%s\n", $$1, $$2, $$3 }' && \
	echo "image=$$(stat -c %s $(2))"

# The baseline: pgo-baseline (a no-op when current)
$(kpgo-kernel-baseline): FORCE | $(KPGO_BIN)/kpgo-cold
	+@$(kpgo-self-make) pgo-baseline
	@{ $(call kpgo-size-of,$(kpgo-base)/vmlinux,$@) ; } > $(kpgo-base)/kpgo-size.txt.tmp && \
	if cmp -s $(kpgo-base)/kpgo-size.txt.tmp $(kpgo-base)/kpgo-size.txt; then rm -f $(kpgo-base)/kpgo-size.txt.tmp; \
	else mv -f $(kpgo-base)/kpgo-size.txt.tmp $(kpgo-base)/kpgo-size.txt; fi
	$(call kpgo-cmd,cmp_cold,$(kpgo-base)/vmlinux,$(kpgo-base)/kpgo-cold.ranges)

$(kpgo-base)/kpgo-cold.ranges: $(kpgo-kernel-baseline) ;

# $(call kpgo-cmd,cmp_cold,VMLINUX,RANGES): the cold ranges of VMLINUX,
# from the vmlinux.o beside it (RANGES rewritten only when they changed;
# empty quiet_: the command says its figures)
quiet_cmd_cmp_cold =
      cmd_cmp_cold = c=$$($(KPGO_BIN)/kpgo-cold --vmlinux-o $(2).o --vmlinux $(2) -o $(3)) && \
	$(call kpgo-say,PGO-CMP,cold code of $(2): $$c)

# Kernel X: pgo-use-X, then the tree's image kept (rewritten only when it
# changed: runs made with it stay valid).  A kept kernel is rebuilt when
# its profiles or the tree's .config change, or with PGO_COMPARE_REBUILD=y
# (after a source change): comparing X and Y does not switch the tree back
# and forth.
# (named, not $$@: the rule makes the image and its cold ranges together;
# kpgo-cold is order-only: a new kpgo-cold does not remake kept kernels)
quiet_cmd_cmp_keep = PGO-CMP keeping the kernel built with profile $(2) as $(call kpgo-cmp-kernel,$(2))
      cmd_cmp_keep = k=$(call kpgo-cmp-kernel,$(2)); d=$(kpgo-kernels)/$(2); mkdir -p $$d && \
	if ! cmp -s $(kpgo-kernel-optimized) $$k; then cp $(kpgo-kernel-optimized) $$k.tmp && mv -f $$k.tmp $$k; fi && \
	{ $(call kpgo-size-of,$(kpgo-objtree)/vmlinux,$$k) ; } > $$d/size.txt.tmp && mv -f $$d/size.txt.tmp $$d/size.txt

define kpgo-cmp-kernel-rule
$(kpgo-kernels)/$(1)/$(notdir $(kpgo-arch-image)) $(kpgo-kernels)/$(1)/cold.ranges &: $(call kpgo-merge-profiles,$(1)) \
		$(kpgo-user-config) $(if $(filter y,$(PGO_COMPARE_REBUILD)),FORCE) | $(KPGO_BIN)/kpgo-cold
	+@$$(kpgo-self-make) pgo-use-$(1)
	$$(call kpgo-cmd,cmp_keep,$(1))
	$$(call kpgo-cmd,cmp_cold,$(kpgo-objtree)/vmlinux,$(kpgo-kernels)/$(1)/cold.ranges)
endef

# --- the compare image -------------------------------------------------
# The workload's image, with its load (a guest-side one) at
# PGO_COMPARE_SCALE.  Every run takes the workload's traffic path (its
# CLIENT_IN), the one its profile was collected on.
kpgo-cmp-conf = $(call kpgo-guest-conf,$(1),$(2))
kpgo-cmp-manifest = $(subst $(call kpgo-work,$(1))/guest.conf,$(call kpgo-work,$(1))/compare.conf,$(call \
	kpgo-manifest,$(1),$(2)))

# --- one comparison: workload $(1), kernel B $(3), kernel A $(4) ---------
# $(call kpgo-cmp-dir,w,B,A,W): W is w's NAME.  (A traffic path other
# than the recipe's own, PGO_CLIENT_IN's, is in the name: the runs of the
# two paths are kept apart; the compare image is one, so after a switch of
# path the runs are made again)
kpgo-cmp-dir = $(PGO_OUT)/compare$(kpgo-fam)/$(1)-$(2)-vs-$(3)$(if $(filter-out $(call \
	kpgo-client-in,$(4)),$(call kpgo-own-client-in,$(4))),-client-in-$(call kpgo-client-in,$(4)))
kpgo-cmp-side = $(if $(filter a,$(1)),$(3),$(2))

# The recorded command of the runs (as a collection's, mk/collect.mk): the
# kpgo-vm command lines of a figure run and of a measure run (the kernel
# and the output file aside: prerequisites and names), the result and
# operation filters; a change re-runs them all
define kpgo-cmp-settings
# pgo-compare of workload $(1): kernel A $(4), kernel B $(3), $(PGO_COMPARE_RUNS) runs, $(PGO_COMPARE_MEASURE) measure runs
$(call kpgo-vm-args,$(1),$(2),bench,KERNEL,OUT.out,$(call kpgo-cmp-vm-opts,$(1),$(2),KERNEL,OUT.out,figure))
$(call kpgo-vm-args,$(1),$(2),bench,KERNEL,OUT.out,$(call kpgo-cmp-vm-opts,$(1),$(2),KERNEL,OUT.out,measure,COLD))
$($(2)_RESULT)
$($(2)_OPS)
endef

# $(call kpgo-cmp-vm,name,NAME,kernel,out,figure|measure,cold-ranges): a
# measure run of a load in the guest has nothing on the network
# (--isolated): its figures repeat exactly
kpgo-cmp-vm-opts = --initrd $(call kpgo-work,$(1))/compare.cpio.gz --report $(4:.out=.rep) \
	--tag PGO-CMP $(if $(filter measure,$(5)),--accel tcg --icount $(if $(call kpgo-guest-load,$(2)),--isolated) \
	--plugin $(KPGO_PLUGIN)$(comma)out=$(4:.out=.fe)$(comma)cold=$(6) --append norandmaps)
kpgo-cmp-vm = $(call kpgo-vm,$(1),$(2),bench,$(3),$(4),$(kpgo-cmp-vm-opts))

# a figure run and a measure run: the run, then its figures
# $(call rule_cmp_run,name,NAME,i,kernel), the same for rule_cmp_measure
define rule_cmp_run
$(call kpgo-cmd,cmp_run,$(1),$(2),$(3),$(4))
$(call kpgo-cmd,cmp_run_figures,$(1),$(2),$(3),$(4))
endef
define rule_cmp_measure
$(call kpgo-cmd,cmp_measure,$(1),$(2),$(3),$(4))
$(call kpgo-cmd,cmp_measure_figures,$(1),$(2),$(3),$(4))
endef

quiet_cmd_cmp_run = PGO-CMP $(2): run $(4) of $(PGO_COMPARE_RUNS), kernel $(5) ($(call kpgo-cmp-kernel,$(5)))
      cmd_cmp_run = $(call kpgo-cmp-vm,$(2),$(3),$(call kpgo-cmp-kernel,$(5)),$@.out,figure) && \
	$(call kpgo-result,$(2),$(3),$@.out,$@.res) && cat $@.res $@.rep > $@.tmp && mv -f $@.tmp $@

# (empty: a figures command prints only its figures)
quiet_cmd_cmp_run_figures =
      cmd_cmp_run_figures = $(call kpgo-say,PGO-CMP,$(2) on $(5): $$(cat $@.res))

quiet_cmd_cmp_measure = PGO-CMP $(2): measure run $(4) of $(PGO_COMPARE_MEASURE), kernel $(5) (tcg -icount, plugin)
      cmd_cmp_measure = rm -f $@.fe && $(call kpgo-cmp-vm,$(2),$(3),$(call kpgo-cmp-kernel,$(5)),$@.out,measure,$(call \
	kpgo-cmp-cold,$(5))) && \
	{ ops=$$( ( $($(3)_OPS) ) < $@.out ) && test -n "$$ops" && test -f $@.fe || { \
	  echo "kpgo: workload $(2): measure run: no operation count (filter $(3)_OPS) in $@.out, or no plugin \
	  figures ($@.fe; the plugin reports on QEMU's stderr, in the console log)" >&2; \
	  $(call kpgo-console-tail,$(2)); exit 1; }; } && \
	{ set -- $$ops; echo "ops=$$1"; echo "op=$$2"; echo "client_in=$(call kpgo-client-in,$(3))"; \
	  cat $@.fe $@.rep; } > $@.tmp && mv -f $@.tmp $@

# (empty: a figures command prints only its figures; "ops op" as the
# filter printed them, read back from the run's file)
quiet_cmd_cmp_measure_figures =
      cmd_cmp_measure_figures = $(call kpgo-say,PGO-CMP,$(2) on $(5): $$(sed -n 's/^ops=//p' $@)$$(sed -n \
	's/^op=\(..*\)/ \1/p' $@); kernel instructions $$(sed -n 's/^kernel_insns=//p' $@)$(comma) \
	  kernel L1I misses $$(sed -n 's/^kernel_icache_misses=//p' $@)$(comma) in cold code $$(sed -n \
	  's/^kernel_cold_insns=//p' $@))

kpgo-cmp-chart = set terminal svg size 1000,440 dynamic font 'sans,11'; \
	set output '$(1)/chart.svg'; set multiplot layout 1,2 title '$(2): kernel A $(4), kernel B $(3)'; \
	$(if $(filter-out 0,$(PGO_COMPARE_RUNS)),set title 'client figure per run (A B A B ...)'; \
	  set xlabel 'run'; set key below; set xtics 1; \
	  plot '$(1)/chart-runs.dat' using 1:2 with linespoints title 'A: $(4)'$(comma) \
	  '' using 1:3 with linespoints title 'B: $(3)'; unset xlabel; set xtics autofreq;) \
	set title 'B against A (above 1: B is better)'; set style fill solid 0.5; set boxwidth 0.6; \
	set xtics rotate by -35 font 'sans,8'; set key off; set yrange [0:*]; \
	plot '$(1)/chart-ratios.dat' using 0:2:xtic(1) with boxes$(comma) '' using 0:2:3:4 with yerrorbars lc 'black'$(comma) 1 lc 'red'; \
	unset multiplot

quiet_cmd_cmp_summary = PGO-CMP $(2): summary $@
      cmd_cmp_summary = cp $(call kpgo-cmp-size,$(5)) $(@D)/size-a.txt && cp $(call kpgo-cmp-size,$(4)) $(@D)/size-b.txt && \
	$(KPGO_BIN)/kpgo-compare --dir $(@D) --workload $(2) --a $(5) --b $(4) \
	--runs $(PGO_COMPARE_RUNS) --measure $(PGO_COMPARE_MEASURE) > $@.tmp && \
	{ $(KPGO_GNUPLOT) -e "$(call kpgo-cmp-chart,$(@D),$(2),$(4),$(5))" 2> $(@D)/gnuplot.log || { \
	  echo "kpgo: gnuplot failed on $(@D)/chart.svg:" >&2; cat $(@D)/gnuplot.log >&2; exit 1; }; } && \
	mv -f $@.tmp $@

# the files of one comparison, in the order they are made: run i of A,
# run i of B, ..., then the measure runs the same way
kpgo-cmp-seq = $(foreach i,$(wordlist 1,$(PGO_COMPARE_RUNS),$(kpgo-seq)),run-$(i)-a run-$(i)-b) \
	$(foreach i,$(wordlist 1,$(PGO_COMPARE_MEASURE),$(kpgo-seq)),measure-$(i)-a measure-$(i)-b)
kpgo-seq := $(shell seq 1 999)

# $(call kpgo-cmp-rules,workload,NAME,B,A)
define kpgo-cmp-rules
$(if $(strip $(kpgo-cmp-seq)),,$(error kpgo: PGO_COMPARE_RUNS and PGO_COMPARE_MEASURE are both 0: nothing to compare))
$(if $(filter 0,$(PGO_COMPARE_MEASURE)),,$(if $(value $(2)_OPS),,$(error kpgo: recipe $(kpgo-recipe-file-$(1)): \
	$(2)_OPS is not set: measure runs count the load's operations with it (or PGO_COMPARE_MEASURE=0))))
$(call kpgo-cmp-dir,$(1),$(3),$(4),$(2))/settings: FORCE
	$$(call kpgo-filechk,$$@,$$(call kpgo-cmp-settings,$(1),$(2),$(3),$(4)))
$(call kpgo-cmp-dir,$(1),$(3),$(4),$(2))/settings: override private PGO_SCALE := $(PGO_COMPARE_SCALE)

# (private: the disk and the kernels, prerequisites, keep the user's scale)
$(foreach f,$(kpgo-cmp-seq),$(call kpgo-cmp-dir,$(1),$(3),$(4),$(2))/$(f).txt) $(call \
	kpgo-cmp-dir,$(1),$(3),$(4),$(2))/summary.txt: override private PGO_SCALE := $(PGO_COMPARE_SCALE)

$(foreach f,$(kpgo-cmp-seq),$(call kpgo-cmp-dir,$(1),$(3),$(4),$(2))/$(f).txt): \
		$(call kpgo-cmp-dir,$(1),$(3),$(4),$(2))/settings $(call kpgo-work,$(1))/compare.cpio.gz \
		$(KPGO_BIN)/kpgo-vm $(if $($(2)_DISK),$(call kpgo-work,$(1))/disk.img) \
		$(call kpgo-cmp-kernel,$(4)) $(call kpgo-cmp-kernel,$(3))
$(if $(filter-out 0,$(PGO_COMPARE_MEASURE)),$(filter $(call kpgo-cmp-dir,$(1),$(3),$(4),$(2))/measure-%,$(foreach \
	f,$(kpgo-cmp-seq),$(call kpgo-cmp-dir,$(1),$(3),$(4),$(2))/$(f).txt)): $(KPGO_PLUGIN) \
	$(call kpgo-cmp-cold,$(3)) $(call kpgo-cmp-cold,$(4)))
$(foreach s,a b,$(call kpgo-cmp-dir,$(1),$(3),$(4),$(2))/run-%-$(s).txt: $(call kpgo-cmp-kernel,$(call kpgo-cmp-side,$(s),$(3),$(4)))
	$$(call rule_cmp_run,$(1),$(2),$$*,$(call kpgo-cmp-side,$(s),$(3),$(4)))
$(call kpgo-cmp-dir,$(1),$(3),$(4),$(2))/measure-%-$(s).txt: $(call kpgo-cmp-kernel,$(call kpgo-cmp-side,$(s),$(3),$(4)))
	$$(call rule_cmp_measure,$(1),$(2),$$*,$(call kpgo-cmp-side,$(s),$(3),$(4)))
)
$(call kpgo-cmp-chain,$$(kpgo-cmp-last) $(addprefix $(call kpgo-cmp-dir,$(1),$(3),$(4),$(2))/,$(addsuffix .txt,$(kpgo-cmp-seq))))
kpgo-cmp-last := $(call kpgo-cmp-dir,$(1),$(3),$(4),$(2))/$(lastword $(kpgo-cmp-seq)).txt

$(call kpgo-cmp-dir,$(1),$(3),$(4),$(2))/summary.txt: $(addprefix $(call \
		kpgo-cmp-dir,$(1),$(3),$(4),$(2))/,$(addsuffix .txt,$(kpgo-cmp-seq))) $(KPGO_BIN)/kpgo-compare
	$$(call kpgo-cmd,cmp_summary,$(1),$(2),$(3),$(4))

$(if $($(2)_DISK),$(call kpgo-work,$(1))/disk.img: | $(call kpgo-cmp-kernel,baseline))
endef

# each file waits for the one before it (order only)
kpgo-cmp-chain = $(if $(word 2,$(1)),$(word 2,$(1)): | $(word 1,$(1))$(kpgo-nl)$(call \
	kpgo-cmp-chain,$(wordlist 2,$(words $(1)),$(1))))

# per workload: its compare image
define kpgo-compare-tmpl
$(call kpgo-work,$(1))/compare.conf: FORCE
	$$(call kpgo-filechk,$$@,$$(call kpgo-cmp-conf,$(1),$(2)))
$(call kpgo-work,$(1))/compare.conf: override private PGO_SCALE := $(PGO_COMPARE_SCALE)

$(call kpgo-work,$(1))/compare.manifest: FORCE
	$$(call kpgo-filechk,$$@,$$(call kpgo-cmp-manifest,$(1),$(2)))

$(call kpgo-work,$(1))/compare.cpio.gz: $(call kpgo-work,$(1))/compare.manifest \
		$(call kpgo-image-inputs,$(1),$(2),compare.conf)
	$$(call kpgo-check-host,$(1),$(2))
	$$(call rule_mkimage,$(1))

-include $(call kpgo-work,$(1))/compare.deps
endef

# --- the goals ---------------------------------------------------------
# $(call kpgo-compare-goal,x): rules for pgo-compare-x (workload or set)
kpgo-cmp-kernels-done :=
kpgo-cmp-last :=
# $(call kpgo-cmp-kernel-check,X): X is baseline, a workload or a set whose
# profiles exist (pgo-compare builds kernels, it does not collect)
kpgo-cmp-kernel-check = $(if $(filter baseline,$(1)),,$(if $(findstring @,$(1)),$(if $(filter \
	gcc ir autofdo bolt,$(word 2,$(subst @, ,$(1)))),,$(error kpgo: pgo-compare: kernel '$(1)': the method after @ \
	is gcc$(comma) ir$(comma) autofdo or bolt))$(if $(filter $(word 2,$(subst @, ,$(1))),$(kpgo-method-name-$(kpgo-method))),$(error \
	kpgo: pgo-compare: kernel $(1) is this method's own: name it $(word 1,$(subst @, ,$(1)))))$(if \
	$(filter 3,$(words $(wildcard $(call kpgo-cmp-kernel,$(1)) $(call kpgo-cmp-cold,$(1)) $(call \
	kpgo-cmp-size,$(1))))),,$(error \
	kpgo: pgo-compare: kernel $(1) was not kept: make it with make$(if $(filter bolt,$(word 2,$(subst @, \
	,$(1)))), LLVM=$(or $(LLVM),-19) PGO_METHOD=autofdo pgo-bolt-$(patsubst \
	profiling,<w>,$(word 1,$(subst @, ,$(1)))),$(if $(filter-out gcc,$(word 2,$(subst @, \
	,$(1)))), LLVM=$(or $(LLVM),-19) PGO_METHOD=$(word 2,$(subst @, ,$(1)))) pgo-compare-$(word 1,$(subst @, ,$(1)))) \
	(it keeps it in $(call kpgo-cmp-kdir,$(1))))),$(if $(or $(filter $(1),$(kpgo-recipes)),$(call \
	kpgo-is-set,$(1))),$(foreach m,$(call kpgo-members,$(1)),$(if $(wildcard $(call kpgo-prof,$(call \
	kpgo-member-name,$(m)))/profile.info),,$(error kpgo: pgo-compare: kernel $(1) needs the profile of \
	$(call kpgo-member-name,$(m)), which does not exist: make pgo-collect-$(call kpgo-member-name,$(m)) \
	first))),$(error kpgo: pgo-compare: kernel '$(1)' is neither baseline nor a workload or set \
	(workloads: $(kpgo-recipes); sets: $(patsubst PGO_SET_%,%,$(kpgo-set-vars)))))))
define kpgo-compare-goal
$(if $(or $(filter $(1),$(kpgo-recipes)),$(kpgo-is-set)),,$(call kpgo-unknown,$(1)))
$(if $(kpgo-is-set),$(call kpgo-set-check,$(1)))
$(foreach m,$(call kpgo-members,$(1)),$(call kpgo-cmp-rules,$(call kpgo-member-name,$(m)),$(call \
	kpgo-upper,$(call kpgo-member-name,$(m))),$(or $(PGO_COMPARE_B),$(1)),$(PGO_COMPARE_A))$(kpgo-nl))
$(foreach k,$(or $(PGO_COMPARE_B),$(1)) $(PGO_COMPARE_A),$(call kpgo-cmp-kernel-check,$(k)))
$(if $(filter $(or $(PGO_COMPARE_B),$(1)),$(PGO_COMPARE_A)),$(error kpgo: kernels A and B are \
	both $(PGO_COMPARE_A): set PGO_COMPARE_A or PGO_COMPARE_B to another))
$(foreach k,$(filter-out baseline %@% $(kpgo-cmp-kernels-done),$(or $(PGO_COMPARE_B),$(1)) $(PGO_COMPARE_A)),$(call \
	kpgo-cmp-kernel-rule,$(k))$(kpgo-nl)$(if $(kpgo-cmp-kernels-done),$(call kpgo-cmp-kernel,$(k)): | $(call \
	kpgo-cmp-kernel,$(lastword $(kpgo-cmp-kernels-done))))$(kpgo-nl)kpgo-cmp-kernels-done += $(k)$(kpgo-nl))
$(call kpgo-cmp-kernel,$(or $(PGO_COMPARE_B),$(1))): | $(call kpgo-cmp-kernel,$(PGO_COMPARE_A))
pgo-compare-$(1): $(foreach m,$(call kpgo-members,$(1)),$(call kpgo-cmp-dir,$(call \
		kpgo-member-name,$(m)),$(or $(PGO_COMPARE_B),$(1)),$(PGO_COMPARE_A),$(call kpgo-upper,$(call \
		kpgo-member-name,$(m))))/summary.txt)
	@for f in $$^; do echo; cat $$$$f; echo "  (table $$$$f, chart $$$${f%/*}/chart.svg, CSV $$$${f%/*}/compare.csv)"; done
	@echo; for f in $$^; do tail -n 1 $$$$f; done
.PHONY: pgo-compare-$(1)
endef

endif
