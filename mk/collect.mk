# SPDX-License-Identifier: GPL-2.0
#
# mk/collect.mk - running a workload in QEMU.
#
# pgo-collect-<w>: boot the instrumented kernel with the workload's image,
#   run the server in the guest and the client on the host, and keep the
#   kernel's gcov data as $(PGO_OUT)/profiles/<w>/:
#     gcda/         one .gcda per object, named by its path in the object tree
#     profile.info  kpgo-gcda stat of gcda/ (objects, counters, top objects)
#     client.out    the client's output; result.txt its figure (one line)
#   A new profile replaces the old one only when complete; a failed run
#   leaves the previous profile as it was.  Recollected when the
#   instrumented kernel, the image or the recorded command
#   (work/<w>/collect.cmd, collect-llvm.cmd with clang) changes;
#   pgo-recollect-<w> collects anew.
# pgo-bench-<w>: the same run without collecting, on PGO_KERNEL=optimized
#   (the tree's own kernel, default), baseline or instrumented.

ifndef kpgo-collect-mk
kpgo-collect-mk := 1

kpgo-recipe-phases += collect bench

kpgo-kernel-optimized    = $(kpgo-objtree)/$(kpgo-arch-image)
kpgo-kernel-baseline     = $(kpgo-base)/$(kpgo-arch-image)
kpgo-kernel-instrumented = $(kpgo-instr-image)
kpgo-kernel-how-optimized    = make pgo-use-<workload>
kpgo-kernel-how-baseline     = make pgo-baseline
kpgo-kernel-how-instrumented = make pgo-instrument

kpgo-mem = $(or $(PGO_MEM),$($(2)_MEM),512)
kpgo-timeout = $(or $(filter-out 0,$(PGO_TIMEOUT)),$($(2)_TIMEOUT),1800)

# $(call kpgo-vm,name,NAME,mode,kernel,client-out[,options[,load]]) - the
# QEMU run; mode is collect, bench or prepare (the disk's prepare boot);
# options are more kpgo-vm options (a later one wins), load replaces the
# client command.  The load is the workload's traffic path: the client on
# the host, or the load in the guest (--guest-load: LOAD, or CLIENT_IN
# guest).
# Collections (and a disk's prepare boot) share the machine: under make -jN
# up to N run at once, bounded by the host's CPUs and memory (kpgo-vm
# --slots); each has its own port, share and work directory.  A run whose
# figures are timed or counted (bench, pgo-compare, pgo-flamegraph) runs
# alone: it takes $(PGO_OUT)/.vm.lock exclusively, the others shared.
# A fixed PGO_HOST_PORT is one port: every run takes the lock exclusively.
kpgo-vm-alone = $(filter bench,$(3))$(filter-out 0,$(PGO_HOST_PORT))
kpgo-vm = flock $(if $(kpgo-vm-alone),-x,-s) $(PGO_OUT)/.vm.lock $(KPGO_BIN)/kpgo-vm \
	$(if $(kpgo-vm-alone),,--slots $(PGO_OUT)) $(if $(filter silent_,$(kpgo-quiet)),--quiet) $(kpgo-vm-args)
# its arguments: all that a run is made from, but the verbosity
kpgo-vm-args = --mode $(if $(filter sample,$(3)),bench,$(3)) --name $(1) \
	--qemu $(PGO_QEMU) --accel $(PGO_ACCEL) --kvm-cache $(PGO_OUT)/kvm-unusable \
	--kernel $(4) --initrd $(call kpgo-work,$(1))/image.cpio.gz$(call kpgo-vm-modules,$(4)) \
	--console $(call kpgo-work,$(1))/console.log --mem $(kpgo-mem) \
	--smp $(PGO_SMP) $(if $($(2)_PORT),--port $(PGO_HOST_PORT):$($(2)_PORT)) \
	--run-timeout $(kpgo-timeout) --client-out $(5) \
	$(if $(PGO_APPEND),--append '$(call kpgo-escsq,$(PGO_APPEND))') \
	$(if $(filter collect,$(3)),--tag PGO-RUN --share $(call kpgo-prof,$(1)).new/share \
	  $(if $(LLVM),--append "kpgo.prf=$$(cut -d' ' -f1 $(kpgo-instr-prf)) nokaslr"),\
	  --tag $(if $(filter prepare,$(3)),PGO-PRE,$(if $(filter sample,$(3)),PGO-RUN,PGO-BEN))) \
	$(if $($(2)_DISK),--disk $(call kpgo-work,$(1))/disk.img$(if $(filter prepare,$(3)),.tmp --disk-keep)) \
	$(6) $(or $(7),$(if $(filter prepare,$(3)),-- '$(call kpgo-escsq,$(or $($(2)_PREPARE_CLIENT),true))',\
	  $(if $(call kpgo-guest-load,$(2)),--guest-load,-- '$(call kpgo-escsq,$($(2)_CLIENT))')))

# $(call kpgo-console-tail,name): the guest console's last lines, on stderr
# (the guest's bytes made visible: cat -v, no terminal control reaches you)
kpgo-console-tail = { echo "  last lines of the guest console $(call kpgo-work,$(1))/console.log:"; \
	tail -n 15 $(call kpgo-work,$(1))/console.log | cat -v | sed 's/^/  | /'; } >&2

# $(call kpgo-result,name,NAME,client-out,result): the client's figure
kpgo-result = { ( $($(2)_RESULT) ) < $(3) > $(4).tmp && test -s $(4).tmp && mv -f $(4).tmp $(4) \
	|| { echo "kpgo: workload $(1): no result in the client's output $(3) (the client \
	reported errors? filter: $(2)_RESULT); its last lines:" >&2; tail -n 8 $(3) | sed 's/^/  | /' >&2; \
	$(call kpgo-console-tail,$(1)); exit 1; }; }

kpgo-host-needs = $(call kpgo-need,$(PGO_QEMU),qemu-system-x86) \
	$(foreach b,$(or $($(2)_HOST_BINS),$(firstword $($(2)_CLIENT))),$(call kpgo-need,$(b),$($(2)_DEBS)))
# everything a run of workload $(1) needs on this host: QEMU, the client,
# and what goes into the image
kpgo-host-checks = $(call kpgo-host-needs,$(1),$(2))$(call kpgo-check-host,$(1),$(2))

# The share is read after the guest powered off, as untrusted input: it may
# hold only directories and regular files (find does not follow links);
# names are then checked by the reader (kp_path_bad), sizes capped, and
# each .gcda must hold all functions of its object's .gcno (--notes).
kpgo-share-check = bad=$$(find $$p.new/share ! -type d ! -type f -print -quit | cat -v) && \
	if [ -n "$$bad" ]; then echo "kpgo: $(2): the guest's share holds $$bad, which is not a \
	  regular file or directory: refused (nothing of it is read)" >&2; exit 1; fi
# The profile out of the guest's share ($$p.new/share), and its figures:
# gcc: the .gcda files of the instrumented tree, as gcda/
kpgo-collect-mode = $(if $(kpgo-afdo),sample,collect)
kpgo-collect-gcov = g=$$p.new/share/gcov$$(cd $(kpgo-instr) && pwd -P) && \
	if [ ! -d $$g ]; then \
	  echo "kpgo: $(2): the guest sent no gcov data for $(kpgo-instr) (see $$p.new/share)" >&2; exit 1; fi && \
	mv $$g $$p.new/gcda && \
	( cd $$p.new && $(KPGO_BIN)/kpgo-gcda stat --top 5 --notes $(kpgo-instr) gcda ) > $$p.new/profile.info
# clang: the counters the agent read, as the text profile profile.proftext
kpgo-collect-ir = c=$$p.new/share/llvm-counters.bin && if [ ! -f $$c ]; then \
	  echo "kpgo: $(2): the guest sent no counters (see $$p.new/share)" >&2; exit 1; fi && \
	$(KPGO_BIN)/kpgo-llvmprof extract --vmlinux $(kpgo-instr)/vmlinux --counters $$c \
	  --objtree $(kpgo-instr) --srctree $(call kpgo-own-src,$(kpgo-instr)) \
	  --prefix '$(call kpgo-src-prefix,$(kpgo-instr),$(call kpgo-own-src,$(kpgo-instr)))' \
	  -o $$p.new/profile.proftext > $$p.new/profile.info

# AutoFDO: the profiling kernel runs the load under TCG with kpgo's plugin
# recording branches (no share: nothing comes from the guest but its
# client's figure); the plugin writes the branch records as perf script
# text, with the kernel's text mapping at its link address (nokaslr: the
# first executable segment of vmlinux); llvm-profgen --kernel (clang's own)
# makes them a sample profile, profile.afdo (extbinary: the form that
# keeps the flag of its discriminators), and kpgo-afdo stat the figures
# of its text form, profile.txt.  llvm-profgen's warnings (records that do not match the code on
# disk: code the kernel patches at boot) are kept in profgen.log and counted.
kpgo-llvm-profgen = $(call kpgo-llvm-tool,llvm-profgen)
kpgo-afdo-text-map = $$(readelf -lW $(kpgo-instr)/vmlinux | awk '$$1 == "LOAD" && / R E / \
	{ sub(/^0x/, "", $$3); sub(/^0x/, "", $$6); print $$3 ":" $$6; exit }')
kpgo-afdo-lbr = lbr=$$p.new/branches.txt,lbr_period=$(PGO_AUTOFDO_PERIOD),lbr_mmap=$(kpgo-afdo-text-map)
kpgo-afdo-vm-opts = --append nokaslr --plugin $(KPGO_PLUGIN),out=$$p.new/branches.fe,model=0,$(kpgo-afdo-lbr)
kpgo-collect-afdo = \
	if [ ! -s $$p.new/branches.txt ]; then \
	  echo "kpgo: $(2): the plugin wrote no branch records ($$p.new/branches.txt)" >&2; exit 1; fi && \
	$(kpgo-llvm-profgen) --kernel --binary=$(kpgo-instr)/vmlinux --perfscript=$$p.new/branches.txt \
	  -o $$p.new/profile.afdo.tmp 2> $$p.new/profgen.log || { \
	  echo "kpgo: $(2): llvm-profgen failed on the branch records; its messages:" >&2; \
	  tail -n 20 $$p.new/profgen.log | sed 's/^/  | /' >&2; exit 1; } && \
	mv -f $$p.new/profile.afdo.tmp $$p.new/profile.afdo && \
	$(call kpgo-afdo-text,$$p.new/profile.afdo,$$p.new/profile.txt) && \
	$(KPGO_BIN)/kpgo-afdo stat --plugin $$p.new/branches.fe --profgen-log $$p.new/profgen.log \
	  $$p.new/profile.txt > $$p.new/profile.info

# pgo-collect's two commands, Kbuild's way: the collection (kpgo-vm's own
# PGO-RUN lines say how the guest went), then the profile's figures.
# $(call rule_collect,name,NAME)
define rule_collect
$(call kpgo-cmd,collect,$(1),$(2))
$(call kpgo-cmd,collect_figures,$(1))
endef

# A run killed between its last two renames left $$p.old and no $$p: it
# is put back first.  The share of an earlier run may hold directories the
# guest made read-only (9p passes its chmod through): made writable, then
# removed; a profile taken from it is made writable before it is kept.
quiet_cmd_collect = PGO-COL $(2): on the $(kpgo-instr-what) $(kpgo-instr-image), profile into \
	$(call kpgo-prof,$(2))
      cmd_collect = t0=$$(date +%s); p=$(call kpgo-prof,$(2)); \
	{ [ -d $$p ] || [ ! -d $$p.old ] || mv $$p.old $$p; } && \
	{ [ ! -d $$p.new ] || chmod -R u+rwX $$p.new; } && rm -rf $$p.new && mkdir -p $$p.new/share && \
	$(call kpgo-vm,$(2),$(3),$(kpgo-collect-mode),$(kpgo-instr-image),$$p.new/client.out,$(if \
	  $(kpgo-afdo),$(kpgo-afdo-vm-opts))) && \
	$(kpgo-share-check) && \
	$(kpgo-collect-$(kpgo-method)) && rm -rf $$p.new/share && \
	if grep -q '(0 with non-zero counters)\|^kpgo-afdo: 0 functions' $$p.new/profile.info; then \
	  echo "kpgo: workload $(2): empty profile: $(if $(kpgo-afdo),no kernel function has samples,no \
	  counter moved during the load)" >&2; \
	  $(call kpgo-console-tail,$(2)); exit 1; fi && \
	$(call kpgo-result,$(2),$(3),$$p.new/client.out,$$p.new/result.txt) && \
	find $$p.new -type f -exec sync -- {} + && chmod -R u+rwX $$p.new && \
	rm -rf $$p.old && { if [ -d $$p ]; then mv $$p $$p.old; fi; } && \
	mv $$p.new $$p && rm -rf $$p.old && touch $(call kpgo-profile-stamp,$(2)) && \
	$(call kpgo-time,collect,$(2))

# (empty: a figures command prints only its figures)
quiet_cmd_collect_figures =
      cmd_collect_figures = p=$(call kpgo-prof,$(2)); \
	$(call kpgo-say,PGO-PRF,$(2): $$(sed -n '1s/^[^:]*: //p' $$p/profile.info)) && \
	$(call kpgo-say,PGO-PRF,$(2): client: $$(cat $$p/result.txt); $$(cat $(kpgo-times)/collect-$(2)) s in all)

# $(call rule_bench,name,NAME): the run on PGO_KERNEL, then its figure
define rule_bench
$(call kpgo-cmd,bench,$(1),$(2))
$(call kpgo-cmd,bench_figures,$(1))
endef

quiet_cmd_bench = PGO-BEN $(2): on the $(PGO_KERNEL) kernel $(kpgo-kernel-$(PGO_KERNEL))
      cmd_bench = k=$(kpgo-kernel-$(PGO_KERNEL)); w=$(call kpgo-work,$(2)); \
	if [ ! -f "$$k" ]; then echo "kpgo: no $(PGO_KERNEL) kernel ($$k): build it first with $(kpgo-kernel-how-$(PGO_KERNEL))" >&2; exit 1; fi; \
	$(call kpgo-vm,$(2),$(3),bench,$(kpgo-kernel-$(PGO_KERNEL)),$$w/bench-$(PGO_KERNEL).out) && \
	$(call kpgo-result,$(2),$(3),$$w/bench-$(PGO_KERNEL).out,$$w/bench-$(PGO_KERNEL).txt)

# (empty: a figures command prints only its figures)
quiet_cmd_bench_figures =
      cmd_bench_figures = $(call kpgo-say,PGO-BEN,$(2) on the $(PGO_KERNEL) kernel: $$(cat \
	$(call kpgo-work,$(2))/bench-$(PGO_KERNEL).txt))

# The recorded command of a collection, Kbuild's .cmd: everything a
# profile is made from that is not a file (the whole kpgo-vm command line:
# QEMU, accelerator, memory, kernel command line, the client with its
# scale, the timeout; the extraction; the result filter).  It is rewritten
# only when it changes, and the profile is older than it then: a changed
# setting re-collects, and nothing else does.  The files (the instrumented
# kernel, the image, the disk, the helpers) are prerequisites of their own.
define kpgo-collect-record
# kpgo: the command that collects $(1)'s profile ($(call kpgo-prof,$(1)))
$(call kpgo-vm-args,$(1),$(2),$(kpgo-collect-mode),$(kpgo-instr-image),$$p.new/client.out,$(if \
	$(kpgo-afdo),$(kpgo-afdo-vm-opts)))
$(call kpgo-collect-$(kpgo-method),collect,$(1),$(2))
$($(2)_RESULT)
endef
# (one per method: gcc, clang's IR and AutoFDO profiles of one tree are
# kept side by side, each with its own record and stamp)
kpgo-collect-cmd = $(call kpgo-work,$(1))/collect$(kpgo-fam).cmd
kpgo-run-inputs = $(call kpgo-work,$(1))/image.cpio.gz $(KPGO_BIN)/kpgo-vm \
	$(if $($(2)_DISK),$(call kpgo-work,$(1))/disk.img)
kpgo-collect-inputs = $(kpgo-instr-image) $(kpgo-modimg-input) $(call kpgo-run-inputs,$(1),$(2)) \
	$(kpgo-collect-cmd) $(kpgo-use-tool) $(if $(kpgo-afdo),$(KPGO_PLUGIN))

# The one goal-dependent part of collecting: QEMU, the client and the
# image's programs are checked when the makefiles are read, so that a
# missing one fails at once, not after a 4-minute instrumented kernel
# build.  Make cannot say at that time which targets it will make, so the
# goals are read (MAKECMDGOALS use 1 of collect.mk): a collect or recollect
# of the workload, or a goal that reads its profile when there is none.
kpgo-collecting = $(strip $(or $(filter pgo-collect-$(1) pgo-collect-all pgo-recollect-$(1) \
	pgo-recollect-all,$(MAKECMDGOALS)),\
	$(if $(wildcard $(call kpgo-prof,$(1))/profile.info),,\
	$(filter $(kpgo-use-goals),$(MAKECMDGOALS)))))

define kpgo-collect-checks
$(if $(kpgo-profiles-given),$(if $(filter pgo-collect-$(1) pgo-collect-all pgo-recollect-$(1) \
	pgo-recollect-all,$(MAKECMDGOALS)),$(error kpgo: pgo-collect-$(1) writes only into kpgo's own \
	store $(PGO_OUT)/profiles, never into PGO_PROFILES=$(PGO_PROFILES): unset it),\
	$(error kpgo: no profile for $(1) in PGO_PROFILES=$(PGO_PROFILES) (no \
	$(1)/profile.info there); kpgo collects only into its own store: leave \
	PGO_PROFILES unset or put the profile there)))
$(call kpgo-host-checks,$(1),$(2))
endef

# A profile has its real prerequisites whatever the goal: pgo-collect-<w>
# makes it when one of them changed.  Products made from a profile depend
# on it as an input, collecting only when there is none (see
# kpgo-profile-input).  pgo-recollect-<w> forgets the recorded command
# first (Buildroot's <pkg>-rebuild): a fresh profile of the same settings.
# It is forgotten before the command is written again (order-only), in
# this make: several recollections under -j share one instrumented kernel
# build, as collections do.
define kpgo-collect-tmpl
$(if $(kpgo-collecting),$(call kpgo-collect-checks,$(1),$(2)))
# (MAKECMDGOALS: pgo-bench's host checks, early, as collect's)
$(if $(filter pgo-bench-$(1),$(MAKECMDGOALS)),$(call kpgo-host-checks,$(1),$(2)))
$(kpgo-collect-cmd): FORCE $(if $(filter pgo-recollect-$(1),$(MAKECMDGOALS)),| kpgo-forget-$(1))
	$$(call kpgo-filechk,$$@,$$(call kpgo-collect-record,$(1),$(2)))

$(if $(kpgo-profiles-given),,$(call kpgo-prof,$(1))/profile.info: $(call kpgo-collect-inputs,$(1),$(2))
	$$(call rule_collect,$(1),$(2)))

pgo-collect-$(1): $(call kpgo-prof,$(1))/profile.info
pgo-recollect-$(1): $(call kpgo-prof,$(1))/profile.info
kpgo-forget-$(1):
	@rm -f $(kpgo-collect-cmd)
.PHONY: pgo-collect-$(1) pgo-recollect-$(1) kpgo-forget-$(1)
endef

# $(call kpgo-profile-input,name): what a product made from workload $(1)'s
# profile (an optimized kernel, an export) depends on.  A profile that
# exists is an input, used as it is: the product depends on the stamp its
# collection left in kpgo's work directory (no rule: only its time counts,
# and nothing of the instrumented kernel is even looked at; a profile put
# there by hand has no stamp and is used as it is).  One that does not
# exist is a product: it is collected first.  A PGO_PROFILES directory has
# no rule: its profile.info is the input.
kpgo-profile-stamp = $(call kpgo-work,$(1))/profile$(kpgo-fam).stamp
kpgo-profile-input = $(if $(kpgo-profiles-given),$(call kpgo-prof,$(1))/profile.info,\
	$(if $(wildcard $(call kpgo-prof,$(1))/profile.info),$(wildcard $(kpgo-profile-stamp)),\
	$(call kpgo-prof,$(1))/profile.info))

# pgo-recollect-<set>, pgo-recollect-all: a fresh profile of each member
define kpgo-recollect-set-tmpl
pgo-recollect-$(1): $(foreach m,$(call kpgo-members,$(1)),kpgo-forget-$(call kpgo-member-name,$(m)))
	+@$$(kpgo-self-make) \
	  $(foreach m,$(call kpgo-members,$(1)),pgo-collect-$(call kpgo-member-name,$(m)))
.PHONY: pgo-recollect-$(1)
endef

# pgo-list: one line per workload: its profile's time, objects, counter
# sum and the client's figure
# (a PGO_PROFILES directory is untrusted: regular files only, their text
# shown through cat -v)
kpgo-list = for w in $(kpgo-recipes); do p='$(call kpgo-escsq,$(PGO_PROFILES))'/$$w; \
	if [ -f "$$p/profile.info" ] && [ ! -L "$$p/profile.info" ]; then printf '%-11s %s  %s; %s\n' $$w \
	  "$$(date -r "$$p/profile.info" '+%F %R')" \
	  "$$(head -c 4096 "$$p/profile.info" | sed -n '1{s/^[^:]*: //;s/ (\([0-9]*\) with non-zero counters)/, \1 non-zero/;s/, [0-9]* functions.*, sum/, sum/;s/, max.*//;p;}' | cat -v)" \
	  "$$({ [ -f "$$p/result.txt" ] && [ ! -L "$$p/result.txt" ] && head -c 200 "$$p/result.txt" | cat -v; } || echo 'no client figure')"; \
	else printf '%-11s no profile (make pgo-collect-%s)\n' $$w $$w; fi; done

pgo-list:
	@$(kpgo-list)
.PHONY: pgo-list pgo-collect-all

define kpgo-bench-tmpl
pgo-bench-$(1): $(call kpgo-run-inputs,$(1),$(2)) $$(if $$(filter instrumented,$$(PGO_KERNEL)),$$(kpgo-modimg-input))
	$$(if $$(kpgo-kernel-$$(PGO_KERNEL)),,$$(error kpgo: PGO_KERNEL=$$(PGO_KERNEL): \
		say optimized, baseline or instrumented))
	$$(call rule_bench,$(1),$(2))
.PHONY: pgo-bench-$(1)
endef

endif
