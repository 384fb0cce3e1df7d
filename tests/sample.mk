# SPDX-License-Identifier: GPL-2.0
#
# tests/sample.mk - pgo-use-sample and pgo-sample-steps (fast).  This
# machine has no branch sampling and Debian ships no 6.13 source, so the
# command kpgo gives Kbuild is checked on a tree that has the Kconfig
# symbols and a Makefile that prints what it was given; the refusals run
# against the real linux-source-6.12.

KPGO_TESTS_FAST += sample-command sample-refusals sample-autofdo-kbuild

# $(call sample-tree,DIR,CONFIG-LINES): a 6.13-like tree and its .config
define sample-tree
	mkdir -p $(1)/src/arch $(1)/obj
	touch $(1)/src/Kbuild
	printf 'config AUTOFDO_CLANG\n\tbool\nconfig PROPELLER_CLANG\n\tbool\n' > $(1)/src/arch/Kconfig
	printf '%s\n' 'VERSION = 6' 'PATCHLEVEL = 13' 'SUBLEVEL = 0' 'all:' \
	  '	@echo "KBUILD-ARGS: O=$$(O) LLVM=$$(LLVM) CLANG_AUTOFDO_PROFILE=$$(CLANG_AUTOFDO_PROFILE) CLANG_PROPELLER_PROFILE_PREFIX=$$(CLANG_PROPELLER_PROFILE_PREFIX)"' \
	  '	@echo "KCFLAGS: $$(KCFLAGS)"' \
	  > $(1)/src/Makefile
	printf '$(2)\n' > $(1)/obj/.config
endef
sample-make = $(kmake) KSRC=$(T)/src O=$(T)/obj

test-sample-command:
	$(call sample-tree,$(T),CONFIG_64BIT=y\nCONFIG_AUTOFDO_CLANG=y\nCONFIG_PROPELLER_CLANG=y)
	echo profile > $(T)/kernel.afdo; touch $(T)/kernel_cc_profile.txt $(T)/kernel_ld_profile.txt
	$(sample-make) LLVM=-19 PGO_AUTOFDO_PROFILE=$(T)/kernel.afdo PGO_PROPELLER_PREFIX=$(T)/kernel pgo-use-sample | tee $(T)/log
	grep -qx 'KBUILD-ARGS: O=$(T)/obj LLVM=-19 CLANG_AUTOFDO_PROFILE=$(T)/kernel.afdo CLANG_PROPELLER_PROFILE_PREFIX=$(T)/kernel' $(T)/log
	grep -q 'PGO-USE sample profile: building all in $(T)/obj with CLANG_AUTOFDO_PROFILE=$(T)/kernel.afdo CLANG_PROPELLER_PROFILE_PREFIX=$(T)/kernel' $(T)/log
	$(sample-make) LLVM=-19 pgo-sample-steps > $(T)/steps
	grep -q 'llvm-profgen --kernel --binary=$(T)/obj/vmlinux --perfdata=perf.data -o kernel.afdo' $(T)/steps
	grep -q 'perf record -e BR_INST_RETIRED.NEAR_TAKEN:k -a -N -b -c 500009' $(T)/steps
	grep -q 'create_llvm_prof --binary=$(T)/obj/vmlinux' $(T)/steps
	! grep -q 'these need Linux 6.13' $(T)/steps

test-sample-refusals: $(KSRC_TEST)/Kbuild
	$(call sample-tree,$(T),CONFIG_64BIT=y)
	touch $(T)/k.afdo
	$(call expect-fail,$(sample-make) PGO_AUTOFDO_PROFILE=$(T)/k.afdo pgo-use-sample,pgo-use-sample builds with clang: say which)
	$(call expect-fail,$(sample-make) LLVM=1 pgo-use-sample,give PGO_AUTOFDO_PROFILE=<file> and/or PGO_PROPELLER_PREFIX)
	$(call expect-fail,$(sample-make) LLVM=1 PGO_AUTOFDO_PROFILE=$(T)/none.afdo pgo-use-sample,no file $(T)/none.afdo)
	$(call expect-fail,$(sample-make) LLVM=1 PGO_AUTOFDO_PROFILE=$(T)/k.afdo pgo-use-sample,CONFIG_AUTOFDO_CLANG is not set in $(T)/obj/.config; enable it with: $(T)/src/scripts/config --file $(T)/obj/.config -e AUTOFDO_CLANG)
	$(call expect-fail,$(sample-make) LLVM=1 PGO_PROPELLER_PREFIX=$(T)/k pgo-use-sample,no file $(T)/k_cc_profile.txt)
	mkdir -p $(T)/o612 && cp $(KPGO_DIR)/kconfig/quickstart.config $(T)/o612/.config
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T)/o612 LLVM=1 \
	  PGO_AUTOFDO_PROFILE=$(T)/k.afdo pgo-use-sample,needs CONFIG_AUTOFDO_CLANG.* this tree .Linux 6\.12. does not have: it came with Linux 6\.13)
	$(kmake) KSRC=$(KSRC_TEST) O=$(T)/o612 LLVM=1 pgo-sample-steps | grep -q 'these need Linux 6.13 or newer'

# PGO_METHOD=autofdo in a tree whose .config has CONFIG_AUTOFDO_CLANG=y:
# Kbuild's own way, CLANG_AUTOFDO_PROFILE (no flags of kpgo's in KCFLAGS),
# recorded for the profile that stays on; without the symbol, KCFLAGS
sample-afdo-prof = mkdir -p $(T)/obj/.kpgo/profiles-afdo/redis && \
	printf '%s\n' 'tcp_ack:300:10' ' 0: 300' > $(T)/obj/.kpgo/profiles-afdo/redis/profile.txt && \
	llvm-profdata-19 merge --sample -o $(T)/obj/.kpgo/profiles-afdo/redis/profile.afdo \
	  $(T)/obj/.kpgo/profiles-afdo/redis/profile.txt && echo redis > $(T)/obj/.kpgo/profiles-afdo/redis/profile.info
test-sample-autofdo-kbuild: $(KPGO_BIN)/kpgo-afdo
	$(call sample-tree,$(T),CONFIG_64BIT=y\nCONFIG_CC_IS_CLANG=y\nCONFIG_AUTOFDO_CLANG=y)
	$(sample-afdo-prof)
	$(sample-make) LLVM=-19 PGO_METHOD=autofdo pgo-use-redis | tee $(T)/log
	grep -qx 'KBUILD-ARGS: O=$(T)/obj LLVM=-19 CLANG_AUTOFDO_PROFILE=$(T)/obj/.kpgo/use.afdo CLANG_PROPELLER_PROFILE_PREFIX=' $(T)/log
	grep -qx 'KCFLAGS: *' $(T)/log
	grep -qx 'kpgo-on-kbuild := CLANG_AUTOFDO_PROFILE=$(T)/obj/.kpgo/use.afdo' $(T)/obj/.kpgo-profile.mk
	llvm-profdata-19 show --sample $(T)/obj/.kpgo/use.afdo | grep -q tcp_ack
	# without the symbol (6.12's way): the flags through KCFLAGS
	printf 'CONFIG_64BIT=y\nCONFIG_CC_IS_CLANG=y\n' > $(T)/obj/.config
	$(sample-make) LLVM=-19 PGO_METHOD=autofdo pgo-use-redis | tee $(T)/log2
	grep -qx 'KBUILD-ARGS: O=$(T)/obj LLVM=-19 CLANG_AUTOFDO_PROFILE= CLANG_PROPELLER_PROFILE_PREFIX=' $(T)/log2
	grep -qx 'KCFLAGS: *-fdebug-info-for-profiling .* -gmlt -fprofile-sample-use=$(T)/obj/.kpgo/use.afdo' $(T)/log2
