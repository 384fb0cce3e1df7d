# SPDX-License-Identifier: GPL-2.0
#
# mk/use.mk - pgo-use-<workload>: rebuild the tree's own kernel (its own
# object tree, so make install, bindeb-pkg ... follow) with the profile.
#
# Only this Kbuild run has the profile flags: a later plain 'make' in the
# tree recompiles without them (build packages with PGO_USE_TARGETS).
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

ifndef kpgo-use-mk
kpgo-use-mk := 1

kpgo-recipe-phases += use

# What pgo-use builds in the tree (default: what plain 'make' builds).
PGO_USE_TARGETS ?= all

kpgo-use-flags = $(strip -fprofile-use -fprofile-correction \
	-Wno-error=coverage-mismatch -Wmissing-profile -Wno-error=missing-profile \
	$(if $(filter y,$(PGO_PARTIAL_TRAINING)),-fprofile-partial-training))

# distcc compiles -fprofile-use on other hosts, which do not have the .gcda
# files (it keeps only -fprofile-arcs local): with a distcc CC, the use build
# compiles locally.  ccache finds dir/obj.gcda itself and hashes it.
kpgo-use-env = $(if $(findstring distcc,$(CC)),DISTCC_HOSTS=localhost)

kpgo-profile-deps := $(PGO_OUT)/profile-deps.mk
kpgo-profile-list := $(PGO_OUT)/profile-installed.list

# Counting the compiler's evidence in use.log and in the object tree.
kpgo-count = $$(grep -Ec '$(1)' $(2) || true)
# Objects compiled from C (a .c beside them in the source tree) in this
# build, outside kpgo's own trees; link products do not count.
kpgo-use-evidence = \
	find $(kpgo-objtree) -path $(PGO_OUT) -prune -o -name '*.o' -newer $(1)/use.start -print | \
		sed 's|^$(kpgo-objtree)/||; s|\.o$$||' | while read o; do \
		test -f $(kpgo-srctree)/$$o.c && echo $$o; done > $(1)/use.objects; \
	c=$$(wc -l < $(1)/use.objects); \
	p=$$(sed 's|^|$(kpgo-objtree)/|; s|$$|.gcda|' $(1)/use.objects | xargs -r ls -d 2>/dev/null | wc -l); \
	echo "$$c objects compiled in this build, $$p with profile data, $$(( c - p )) without \
	($(call kpgo-count,profile count data file not found,$(1)/use.log) reported by \
	-Wmissing-profile); functions: \
	$(call kpgo-count,control flow of function|number of counters in profile data,$(1)/use.log) \
	mismatched (profile ignored), \
	$(call kpgo-count,profile for function .* not found in profile data,$(1)/use.log) \
	without profile, \
	$(call kpgo-count,source locations for function,$(1)/use.log) \
	with moved source lines" > $(1)/use.evidence

# $(call kpgo-use,name,profile-dirs): merge, install, build, report
quiet_cmd_use =
      cmd_use = w=$(call kpgo-work,$(2)); mkdir -p $$w; \
	if [ -z "$$(find $(3) -name '*.gcda' 2>/dev/null | head -n 1)" ]; then \
	  echo "kpgo: the $(2) profile is empty: no .gcda files in $(3); collect it again \
	  with make pgo-collect-$(2)" >&2; exit 1; fi; \
	$(KPGO_BIN)/kpgo-gcda merge -o $(kpgo-objtree) --installed $(kpgo-profile-list) \
	  --deps $(kpgo-profile-deps) $(3) > $$w/merge.txt && \
	$(call kpgo-say,PGO-MRG,$(2): $$(sed 's/^kpgo-gcda: //' $$w/merge.txt)) && \
	$(call kpgo-say,PGO-USE,$(2): building $(PGO_USE_TARGETS) in $(kpgo-objtree) with \
	  $(kpgo-use-flags)$(if $(kpgo-use-env), (distcc: compiling locally)); compiler messages in $$w/use.log) && \
	touch $$w/use.start && t0=$$(date +%s) && \
	if ! $(kpgo-use-env) MAKEFILES=$(kpgo-profile-deps) $(kpgo-kmake) $(if $(kpgo-o),O=$(kpgo-objtree)) \
	    KCFLAGS='$(call kpgo-escsq,$(KCFLAGS) $(kpgo-use-flags))' \
	    $(PGO_USE_TARGETS) 2>$$w/use.log; then \
	  echo "kpgo: building the kernel with the $(2) profile failed; last lines of $$w/use.log:" >&2; \
	  tail -n 30 $$w/use.log | sed 's/^/  | /' >&2; exit 1; fi && \
	$(call kpgo-time,use,$(2)) && $(call kpgo-use-evidence,$$w) && \
	$(call kpgo-say,PGO-USE,$(2): $$(cat $$w/use.evidence); $$(cat $(kpgo-times)/use-$(2)) s) && \
	{ $(call kpgo-text-figures,$(kpgo-objtree)/vmlinux.o) ; } > $$w/use.text && \
	$(call kpgo-say,PGO-USE,$(2): vmlinux.o $$(cat $$w/use.text)) && \
	if [ -f $(kpgo-base)/vmlinux.o ]; then \
	  $(call kpgo-say,PGO-USE,baseline: vmlinux.o $$({ $(call kpgo-text-figures,$(kpgo-base)/vmlinux.o) ; })); fi

define kpgo-use-tmpl
pgo-use-$(1): $(call kpgo-prof,$(1))/profile.info $(KPGO_BIN)/kpgo-gcda | kpgo-user-config-ok
	+$$(call kpgo-cmd,use,$(1),$(call kpgo-prof,$(1))/gcda)
.PHONY: pgo-use-$(1)
endef

endif
