# SPDX-License-Identifier: GPL-2.0
#
# mk/help.mk - pgo-help: kpgo's targets, variables and workloads.

ifndef kpgo-help-mk
kpgo-help-mk := 1

pgo-help:
	@echo 'kpgo $(kpgo-version) - profile-guided optimization of this kernel (gcc gcov; clang IR PGO with LLVM=)'
	@echo '(make $(MAKE_VERSION); make-level helpers computed by $(kpgo-make-functions))'
	@echo ''
	@echo 'Targets (in a tree after pgo-attach, or make -C $(KPGO_DIR) KSRC=<tree> ...):'
	@echo '  pgo-instrument      build the gcov-instrumented kernel in $$(PGO_OUT)/instrumented'
	@echo '                      (LLVM=: clang IR PGO, in $$(PGO_OUT)/instrumented-llvm)'
	@echo '  pgo-image-<w>       make workload <w>'"'"'s guest initramfs'
	@echo '  pgo-collect-<w>     boot the instrumented kernel in QEMU, run <w>, keep its profile'
	@echo '  pgo-collect-all     collect every workload (make -jN: N at once)'
	@echo '  pgo-recollect-<w>   a fresh profile of <w> (also of a set, of all)'
	@echo '  pgo-list            one line per workload: profile time, objects, counter sum, client figure'
	@echo '  pgo-use-<set>       the same with the merged profiles of a set of workloads'
	@echo '  pgo-use-<w>         rebuild this tree'"'"'s kernel with <w>'"'"'s profile (collects if missing)'
	@echo '  pgo-export-<w|set>  write its profile as a reproducible archive with a manifest'
	@echo '  pgo-use-profile     build PGO_USE_TARGETS with PGO_PROFILE (no QEMU); in an'
	@echo '                      attached tree: make PGO_PROFILE=<archive|dir> <kernel goals>'
	@echo '  pgo-bench-<w>       run <w> on PGO_KERNEL=optimized|baseline|instrumented, print the figure'
	@echo '  pgo-baseline        build the same kernel without profile in $$(PGO_OUT)/baseline'
	@echo '  pgo-compare-<w|set> boot baseline and optimized kernels A B A B ...: client figures'
	@echo '                      with a bootstrap CI, plugin figures per operation, CSV, chart'
	@echo '  pgo-flamegraph-<w>  sample PGO_KERNEL'"'"'s call stacks under <w> (host-side, TCG plugin):'
	@echo '                      folded stacks, HTML flamegraph, perf.data; -diff-<w>: baseline against optimized'
	@echo '  pgo-bolt-<w>        LLVM=-19 PGO_METHOD=autofdo: llvm-bolt on the profiling kernel with <w>'"'"'s'
	@echo '                      branch records (compare: PGO_COMPARE_A=profiling@bolt PGO_COMPARE_B=<w>@bolt)'
	@echo '  pgo-report-<w>      <w>'"'"'s gcov profile as an lcov/genhtml coverage report, top functions'
	@echo '  pgo-report-diff     A=<w> B=<w>: the hot functions two workloads share, their overlap'
	@echo '  pgo-use-sample      LLVM=, Linux 6.13+: build with PGO_AUTOFDO_PROFILE / PGO_PROPELLER_PREFIX'
	@echo '  pgo-sample-steps    how to make those on real hardware (perf record -b), with this tree'"'"'s paths'
	@echo '  pgo-menuconfig      edit kpgo'"'"'s settings (kconfig/Kconfig) into $$(PGO_SETTINGS);'
	@echo '                      also pgo-nconfig, pgo-oldconfig, pgo-olddefconfig, pgo-alldefconfig'
	@echo '  pgo-settings        each setting, its value and where it came from'
	@echo '  pgo-attach          hook kpgo into KSRC (writes KSRC/GNUmakefile, nothing else)'
	@echo '  pgo-detach          remove that hook'
	@echo '  pgo-status          which profile kernel goals build with (pgo-use-<w> leaves it on)'
	@echo '  pgo-off             build without it again (a full rebuild, as Kbuild requires)'
	@echo '  pgo-check-recipes   check every recipe'"'"'s fields'
	@echo ''
	@echo 'Workloads (<w>): $(kpgo-recipes)'
	@echo 'Sets (pgo-use-<set>, PGO_SET_<set>="<w>[:<weight>] ..."): $(foreach v,$(sort $(kpgo-set-vars)),$(v:PGO_SET_%=%) = $(strip $($(v)));)'
	@echo ''
	@echo 'Variables:'
	@echo '  KSRC=<tree>  O=<dir>      kernel source and object tree (O as in Kbuild)'
	@echo '  LLVM=1|-<ver>|<dir>/      clang instead of gcc, as in Kbuild (state named -llvm)'
	@echo '  PGO_OUT=<dir>             kpgo state (default <objtree>/.kpgo)'
	@echo '  PGO_PROFILES=<dir>        where profiles are read (default $$(PGO_OUT)/profiles;'
	@echo '                            one you set is only read, never collected into)'
	@echo '  PGO_FRAGMENTS=<files>     config fragments of the instrumented kernel'
	@echo '  PGO_SET_<set>=<w>[:<n>]   a set of workloads with weights, for pgo-use-<set>'
	@echo '  PGO_EXPORT_DIR=<dir>      where pgo-export-<name> writes ($$(PGO_OUT)/export)'
	@echo '  PGO_SETTINGS=<file>       kpgo'"'"'s settings (default <objtree>/.kpgo.config)'
	@$(kpgo-settings-help)
	@echo '  V=1  -s  -j<n>            as in Kbuild'

.PHONY: pgo-help

endif
