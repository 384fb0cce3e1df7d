# SPDX-License-Identifier: GPL-2.0
#
# mk/kpgo.mk - kpgo's entry point: include this (with KSRC set) and the
# pgo-* targets exist.  It is included by kpgo's own Makefile
# (make -C kpgo KSRC=<tree> pgo-...) and by the GNUmakefile that
# 'make pgo-attach' puts into a kernel tree (make pgo-...).
#
# Interface (stable; documented in README):
#   KSRC            the kernel source tree (required)
#   O=, KBUILD_OUTPUT   the kernel object tree, as in Kbuild; default KSRC.
#                   O is taken relative to the directory make runs in.
#   PGO_OUT         kpgo's state for that object tree (default $(objtree)/.kpgo):
#                     instrumented/   the instrumented kernel's object tree
#                     baseline/       the same kernel without profile
#                     profiles/<w>/   a workload's collected profile
#   PGO_PROFILES    where profiles are read (default $(PGO_OUT)/profiles)
#                     work/<w>/       its image, settings, logs
#   V=1, -s, -j     as in Kbuild

ifndef kpgo-mk
kpgo-mk := 1

KPGO_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
include $(KPGO_DIR)/mk/kpgo-lib.mk
include $(KPGO_DIR)/mk/tools.mk

# --- the kernel tree -----------------------------------------------------
# Goals that work without a kernel tree (they only describe kpgo, or make
# what does not depend on a kernel: a guest image boots any kernel).
kpgo-goals-no-ksrc += pgo-help pgo-settings-table pgo-check-recipes pgo-image-% kpgo-tools \
	$(KPGO_BIN)/% $(KPGO_SAN)/%
ifeq ($(strip $(KSRC)),)
# (MAKECMDGOALS: goals that need no tree work without KSRC)
ifneq ($(filter-out $(kpgo-goals-no-ksrc),$(or $(MAKECMDGOALS),pgo-help)),)
$(error kpgo: KSRC is not set: say which kernel tree, e.g. make -C $(KPGO_DIR) KSRC=~/linux $(firstword $(MAKECMDGOALS)))
endif
kpgo-srctree := /nonexistent-kernel-tree
else
kpgo-srctree := $(abspath $(KSRC))
ifeq ($(wildcard $(kpgo-srctree)/Kbuild),)
$(error kpgo: KSRC=$(KSRC) is not a Linux kernel source tree (no Kbuild file there); point KSRC at the top of a kernel tree)
endif
endif

ifneq ($(words $(KSRC) $(O) $(KBUILD_OUTPUT) $(PGO_OUT)),$(words $(strip $(KSRC)) $(strip $(O)) $(strip $(KBUILD_OUTPUT)) $(strip $(PGO_OUT))))
$(error kpgo: a path in KSRC, O, KBUILD_OUTPUT or PGO_OUT has a space; Kbuild does not support that)
endif
# These paths reach shells and makefiles unquoted throughout kpgo (and
# Kbuild): a character a shell or make would read as syntax is refused
# (PGO_PROFILE, which may be any path, is quoted where it is used).
# $(call kpgo-chars-bad,TEXT,CHARS): y when TEXT has a character outside
# the bracket expression CHARS
kpgo-chars-bad = $(shell printf '%s' '$(call kpgo-escsq,$(1))' | LC_ALL=C grep -q '[^$(2)]' && echo y)
kpgo-path-bad = $(call kpgo-chars-bad,$(1),A-Za-z0-9_./+@~-)
$(foreach v,KSRC O KBUILD_OUTPUT PGO_OUT PGO_PROFILES PGO_EXPORT_DIR PGO_SETTINGS \
	PGO_AUTOFDO_PROFILE PGO_PROPELLER_PREFIX,$(if $(call kpgo-path-bad,$($(v))),$(error \
	kpgo: $(v)=$($(v)) has a character that a shell or make treats specially; give a path of \
	letters, digits and _ . / + @ ~ -)))
# pgo-* targets run Kbuild to find out what to do: make -n cannot show them
# (MAKECMDGOALS: refused for those goals only)
ifneq ($(findstring n,$(firstword -$(MAKEFLAGS))),)
ifneq ($(filter pgo-instrument pgo-collect-% pgo-use-% pgo-export-% pgo-baseline pgo-bench-% pgo-bolt-%,$(MAKECMDGOALS)),)
$(error kpgo: make -n is not supported for kpgo's build targets (they run Kbuild, install profiles); use V=1 to see the commands)
endif
endif

kpgo-o := $(or $(O),$(KBUILD_OUTPUT))
# (without a kernel tree, for the goals that need none: kpgo's build/)
kpgo-objtree := $(if $(kpgo-o),$(abspath $(kpgo-o)),$(if $(strip $(KSRC)),$(kpgo-srctree),$(KPGO_BUILD)))

PGO_OUT      ?= $(kpgo-objtree)/.kpgo
# (a relative KSRC or O is made absolute from the current directory, which
# must pass the same check)
$(foreach t,$(kpgo-srctree) $(kpgo-objtree) $(PGO_OUT),$(if $(call kpgo-path-bad,$(t)),$(error \
	kpgo: $(t) (a path kpgo derived from KSRC$(comma) O or the current directory) has a \
	character that a shell or make treats specially; work from a directory whose path has \
	letters$(comma) digits and _ . / + @ ~ - only)))
# A tree built in place: kpgo's own kernels are built in place too, each in
# a tree of links to its sources (mk/mirror.mk); an O= tree's from KSRC
kpgo-in-place := $(if $(filter $(kpgo-objtree),$(kpgo-srctree)),y)
# $(call kpgo-own-src,TREE): the source tree of kpgo's kernel in TREE
kpgo-own-src = $(if $(kpgo-in-place),$(1),$(kpgo-srctree))
# The compiler, as Kbuild picks it: gcc, or clang with LLVM=1, LLVM=-19
# (clang-19, ld.lld-19 ...) or LLVM=/path/to/llvm/bin/.  The two keep their
# own instrumented and baseline kernels and profiles: "-llvm" after the name.
# The method (PGO_METHOD, with clang): ir, clang's IR PGO from an
# instrumented kernel (the default); autofdo, a sample profile made by
# llvm-profgen from branch records that kpgo's TCG plugin emulates on a
# kernel that is not instrumented (mk/collect.mk).  gcc: gcov.  AutoFDO
# keeps its own profiling kernel and profiles ("-afdo"); its baseline is
# clang's.
kpgo-method  := $(if $(LLVM),$(if $(filter autofdo,$(PGO_METHOD)),afdo,ir),gcov)
kpgo-afdo    := $(filter afdo,$(kpgo-method))
# each method's name (as PGO_METHOD and pgo-compare's <w>@<method> say it)
# and its directories' suffix
kpgo-method-name-gcov := gcc
kpgo-method-name-ir   := ir
kpgo-method-name-afdo := autofdo
kpgo-fam-gcc     :=
kpgo-fam-ir      := -llvm
kpgo-fam-autofdo := -afdo
# (and pgo-bolt's kernels, pgo-compare's <w>@bolt and profiling@bolt)
kpgo-fam-bolt    := -bolt
kpgo-fam     := $(kpgo-fam-$(kpgo-method-name-$(kpgo-method)))
# $(call kpgo-llvm-tool,NAME): NAME of the LLVM= toolchain (llvm-profdata)
kpgo-llvm-tool = $(if $(filter %/,$(LLVM)),$(LLVM)$(1),$(if $(filter -%,$(LLVM)),$(1)$(LLVM),$(1)))
kpgo-instr   := $(PGO_OUT)/instrumented$(kpgo-fam)
kpgo-base    := $(PGO_OUT)/baseline$(if $(LLVM),-llvm)
# Where profiles live: kpgo collects into $(PGO_OUT)/profiles; a PGO_PROFILES
# given by the user (a packager's shipped profiles) is only read.
PGO_PROFILES ?= $(PGO_OUT)/profiles$(kpgo-fam)
kpgo-profiles-given = $(filter-out file default,$(origin PGO_PROFILES))
kpgo-prof     = $(PGO_PROFILES)/$(1)
kpgo-work     = $(PGO_OUT)/work/$(1)
kpgo-times   := $(PGO_OUT)/times

# The kernel's build, never through a GNUmakefile kpgo may have put there.
# KCFLAGS is passed explicitly so a user's KCFLAGS is kept, not replaced.
# gcc keys a static function's profile by its source file's name as it was
# given (the name goes into the function's profile id): the instrumented
# and the profiled builds must name the sources alike.  Kbuild names them
# relative in place, ../ from a directory right below the source tree,
# else by absolute path; so every O= build of kpgo's names them by
# absolute path (kpgo's own trees are deeper: an O=<src>/build tree's
# "../kernel/fork.c" met "<src>/kernel/fork.c" and lost every static
# function's profile).  In place, all are built in place, relative (a
# KBUILD_ABS_SRCTREE of the user's is overridden: the link trees' absolute
# names would differ from the tree's).
kpgo-abs-src := KBUILD_ABS_SRCTREE=$(if $(kpgo-in-place),,1)
kpgo-kmake = $(MAKE) --no-print-directory -C $(kpgo-srctree) -f $(kpgo-srctree)/Makefile \
	$(kpgo-abs-src)
# $(call kpgo-kmake-own,TREE): Kbuild for kpgo's own kernel in TREE (in
# place in TREE for an in-place tree: O= names the source tree itself)
kpgo-kmake-own = $(MAKE) --no-print-directory -C $(call kpgo-own-src,$(1)) \
	-f $(call kpgo-own-src,$(1))/Makefile O=$(1) $(kpgo-abs-src)
kpgo-arch-image := arch/x86/boot/bzImage

# $(call kpgo-src-prefix,OBJTREE): how kpgo's Kbuild spells the source tree
# in a build in OBJTREE, as gcc and clang put it into static functions'
# profile ids and names ("<prefix>kernel/fork.c;copy_clone"): nothing in
# the source tree, else the absolute path (kpgo-abs-src; run when OBJTREE
# exists) ($(2): the source tree, default KSRC)
kpgo-src-prefix = $(strip $(foreach s,$(realpath $(or $(2),$(kpgo-srctree))),\
	$(if $(filter $(s),$(realpath $(1))),,$(s)/)))

# $(call kpgo-kconfig,OBJTREE): the .config that tree builds with
kpgo-kconfig = $(1)/.config
# $(call kpgo-olddefconfig,OBJTREE[,SRCTREE]): complete that .config;
# Kconfig's "override" warnings (expected when fragments are appended) go
# to a log.  SRCTREE defaults to KSRC.
kpgo-olddefconfig = $(MAKE) --no-print-directory -s -C $(or $(2),$(kpgo-srctree)) \
	-f $(or $(2),$(kpgo-srctree))/Makefile O=$(1) olddefconfig \
	>$(1)/.kpgo-olddefconfig.log 2>&1 || { cat $(1)/.kpgo-olddefconfig.log >&2; exit 1; }

# This tree, as a profile's manifest describes it (mk/packager.mk), and as
# the sample phase checks it (mk/sample.mk)
# $(call kpgo-tree-<key>): this tree's value of a manifest key
kpgo-cfg-val = $(shell sed -n 's/^$(1)=//p' $(kpgo-user-config) 2>/dev/null)
kpgo-tree-format = kpgo-profile 1
kpgo-tree-kernel = $(shell sed -n -e 's/^VERSION = *//p' -e 's/^PATCHLEVEL = *//p' \
	-e 's/^SUBLEVEL = *//p' $(kpgo-srctree)/Makefile | head -n 3 | paste -sd.)$(shell \
	sed -n 's/^EXTRAVERSION = *//p' $(kpgo-srctree)/Makefile | head -n 1)
kpgo-tree-arch = $(shell sed -n '1,4s/^\# Linux\/\([^ ]*\) .*/\1/p' \
	$(kpgo-user-config)) $(if $(filter y,$(call kpgo-cfg-val,CONFIG_64BIT)),64-bit,32-bit)
kpgo-tree-config-sha256 = $(firstword $(shell sed -n -e '/^CONFIG_/p' \
	-e '/^\# CONFIG_.* is not set$$/p' $(kpgo-user-config) | LC_ALL=C sort | sha256sum))
# how the tree's builds name its sources (kpgo-abs-src): gcc keys static
# functions' profiles by that name
kpgo-tree-source-path = $(or $(patsubst %/,%,$(call kpgo-src-prefix,$(kpgo-objtree))),.)
kpgo-tree-compiler-family = $(if $(filter y,$(call kpgo-cfg-val,CONFIG_CC_IS_CLANG)),clang,gcc)
kpgo-tree-compiler = $(shell sed -n \
	's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$$/\1/p' $(kpgo-user-config))
# gcc <major>.<minor> from CONFIG_GCC_VERSION (120200 -> 12.2)
# (clang's: the profile kpgo ships, by method)
kpgo-tree-profile-format = $(strip $(if $(LLVM),$(if $(kpgo-afdo),llvm-sample extbinary,llvm-ir text),\
	$(kpgo-tree-compiler-family) $(shell v=$(or $(call kpgo-cfg-val,CONFIG_GCC_VERSION),0); \
	echo $$((v / 10000)).$$((v / 100 % 100)))))

# kpgo's settings: the table of defaults, and the Kconfig settings file
# (make pgo-menuconfig), which sets what the user did not give
include $(KPGO_DIR)/mk/settings.mk

# --- one run at a time per $(PGO_OUT) ---------------------------------------
# Every goal that writes kpgo's state or runs Kbuild in the object tree
# runs under one lock, $(PGO_OUT)/.lock (flock(1)): the whole make is run
# again under it, as Kbuild runs itself again for O=.  A second run waits,
# saying for what (PGO_LOCK=fail: stops at once instead); it never
# interleaves with the first.  Sub-makes of the locked run (KPGO_LOCKED on
# their command line) do not lock again.  MAKECMDGOALS is read because the
# lock is about the goals typed: kpgo-cmdline-goals holds them when the
# attached tree's hook has rewritten MAKECMDGOALS.
kpgo-lock := $(PGO_OUT)/.lock
kpgo-locking-goals := pgo-instrument pgo-collect-% pgo-recollect-% pgo-use-% pgo-export-% \
	pgo-baseline pgo-compare-% pgo-bench-% pgo-bolt-% pgo-flamegraph-% pgo-report-% pgo-image-% \
	kpgo-use-on pgo-off $(addprefix pgo-,$(kpgo-settings-goals))
kpgo-goals := $(or $(kpgo-cmdline-goals),$(MAKECMDGOALS))
ifneq ($(KPGO_LOCKED),$(kpgo-lock))
ifneq ($(filter $(kpgo-locking-goals),$(MAKECMDGOALS)),)
kpgo-run-locked := y
endif
else ifneq ($(KPGO_LOCK_WHO),)
# the run that took the lock says who holds it (read by those who wait)
$(file >$(kpgo-lock).who,make $(kpgo-goals) (pid $(shell echo $$PPID), since $(shell date '+%F %T')))
unexport KPGO_LOCK_WHO
endif

# (empty: it prints nothing unless it waits, and then says for whom)
quiet_cmd_lock =
      cmd_lock = mkdir -p '$(call kpgo-escsq,$(PGO_OUT))' && \
	if ! flock -n '$(call kpgo-escsq,$(kpgo-lock))' true; then \
	  w="$$(cat '$(call kpgo-escsq,$(kpgo-lock)).who' 2>/dev/null || echo 'another run')"; \
	  $(if $(filter fail,$(PGO_LOCK)),echo "kpgo: $(PGO_OUT) is in use by $$w; PGO_LOCK=fail: \
	    not waiting (run again when it is done)" >&2; exit 1;) \
	  echo "kpgo: waiting for $(PGO_OUT): in use by $$w" >&2; fi; \
	KPGO_LOCK_WHO=1 flock '$(call kpgo-escsq,$(kpgo-lock))' $(MAKE) --no-print-directory \
	  -f '$(call kpgo-escsq,$(abspath $(firstword $(MAKEFILE_LIST))))' \
	  KPGO_LOCKED='$(call kpgo-escsq,$(kpgo-lock))' $(kpgo-goals)

# --- settings shared by the phases ---------------------------------------
# make again, in the same tree (pgo-recollect, pgo-compare's kernels)
kpgo-self-make = $(MAKE) --no-print-directory -f $(abspath $(firstword $(MAKEFILE_LIST)))
# Fragments merged into the user's .config for the instrumented kernel.
# (AutoFDO's profiling kernel is not instrumented: the guest's needs only)
PGO_FRAGMENTS ?= $(if $(kpgo-afdo),,$(KPGO_DIR)/kconfig/pgo-gcov.config \
		 $(if $(LLVM),$(KPGO_DIR)/kconfig/pgo-llvm.config)) \
		 $(KPGO_DIR)/kconfig/pgo-guest.config

$(if $(filter-out ir autofdo,$(PGO_METHOD)),$(error kpgo: PGO_METHOD=$(PGO_METHOD): give ir or \
	autofdo (with LLVM=), or leave it empty))
$(if $(and $(kpgo-afdo)$(filter autofdo,$(PGO_METHOD)),$(if $(LLVM),,y)),$(error kpgo: \
	PGO_METHOD=autofdo builds with clang: say which, e.g. make LLVM=-19 PGO_METHOD=autofdo ...))
$(if $(shell echo '$(PGO_AUTOFDO_PERIOD)' | grep -Ex '[1-9][0-9]{0,9}'),,$(error \
	kpgo: PGO_AUTOFDO_PERIOD=$(PGO_AUTOFDO_PERIOD) is not a positive whole number of branches))

# PGO_SCALE must be a number: every recipe's size is scaled by it
$(if $(shell echo '$(PGO_SCALE)' | grep -Ex '[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?'),,$(error \
	kpgo: PGO_SCALE=$(PGO_SCALE) is not a number (1 is the seed's size, 0.01 a hundredth)))

# $(call kpgo-time,PHASE,NAME): record how long a phase took; use as
#   t0=$$(date +%s); ...; $(call kpgo-time,phase,name)
kpgo-time = mkdir -p $(kpgo-times) && echo $$(( $$(date +%s) - t0 )) > $(kpgo-times)/$(1)-$(2)

ifeq ($(kpgo-run-locked),y)
# this make only runs the locked one
$(sort $(kpgo-goals) $(MAKECMDGOALS)): kpgo-locked
	@:
kpgo-locked:
	+$(call kpgo-cmd,lock)
.PHONY: kpgo-locked $(sort $(kpgo-goals) $(MAKECMDGOALS))
else

include $(KPGO_DIR)/mk/recipe.mk
include $(KPGO_DIR)/mk/mirror.mk
include $(KPGO_DIR)/mk/instrument.mk
include $(KPGO_DIR)/mk/image.mk
include $(KPGO_DIR)/mk/collect.mk
include $(KPGO_DIR)/mk/use.mk
include $(KPGO_DIR)/mk/packager.mk
include $(KPGO_DIR)/mk/sample.mk
include $(KPGO_DIR)/mk/baseline.mk
include $(KPGO_DIR)/mk/compare.mk
include $(KPGO_DIR)/mk/flamegraph.mk
include $(KPGO_DIR)/mk/bolt.mk
include $(KPGO_DIR)/mk/report.mk
include $(KPGO_DIR)/mk/attach.mk
include $(KPGO_DIR)/mk/help.mk
# Workloads: kpgo's recipes, then the user's (PGO_RECIPE_DIRS, one recipe
# per file as in recipes/); sets of workloads (see mk/use.mk) before them
include $(PGO_SETS_FILES)
# (each through kpgo-recipe-read: mk/recipe.mk checks what it defines)
$(foreach f,$(sort $(wildcard $(KPGO_DIR)/recipes/*.mk)) \
	$(foreach d,$(PGO_RECIPE_DIRS),$(sort $(wildcard $(d)/*.mk))),$(eval $(call kpgo-recipe-read,$(f))))
$(foreach s,$(sort $(patsubst PGO_SET_%,%,$(kpgo-set-vars))),$(eval $(call \
	kpgo-set-tmpl,$(s)))$(eval $(call kpgo-export-tmpl,$(s)))$(eval $(call \
	kpgo-recollect-set-tmpl,$(s))))

# (MAKECMDGOALS: its two workloads checked early)
$(if $(filter pgo-report-diff,$(MAKECMDGOALS)),$(kpgo-report-diff-check))

# pgo-compare-<x> of the command line (x: a workload or a set); MAKECMDGOALS:
# any pair of kernels can be compared, so the rules exist for the pairs asked for
$(foreach g,$(patsubst pgo-compare-%,%,$(filter pgo-compare-%,$(MAKECMDGOALS))),$(eval \
	$(call kpgo-compare-goal,$(g))))

# every workload (make -jN: up to N at once, kpgo-vm --slots)
pgo-collect-all: $(addprefix pgo-collect-,$(kpgo-recipes))
	@$(kpgo-list)

endif # kpgo-run-locked

endif
