# SPDX-License-Identifier: GPL-2.0
#
# mk/bolt.mk - pgo-bolt-<w>: BOLT (llvm-bolt, Debian's bolt-19) on the
# profiling kernel of PGO_METHOD=autofdo, from <w>'s emulated branch
# records: its blocks laid out by the profile, each hot function's cold
# blocks moved out (--split-functions).
#
#   make LLVM=-19 PGO_METHOD=autofdo pgo-bolt-<w>
#
# BOLT rewrites the very binary the records were taken on: the profiling
# kernel (not the AutoFDO-built one).  Steps, in $(kpgo-bolt)/<w>/:
#   pre.txt       the records as BOLT's pre-aggregated profile (kpgo-afdo bolt)
#   perf.fdata    perf2bolt --pa's profile of vmlinux
#   skip.txt      the functions BOLT must leave alone, and reserved.txt,
#                 the room after the last function of .text for the code
#                 it moves (kpgo-afdo bolt-prep: the entry stubs, the
#                 functions holding 6.11's runtime constants)
#   vmlinux       llvm-bolt's output (the room named by two symbols that
#                 llvm-objcopy adds; the loaded bytes stay the same), checked
#                 by kpgo-afdo bolt-check: the layout, and what the kernel
#                 patches at boot, unmoved
#   bzImage       Kbuild's boot wrapper around it, made in a copy of the
#                 profiling tree with vmlinux an old file (make -o vmlinux):
#                 Kbuild remakes only arch/x86/boot
# and the profiling kernel itself as $(kpgo-bolt)/profiling/, so that
# pgo-compare measures the one against the other:
#   make LLVM=-19 PGO_METHOD=autofdo PGO_COMPARE_A=profiling@bolt \
#        PGO_COMPARE_B=<w>@bolt pgo-compare-<w>
# Their cold code (the representativeness figure) is the compiler's
# .text.unlikely; BOLT's split-off parts (.bolt.text) are not counted in it.
# Refused (kpgo-afdo bolt-prep): a vmlinux with relocations
# (CONFIG_RELOCATABLE: its relocation table is made from the unbolted
# vmlinux) or with return-thunk, retpoline or call-depth site tables.  Not
# tried: static keys (CONFIG_JUMP_LABEL), which BOLT 19 says it updates.
# profiling@bolt is the profiling kernel of the last pgo-bolt run: after
# the profiling kernel changed, make pgo-bolt-<w> again before comparing.

ifndef kpgo-bolt-mk
kpgo-bolt-mk := 1

kpgo-recipe-phases += bolt

kpgo-bolt := $(PGO_OUT)/kernels-bolt
# (one tree per workload: pgo-bolt-redis and pgo-bolt-nginx may run at once)
kpgo-bolt-tree = $(PGO_OUT)/bolt-tree-$(1)
# llvm-bolt answers to the name perf2bolt only as that (Debian's
# perf2bolt-19 link runs as llvm-bolt)
kpgo-llvm-bolt = $(call kpgo-llvm-tool,llvm-bolt)
kpgo-perf2bolt = $(dir $(realpath $(shell command -v $(kpgo-llvm-bolt))))perf2bolt
kpgo-bolt-opts := --reorder-blocks=ext-tsp --split-functions --dyno-stats --print-large-functions \
	--eliminate-unreachable=0 --simplify-conditional-tail-calls=0

# $(call kpgo-bolt-check-goal,w): only for AutoFDO's profiling kernel
kpgo-bolt-check-goal = $(if $(kpgo-afdo),,$(error kpgo: pgo-bolt-$(1) rewrites the profiling \
	kernel of AutoFDO with its branch records: make LLVM=-19 PGO_METHOD=autofdo pgo-bolt-$(1)))$(if \
	$(shell command -v $(kpgo-llvm-bolt)),,$(error kpgo: pgo-bolt-$(1): no $(kpgo-llvm-bolt): \
	apt-get install bolt$(if $(filter -%,$(LLVM)),$(LLVM),-19) (or make -C $(KPGO_DIR) pgo-deps)))

# BOLT, from the records to the checked vmlinux ($(3): <w>'s directory)
quiet_cmd_bolt = PGO-BLT $(2): llvm-bolt on the profiling kernel with its branch records
      cmd_bolt = d=$(3); v=$(kpgo-instr)/vmlinux; rm -rf $$d.new && mkdir -p $$d.new && t0=$$(date +%s) && \
	$(KPGO_BIN)/kpgo-afdo bolt $(call kpgo-prof,$(2))/branches.txt -o $$d.new/pre.txt > $$d.new/figures && \
	$(KPGO_BIN)/kpgo-afdo bolt-prep $$v -o $$d.new/skip.txt -r $$d.new/reserved.txt >> $$d.new/figures && \
	grep -Eqx '0x[0-9a-f]+ 0x[0-9a-f]+' $$d.new/reserved.txt && set -- $$(cat $$d.new/reserved.txt) && \
	$(call kpgo-llvm-tool,llvm-objcopy) --add-symbol __bolt_reserved_start=.text:$$1,global \
	  --add-symbol __bolt_reserved_end=.text:$$2,global $$v $$d.new/vmlinux.in && \
	{ $(kpgo-perf2bolt) $$v -p $$d.new/pre.txt --pa -o $$d.new/perf.fdata > $$d.new/perf2bolt.log 2>&1 && \
	  $(kpgo-llvm-bolt) $$d.new/vmlinux.in -o $$d.new/vmlinux.bolt -data $$d.new/perf.fdata \
	    $(kpgo-bolt-opts) --skip-funcs-file=$$d.new/skip.txt > $$d.new/bolt.log 2>&1 || { \
	  echo "kpgo: $(2): BOLT failed; the end of $$d.new/perf2bolt.log and bolt.log:" >&2; \
	  tail -n 5 $$d.new/perf2bolt.log $$d.new/bolt.log >&2; exit 1; }; } && \
	rm -f $$d.new/vmlinux.in && $(KPGO_BIN)/kpgo-afdo bolt-check $$v $$d.new/vmlinux.bolt >> $$d.new/figures && \
	mv -f $$d.new/vmlinux.bolt $$d.new/vmlinux && \
	$(call kpgo-time,bolt,$(2))

# $(call kpgo-bolt-kept,VMLINUX,IMAGE,DIR): DIR/size.txt and DIR/cold.ranges
# of a kept kernel, as pgo-compare reads them (the cold sections from the
# profiling kernel's vmlinux.o: BOLT keeps them in place); kpgo-cold's line
# on stdout
kpgo-bolt-kept = { $(call kpgo-size-of,$(1),$(2)) ; } > $(3)/size.txt && \
	$(KPGO_BIN)/kpgo-cold --vmlinux-o $(kpgo-instr)/vmlinux.o --vmlinux $(1) -o $(3)/cold.ranges

# the boot wrapper: a copy of the profiling tree, Kbuild told vmlinux is
# old.  Kbuild runs in the copy itself (O= empty: the user's O=, a
# command-line variable, would reach it through MAKEFLAGS), and the image
# it made must differ from the profiling kernel's.
quiet_cmd_bolt_wrap = PGO-BLT $(2): Kbuild's $(notdir $(kpgo-arch-image)) around it, in $(call kpgo-bolt-tree,$(2))
      cmd_bolt_wrap = d=$(3); t=$(call kpgo-bolt-tree,$(2)); test -f $$d.new/vmlinux && rm -rf $$t && \
	cp -a $(kpgo-instr) $$t && \
	cp $$d.new/vmlinux $$t/vmlinux && \
	$(MAKE) --no-print-directory -C $$t -f $(call kpgo-own-src,$(kpgo-instr))/Makefile O= $(kpgo-abs-src) \
	  $(kpgo-instr-kbuild-args) -o vmlinux $(notdir $(kpgo-arch-image)) > $$d.new/wrap.log 2>&1 || { \
	  echo "kpgo: $(2): Kbuild's boot wrapper failed; the end of $$d.new/wrap.log:" >&2; \
	  tail -n 20 $$d.new/wrap.log >&2; exit 1; } && \
	if ! cmp -s $$t/vmlinux $$d.new/vmlinux || cmp -s $$t/$(kpgo-arch-image) $(kpgo-instr-image); then \
	  echo "kpgo: $(2): Kbuild remade vmlinux in $$t, or no new image ($$d.new/wrap.log): \
	  the image would not hold BOLT's code" >&2; exit 1; fi && \
	cp $$t/$(kpgo-arch-image) $$d.new/$(notdir $(kpgo-arch-image)) && rm -rf $$t && \
	$(call kpgo-bolt-kept,$$d.new/vmlinux,$$d.new/$(notdir $(kpgo-arch-image)),$$d.new) > $$d.new/cold.txt && \
	rm -rf $$d && mv $$d.new $$d

# the profiling kernel, kept beside it as pgo-compare's kernel profiling@bolt
quiet_cmd_bolt_keep = PGO-BLT keeping the profiling kernel as $(kpgo-bolt)/profiling
      cmd_bolt_keep = p=$(kpgo-bolt)/profiling; rm -rf $$p.new && mkdir -p $$p.new && \
	cp $(kpgo-instr-image) $$p.new/ && \
	$(call kpgo-bolt-kept,$(kpgo-instr)/vmlinux,$(kpgo-instr-image),$$p.new) > /dev/null && \
	rm -rf $$p && mv $$p.new $$p

# (empty: a figures command prints only its figures)
quiet_cmd_bolt_figures =
      cmd_bolt_figures = d=$(3); l=$$d/bolt.log; \
	$(call kpgo-say-lines,cat $$d/figures) && \
	$(call kpgo-say,PGO-BLT,$(2): $$(sed -n 's/^BOLT-INFO: \([0-9]* out of [0-9]* functions\) in the binary .*/\1/p' $$l) \
	  with a profile; $$(sed -n 's/^BOLT: \([0-9]*\) out of [0-9]* functions were overwritten.*/\1/p' $$l) rewritten$(comma) \
	  covering $$(sed -n 's/.*rewritten functions cover \([0-9.]*%\).*/\1/p' $$l) of the execution count; \
	  $$(grep -c 'exceeds allocated space' $$l) left as they were (no room); \
	  $$(sed -n 's/^BOLT-INFO: splitting separates \([0-9]* hot bytes from [0-9]* cold bytes\).*/\1/p' $$l)) && \
	$(call kpgo-say,PGO-BLT,$(2): cold code of its vmlinux (the compiler's; .bolt.text not counted): \
	  $$(cat $$d/cold.txt)) && \
	$(call kpgo-say,PGO-BLT,$(2): $$d/$(notdir $(kpgo-arch-image)) ($$(stat -c %s $$d/$(notdir \
	  $(kpgo-arch-image))) bytes)$(comma) BOLT in $$(cat $(kpgo-times)/bolt-$(2)) s; compare it: make LLVM=$(LLVM) \
	  PGO_METHOD=autofdo PGO_COMPARE_A=profiling@bolt PGO_COMPARE_B=$(2)@bolt pgo-compare-$(2))

# (the image's rule only for the goal: pgo-compare uses <w>@bolt as it is,
# and another method's make must not remake it with its own tree)
define kpgo-bolt-rules
$(call kpgo-bolt-check-goal,$(1))
$(kpgo-bolt)/$(1)/$(notdir $(kpgo-arch-image)): $(kpgo-instr-image) $(call kpgo-profile-input,$(1)) \
		| $(KPGO_BIN)/kpgo-afdo $(KPGO_BIN)/kpgo-cold
	$$(call kpgo-cmd,bolt,$(1),$$(@D))
	+$$(call kpgo-cmd,bolt_wrap,$(1),$$(@D))
	$$(call kpgo-cmd,bolt_keep)
	$$(call kpgo-cmd,bolt_figures,$(1),$$(@D))
endef
define kpgo-bolt-tmpl
$(if $(filter pgo-bolt-$(1),$(MAKECMDGOALS)),$(kpgo-bolt-rules))
pgo-bolt-$(1): $(kpgo-bolt)/$(1)/$(notdir $(kpgo-arch-image))
.PHONY: pgo-bolt-$(1)
endef

endif
