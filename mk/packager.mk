# SPDX-License-Identifier: GPL-2.0
#
# mk/packager.mk - profiles that travel: pgo-export-<name> writes one as an
# archive with a manifest; PGO_PROFILE=<archive or directory> builds a tree
# with one, without QEMU and without collecting anything.
#
# The archive, $(PGO_EXPORT_DIR)/<name>.tar.gz, holds
#   MANIFEST   "key: value" lines (below)
#   gcda/      the merged profile, one .gcda per object with kpgo's summary
# and is reproducible: the same profile gives the same bytes (names sorted,
# owner 0, times 0, modes fixed, gzip -n, no date in the manifest).
#
# MANIFEST keys:
#   format          kpgo-profile 1
#   name            the workload or set exported
#   workloads       workload:weight ..., and normalize: y|n
#   kernel          VERSION.PATCHLEVEL.SUBLEVEL[EXTRAVERSION] of the tree
#   arch            the tree's architecture (SRCARCH, 32/64-bit)
#   config-sha256   sha256 of the .config's settings (comments dropped,
#                   sorted), the config the profile is meant for
#   compiler-family gcc or clang
#   compiler        the compiler's version text (CONFIG_CC_VERSION_TEXT)
#   profile-format  the .gcda format: gcc <major.minor> (gcc writes and
#                   reads only its own release's format)
#   profile         objects, functions, counters, sum (kpgo-gcda stat)
#   kpgo            the kpgo version that wrote it
#
# Using one (make PGO_PROFILE=... pgo-use-profile, or in an attached tree
# make PGO_PROFILE=... <kernel goals>) compares the manifest with the tree:
#   refused: another format, compiler family, architecture or profile
#            format (the compiler could use none of it), unless
#            PGO_ALLOW_STALE=1 (then a warning);
#   warned:  another kernel version, config or compiler version text
#            (the compiler ignores what no longer matches; pgo-use counts
#            those functions after the build).

ifndef kpgo-packager-mk
kpgo-packager-mk := 1

kpgo-recipe-phases += export

# clang profiles travel as they are: a workload's profile.proftext is text
# with source paths made relative, read through PGO_PROFILES
ifneq ($(LLVM),)
ifneq ($(filter pgo-export-%,$(MAKECMDGOALS))$(PGO_PROFILE),)
$(error kpgo: pgo-export-<name> and PGO_PROFILE= carry gcc profiles only; with \
	LLVM= ship the profile directories <w>/ (profile.proftext and profile.info) of \
	$(PGO_PROFILES) and build with make LLVM=$(LLVM) PGO_PROFILES=<their directory> pgo-use-<w>)
endif
endif

PGO_EXPORT_DIR ?= $(PGO_OUT)/export
PGO_PROFILE ?=
PGO_ALLOW_STALE ?=

# --- this tree, as a manifest describes it ---------------------------------
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
kpgo-tree-compiler-family = $(if $(filter y,$(call kpgo-cfg-val,CONFIG_CC_IS_CLANG)),clang,gcc)
kpgo-tree-compiler = $(shell sed -n \
	's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$$/\1/p' $(kpgo-user-config))
# gcc <major>.<minor> from CONFIG_GCC_VERSION (120200 -> 12.2)
kpgo-tree-profile-format = $(kpgo-tree-compiler-family) $(shell \
	v=$(or $(call kpgo-cfg-val,CONFIG_GCC_VERSION),0); echo $$((v / 10000)).$$((v / 100 % 100)))

# $(call kpgo-manifest-head,name): the manifest but its profile line
define kpgo-manifest-head
format: $(kpgo-tree-format)
name: $(1)
workloads: $(call kpgo-members,$(1))
normalize: $(if $(kpgo-is-set),$(PGO_NORMALIZE),n)
kernel: $(kpgo-tree-kernel)
arch: $(kpgo-tree-arch)
config-sha256: $(kpgo-tree-config-sha256)
compiler-family: $(kpgo-tree-compiler-family)
compiler: $(kpgo-tree-compiler)
profile-format: $(kpgo-tree-profile-format)
kpgo: $(kpgo-version)
endef

# --- pgo-export-<name> -------------------------------------------------------
kpgo-tar = tar --sort=name --format=gnu --owner=0 --group=0 --numeric-owner \
	--mtime=@0 --mode=u=rwX,go=rX

quiet_cmd_export =
      cmd_export = s=$(PGO_EXPORT_DIR)/$(2); rm -rf $$s.new && mkdir -p $$s.new && \
	$(KPGO_BIN)/kpgo-gcda merge -q -o $$s.new/gcda $(call kpgo-merge-inputs,$(2)) && \
	{ cat $$s.manifest; printf 'profile: %s\n' "$$(cd $$s.new && $(KPGO_BIN)/kpgo-gcda stat gcda | \
	  sed -n '1s/^[^:]*: //p')"; } > $$s.new/MANIFEST && \
	$(kpgo-tar) -C $$s.new -cf - MANIFEST gcda | gzip -9n > $$s.tar.gz.tmp && \
	mv -f $$s.tar.gz.tmp $$s.tar.gz && rm -rf $$s.new && \
	$(call kpgo-say,PGO-EXP,$(2): $$s.tar.gz: $$(stat -c %s $$s.tar.gz) bytes$(comma) \
	  sha256 $$(sha256sum < $$s.tar.gz | cut -c1-16)...) && sed 's/^/    /' $$s.manifest

define kpgo-export-tmpl
pgo-export-$(1): $(call kpgo-merge-profiles,$(1)) $(KPGO_BIN)/kpgo-gcda | kpgo-user-config-ok
	$$(shell mkdir -p $(PGO_EXPORT_DIR))$$(file >$(PGO_EXPORT_DIR)/$(1).manifest,$$(call kpgo-manifest-head,$(1)))
	$$(call kpgo-cmd,export,$(1))
.PHONY: pgo-export-$(1)
endef

# --- PGO_PROFILE: a profile from elsewhere -----------------------------------
ifneq ($(strip $(PGO_PROFILE)),)
kpgo-pp := $(abspath $(PGO_PROFILE))
kpgo-pp-is-dir := $(wildcard $(kpgo-pp)/.)
kpgo-pp-import := $(PGO_OUT)/import
# the .gcda tree: DIR/gcda, or DIR itself, or the unpacked archive's
kpgo-pp-gcda := $(if $(kpgo-pp-is-dir),$(if $(wildcard $(kpgo-pp)/gcda/.),$(kpgo-pp)/gcda,\
	$(kpgo-pp)),$(kpgo-pp-import)/gcda)

ifneq ($(filter pgo-use-profile,$(MAKECMDGOALS)),)
$(if $(wildcard $(kpgo-pp)),,$(error kpgo: PGO_PROFILE=$(PGO_PROFILE): no such file or \
	directory; give a profile archive (make pgo-export-<name> writes one) or a directory \
	with MANIFEST and gcda/))
$(if $(kpgo-pp-is-dir),,$(if $(shell tar -tzf $(kpgo-pp) 2>/dev/null | grep -qx 'gcda/' && echo y),,\
	$(error kpgo: PGO_PROFILE=$(PGO_PROFILE) is not a profile archive (a gzip'ed tar with \
	MANIFEST and gcda/); make one with make pgo-export-<name>)))
# the manifest, its spaces and newlines made \037 and \036 so make can
# pick lines as words
kpgo-us := $(shell printf '\037')
kpgo-rs := $(shell printf '\036')
kpgo-pp-manifest := $(shell { $(if $(kpgo-pp-is-dir),cat $(kpgo-pp)/MANIFEST,tar -xOzf \
	$(kpgo-pp) MANIFEST); } 2>/dev/null | tr ' \n' '\037\036')
# $(call kpgo-pp-get,key): the profile's value of a manifest key
kpgo-pp-get = $(strip $(subst $(kpgo-us), ,$(patsubst $(1):$(kpgo-us)%,%,$(filter \
	$(1):$(kpgo-us)%,$(subst $(kpgo-rs), ,$(kpgo-pp-manifest))))))
kpgo-streq = $(if $(subst x$(1),,x$(2))$(subst x$(2),,x$(1)),,y)
kpgo-pp-differs = $(if $(call kpgo-streq,$(call kpgo-pp-get,$(1)),$(strip \
	$(kpgo-tree-$(1)))),,$(1))
# $(call kpgo-pp-what,key): the two values, in words
kpgo-pp-what = $(1) '$(call kpgo-pp-get,$(1))' (this tree: '$(strip $(kpgo-tree-$(1)))')

kpgo-why-format          := kpgo cannot read this manifest format
kpgo-why-compiler-family := the compiler reads only its own family's profiles
kpgo-why-arch            := the profile describes another architecture's code
kpgo-why-profile-format  := gcc reads only .gcda files of its own release and ignores the others

ifeq ($(kpgo-pp-manifest),)
kpgo-pp-refusals :=
kpgo-pp-stale := no MANIFEST in $(PGO_PROFILE): kernel, config and compiler cannot be checked
else
kpgo-pp-refusals := $(strip $(foreach k,format compiler-family arch profile-format,\
	$(call kpgo-pp-differs,$(k))))
kpgo-pp-stale := $(strip $(foreach k,kernel config-sha256 compiler,$(if \
	$(call kpgo-pp-differs,$(k)),$(call kpgo-pp-what,$(k));)))
endif
kpgo-pp-refusal-text = $(foreach k,$(kpgo-pp-refusals),$(call kpgo-pp-what,$(k)): \
	$(kpgo-why-$(k));)
ifneq ($(kpgo-pp-refusals),)
ifeq ($(PGO_ALLOW_STALE),1)
kpgo-pp-stale := $(kpgo-pp-refusal-text) $(kpgo-pp-stale)
else
$(error kpgo: PGO_PROFILE=$(PGO_PROFILE) cannot apply to this tree: \
	$(kpgo-pp-refusal-text) collect a profile for this tree, or build anyway with PGO_ALLOW_STALE=1)
endif
endif
endif

quiet_cmd_import = PGO-IMP $(PGO_PROFILE)
      cmd_import = rm -rf $(kpgo-pp-import).new && mkdir -p $(kpgo-pp-import).new && \
	tar -xzf $(kpgo-pp) -C $(kpgo-pp-import).new --no-same-owner --no-same-permissions && \
	rm -rf $(kpgo-pp-import) && mv $(kpgo-pp-import).new $(kpgo-pp-import)

# what gcc did with a stale profile, from the use build's messages
kpgo-pp-stale-counts = $(call kpgo-count,$(kpgo-mismatch-re),$(1)/use.log) functions' profile \
	ignored (mismatched), $(call kpgo-count,$(kpgo-noprofile-re),$(1)/use.log) functions without profile

pgo-use-profile: $(KPGO_BIN)/kpgo-gcda | kpgo-user-config-ok
	$(if $(kpgo-pp-is-dir),,$(call kpgo-cmd,import))
	@$(if $(kpgo-pp-stale),$(call kpgo-say,PGO-STA,stale profile: $(kpgo-pp-stale)),:)
	+$(call kpgo-cmd,use,imported,$(kpgo-pp-gcda):1)
	@$(if $(kpgo-pp-stale),$(call kpgo-say,PGO-STA,stale profile: \
	  $(call kpgo-pp-stale-counts,$(call kpgo-work,imported))),:)
else
pgo-use-profile:
	$(error kpgo: pgo-use-profile builds with PGO_PROFILE=<archive or directory>: say which profile)
endif
.PHONY: pgo-use-profile

endif
