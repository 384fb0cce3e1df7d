# SPDX-License-Identifier: GPL-2.0
#
# mk/sample.mk - sample profiles from real hardware (Linux 6.13 and newer,
# clang): AutoFDO (CONFIG_AUTOFDO_CLANG, a profile made by llvm-profgen
# from `perf record -b` branch samples) and Propeller (CONFIG_PROPELLER_CLANG,
# <prefix>_cc_profile.txt and <prefix>_ld_profile.txt made by
# create_llvm_prof).  Neither can be collected under QEMU (no LBR, no BRS):
# kpgo passes a profile made elsewhere to Kbuild.
#
#   make LLVM=1 pgo-sample-steps      the steps on real hardware, with this
#                                     tree's paths
#   make LLVM=1 PGO_AUTOFDO_PROFILE=<file> [PGO_PROPELLER_PREFIX=<prefix>] \
#        pgo-use-sample               build the tree with them (Kbuild's own
#                                     CLANG_AUTOFDO_PROFILE and
#                                     CLANG_PROPELLER_PROFILE_PREFIX)
#
# The tree's .config must have the symbol: kpgo does not edit a user's
# .config, it says which command does.

ifndef kpgo-sample-mk
kpgo-sample-mk := 1


# (the tree's VERSION.PATCHLEVEL and config values: kpgo-tree-kernel and
# kpgo-cfg-val of mk/kpgo.mk)
kpgo-sample-kconfig = $(shell grep -qs '^config $(1)$$' $(kpgo-srctree)/arch/Kconfig && echo y)
kpgo-sample-enabled = $(filter y,$(call kpgo-cfg-val,CONFIG_$(1)))
kpgo-sample-objtree-arg = $(if $(kpgo-o),O=$(kpgo-o) )

# $(call kpgo-sample-need,SYMBOL,WHAT): the tree knows SYMBOL and has it on
define kpgo-sample-need
$(if $(call kpgo-sample-kconfig,$(1)),,$(error kpgo: $(2) needs CONFIG_$(1), which \
	this tree (Linux $(basename $(kpgo-tree-kernel))) does not have: it came with Linux 6.13))
$(if $(call kpgo-sample-enabled,$(1)),,$(error kpgo: $(2): CONFIG_$(1) is not set in \
	$(kpgo-user-config); enable it with: $(kpgo-srctree)/scripts/config --file \
	$(kpgo-user-config) -e $(1) && make LLVM=$(or $(LLVM),1) $(kpgo-sample-objtree-arg)olddefconfig))
endef

kpgo-sample-args = $(if $(PGO_AUTOFDO_PROFILE),CLANG_AUTOFDO_PROFILE=$(abspath $(PGO_AUTOFDO_PROFILE))) \
	$(if $(PGO_PROPELLER_PREFIX),CLANG_PROPELLER_PROFILE_PREFIX=$(abspath $(PGO_PROPELLER_PREFIX)))
kpgo-sample-files = $(if $(PGO_AUTOFDO_PROFILE),$(PGO_AUTOFDO_PROFILE)) \
	$(if $(PGO_PROPELLER_PREFIX),$(PGO_PROPELLER_PREFIX)_cc_profile.txt $(PGO_PROPELLER_PREFIX)_ld_profile.txt)

# (MAKECMDGOALS: its inputs are checked when it is asked for, before a build)
ifneq ($(filter pgo-use-sample,$(MAKECMDGOALS)),)
$(if $(LLVM),,$(error kpgo: pgo-use-sample builds with clang: say which, e.g. make LLVM=1 pgo-use-sample))
$(if $(strip $(PGO_AUTOFDO_PROFILE)$(PGO_PROPELLER_PREFIX)),,$(error kpgo: pgo-use-sample: \
	give PGO_AUTOFDO_PROFILE=<file> and/or PGO_PROPELLER_PREFIX=<prefix> (make pgo-sample-steps \
	says how to make them on real hardware)))
$(foreach f,$(kpgo-sample-files),$(if $(wildcard $(f)),,$(error kpgo: pgo-use-sample: no \
	file $(f) (make pgo-sample-steps says how to make it))))
$(if $(PGO_AUTOFDO_PROFILE),$(eval $(call kpgo-sample-need,AUTOFDO_CLANG,an AutoFDO build)))
$(if $(PGO_PROPELLER_PREFIX),$(eval $(call kpgo-sample-need,PROPELLER_CLANG,a Propeller build)))
endif

# $(call rule_use_sample): the Kbuild run with the sample profiles, then
# its figures
define rule_use_sample
+$(call kpgo-cmd,use_sample)
$(call kpgo-cmd,use_sample_figures)
endef

quiet_cmd_use_sample = PGO-USE sample profile: building $(PGO_USE_TARGETS) in $(kpgo-objtree) with \
	$(strip $(kpgo-sample-args)); compiler messages in $(call kpgo-work,sample)/use.log
      cmd_use_sample = w=$(call kpgo-work,sample); mkdir -p $$w && \
	t0=$$(date +%s) && \
	if ! $(kpgo-kmake) $(if $(kpgo-o),O=$(kpgo-objtree)) $(kpgo-sample-args) \
	    $(PGO_USE_TARGETS) 2>$$w/use.log; then \
	  echo "kpgo: building the kernel with the sample profile failed; last lines of $$w/use.log:" >&2; \
	  tail -n 30 $$w/use.log | sed 's/^/  | /' >&2; exit 1; fi && \
	$(call kpgo-time,use,sample)

# (empty: a figures command prints only its figures)
quiet_cmd_use_sample_figures =
      cmd_use_sample_figures = w=$(call kpgo-work,sample); \
	$(call kpgo-say,PGO-USE,sample: $$(grep -c . $$w/use.log || true) lines of compiler messages; \
	  $$(cat $(kpgo-times)/use-sample) s) && \
	if [ -f $(kpgo-objtree)/vmlinux.o ]; then \
	  $(call kpgo-say,PGO-USE,sample: vmlinux.o $$({ $(call kpgo-text-figures,$(kpgo-objtree)/vmlinux.o) ; })); fi

pgo-use-sample: | kpgo-user-config-ok
	$(rule_use_sample)

# the steps on real hardware, with this tree's paths
kpgo-sample-vmlinux = $(kpgo-objtree)/vmlinux
define kpgo-sample-steps-text
AutoFDO and Propeller for this tree ($(kpgo-srctree), Linux $(basename $(kpgo-tree-kernel))$(if \
$(call kpgo-sample-kconfig,AUTOFDO_CLANG),,: it has no CONFIG_AUTOFDO_CLANG$(comma) these need Linux 6.13 or newer)).
On a machine with branch sampling: Intel LBR, AMD Zen3 BRS or Zen4 amd_lbr_v2
(grep -E ' (brs|amd_lbr_v2) ' /proc/cpuinfo); QEMU has neither.

1. Build with the symbols on, and install the kernel on the test machine:
     $(kpgo-srctree)/scripts/config --file $(kpgo-user-config) -e AUTOFDO_CLANG [-e PROPELLER_CLANG]
     make LLVM=$(or $(LLVM),1) $(kpgo-sample-objtree-arg)olddefconfig all
2. Run the workload there under perf (kernel branches only, -b: branch stacks):
     Intel: perf record -e BR_INST_RETIRED.NEAR_TAKEN:k -a -N -b -c $(PGO_SAMPLE_PERIOD) -o perf.data -- <load>
     AMD:   perf record --pfm-event RETIRED_TAKEN_BRANCH_INSTRUCTIONS:k -a -N -b -c $(PGO_SAMPLE_PERIOD) -o perf.data -- <load>
3. Turn the samples into profiles against the kernel that ran:
     AutoFDO:   llvm-profgen --kernel --binary=$(kpgo-sample-vmlinux) --perfdata=perf.data -o kernel.afdo
     Propeller: create_llvm_prof --binary=$(kpgo-sample-vmlinux) --profile=perf.data --format=propeller \
                  --propeller_output_module_name --out=kernel_cc_profile.txt --propeller_symorder=kernel_ld_profile.txt
4. Build with them here:
     make LLVM=$(or $(LLVM),1) PGO_AUTOFDO_PROFILE=kernel.afdo [PGO_PROPELLER_PREFIX=kernel] pgo-use-sample
   (Propeller is meant on top of AutoFDO: its samples are taken on the
   AutoFDO-built kernel.)
endef

pgo-sample-steps:
	$(info $(kpgo-sample-steps-text))
	@:

.PHONY: pgo-use-sample pgo-sample-steps

endif
