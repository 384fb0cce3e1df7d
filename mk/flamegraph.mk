# SPDX-License-Identifier: GPL-2.0
#
# mk/flamegraph.mk - pgo-flamegraph-<w>: where the guest kernel spends a
# workload, as call stacks sampled from the host.
#
# The kernel PGO_KERNEL (optimized by default, baseline, instrumented) boots
# under TCG with -icount and kpgo's plugin (tools/frontend.c, stacks=): the
# workload's compare image runs its load inside the guest (at
# PGO_COMPARE_SCALE), and while it runs the plugin samples the kernel's
# shadow call stack every PGO_FLAME_PERIOD guest instructions executed in
# kernel mode (user mode too with PGO_FLAME_USER=y: "[user]" frames).  No kernel option is needed (no
# PERF_EVENTS, no frame pointers) and any kernel can be sampled; the
# samples repeat closely run to run (-icount).  kpgo-flame symbolizes them
# against that kernel's vmlinux.  In $(PGO_OUT)/flamegraph/<w>-<kernel>/:
#   <w>.folded        folded stacks ("outer;...;leaf COUNT")
#   flamegraph.html   the flamegraph, one offline HTML file
#   perf.data         the samples for perf script / perf report, with
#   kallsyms          the symbols (perf script -i perf.data --kallsyms kallsyms)
#   top.txt           samples, top functions (self), top stacks
#   stacks.txt        the plugin's raw stacks; run.out, run.rep the run
#
# pgo-flamegraph-diff-<w>: the same for the baseline and the optimized
# kernel, and diff.html: the optimized kernel's stacks coloured by how each
# frame's share changed (red: more of the samples, blue: fewer).

ifndef kpgo-flamegraph-mk
kpgo-flamegraph-mk := 1

kpgo-recipe-phases += flamegraph

$(if $(shell echo '$(PGO_FLAME_PERIOD)' | grep -Ex '[1-9][0-9]{0,9}'),,$(error \
	kpgo: PGO_FLAME_PERIOD=$(PGO_FLAME_PERIOD) is not a count of instructions))

kpgo-flame-dir = $(PGO_OUT)/flamegraph$(kpgo-fam)/$(1)-$(2)
kpgo-vmlinux-optimized    = $(kpgo-objtree)/vmlinux
kpgo-vmlinux-baseline     = $(kpgo-base)/vmlinux
kpgo-vmlinux-instrumented = $(kpgo-instr)/vmlinux

kpgo-flame-vm-opts = --initrd $(call kpgo-work,$(2))/compare.cpio.gz --report $$d/run.rep \
	--tag PGO-FLM --accel tcg --icount $(if $(call kpgo-guest-load,$(3)),--isolated) \
	--plugin $(KPGO_PLUGIN)$(comma)stacks=$$d/stacks.txt$(comma)period=$(PGO_FLAME_PERIOD)$(if \
	  $(filter y,$(PGO_FLAME_USER)),$(comma)user=1) \
	--append norandmaps --append nokaslr

# $(call rule_flame,name,NAME,kernel-kind): the sampled run, then its figures
define rule_flame
$(call kpgo-cmd,flame,$(1),$(2),$(3))
$(call kpgo-cmd,flame_figures,$(1),$(2),$(3))
endef

quiet_cmd_flame = PGO-FLM $(2): sampling the $(4) kernel every $(PGO_FLAME_PERIOD) kernel \
	instructions (tcg -icount, plugin); load in the guest at scale $(PGO_COMPARE_SCALE)
      cmd_flame = d=$(call kpgo-flame-dir,$(2),$(4)); k=$(kpgo-kernel-$(4)); v=$(kpgo-vmlinux-$(4)); \
	if [ ! -f "$$k" ] || [ ! -f "$$v" ]; then echo "kpgo: no $(4) kernel ($$k and $$v): build it \
	  first with $(kpgo-kernel-how-$(4))" >&2; exit 1; fi; mkdir -p $$d && rm -f $$d/stacks.txt && \
	t0=$$(date +%s) && \
	$(call kpgo-vm,$(2),$(3),bench,$$k,$$d/run.out,$(kpgo-flame-vm-opts)) && \
	if [ ! -f $$d/stacks.txt ]; then echo "kpgo: $(2): the plugin wrote no stacks ($$d/stacks.txt; \
	  its messages are in the console log)" >&2; $(call kpgo-console-tail,$(2)); exit 1; fi && \
	$(KPGO_BIN)/kpgo-flame --vmlinux $$v --stacks $$d/stacks.txt --folded $$d/$(2).folded \
	  --html $$d/flamegraph.html --perf $$d/perf.data --kallsyms $$d/kallsyms \
	  --title "$(2) on the $(4) kernel: kernel stacks, one sample every $(PGO_FLAME_PERIOD) kernel instructions" \
	  > $$d/top.txt.tmp && mv -f $$d/top.txt.tmp $$d/top.txt && \
	$(call kpgo-time,flame,$(2)-$(4))

# (empty: a figures command prints only its figures)
quiet_cmd_flame_figures =
      cmd_flame_figures = d=$(call kpgo-flame-dir,$(2),$(4)); \
	$(call kpgo-say,PGO-FLM,$(2): $$(head -n 1 $$d/top.txt); $$(cat $(kpgo-times)/flame-$(2)-$(4)) s) && \
	$(call kpgo-say-lines,sed -n '/^top stacks:/$(comma)$$p' $$d/top.txt | head -n 4) && \
	$(call kpgo-say,PGO-FLM,$(2): $$d/flamegraph.html$(comma) $$d/$(2).folded$(comma) \
	  perf script -i $$d/perf.data --kallsyms $$d/kallsyms)

# the line says where the result is: it has no figures
quiet_cmd_flame_diff = PGO-FLM $(2): $(call kpgo-flame-dir,$(2),optimized)/diff.html (baseline \
	$(call kpgo-flame-dir,$(2),baseline)/flamegraph.html, optimized \
	$(call kpgo-flame-dir,$(2),optimized)/flamegraph.html)
      cmd_flame_diff = b=$(call kpgo-flame-dir,$(2),baseline); o=$(call kpgo-flame-dir,$(2),optimized); \
	$(KPGO_BIN)/kpgo-flame --base $$b/$(2).folded --folded $$o/$(2).folded --html $$o/diff.html \
	  --title "$(2): optimized kernel against baseline (red: a larger share of the samples, blue: smaller)" \
	  > /dev/null

kpgo-flame-deps = $(call kpgo-work,$(1))/compare.cpio.gz $(KPGO_BIN)/kpgo-flame $(KPGO_PLUGIN) \
	$(KPGO_BIN)/kpgo-vm $(if $($(2)_DISK),$(call kpgo-work,$(1))/disk.img)

define kpgo-flamegraph-tmpl
# (MAKECMDGOALS: the host checks, early, as collect's)
$(if $(filter pgo-flamegraph-$(1) pgo-flamegraph-diff-$(1),$(MAKECMDGOALS)),$(call kpgo-host-checks,$(1),$(2)))
pgo-flamegraph-$(1): $(kpgo-flame-deps)
	$$(if $$(kpgo-kernel-$$(PGO_KERNEL)),,$$(error kpgo: PGO_KERNEL=$$(PGO_KERNEL): \
		say optimized, baseline or instrumented))
	$$(call rule_flame,$(1),$(2),$$(PGO_KERNEL))

pgo-flamegraph-diff-$(1): $(kpgo-flame-deps)
	$$(call rule_flame,$(1),$(2),baseline)
	$$(call rule_flame,$(1),$(2),optimized)
	$$(call kpgo-cmd,flame_diff,$(1))
.PHONY: pgo-flamegraph-$(1) pgo-flamegraph-diff-$(1)
endef

endif
