# SPDX-License-Identifier: GPL-2.0
#
# mk/mirror.mk - the source kpgo's own kernels are built from, for a tree
# built in place.
#
# kpgo builds its kernels (instrumented, baseline) in $(PGO_OUT), and an
# in-place tree cannot be their source with O=: Kbuild refuses O= from a
# source tree that holds build outputs ("The source tree is not clean"),
# which its VPATH would find.  Nor may they be built with O= from a clean
# copy elsewhere: gcc keys the profile of a static function by the source
# file's name as given on the command line (coverage.cc's profile id), so
# a kernel built from /path/copy/kernel/fork.c and one built in place
# from kernel/fork.c share no static function's profile.  For such a tree
# each of kpgo's kernels is therefore built in place, in a tree of hard
# links to the tree's sources, with the same file names as the tree's own
# build:
#
#   1. every file of the tree (but .git and $(PGO_OUT)) is linked into
#      $(PGO_OUT)/source.new (cpio -pdl);
#   2. what the tree's .gitignore files ignore is removed from it (build
#      outputs; with git, untracked ones only, as git clean -X): git
#      ls-files, with the tree's repository or, without one, an empty one.
#      A top-level rule that ignores everything ("/*", as Debian's
#      linux-source has for its packaging) is left out for this;
#   3. it replaces $(PGO_OUT)/source, the clean mirror, and its files are
#      linked over those of each kernel's tree (cpio -pdlu), which keeps
#      their build outputs; files gone from the tree are removed there.
#
# A file unchanged since the last refresh is the same inode, with the same
# time, so Kbuild recompiles in kpgo's kernels exactly what was edited.
# No file of the tree is ever opened for writing: what Kbuild writes are
# its outputs, which step 2 leaves out.  It costs seconds and inodes, not
# blocks.  An O= tree's kernels are built with O= from KSRC, as before.

ifndef kpgo-mirror-mk
kpgo-mirror-mk := 1

kpgo-mirror := $(PGO_OUT)/source
kpgo-mirror-git := $(if $(wildcard $(kpgo-srctree)/.git),$(kpgo-srctree)/.git,$(PGO_OUT)/source.git)
# git ls-files in the mirror, with the top-level "ignore everything" rule
# left out (through a copy of the top .gitignore: the mirror's link to the
# tree's own is replaced, then put back)
kpgo-mirror-ls = git --git-dir=$(kpgo-mirror-git) --work-tree=. ls-files -z -o -i \
	--exclude-standard --directory

# (the tree's PGO_OUT, when it is inside the tree, and kpgo's GNUmakefile
# are not mirrored)
kpgo-mirror-prune = $(if $(filter $(kpgo-srctree)/%,$(PGO_OUT)),-o -path ./$(patsubst \
	$(kpgo-srctree)/%,%,$(PGO_OUT))) $(if $(kpgo-is-ours),-o -path ./GNUmakefile)

quiet_cmd_mirror = PGO-SRC $(kpgo-mirror) (hard links of $(kpgo-srctree))
      cmd_mirror = t0=$$(date +%s); m=$(kpgo-mirror); rm -rf $$m.new $$m.old && \
	{ test -d $(kpgo-mirror-git) || git init -q --bare $(kpgo-mirror-git); } && \
	cd $(kpgo-srctree) && find . \( -path ./.git $(kpgo-mirror-prune) \) -prune -o -print0 \
	  > $$m.find0 && cpio -0 -pdl --quiet $$m.new < $$m.find0 && rm -f $$m.find0 && \
	cd $$m.new && if [ -f .gitignore ]; then rm -f .gitignore && \
	  { grep -vx '/\?\*' $(kpgo-srctree)/.gitignore || true; } > .gitignore; fi && \
	$(kpgo-mirror-ls) > $$m.ignored0 && xargs -0r rm -rf -- < $$m.ignored0 && rm -f $$m.ignored0 && \
	if [ -f $(kpgo-srctree)/.gitignore ]; then ln -f $(kpgo-srctree)/.gitignore .gitignore; fi && \
	cd $(kpgo-srctree) && { if [ -d $$m ]; then mv $$m $$m.old; fi; } && mv $$m.new $$m && \
	rm -rf $$m.old && $(call kpgo-time,mirror,source)
quiet_cmd_mirror_figures =
      cmd_mirror_figures = $(call kpgo-say,PGO-SRC,$$(wc -l < $(kpgo-mirror).list) files \
	linked in $$(cat $(kpgo-times)/mirror-source) s)

# the list of the clean mirror's files (NUL- and newline-separated)
quiet_cmd_mirror_list =
      cmd_mirror_list = cd $(kpgo-mirror) && find . ! -type d -print0 > $(kpgo-mirror).list0 && \
	tr '\0' '\n' < $(kpgo-mirror).list0 > $(kpgo-mirror).list.tmp && \
	LC_ALL=C sort -o $(kpgo-mirror).list $(kpgo-mirror).list.tmp && rm -f $(kpgo-mirror).list.tmp

# the clean mirror's files linked over kernel tree $(2), which keeps its
# build outputs; files its last link had and the tree has no more are
# removed ($(2)/.kpgo-source.list: what it was linked from)
quiet_cmd_mirror_link = PGO-SRC $(2): the tree's sources linked in
      cmd_mirror_link = mkdir -p $(2) && cd $(kpgo-mirror) && \
	cpio -0 -pdlu --quiet $(2) < $(kpgo-mirror).list0 && cd $(2) && \
	if [ -f .kpgo-source.list ]; then LC_ALL=C comm -23 .kpgo-source.list $(kpgo-mirror).list \
	  > .kpgo-source.gone && tr '\n' '\0' < .kpgo-source.gone | xargs -0r rm -f -- && \
	  rm -f .kpgo-source.gone; fi && \
	cp $(kpgo-mirror).list .kpgo-source.list.tmp && mv -f .kpgo-source.list.tmp .kpgo-source.list

# the clean mirror, before each build of kpgo's kernels (then each
# kernel's tree is linked, and Kbuild decides what changed)
kpgo-src-instr: kpgo-mirror-refresh
kpgo-src-base: kpgo-mirror-refresh
ifeq ($(kpgo-in-place),y)
kpgo-mirror-refresh:
	$(call kpgo-cmd,mirror)
	$(call kpgo-cmd,mirror_list)
	$(call kpgo-cmd,mirror_figures)
kpgo-src-instr:
	$(call kpgo-cmd,mirror_link,$(kpgo-instr))
kpgo-src-base:
	$(call kpgo-cmd,mirror_link,$(kpgo-base))
else
# (an O= tree's kernels are built from KSRC: nothing to do)
kpgo-mirror-refresh kpgo-src-instr kpgo-src-base: ;
endif

.PHONY: kpgo-mirror-refresh kpgo-src-instr kpgo-src-base

endif
