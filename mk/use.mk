# SPDX-License-Identifier: GPL-2.0
#
# mk/use.mk - pgo-use-<workload>: rebuild the tree's own kernel (its own
# object tree, so make install, bindeb-pkg ... follow) with the profile.
#
# The profile stays on: pgo-use records the profile it installed and its
# flags in $(objtree)/.kpgo-profile.mk; in an attached tree every later
# kernel goal (make, make modules, make bindeb-pkg ...) is built by
# kpgo-use-on with exactly those flags, so Kbuild recompiles only what
# changed.  make pgo-status says which profile is on, make pgo-off removes
# it (the next build recompiles everything, without profile).
#
# 1. kpgo-gcda merges the profile, writes a kernel-wide object summary
#    (runs, sum_max) into every .gcda and installs them next to the objects
#    (dir/obj.gcda, where gcc -fprofile-use looks), rewriting only files whose
#    bytes change; it also writes profile-deps.mk: "dir/obj.o: dir/obj.gcda".
# 2. Kbuild builds with KCFLAGS += the -fprofile-use flags and MAKEFILES =
#    profile-deps.mk, so an object whose profile changed is recompiled by
#    Kbuild's own if_changed (a newer prerequisite), and nothing else is.
# 3. The evidence is counted from the compiler's own messages (use.log) and
#    from the objects: compiled with a profile, without one, functions whose
#    profile did not match, and the hot/cold sections of vmlinux.o.
#
# pgo-use-<set> does the same with several workloads' profiles merged: a set
# is PGO_SET_<set> := <workload>[:<weight>] ... (weight a positive integer,
# default 1), given on the command line, in the environment or in a file of
# PGO_SETS_FILES; the set "all" is every workload with weight 1.  With
# PGO_NORMALIZE=y (default) each profile is first scaled to the same counter
# sum, so a weight says how many times a workload counts, whatever the
# length of its run; with n the raw counters are weighted (gcov-tool merge
# -w does that).

ifndef kpgo-use-mk
kpgo-use-mk := 1

kpgo-recipe-phases += use


kpgo-use-flags = $(strip $(if $(LLVM),$(kpgo-use-flags-$(kpgo-method)),-fprofile-use -fprofile-correction \
	-Wno-error=coverage-mismatch -Wmissing-profile -Wno-error=missing-profile \
	$(if $(filter y,$(PGO_PARTIAL_TRAINING)),-fprofile-partial-training)))

# clang (LLVM=): one profile for the whole kernel, $(PGO_OUT)/use.profdata
# (llvm-profdata merge of the merged text profile); a function without
# profile data is named in use.log (-pgo-warn-missing-function), one whose
# control flow changed too (hash mismatch, on by default).  Each object's
# share of the profile is installed as dir/obj.proftext, rewritten only when
# it moved (PGO_REBUILD_THRESHOLD), and is the object's prerequisite as a
# .gcda is with gcc: the object is recompiled when its own share changed,
# not when another object's did.  PGO_PARTIAL_TRAINING=y leaves functions
# that never ran out of the profile (compiled as without profile) instead of
# marking them cold.
kpgo-use-profdata := $(PGO_OUT)/use.profdata
kpgo-use-flags-ir = -fprofile-use=$(kpgo-use-profdata) -mllvm -pgo-warn-missing-function \
	-Wno-error=backend-plugin
kpgo-llvm-profdata = $(call kpgo-llvm-tool,llvm-profdata)

# AutoFDO (PGO_METHOD=autofdo): one sample profile for the whole kernel,
# $(PGO_OUT)/use.afdo (llvm-profdata merge --sample of the workloads'
# profiles, weighted), given with mainline's AutoFDO flags (the same
# line tables and discriminators as the profiling kernel's).  Each
# object's share of it (the profiles of the functions it defines) is
# installed as dir/obj.afdo by kpgo-afdo install, rewritten only when it
# moved (PGO_REBUILD_THRESHOLD), and is the object's prerequisite: after a
# new profile Kbuild recompiles the objects whose own functions' profiles
# changed.  The shares' objects are the profiling kernel's (the same
# sources and .config), else this tree's.
kpgo-use-afdo := $(PGO_OUT)/use.afdo
kpgo-use-flags-afdo = $(if $(kpgo-afdo-kconfig),,$(kpgo-afdo-base-flags) -fprofile-sample-use=$(kpgo-use-afdo))
# A tree with CONFIG_AUTOFDO_CLANG=y (6.13 and newer): Kbuild's own way,
# CLANG_AUTOFDO_PROFILE (its flags, -ffunction-sections and machine function
# splitting with the linker script that places them)
kpgo-use-kbuild-args = $(if $(kpgo-afdo-kconfig),CLANG_AUTOFDO_PROFILE=$(kpgo-use-afdo))
kpgo-afdo-objects = $(if $(wildcard $(kpgo-instr)/vmlinux),$(kpgo-instr),$(kpgo-objtree))
# $(call kpgo-afdo-merge,INPUTS,OUT,STAGE): the members (kpgo-merge-inputs)
# merged into the sample profile OUT, each staged in STAGE first
# (kpgo-afdo weights --stage: one regular file of bounded size, copied: a
# shipped profile may not be kpgo's)
kpgo-afdo-merge = rm -rf $(3) && $(kpgo-llvm-profdata) merge --sample $$($(KPGO_BIN)/kpgo-afdo weights \
	--stage $(3) $(filter --normalize,$(1)) $(filter-out -%,$(1))) -o $(2) && rm -rf $(3)
# $(call kpgo-afdo-text,PROFILE,TEXT): its text form (kpgo-afdo reads that)
kpgo-afdo-text = $(kpgo-llvm-profdata) merge --sample --text -o $(2) $(1)

# distcc compiles -fprofile-use on other hosts, which do not have the .gcda
# files (it keeps only -fprofile-arcs local): with a distcc CC, the use build
# compiles locally.  ccache finds dir/obj.gcda itself and hashes it.
kpgo-use-env = $(if $(findstring distcc,$(CC)),DISTCC_HOSTS=localhost)

kpgo-profile-deps := $(PGO_OUT)/profile-deps$(kpgo-fam).mk
kpgo-profile-list := $(PGO_OUT)/profile-installed$(kpgo-fam).list

# Counting the compiler's evidence in use.log and in the object tree.
kpgo-count = $$(grep -Ec '$(1)' $(2) || true)
# the compiler's messages for a function whose profile it ignored, and for
# one it found no profile for
kpgo-mismatch-re  := $(if $(LLVM),hash mismatch,control flow of function|number of counters in profile data)
kpgo-noprofile-re := $(if $(LLVM),no profile data available for function,profile for function .* not found in profile data)
# an object's profile, installed next to it
kpgo-obj-prof := $(if $(kpgo-afdo),afdo,$(if $(LLVM),proftext,gcda))
# Objects compiled from C (a .c beside them in the source tree) in this
# build, outside kpgo's own trees and the host programs (scripts/, tools/);
# link products do not count.
kpgo-use-evidence = \
	find $(kpgo-objtree) \( -path $(PGO_OUT) -o -path $(kpgo-objtree)/scripts -o \
		-path $(kpgo-objtree)/tools \) -prune -o -name '*.o' -newer $(1)/use.start -print | \
		sed 's|^$(kpgo-objtree)/||; s|\.o$$||' | while read o; do \
		test -f $(kpgo-srctree)/$$o.c && echo $$o; done > $(1)/use.objects; \
	c=$$(wc -l < $(1)/use.objects); \
	sed 's|^|$(kpgo-objtree)/|; s|$$|.$(kpgo-obj-prof)|' $(1)/use.objects | \
		$(if $(kpgo-afdo),xargs -r stat -c '%s %n' 2>/dev/null | awk '$$1 > 0 { print $$2 }',xargs -r ls -d 2>/dev/null) \
		> $(1)/use.profiled; p=$$(wc -l < $(1)/use.profiled); \
	$(if $(kpgo-afdo),echo "$$c objects compiled in this build with the sample profile$(comma) $$p of them \
	  defining functions with samples$(comma) $$(( c - p )) none; $$(sed -n 's/^kpgo-afdo: \([0-9]*\) functions \
	  with samples$(comma) \([0-9]*\) of them.*/\1 functions with samples in the profile$(comma) \2 defined in \
	  objects compiled from C/p' $(1)/merge.txt)" > $(1)/use.evidence,\
	echo "$$c objects compiled in this build, $$p with profile data, $$(( c - p )) without$(if $(LLVM),;) \
	$(if $(LLVM),functions: $$(cat $(1)/use.profiled | xargs -r cat | grep -c '^# Func Hash' || true) \
	in their profiles$(comma),($(call kpgo-count,profile count data file not found,$(1)/use.log) reported by \
	-Wmissing-profile); functions:) \
	$(call kpgo-count,$(kpgo-mismatch-re),$(1)/use.log) mismatched (profile ignored), \
	$(call kpgo-count,$(kpgo-noprofile-re),$(1)/use.log) without profile$(if $(LLVM),,$(comma) \
	$(call kpgo-count,source locations for function,$(1)/use.log) with moved source lines)" \
	> $(1)/use.evidence)

kpgo-use-threshold = $(if $(filter-out 0,$(PGO_REBUILD_THRESHOLD)),--threshold $(PGO_REBUILD_THRESHOLD))
kpgo-use-merge-gcov = \
	$(KPGO_BIN)/kpgo-gcda merge -o $(kpgo-objtree) --installed $(kpgo-profile-list) \
	  --deps $(kpgo-profile-deps) $(kpgo-use-threshold) $(3) > $$w/merge.txt
# clang: merged text profile -> use.profdata (through a temporary name)
kpgo-use-merge-ir = \
	$(KPGO_BIN)/kpgo-llvmprof merge -o $$w/use.proftext --prefix '$(call kpgo-src-prefix,$(kpgo-objtree))' \
	  --objtree $(kpgo-objtree) --installed $(kpgo-profile-list) --deps $(kpgo-profile-deps) \
	  $(kpgo-use-threshold) $(if $(filter y,$(PGO_PARTIAL_TRAINING)),--drop-zero) $(3) > $$w/merge.txt && \
	$(kpgo-llvm-profdata) merge -o $(kpgo-use-profdata).tmp $$w/use.proftext && \
	$(kpgo-llvm-profdata) show $(kpgo-use-profdata).tmp > $$w/profdata.txt && \
	mv -f $(kpgo-use-profdata).tmp $(kpgo-use-profdata)
# AutoFDO: the weighted merge into use.afdo (through a temporary name), its
# text form, the shares installed (kpgo-afdo install).  use.afdo is renamed
# before the shares are installed: a run killed between leaves old shares,
# which the next pgo-use replaces (and Kbuild then recompiles their
# objects), never new shares over an old profile.
kpgo-use-merge-afdo = $(call kpgo-afdo-merge,$(3),$(kpgo-use-afdo).tmp,$$w/inputs) && \
	$(call kpgo-afdo-text,$(kpgo-use-afdo).tmp,$$w/use.txt) && \
	mv -f $(kpgo-use-afdo).tmp $(kpgo-use-afdo) && \
	$(KPGO_BIN)/kpgo-afdo install --objtree $(kpgo-objtree) --srctree $(kpgo-srctree) \
	  --objects $(kpgo-afdo-objects) --installed $(kpgo-profile-list) --deps $(kpgo-profile-deps) \
	  $(kpgo-use-threshold) $$w/use.txt > $$w/merge.txt
# the figures: the merge tool's line (objects updated, kept, ...), and with
# clang's IR PGO llvm-profdata show's of use.profdata
kpgo-use-merge-figures = \
	$(call kpgo-say,PGO-MRG,$(2): $$(sed 's/^$(notdir $(kpgo-use-tool)): //' $$w/merge.txt))$(if $(filter ir,$(kpgo-method)), && \
	$(call kpgo-say,PGO-MRG,$(2): $(kpgo-use-profdata): $$(sed -n 's/^Total functions: //p' $$w/profdata.txt) \
	  functions$(comma) maximum function count $$(sed -n 's/^Maximum function count: //p' $$w/profdata.txt) \
	  (llvm-profdata show)))

# pgo-use, Kbuild's way: rule_use is five commands, each a recipe line;
# a quiet_cmd_ says what is done, the figures come from commands of their
# own.  $(call rule_use,name,profile-dir[:weight]... [merge-options])
define rule_use
$(call kpgo-cmd,use_check,$(1),$(2))
$(call kpgo-cmd,use_merge,$(1),$(2))
$(call kpgo-cmd,use_merge_figures,$(1))
+$(call kpgo-cmd,use_build,$(1))
$(call kpgo-cmd,use_figures,$(1))
$(call kpgo-cmd,use_on,$(1))
endef

# every profile it merges has data (empty: a check, silent when it passes)
quiet_cmd_use_check =
      cmd_use_check = for d in $(foreach d,$(filter-out -%,$(3)),$(firstword $(subst :, ,$(d)))); do \
	if [ -z "$$(find $$d $(if $(LLVM),-size +0,-name '*.gcda') 2>/dev/null | head -n 1)" ]; then \
	  echo "kpgo: the profile $$d is empty: no $(if $(LLVM),data,.gcda files) there$(if $(filter-out \
	  imported,$(2)),; collect it again with make pgo-collect-$$(basename $$(dirname $$d)))" >&2; \
	  exit 1; fi; done

# merge, install the changed files; then their figures, the PGO-MRG lines
quiet_cmd_use_merge = PGO-MRG $(2): merging $(words $(filter-out -%,$(3))) profile$(if $(word 2,$(filter-out \
	-%,$(3))),s), installing what changed in $(kpgo-objtree)
      cmd_use_merge = w=$(call kpgo-work,$(2)); mkdir -p $$w && \
	$(kpgo-use-merge-$(kpgo-method))
# (empty: a figures command prints only its figures)
quiet_cmd_use_merge_figures =
      cmd_use_merge_figures = w=$(call kpgo-work,$(2)); $(kpgo-use-merge-figures)

# Kbuild with the profile flags: it recompiles what changed
quiet_cmd_use_build = PGO-USE $(2): building $(PGO_USE_TARGETS) in $(kpgo-objtree) with \
	$(strip $(kpgo-use-kcflags) $(kpgo-use-kbuild-args))$(if $(kpgo-use-env), (distcc: compiling locally)); compiler messages in \
	$(call kpgo-work,$(2))/use.log
      cmd_use_build = w=$(call kpgo-work,$(2)); touch $$w/use.start && t0=$$(date +%s) && \
	if ! $(kpgo-use-env) MAKEFILES=$(kpgo-profile-deps) $(kpgo-kmake) $(if $(kpgo-o),O=$(kpgo-objtree)) \
	    KCFLAGS='$(call kpgo-escsq,$(KCFLAGS) $(kpgo-use-kcflags))' $(kpgo-use-kbuild-args) \
	    $(PGO_USE_TARGETS) 2>$$w/use.log; then \
	  echo "kpgo: building the kernel with the $(2) profile failed; last lines of $$w/use.log:" >&2; \
	  tail -n 30 $$w/use.log | sed 's/^/  | /' >&2; exit 1; fi && \
	$(call kpgo-time,use,$(2))

# the evidence: what the compiler took, the hot/cold layout (empty: a
# figures command prints only its figures)
quiet_cmd_use_figures =
      cmd_use_figures = w=$(call kpgo-work,$(2)); { $(call kpgo-use-evidence,$$w); } && \
	$(call kpgo-say,PGO-USE,$(2): $$(cat $$w/use.evidence); $$(cat $(kpgo-times)/use-$(2)) s) && \
	if [ -f $(kpgo-objtree)/vmlinux.o ]; then \
	  { $(call kpgo-text-figures,$(kpgo-objtree)/vmlinux.o) ; } > $$w/use.text && \
	  $(call kpgo-say,PGO-USE,$(2): vmlinux.o $$(cat $$w/use.text)); \
	else echo 'no vmlinux.o (not built by $(PGO_USE_TARGETS))' > $$w/use.text; fi && \
	if [ -f $(kpgo-base)/vmlinux.o ]; then \
	  $(call kpgo-say,PGO-USE,baseline: vmlinux.o $$({ $(call kpgo-text-figures,$(kpgo-base)/vmlinux.o) ; })); fi

# --- the profile stays on ----------------------------------------------
kpgo-on-file := $(kpgo-objtree)/.kpgo-profile.mk
# an install killed among its renames leaves this (tools/profinst.h)
kpgo-install-torn = $(wildcard $(kpgo-profile-list).installing)
# what pgo-use recorded (kpgo-on-name, -flags, -llvm, -when, -pgo-out)
-include $(kpgo-on-file)
# the profile flags of a build: pgo-use's own; kpgo-use-on's recorded ones
kpgo-use-kcflags = $(kpgo-use-flags)
kpgo-use-on: kpgo-use-kcflags = $(kpgo-on-flags)
kpgo-use-on: kpgo-use-kbuild-args = $(kpgo-on-kbuild)

quiet_cmd_use_on = PGO-ON  $(2): $(if $(kpgo-is-ours),later kernel goals in this tree build with \
	this profile (make pgo-off: without),make pgo-attach$(comma) and later kernel goals in this \
	tree build with this profile)
      cmd_use_on = { printf '%s\n' '\# kpgo: make pgo-use-$(2) installed this profile; kernel goals \
	  build with it (make pgo-status$(comma) make pgo-off)' 'kpgo-on-name := $(2)' \
	  'kpgo-on-flags := $(call kpgo-escsq,$(kpgo-use-kcflags))' 'kpgo-on-llvm := $(call kpgo-escsq,$(LLVM))' \
	  'kpgo-on-method := $(filter autofdo,$(PGO_METHOD))' \
	  'kpgo-on-kbuild := $(kpgo-use-kbuild-args)' \
	  'kpgo-on-pgo-out := $(PGO_OUT)' "kpgo-on-when := $$(date '+%F %T')"; } > $(kpgo-on-file).tmp && \
	mv -f $(kpgo-on-file).tmp $(kpgo-on-file)

# kernel goals in an attached tree with a profile on (mk/hook.mk): the
# build and its figures, as pgo-use's, with the recorded flags
kpgo-use-on: $(kpgo-use-tool) | kpgo-user-config-ok
	$(if $(filter-out $(filter autofdo,$(PGO_METHOD)),$(kpgo-on-method))$(filter-out \
	  $(kpgo-on-method),$(filter autofdo,$(PGO_METHOD))),$(error \
	  kpgo: this tree builds with the profile of $(kpgo-on-name), made with PGO_METHOD=$(or \
	  $(kpgo-on-method),ir): give PGO_METHOD=$(or $(kpgo-on-method),ir) as then$(comma) or make pgo-off first))
	$(if $(filter-out $(LLVM),$(kpgo-on-llvm))$(filter-out $(kpgo-on-llvm),$(LLVM)),$(error \
	  kpgo: this tree builds with the profile of $(kpgo-on-name), made with \
	  $(if $(kpgo-on-llvm),LLVM=$(kpgo-on-llvm),gcc): give $(if $(kpgo-on-llvm),LLVM=$(kpgo-on-llvm),no LLVM=) \
	  as then, or make pgo-off first))
	$(if $(kpgo-install-torn),$(error kpgo: the last install of the profile \
	  of $(kpgo-on-name) into $(kpgo-objtree) was interrupted (some files are old$(comma) some new): \
	  install it again (make pgo-use-$(kpgo-on-name)$(comma) or with PGO_PROFILE= the profile you \
	  shipped)$(comma) or make pgo-off))
	+$(call kpgo-cmd,use_build,$(kpgo-on-name))
	$(call kpgo-cmd,use_figures,$(kpgo-on-name))

# $(call kpgo-on-newer,PATH[,PRUNED]): files .c .h .S below PATH (but
# PRUNED) changed since the profile was installed
kpgo-on-newer = $(shell find $(1) $(if $(2),\( $(foreach p,$(2),-path $(p) -o) -false \) -prune -o) \
	-newer $(kpgo-on-file) -type f -name '*.[chS]' -print 2>/dev/null | wc -l)
kpgo-status-on = $(kpgo-objtree) builds with the $(if $(kpgo-on-llvm),clang (LLVM=$(kpgo-on-llvm)$(if \
	$(kpgo-on-method),$(comma) PGO_METHOD=$(kpgo-on-method))),gcc) \
	profile of $(kpgo-on-name), installed $(kpgo-on-when)$(if $(kpgo-is-ours),, (not attached: only \
	pgo-use builds with it; make pgo-attach))
# $(call kpgo-status-profile,WORKLOAD,STAMP): when it was collected
kpgo-status-profile = $(1): profile collected $(shell date -r $(2) '+%F %T')$(if $(shell test \
	$(2) -nt $(kpgo-on-file) && echo y),: newer than the installed one (make pgo-use-$(kpgo-on-name) \
	installs it))
kpgo-status-since = since then: $(if $(shell test $(kpgo-user-config) -nt $(kpgo-on-file) && echo y),.config \
	changed$(comma) )$(call kpgo-on-newer,$(kpgo-srctree),$(PGO_OUT) $(kpgo-srctree)/.git) .c .h .S \
	files edited or made (the next make recompiles what they feed, with this profile)
pgo-status:
ifeq ($(kpgo-on-name),)
	@echo '$(kpgo-objtree) builds without profile$(if $(wildcard $(kpgo-profile-list)), (one is \
	  installed, but off)): make pgo-use-<w> turns one on'
else
	@echo '$(kpgo-status-on)'
	@echo '  flags: $(kpgo-on-flags)'
	@$(if $(kpgo-install-torn),echo '  its last install was interrupted: \
	  make pgo-use-$(kpgo-on-name) installs it again (kernel goals refuse to build until then)')
	@$(foreach m,$(call kpgo-members,$(kpgo-on-name)),$(foreach w,$(call kpgo-member-name,$(m)),$(foreach \
	  s,$(wildcard $(call kpgo-profile-stamp,$(w))),echo '  $(call kpgo-status-profile,$(w),$(s))';))) :
	@echo '  $(kpgo-status-since)'
endif

pgo-off:
	@rm -f $(kpgo-on-file)
	@$(call kpgo-say,PGO-OFF,$(kpgo-objtree): $(if $(kpgo-on-name),the profile of $(kpgo-on-name) \
	  is off: the next kernel build recompiles every object without profile,no profile was on))

.PHONY: kpgo-use-on pgo-status pgo-off

define kpgo-use-tmpl
pgo-use-$(1): $(call kpgo-profile-input,$(1)) $(kpgo-use-tool) | kpgo-user-config-ok
	$$(call rule_use,$(1),$$(call kpgo-merge-inputs,$(1)))
.PHONY: pgo-use-$(1)
endef

# --- sets ----------------------------------------------------------------
PGO_SET_all ?= $(kpgo-recipes)
kpgo-set-vars = $(filter PGO_SET_%,$(.VARIABLES))
# a member: workload[:weight] -> workload, weight
kpgo-member-name = $(firstword $(subst :, ,$(1)))
kpgo-member-weight = $(or $(word 2,$(subst :, ,$(1))),1)
# $(call kpgo-members,name): a workload's or a set's members, each
# workload:weight (a set's name is never a workload's)
kpgo-is-set = $(filter PGO_SET_$(1),$(kpgo-set-vars))
kpgo-members = $(if $(kpgo-is-set),$(foreach m,$(PGO_SET_$(1)),$(call \
	kpgo-member-name,$(m)):$(call kpgo-member-weight,$(m))),$(1):1)
# $(call kpgo-merge-profiles,name): their profiles as inputs (prerequisites)
kpgo-merge-profiles = $(foreach m,$(call kpgo-members,$(1)),$(call \
	kpgo-profile-input,$(call kpgo-member-name,$(m))))
# the helper that reads and installs a method's profiles
kpgo-prof-tool-gcov := gcda
kpgo-prof-tool-ir   := llvmprof
kpgo-prof-tool-afdo := afdo
kpgo-use-tool = $(KPGO_BIN)/kpgo-$(kpgo-prof-tool-$(kpgo-method))
# a collected profile's data: gcda/ (gcc), profile.proftext (clang)
kpgo-prof-data = $(if $(kpgo-afdo),profile.afdo,$(if $(LLVM),profile.proftext,gcda))
# $(call kpgo-merge-inputs,name): kpgo-gcda merge's inputs and options
kpgo-merge-inputs = $(foreach m,$(call kpgo-members,$(1)),$(call \
	kpgo-prof,$(call kpgo-member-name,$(m)))/$(kpgo-prof-data):$(call kpgo-member-weight,$(m))) \
	$(if $(kpgo-is-set),$(if $(filter y,$(PGO_NORMALIZE)),--normalize))
# the goals that use workload $(1)'s profile: pgo-use-$(1), pgo-export-$(1)
# and the same of the sets it is in
kpgo-use-goals = $(foreach g,use export,pgo-$(g)-$(1) pgo-$(g)-all $(foreach \
	v,$(kpgo-set-vars),$(if $(filter $(1) $(1):%,$(value $(v))),pgo-$(g)-$(v:PGO_SET_%=%))))

# $(call kpgo-set-check,set): members are workloads, weights positive integers
kpgo-set-check = $(if $(strip $(PGO_SET_$(1))),,$(error \
	kpgo: PGO_SET_$(1) is empty: name workloads, e.g. PGO_SET_$(1)="redis:2 memcached")) \
	$(foreach m,$(PGO_SET_$(1)),$(if $(filter $(call kpgo-member-name,$(m)),$(kpgo-recipes)),,\
	$(error kpgo: PGO_SET_$(1): '$(call kpgo-member-name,$(m))' is not a workload \
	(known: $(kpgo-recipes)))) $(if $(shell echo '$(call kpgo-member-weight,$(m))' | \
	grep -Ex '[1-9][0-9]{0,5}'),,$(error kpgo: PGO_SET_$(1): bad weight in '$(m)': \
	give a positive integer up to 999999)))

define kpgo-set-tmpl
$(if $(filter $(1),$(kpgo-recipes)),$(error kpgo: PGO_SET_$(1): a set cannot have a workload's name))
# (MAKECMDGOALS: a set is checked only when a goal uses it: sets of other
# workloads may sit in the same PGO_SETS_FILES)
$(if $(filter pgo-use-$(1) pgo-export-$(1),$(MAKECMDGOALS)),$(call kpgo-set-check,$(1)))
pgo-use-$(1): $(call kpgo-merge-profiles,$(1)) $(kpgo-use-tool) | kpgo-user-config-ok
	$$(call rule_use,$(1),$$(call kpgo-merge-inputs,$(1)))
.PHONY: pgo-use-$(1)
endef

endif
