# SPDX-License-Identifier: GPL-2.0
#
# mk/packager.mk - profiles that travel: pgo-export-<name> writes one as an
# archive with a manifest; PGO_PROFILE=<archive or directory> builds a tree
# with one, without QEMU and without collecting anything.
#
# The archive, $(PGO_EXPORT_DIR)/<name>.tar.gz, holds
#   MANIFEST   "key: value" lines (below)
#   gcda/      the merged profile, one .gcda per object with kpgo's summary
#              (with LLVM=: profile.proftext, clang IR PGO's merged text
#              profile; with PGO_METHOD=autofdo: profile.afdo)
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
#                   reads only its own release's format); llvm-ir text
#                   (clang IR PGO), llvm-sample extbinary (AutoFDO)
#   profile         objects, functions, counters, sum (kpgo-gcda stat)
#   source-path     how the tree's builds named its sources: "." built in
#                   place, else the source tree's absolute path (gcc keys
#                   static functions' profiles by it)
#   kpgo            the kpgo version that wrote it
#
# Using one (make PGO_PROFILE=... pgo-use-profile, or in an attached tree
# make PGO_PROFILE=... <kernel goals>) compares the manifest with the tree:
#   refused: another format, compiler family, architecture or profile
#            format (the compiler could use none of it), unless
#            PGO_ALLOW_STALE=1 (then a warning);
#   warned:  another kernel version, config or compiler version text
#            (the compiler ignores what no longer matches; pgo-use counts
#            those functions after the build); another source-path (when
#            the MANIFEST has one: static functions get no profile);
#   refused always: a profile line that is not what kpgo-gcda stat says
#            of the .gcda files (the profile is incomplete or altered).
# The MANIFEST itself must be "key: value" lines of printable ASCII, each
# of the keys above at most once (kpgo-profile check --help).

ifndef kpgo-packager-mk
kpgo-packager-mk := 1

kpgo-recipe-phases += export

# The profile in an archive, by method, named as in a workload's profile
# directory (kpgo-prof-data, mk/use.mk): gcc's gcda/ (one .gcda per
# object), clang IR PGO's merged text profile profile.proftext (source
# paths relative), AutoFDO's merged sample profile profile.afdo
# (extbinary).  $(call kpgo-pp-stat-<method>,DATA,SCRATCH) prints the
# profile: line of DATA (what export writes, what import compares):
# clang IR: kpgo-llvmprof's figures of it merged alone; AutoFDO:
# kpgo-afdo stat's of its text form.
kpgo-pp-stat-ir = $(KPGO_BIN)/kpgo-llvmprof merge -o $(2).merged $(1):1 > $(2).out && \
	rm -f $(2).merged && sed -n '1s/^kpgo-llvmprof: 1 profile merged: //p' $(2).out && rm -f $(2).out
kpgo-pp-stat-afdo = $(call kpgo-afdo-merge,$(1):1,$(2).afdo,$(2).in) && \
	$(call kpgo-afdo-text,$(2).afdo,$(2).txt) && rm -f $(2).afdo && \
	$(KPGO_BIN)/kpgo-afdo stat --top 0 $(2).txt > $(2).out && rm -f $(2).txt && \
	sed -n '1s/^kpgo-afdo: //p' $(2).out && rm -f $(2).out
# clang: the merge into the archive's one file
kpgo-export-merge-ir = $(KPGO_BIN)/kpgo-llvmprof merge -o "$$s.new/profile.proftext" \
	$(call kpgo-merge-inputs,$(2)) > /dev/null
kpgo-export-merge-afdo = $(call kpgo-afdo-merge,$(call kpgo-merge-inputs,$(2)),"$$s.new/profile.afdo","$$s.new.in")

PGO_EXPORT_DIR ?= $(PGO_OUT)/export$(kpgo-fam)

# (this tree's values, kpgo-tree-<key>, are in mk/kpgo.mk)

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
source-path: $(kpgo-tree-source-path)
kpgo: $(kpgo-version)
endef

# --- pgo-export-<name> -------------------------------------------------------
kpgo-tar = tar --sort=name --format=gnu --owner=0 --group=0 --numeric-owner \
	--mtime=@0 --mode=u=rwX,go=rX

# $(call rule_export,name): the archive, then its figures and MANIFEST
define rule_export
$(call kpgo-cmd,export,$(1))
$(call kpgo-cmd,export_figures,$(1))
endef

# make writes the manifest's head to <name>.manifest.new ($(file): a
# file size limit kills make in the middle of it), renamed beside the
# archive once that is in place;
# tar writes a .tar, gzip -9n compresses that file, mv installs the result:
# no pipeline (whose first stage's failure sh would not see); on any
# failure the temporaries go and the previous archive stays as it was
quiet_cmd_export = PGO-EXP $(2): the profile and its MANIFEST into $(2).tar.gz
      cmd_export = s='$(call kpgo-escsq,$(PGO_EXPORT_DIR)/$(2))'; \
	rm -rf "$$s.new" "$$s.new.tar" "$$s.tar.gz.tmp" "$$s.new.in" "$$s.new.x".* && mkdir -p "$$s.new" && { \
	$(if $(LLVM),$(kpgo-export-merge-$(kpgo-method)) && \
	{ $(call kpgo-pp-stat-$(kpgo-method),"$$s.new/$(kpgo-prof-data)","$$s.new.x"); } > "$$s.new.stat",\
	$(KPGO_BIN)/kpgo-gcda merge -q -o "$$s.new/gcda" $(call kpgo-merge-inputs,$(2)) && \
	( cd "$$s.new" && $(KPGO_BIN)/kpgo-gcda stat gcda ) > "$$s.new.x.gcda" && \
	sed -n '1s/^gcda: //p' "$$s.new.x.gcda" > "$$s.new.stat") && \
	test -s "$$s.new.stat" && \
	{ cat "$$s.manifest.new" && printf 'profile: %s\n' "$$(cat "$$s.new.stat")"; \
	} > "$$s.new/MANIFEST" && \
	$(kpgo-tar) -C "$$s.new" -cf "$$s.new.tar" MANIFEST $(kpgo-prof-data) && \
	gzip -9n < "$$s.new.tar" > "$$s.tar.gz.tmp" && sync "$$s.tar.gz.tmp" && \
	mv -f "$$s.tar.gz.tmp" "$$s.tar.gz" && mv -f "$$s.manifest.new" "$$s.manifest"; } || { rc=$$?; \
	rm -rf "$$s.new" "$$s.new.tar" "$$s.new.stat" "$$s.tar.gz.tmp" "$$s.manifest.new" "$$s.new.in" "$$s.new.x".*; \
	echo "kpgo: exporting $(2) failed (exit $$rc); $$s.tar.gz is unchanged" >&2; exit $$rc; } && \
	rm -rf "$$s.new" "$$s.new.tar" "$$s.new.stat" "$$s.new.x".*
# (empty: a figures command prints only its figures)
quiet_cmd_export_figures =
      cmd_export_figures = s='$(call kpgo-escsq,$(PGO_EXPORT_DIR)/$(2))'; \
	$(call kpgo-say,PGO-EXP,$(2): $$s.tar.gz: $$(stat -c %s "$$s.tar.gz") bytes$(comma) \
	  sha256 $$(sha256sum < "$$s.tar.gz" | cut -c1-16)...) && $(call kpgo-say-lines,cat "$$s.manifest",    )

define kpgo-export-tmpl
pgo-export-$(1): $(call kpgo-merge-profiles,$(1)) $(kpgo-use-tool) | kpgo-user-config-ok
	$$(shell mkdir -p '$(call kpgo-escsq,$(PGO_EXPORT_DIR))')$$(file >$(PGO_EXPORT_DIR)/$(1).manifest.new,$$(call kpgo-manifest-head,$(1)))
	$$(call rule_export,$(1))
.PHONY: pgo-export-$(1)
endef

# --- PGO_PROFILE: a profile from elsewhere -----------------------------------
# The profile is untrusted (README "Threat model").  Nothing of it is read
# while make parses: an archive is unpacked by kpgo-profile unpack (regular
# files and directories with plain names, within limits; libarchive, not
# tar) into $(PGO_OUT)/import.new, its MANIFEST compared with this tree by
# kpgo-profile check (which prints what differs as data) and its profile:
# line with what kpgo-gcda stat says of its .gcda files; only then it
# becomes $(PGO_OUT)/import and is installed.  A directory is checked the
# same way where it is, its gcda/ read by kpgo-gcda.  The user's paths
# reach the shell single-quoted only.
ifneq ($(strip $(PGO_PROFILE)),)
# (a path with spaces is one path: abspath would take it for several)
kpgo-pp := $(if $(word 2,$(PGO_PROFILE)),$(if $(filter /%,$(firstword \
	$(PGO_PROFILE))),,$(CURDIR)/)$(PGO_PROFILE),$(abspath $(PGO_PROFILE)))
kpgo-pp-q := '$(call kpgo-escsq,$(kpgo-pp))'
kpgo-pp-is-dir := $(shell test -d $(kpgo-pp-q) && echo y)
kpgo-pp-import := $(PGO_OUT)/import
kpgo-pp-stale := $(PGO_OUT)/import.stale
# a directory whose path the shell could misread reaches kpgo-gcda (in
# rule_use) through a symbolic link of kpgo's: $(PGO_OUT)/import.dir
kpgo-pp-plain := $(shell case $(kpgo-pp-q) in (*[!A-Za-z0-9_./+-]*) ;; (*) echo y;; esac)
kpgo-pp-dir := $(if $(kpgo-pp-plain),$(kpgo-pp),$(PGO_OUT)/import.dir)
# the .gcda tree: DIR/gcda, or DIR itself, or the unpacked archive's;
# clang: DIR/profile.proftext or DIR/profile.afdo, or the archive's
kpgo-pp-gcda := $(strip $(if $(LLVM),$(if $(kpgo-pp-is-dir),$(kpgo-pp-dir),$(kpgo-pp-import))/$(kpgo-prof-data),\
	$(if $(kpgo-pp-is-dir),$(if $(shell test -d $(kpgo-pp-q)/gcda && echo y),\
	$(kpgo-pp-dir)/gcda,$(kpgo-pp-dir)$(if $(kpgo-pp-plain),,/.)),$(kpgo-pp-import)/gcda)))

# (MAKECMDGOALS: a missing PGO_PROFILE said at once, before any work)
ifneq ($(filter pgo-use-profile,$(MAKECMDGOALS)),)
$(if $(shell test -e $(kpgo-pp-q) && echo y),,$(error kpgo: PGO_PROFILE=$(PGO_PROFILE): \
	no such file or directory; give a profile archive (make pgo-export-<name> writes one) \
	or a directory with MANIFEST and gcda/))
endif

# this tree's values, for kpgo-profile check
kpgo-pp-tree = $(foreach k,format compiler-family arch profile-format kernel config-sha256 \
	compiler source-path,--tree '$(k)=$(call kpgo-escsq,$(strip $(kpgo-tree-$(k))))')
# $(call kpgo-pp-check,DIR,GCDA,SCRATCH): compare the profile in DIR (its
# .gcda files in GCDA; all three shell words) with this tree; SCRATCH.stat
# gets kpgo-gcda stat's line, $(kpgo-pp-stale) is made when it is stale.
kpgo-pp-check = if [ -e $(1)/MANIFEST ] || [ -L $(1)/MANIFEST ]; then \
	$(if $(LLVM),{ if [ -f $(2) ]; then $(call kpgo-pp-stat-$(kpgo-method),$(2),$(3)); fi; } > $(3).stat,\
	$(KPGO_BIN)/kpgo-gcda stat $(2) > $(3).stat && \
	sed -i -n '1s/^.*: \([0-9][0-9]* objects \)/\1/p' $(3).stat); else : > $(3).stat; fi && \
	$(KPGO_BIN)/kpgo-profile check $(1) --name $(kpgo-pp-q) --stat $(3).stat \
	  --stale '$(call kpgo-escsq,$(kpgo-pp-stale))' \
	  $(if $(filter 1,$(PGO_ALLOW_STALE)),--allow-stale) \
	  $(if $(filter silent_,$(kpgo-quiet)),--quiet) $(kpgo-pp-tree)

# an archive: unpack, check, then make it the import (kpgo-profile
# unpack's own line, tagged PGO-IMP, says what the archive held: it is
# printed before the check, which may refuse it)
quiet_cmd_import = PGO-IMP $(kpgo-pp-import): unpacking the archive, checking it against this tree
      cmd_import = i='$(call kpgo-escsq,$(kpgo-pp-import))'; \
	rm -rf "$$i.new" "$$i.new.stat" && mkdir -p "$$i.new" && { \
	m=$$($(KPGO_BIN)/kpgo-profile unpack $(kpgo-pp-q) "$$i.new") && \
	$(call kpgo-say,PGO-IMP,$${m#kpgo-profile: }) && \
	$(call kpgo-pp-check,"$$i.new","$$i.new/$(kpgo-prof-data)","$$i.new"); } || { rc=$$?; \
	rm -rf "$$i.new" "$$i.new.stat"; exit $$rc; } && \
	rm -rf "$$i" "$$i.new.stat" && mv "$$i.new" "$$i"
# a directory: check it where it is
quiet_cmd_import_dir = PGO-IMP $(kpgo-pp): checking it against this tree
      cmd_import_dir = o='$(call kpgo-escsq,$(PGO_OUT))'; mkdir -p "$$o" && \
	if [ -L $(kpgo-pp-q)/$(kpgo-prof-data) ]; then echo 'kpgo: PGO_PROFILE='$(kpgo-pp-q)': its \
	  $(kpgo-prof-data)$(if $(LLVM),,/) is a symbolic link: a profile directory holds its \
	  $(kpgo-prof-data)$(if $(LLVM),,/) itself; refused' >&2; exit 1; fi && \
	$(if $(kpgo-pp-plain),,ln -sfn $(kpgo-pp-q) "$$o/import.dir" && ) \
	{ $(call kpgo-pp-check,$(kpgo-pp-q),'$(call kpgo-escsq,$(kpgo-pp-gcda))',"$$o/import"); } || { \
	rc=$$?; rm -f "$$o/import.stat"; exit $$rc; } && rm -f "$$o/import.stat"

# what gcc did with a stale profile, from the use build's messages
kpgo-pp-stale-counts = $(call kpgo-count,$(kpgo-mismatch-re),$(1)/use.log) functions' profile \
	ignored (mismatched), $(call kpgo-count,$(kpgo-noprofile-re),$(1)/use.log) functions without profile

pgo-use-profile: $(kpgo-use-tool) $(KPGO_BIN)/kpgo-profile | kpgo-user-config-ok
	$(call kpgo-cmd,$(if $(kpgo-pp-is-dir),import_dir,import))
	$(call rule_use,imported,$(kpgo-pp-gcda):1)
	@if [ -e '$(call kpgo-escsq,$(kpgo-pp-stale))' ]; then $(call kpgo-say,PGO-STA,stale profile: \
	  $(call kpgo-pp-stale-counts,$(call kpgo-work,imported))); fi
else
pgo-use-profile:
	$(error kpgo: pgo-use-profile builds with PGO_PROFILE=<archive or directory>: say which profile)
endif
.PHONY: pgo-use-profile

endif
