# SPDX-License-Identifier: GPL-2.0
#
# kpgo - profile-guided optimization of the Linux kernel as make targets.
#
#   make quickstart                      the whole gcc loop on Debian's 6.12
#   make check                           the tests (what CI runs)
#   make KSRC=<tree> [O=<dir>] pgo-...   kpgo's targets on any kernel tree
#   make KSRC=<tree> pgo-attach          ... or hook kpgo into the tree
#   make pgo-help                        targets, variables, workloads

KPGO_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# This file's own goals need no kernel tree.
kpgo-goals-no-ksrc := quickstart quickstart-config quickstart-summary check check-fast check-e2e check-workloads \
	pgo-deps pgo-deps-src pgo-deps-list quickstart-deps quickstart-deps-list clean help install uninstall
.DEFAULT_GOAL := help

include $(KPGO_DIR)/mk/kpgo.mk

help: pgo-help

# --- packages --------------------------------------------------------------
# What the gcc loop needs (KPGO_DEBS_LOOP: the kernel's build tools, QEMU,
# busybox for the guest, libarchive for kpgo-mkimage, mke2fs for disks,
# git and cpio for an in-place tree's link trees (mk/mirror.mk), Debian's
# kernel source for the quick start) plus a workload's own _DEBS:
# make quickstart installs only that for QS_WORKLOAD.  make pgo-deps
# installs everything the workflow and the tests need, every workload's
# packages included (clang and libclang-rt-dev: the .gcda parser's fuzz
# test; ccache: a test proves kpgo's profile layout works with a
# ccache-wrapped CC; libncurses-dev: the kernel tree's menuconfig for make
# pgo-menuconfig; guile-3.0-libs: the tests run the make files also under
# Debian's make-guile, unpacked; gnuplot-nox: pgo-compare's chart; gdb:
# tests/crash.mk kills the installer at a chosen point under it; clang-19,
# lld-19, llvm-19: the clang loop; bolt-19: pgo-bolt-<w>; lcov: pgo-report; linux-perf and
# chromium: the flamegraph tests; qemu-user: the plugin's branch records
# of small programs, tests/autofdo.mk).  Besides packages, pgo-deps adds a
# deb-src entry (kpgo-src.sources, the suites of the system's Debian
# entries): pgo-compare's TCG plugin needs the plugin API header of the
# installed QEMU, which only its source package has.
KPGO_DEBS_LOOP := gcc make libc6-dev flex bison bc libelf-dev libssl-dev cpio git xz-utils \
	kmod binutils qemu-system-x86 busybox-static libarchive-dev e2fsprogs linux-source-6.12
KPGO_DEBS := $(KPGO_DEBS_LOOP) clang libclang-rt-dev \
	ccache libncurses-dev guile-3.0-libs gnuplot-nox gdb clang-19 lld-19 llvm-19 libclang-rt-19-dev bolt-19 llvm-14 lcov linux-perf chromium qemu-user $(sort $(foreach r,$(kpgo-recipes),$($(call kpgo-upper,$(r))_DEBS)))
# $(call kpgo-workload-debs,w): the loop's packages and workload w's
kpgo-workload-debs = $(if $(filter $(1),$(kpgo-recipes)),,$(call kpgo-unknown,$(1))) \
	$(KPGO_DEBS_LOOP) $(filter-out $(KPGO_DEBS_LOOP),$($(call kpgo-upper,$(1))_DEBS))

# $(call kpgo-installed-debs,PACKAGES): those of PACKAGES that are installed
kpgo-installed-debs = $(shell dpkg-query -W -f='$${db:Status-Abbrev}$${Package}\n' \
	$(1) 2>/dev/null | sed -n 's/^ii *//p')
kpgo-missing-debs = $(filter-out $(call kpgo-installed-debs,$(1)),$(1))

# $(call kpgo-deps-install,PACKAGES,for what): install the missing ones
# (as root), saying how many of how many; PGO_DEPS_DRY_RUN=y only says
# which it would install
kpgo-deps-install = missing="$(strip $(call kpgo-missing-debs,$(1)))"; \
	if [ -z "$$missing" ]; then $(call kpgo-say,DEPS,$(2): all $(words $(1)) Debian packages it needs are installed); \
	elif [ "$(PGO_DEPS_DRY_RUN)" = y ]; then \
	  $(call kpgo-say,DEPS,$(2): would install $$(echo $$missing | wc -w) of the $(words $(1)) Debian packages it needs: $$missing); \
	elif [ "$$(id -u)" = 0 ]; then \
	  $(call kpgo-say,DEPS,$(2): installing $$(echo $$missing | wc -w) of the $(words $(1)) Debian packages it needs: $$missing); \
	  { [ -n "$$(find /var/lib/apt/lists -name '*Packages*' 2>/dev/null | head -1)" ] || \
	    apt-get update -qq; } && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "kpgo: $(2): missing Debian packages: $$missing; install them as root: apt-get install $$missing" >&2; exit 1; fi

pgo-deps: $(if $(filter y,$(PGO_DEPS_DRY_RUN)),,pgo-deps-src)
	@$(call kpgo-deps-install,$(KPGO_DEBS),pgo-deps (everything: workflow$(comma) tests$(comma) every workload))

# only what make quickstart runs: the gcc loop of QS_WORKLOAD
quickstart-deps:
	@$(call kpgo-deps-install,$(call kpgo-workload-debs,$(QS_WORKLOAD)),quickstart ($(QS_WORKLOAD)))

# the packages, one a line: make -s pgo-deps-list, make -s quickstart-deps-list
pgo-deps-list:
	@printf '%s\n' $(KPGO_DEBS)
quickstart-deps-list:
	@printf '%s\n' $(call kpgo-workload-debs,$(QS_WORKLOAD))

kpgo-src-list := /etc/apt/sources.list.d/kpgo-src.sources
kpgo-has-deb-src = grep -Eqs '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/*

# A deb-src twin of the system's deb822 Debian entries (or one-line entries)
pgo-deps-src:
	@if $(kpgo-has-deb-src); then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  { if [ -f /etc/apt/sources.list.d/debian.sources ]; then \
	      sed 's/^Types: *deb$$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources; \
	    else sed -n 's/^deb /deb-src /p' /etc/apt/sources.list; fi; } > $(kpgo-src-list).tmp && \
	  mv -f $(kpgo-src-list).tmp $(kpgo-src-list) && apt-get update -qq && \
	  $(call kpgo-say,DEPS,deb-src entries added: $(kpgo-src-list)); \
	else echo "kpgo: warning: no deb-src entry in /etc/apt: pgo-compare's plugin needs the qemu \
	  source package (make -C $(KPGO_DIR) pgo-deps as root adds one)" >&2; fi

# --- quick start -------------------------------------------------------------
# Debian's linux-source-6.12, unpacked into QS_WORK, configured as a small
# QEMU guest at -O2 (tinyconfig + kvm_guest.config + kconfig/pgo-guest.config
# + kconfig/quickstart.config), then the whole loop for redis.
QS_WORK    ?= $(KPGO_DIR)/work
QS_TARBALL ?= /usr/src/linux-source-6.12.tar.xz
QS_KSRC    := $(QS_WORK)/linux-source-6.12
QS_O       := $(QS_WORK)/build
QS_WORKLOAD ?= redis
qs-fragments = $(QS_KSRC)/kernel/configs/kvm_guest.config \
	$(KPGO_DIR)/kconfig/pgo-guest.config $(KPGO_DIR)/kconfig/quickstart.config
qs-make = $(MAKE) $(kpgo-jobs) --no-print-directory -f $(KPGO_DIR)/Makefile KSRC=$(QS_KSRC) O=$(QS_O)

# unpacked beside, then renamed: a killed or failed tar leaves no tree
$(QS_KSRC)/Makefile: | quickstart-deps
	@$(call kpgo-say,UNPACK,$(QS_TARBALL) into $(QS_WORK))
	@rm -rf $(QS_KSRC) $(QS_KSRC).unpack && mkdir -p $(QS_KSRC).unpack && \
	tar -xf $(QS_TARBALL) -C $(QS_KSRC).unpack && \
	mv $(QS_KSRC).unpack/$(notdir $(QS_KSRC)) $(QS_KSRC) && rmdir $(QS_KSRC).unpack && touch $@

quiet_cmd_qs_config = CONFIG  $(QS_O)/.config (tinyconfig + $(words $(qs-fragments)) fragments)
      cmd_qs_config = $(MAKE) --no-print-directory -s -C $(QS_KSRC) O=$(QS_O) tinyconfig >/dev/null && \
	cat $(QS_O)/.config $(qs-fragments) > $(QS_O)/.config.tmp && \
	mv -f $(QS_O)/.config.tmp $(QS_O)/.config && \
	$(call kpgo-olddefconfig,$(QS_O),$(QS_KSRC))

$(QS_O)/.config: $(QS_KSRC)/Makefile $(KPGO_DIR)/kconfig/pgo-guest.config \
		$(KPGO_DIR)/kconfig/quickstart.config
	+$(call kpgo-cmd,qs_config)

# kvm_guest.config names symbols of other architectures: only kpgo's own
# fragments are checked.
qs-own-fragments = $(filter $(KPGO_DIR)/kconfig/%,$(qs-fragments))
$(QS_O)/.kpgo-qs-config-ok: $(QS_O)/.config
	$(if $(call kpgo-config-missing,$(qs-own-fragments),$<),$(error kpgo: \
	  $(call kpgo-config-missing,$(qs-own-fragments),$<) did not take in $<))
	@touch $@

quickstart-config: $(QS_O)/.kpgo-qs-config-ok

quickstart: quickstart-deps quickstart-config kpgo-tools
	+@$(qs-make) pgo-use-$(QS_WORKLOAD)
	@$(qs-make) quickstart-summary

qs-out = $(QS_O)/.kpgo
qs-time = $$(cat $(qs-out)/times/$(1) 2>/dev/null || echo '?')
quickstart-summary:
	@echo ''
	@echo 'kpgo quick start: $(QS_WORKLOAD) on $(notdir $(QS_KSRC)), gcc $(shell gcc -dumpfullversion)'
	@echo "  optimized kernel  $(QS_O)/arch/x86/boot/bzImage"
	@echo "  profile           $$(sed -n '1s/^[^:]*: //p' $(qs-out)/profiles/$(QS_WORKLOAD)/profile.info)"
	@echo "  client            $$(cat $(qs-out)/profiles/$(QS_WORKLOAD)/result.txt)"
	@echo "  profile applied   $$(cat $(qs-out)/work/$(QS_WORKLOAD)/use.evidence)"
	@echo "  vmlinux.o         $$(cat $(qs-out)/work/$(QS_WORKLOAD)/use.text)"
	@echo "  seconds           instrument $(call qs-time,instrument-kernel), collect $(call qs-time,collect-$(QS_WORKLOAD)), use $(call qs-time,use-$(QS_WORKLOAD))"

# --- install (GNU conventions) ------------------------------------------------
# make install [DESTDIR=...] [prefix=/usr/local] [datadir=...] [libexecdir=...]
# puts the make library, Kconfig fragments, recipes and this Makefile in
# $(datadir)/kpgo and the helpers in $(libexecdir)/kpgo; mk/installed.mk
# there tells the installed copy where its helpers are (a path relative to
# itself, so a DESTDIR copy works too).  Use it as: make -f
# $(datadir)/kpgo/Makefile KSRC=<tree> pgo-attach
prefix     ?= /usr/local
datadir    ?= $(prefix)/share
libexecdir ?= $(prefix)/libexec
INSTALL    ?= install
kpgo-inst-share   = $(DESTDIR)$(datadir)/kpgo
kpgo-inst-libexec = $(DESTDIR)$(libexecdir)/kpgo
# every helper, the guest ones and those built on demand included
kpgo-inst-tools = $(addprefix $(KPGO_BIN)/kpgo-,$(kpgo-host-tools) $(kpgo-guest-tools) leveldb-bench) \
	$(KPGO_PLUGIN)

install: $(kpgo-inst-tools)
	$(INSTALL) -d $(kpgo-inst-share)/mk $(kpgo-inst-share)/kconfig $(kpgo-inst-share)/recipes \
		$(kpgo-inst-libexec)
	$(INSTALL) -m 644 $(filter-out %/installed.mk,$(wildcard $(KPGO_DIR)/mk/*.mk)) $(kpgo-inst-share)/mk/
	$(INSTALL) -m 644 $(KPGO_DIR)/kconfig/* $(kpgo-inst-share)/kconfig/
	$(INSTALL) -m 644 $(KPGO_DIR)/recipes/*.mk $(kpgo-inst-share)/recipes/
	$(INSTALL) -m 644 $(KPGO_DIR)/Makefile $(KPGO_DIR)/README $(kpgo-inst-share)/
	$(INSTALL) -m 755 $(kpgo-inst-tools) $(kpgo-inst-libexec)/
	printf '# written by make install\nKPGO_BIN ?= $$(abspath $$(KPGO_DIR)/%s)\n' \
		"$$(realpath -m --relative-to=$(datadir)/kpgo $(libexecdir)/kpgo)" \
		> $(kpgo-inst-share)/mk/installed.mk
	@$(call kpgo-say,INSTALL,$(words $(kpgo-inst-tools)) helpers in $(kpgo-inst-libexec)$(comma) \
	  $$(find $(kpgo-inst-share) -type f | wc -l) files in $(kpgo-inst-share))

uninstall:
	rm -rf $(kpgo-inst-share) $(kpgo-inst-libexec)

# --- tests -------------------------------------------------------------------
check: pgo-deps
	@$(MAKE) --no-print-directory -f $(KPGO_DIR)/tests/check.mk TIER=all check

check-fast:
	@$(MAKE) $(kpgo-jobs) --no-print-directory -f $(KPGO_DIR)/tests/check.mk TIER=fast check

check-e2e: pgo-deps
	@$(MAKE) --no-print-directory -f $(KPGO_DIR)/tests/check.mk TIER=e2e check

check-workloads: pgo-deps
	@$(MAKE) --no-print-directory -f $(KPGO_DIR)/tests/check.mk TIER=workloads check

check-long: pgo-deps
	@$(MAKE) --no-print-directory -f $(KPGO_DIR)/tests/check.mk TIER=long check

clean:
	rm -rf $(KPGO_BUILD)

.PHONY: help pgo-deps pgo-deps-src pgo-deps-list quickstart-deps quickstart-deps-list quickstart quickstart-config quickstart-summary check check-fast check-e2e \
	check-workloads check-long clean install uninstall
