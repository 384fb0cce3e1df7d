# SPDX-License-Identifier: GPL-2.0
#
# mk/help.mk - pgo-help: kpgo's targets, variables and workloads.

ifndef kpgo-help-mk
kpgo-help-mk := 1

pgo-help:
	@echo 'kpgo $(kpgo-version) - profile-guided optimization of this kernel (gcc gcov)'
	@echo ''
	@echo 'Targets (in a tree after pgo-attach, or make -C $(KPGO_DIR) KSRC=<tree> ...):'
	@echo '  pgo-instrument      build the gcov-instrumented kernel in $$(PGO_OUT)/instrumented'
	@echo '  pgo-image-<w>       make workload <w>'"'"'s guest initramfs'
	@echo '  pgo-collect-<w>     boot the instrumented kernel in QEMU, run <w>, keep its profile'
	@echo '  pgo-collect-all     collect every workload, one after another'
	@echo '  pgo-list            one line per workload: profile time, objects, counter sum, client figure'
	@echo '  pgo-use-<set>       the same with the merged profiles of a set of workloads'
	@echo '  pgo-use-<w>         rebuild this tree'"'"'s kernel with <w>'"'"'s profile (collects if missing)'
	@echo '  pgo-export-<w|set>  write its profile as a reproducible archive with a manifest'
	@echo '  pgo-use-profile     build PGO_USE_TARGETS with PGO_PROFILE (no QEMU); in an'
	@echo '                      attached tree: make PGO_PROFILE=<archive|dir> <kernel goals>'
	@echo '  pgo-bench-<w>       run <w> on PGO_KERNEL=optimized|baseline|instrumented, print the figure'
	@echo '  pgo-baseline        build the same kernel without profile in $$(PGO_OUT)/baseline'
	@echo '  pgo-menuconfig      edit kpgo'"'"'s settings (kconfig/Kconfig) into $$(PGO_SETTINGS);'
	@echo '                      also pgo-nconfig, pgo-oldconfig, pgo-olddefconfig, pgo-alldefconfig'
	@echo '  pgo-settings        each setting, its value and where it came from'
	@echo '  pgo-attach          hook kpgo into KSRC (writes KSRC/GNUmakefile, nothing else)'
	@echo '  pgo-detach          remove that hook'
	@echo '  pgo-check-recipes   check every recipe'"'"'s fields'
	@echo ''
	@echo 'Workloads (<w>): $(kpgo-recipes)'
	@echo 'Sets (pgo-use-<set>, PGO_SET_<set>="<w>[:<weight>] ..."): $(foreach v,$(sort $(kpgo-set-vars)),$(v:PGO_SET_%=%) = $(strip $($(v)));)'
	@echo ''
	@echo 'Variables:'
	@echo '  KSRC=<tree>  O=<dir>      kernel source and object tree (O as in Kbuild)'
	@echo '  PGO_OUT=<dir>             kpgo state (default <objtree>/.kpgo)'
	@echo '  PGO_PROFILES=<dir>        where profiles are read (default $$(PGO_OUT)/profiles;'
	@echo '                            one you set is only read, never collected into)'
	@echo '  PGO_RECIPE_DIRS=<dirs>    more workload recipes, one <name>.mk each'
	@echo '  PGO_FRAGMENTS=<files>     config fragments of the instrumented kernel'
	@echo '  PGO_SCALE=<factor>        size of every workload'"'"'s load (default 1 = seed size)'
	@echo '  PGO_ACCEL=auto|kvm|tcg    QEMU accelerator (auto: KVM if it boots the guest)'
	@echo '  PGO_QEMU=<program>        QEMU binary (default qemu-system-x86_64)'
	@echo '  PGO_MEM=<MB> PGO_SMP=<n>  guest memory (default: recipe'"'"'s, 512) and CPUs (1)'
	@echo '  PGO_HOST_PORT=<port>      host port forwarded to the guest (0: a free one)'
	@echo '  PGO_KERNEL=<kind>         kernel for pgo-bench-<w>'
	@echo '  PGO_APPEND=<text>         extra kernel command line for every guest boot'
	@echo '  PGO_PARTIAL_TRAINING=y|n  -fprofile-partial-training (never-run code as without profile)'
	@echo '  PGO_USE_TARGETS=<goals>   what pgo-use/pgo-baseline build (default all)'
	@echo '  PGO_SET_<set>=<w>[:<n>]   a set of workloads with weights, for pgo-use-<set>'
	@echo '  PGO_SETS_FILES=<files>    makefiles with PGO_SET_<set> lines'
	@echo '  PGO_NORMALIZE=y|n         scale each profile of a set to the same sum first (y)'
	@echo '  PGO_REBUILD_THRESHOLD=<%> rewrite an object'"'"'s .gcda only when its profile moved'
	@echo '                            that much (default 5; 0: any change)'
	@echo '  PGO_PROFILE=<file|dir>    packager mode: the profile to build with'
	@echo '  PGO_ALLOW_STALE=1         build even with a profile that cannot apply'
	@echo '  PGO_EXPORT_DIR=<dir>      where pgo-export-<name> writes ($$(PGO_OUT)/export)'
	@echo '  PGO_TIMEOUT=<s>           seconds a client or load may run (default: recipe'"'"'s, 1800)'
	@echo '  PGO_SETTINGS=<file>       kpgo'"'"'s settings (default <objtree>/.kpgo.config)'
	@echo '  V=1  -s  -j<n>            as in Kbuild'

.PHONY: pgo-help

endif
