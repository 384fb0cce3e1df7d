# SPDX-License-Identifier: GPL-2.0
#
# mk/mirror.mk - the source kpgo's own kernels are built from, for a tree
# built in place.
#
# kpgo builds its kernels (instrumented, baseline) with O= in $(PGO_OUT),
# and Kbuild refuses O= from a source tree that holds build outputs ("The
# source tree is not clean"): an in-place tree's .config, objects and
# generated headers would also be found through Kbuild's VPATH.  For such a
# tree kpgo's kernels are built from $(PGO_OUT)/source, a mirror of the
# tree's sources made of hard links (no file is copied, no file of the tree
# is ever opened for writing), refreshed before each of their builds:
#
#   1. every file of the tree (but .git and $(PGO_OUT)) is linked into
#      source.new (cpio -pdl);
#   2. what the tree's .gitignore files ignore is removed from it (build
#      outputs; with git, untracked ones only, as git clean -X): git
#      ls-files, with the tree's repository or, without one, an empty one.
#      A top-level rule that ignores everything ("/*", as Debian's
#      linux-source has for its packaging) is left out for this;
#   3. source.new replaces source.
#
# A file unchanged since the last refresh is the same inode, with the same
# time, so Kbuild recompiles in kpgo's kernels exactly what was edited.
# The mirror is byte-identical to the tree's sources when it is built;
# it costs seconds and inodes, not blocks.  An O= tree is built from KSRC
# itself, as before.

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
	$(kpgo-srctree)/%,%,$(PGO_OUT))) $(if $(kpgo-attached),-o -path ./GNUmakefile)

quiet_cmd_mirror = PGO-SRC $(kpgo-mirror) (hard links of $(kpgo-srctree))
      cmd_mirror = t0=$$(date +%s); m=$(kpgo-mirror); rm -rf $$m.new $$m.old && \
	{ test -d $(kpgo-mirror-git) || git init -q --bare $(kpgo-mirror-git); } && \
	cd $(kpgo-srctree) && find . \( -path ./.git $(kpgo-mirror-prune) \) -prune -o -print0 | \
	  cpio -0 -pdl --quiet $$m.new && \
	cd $$m.new && if [ -f .gitignore ]; then rm -f .gitignore && \
	  { grep -vx '/\?\*' $(kpgo-srctree)/.gitignore || true; } > .gitignore; fi && \
	$(kpgo-mirror-ls) | xargs -0r rm -rf -- && \
	if [ -f $(kpgo-srctree)/.gitignore ]; then ln -f $(kpgo-srctree)/.gitignore .gitignore; fi && \
	cd $(kpgo-srctree) && { if [ -d $$m ]; then mv $$m $$m.old; fi; } && mv $$m.new $$m && \
	rm -rf $$m.old && $(call kpgo-time,mirror,source)
quiet_cmd_mirror_figures =
      cmd_mirror_figures = $(call kpgo-say,PGO-SRC,$$(find $(kpgo-mirror) -type f | wc -l) files \
	linked in $$(cat $(kpgo-times)/mirror-source) s)

# before each build of kpgo's kernels (Kbuild then decides what changed)
kpgo-mirror-refresh:
	$(if $(kpgo-in-place),$(call kpgo-cmd,mirror))
	$(if $(kpgo-in-place),$(call kpgo-cmd,mirror_figures))

.PHONY: kpgo-mirror-refresh

endif
