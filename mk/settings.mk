# SPDX-License-Identifier: GPL-2.0
#
# mk/settings.mk - kpgo's own settings (kconfig/Kconfig), kept in
# PGO_SETTINGS (default <objtree>/.kpgo.config, beside the tree's .config)
# and edited with the kernel tree's own kconfig tools:
#
#   make pgo-menuconfig      (also pgo-nconfig, pgo-oldconfig,
#                             pgo-olddefconfig, pgo-alldefconfig)
#   make pgo-settings        each setting, its value and where it came from
#
# Symbol CONFIG_KPGO_<X> sets the make variable PGO_<X> unless the command
# line or the environment gives PGO_<X>; without the file, each phase's own
# default applies.  Included before any phase defines its defaults.

ifndef kpgo-settings-mk
kpgo-settings-mk := 1

# --- the table of settings --------------------------------------------------
# Every kpgo variable with a plain default, once: name, default ('-':
# empty), its Kconfig symbol's type in kconfig/Kconfig (string, bool,
# int:LOW:HIGH, choice; '-': none), the value's form and one line of help.
# The defaults below are made from it; pgo-help prints it; tests/settings.mk
# (settings-table) checks kconfig/Kconfig and the README's variable list
# against it.  Variables whose default is computed from the tree (PGO_OUT,
# PGO_PROFILES, PGO_FRAGMENTS, PGO_EXPORT_DIR, PGO_SETTINGS) are defined
# where they are computed.
kpgo-settings-names :=
# $(call kpgo-def,NAME,DEFAULT,KCONFIG,FORM,HELP)
kpgo-def = $(eval kpgo-settings-names += $(1))$(eval kpgo-default-$(1) := $(2:-=))$(eval \
	kpgo-kconf-$(1) := $(3))$(eval kpgo-form-$(1) := $(4))$(eval kpgo-help-$(1) := $(5))
$(call kpgo-def,PGO_METHOD,-,-,ir|autofdo,with LLVM=: clang IR PGO (instrumented kernel) or AutoFDO (emulated branch records); empty: ir)
$(call kpgo-def,PGO_AUTOFDO_PERIOD,10007,-,<n>,PGO_METHOD=autofdo: kernel branches between two branch-record samples (a prime))
$(call kpgo-def,PGO_SCALE,1,string,<factor>,size of every workload's load (1: the seed's size))
$(call kpgo-def,PGO_ACCEL,auto,choice,auto|kvm|tcg,QEMU accelerator (auto: KVM if it boots the guest$(comma) else TCG))
$(call kpgo-def,PGO_QEMU,qemu-system-x86_64,-,<program>,the QEMU binary)
$(call kpgo-def,PGO_MEM,-,int:0:1048576,<MB>,guest memory (empty: the recipe's MEM$(comma) or 512))
$(call kpgo-def,PGO_SMP,1,int:1:64,<n>,guest CPUs)
$(call kpgo-def,PGO_HOST_PORT,0,-,<port>,host port forwarded to the guest (0: a free one))
$(call kpgo-def,PGO_CLIENT_IN,-,-,host|guest,where every workload's client runs (empty: each recipe's CLIENT_IN$(comma) or host))
$(call kpgo-def,PGO_TIMEOUT,-,int:0:86400,<s>,seconds a client or load may run (empty: the recipe's TIMEOUT$(comma) or 1800))
$(call kpgo-def,PGO_APPEND,-,string,<text>,extra kernel command line for every guest boot)
$(call kpgo-def,PGO_MODULES,-,string,<names>,more modules the guest loads (an instrumented kernel with modules))
$(call kpgo-def,PGO_KERNEL,optimized,-,<kind>,kernel of pgo-bench-<w>: optimized$(comma) baseline$(comma) instrumented)
$(call kpgo-def,PGO_PARTIAL_TRAINING,n,bool,y|n,-fprofile-partial-training: never-run code compiled as without profile)
$(call kpgo-def,PGO_USE_TARGETS,all,string,<goals>,what pgo-use and pgo-baseline build)
$(call kpgo-def,PGO_NORMALIZE,y,bool,y|n,scale each profile of a set to the same counter sum first)
$(call kpgo-def,PGO_REBUILD_THRESHOLD,5,int:0:100,<%>,rewrite an object's profile only when it moved that much (0: any change))
$(call kpgo-def,PGO_LOCK,wait,-,wait|fail,another kpgo run in PGO_OUT: wait for it or stop)
$(call kpgo-def,PGO_RECIPE_DIRS,-,-,<dirs>,more workload recipes$(comma) one <name>.mk each)
$(call kpgo-def,PGO_SETS_FILES,-,-,<files>,makefiles with PGO_SET_<set> lines)
$(call kpgo-def,PGO_PROFILE,-,-,<file|dir>,packager mode: the profile to build with)
$(call kpgo-def,PGO_ALLOW_STALE,-,-,1,build even with a profile that cannot apply)
$(call kpgo-def,PGO_COMPARE_RUNS,5,-,<n>,pgo-compare: client runs of each kernel)
$(call kpgo-def,PGO_COMPARE_MEASURE,2,-,<n>,pgo-compare: TCG -icount plugin runs of each kernel)
$(call kpgo-def,PGO_COMPARE_SCALE,0.1,-,<factor>,pgo-compare: size of the loads)
$(call kpgo-def,PGO_COMPARE_A,baseline,-,<kernel>,pgo-compare: kernel A (baseline$(comma) a workload or set$(comma) or <w>@<method>: another method's kept kernel))
$(call kpgo-def,PGO_COMPARE_B,-,-,<kernel>,pgo-compare: kernel B (empty: the goal's workload or set))
$(call kpgo-def,PGO_COMPARE_REBUILD,n,-,y|n,pgo-compare: rebuild the kept kernels (after a source change))
$(call kpgo-def,PGO_FLAME_PERIOD,20011,-,<n>,pgo-flamegraph: kernel instructions between samples (a prime))
$(call kpgo-def,PGO_FLAME_USER,n,-,y|n,pgo-flamegraph: sample user mode too$(comma) as one [user] frame)
$(call kpgo-def,PGO_AUTOFDO_PROFILE,-,-,<file>,pgo-use-sample: an AutoFDO profile (6.13+))
$(call kpgo-def,PGO_PROPELLER_PREFIX,-,-,<prefix>,pgo-use-sample: <prefix>_cc_profile.txt and _ld_profile.txt)
$(call kpgo-def,PGO_SAMPLE_PERIOD,500009,-,<n>,pgo-sample-steps: perf record -c (a prime))

# pgo-help's lines, and the table for tests (name, default, Kconfig type)
kpgo-settings-help = $(foreach n,$(kpgo-settings-names),printf '  %-25s %s\n' \
	'$(call kpgo-escsq,$(n)=$(kpgo-form-$(n)))' '$(call kpgo-escsq,$(kpgo-help-$(n)))$(if \
	$(kpgo-default-$(n)),; default $(call kpgo-escsq,$(kpgo-default-$(n))))';)
pgo-settings-table:
	@$(foreach n,$(kpgo-settings-names),printf '%s\t%s\t%s\n' '$(n)' \
	  '$(call kpgo-escsq,$(kpgo-default-$(n)))' '$(kpgo-kconf-$(n))';)
.PHONY: pgo-settings-table

PGO_SETTINGS ?= $(kpgo-objtree)/.kpgo.config
kpgo-kconfig-top := $(KPGO_DIR)/kconfig/Kconfig

# settings by kind: strings (quotes dropped), numbers (0 for MEM and TIMEOUT
# means "the recipe's": left empty), booleans (y, or n when not set)
kpgo-settings-str  := SET_DEFAULT SCALE USE_TARGETS APPEND MODULES
kpgo-settings-num  := REBUILD_THRESHOLD SMP MEM TIMEOUT
kpgo-settings-bool := NORMALIZE PARTIAL_TRAINING
kpgo-settings-vars := $(addprefix PGO_,$(kpgo-settings-str:SET_DEFAULT=SET_default) \
	$(kpgo-settings-num) $(kpgo-settings-bool) ACCEL)

kpgo-from-settings :=
# $(call kpgo-setting,X,VALUE): PGO_X := VALUE unless the user gave PGO_X
# (KPGO_SET_DEFAULT is the set PGO_SET_default)
kpgo-setting = $(call kpgo-setting-var,PGO_$(1:SET_DEFAULT=SET_default),$(2))
kpgo-setting-var = $(if $(filter undefined,$(origin $(1))),$(eval $(1) := $(2))$(eval \
	kpgo-from-settings += $(1)))

ifneq ($(wildcard $(PGO_SETTINGS)),)
# kconfig writes CONFIG_X=value lines and comments: make syntax
include $(PGO_SETTINGS)
$(foreach x,$(kpgo-settings-str),$(if $(filter undefined,$(origin CONFIG_KPGO_$(x))),,\
	$(call kpgo-setting,$(x),$(subst ",,$(CONFIG_KPGO_$(x))))))
$(foreach x,$(kpgo-settings-num),$(if $(CONFIG_KPGO_$(x)),$(call kpgo-setting,$(x),$(if \
	$(filter MEM TIMEOUT,$(x)),$(filter-out 0,$(CONFIG_KPGO_$(x))),$(CONFIG_KPGO_$(x))))))
$(foreach x,$(kpgo-settings-bool),$(call kpgo-setting,$(x),$(or $(CONFIG_KPGO_$(x)),n)))
$(foreach a,AUTO:auto KVM:kvm TCG:tcg,$(if $(filter y,$(CONFIG_KPGO_ACCEL_$(word 1,$(subst :, \
	,$(a))))),$(call kpgo-setting,ACCEL,$(word 2,$(subst :, ,$(a))))))
# an empty set is no set
$(if $(strip $(PGO_SET_default)),,$(if $(filter PGO_SET_default,$(kpgo-from-settings)),\
	$(eval undefine PGO_SET_default)))
endif

# the table's defaults, for what neither the user nor the file gave
$(foreach n,$(kpgo-settings-names),$(if $(filter undefined,$(origin $(n))),$(eval \
	$(n) := $(kpgo-default-$(n)))))

kpgo-settings-goals := menuconfig nconfig oldconfig olddefconfig alldefconfig

quiet_cmd_settings = SETTING $(PGO_SETTINGS) ($(2))
      cmd_settings = $(kpgo-kmake) $(if $(kpgo-o),O=$(kpgo-objtree)) \
	KBUILD_KCONFIG=$(kpgo-kconfig-top) KCONFIG_CONFIG=$(PGO_SETTINGS) $(2) && \
	$(call kpgo-say,SETTING,$$(grep -c 'CONFIG_KPGO_' $(PGO_SETTINGS)) settings in \
	  $(PGO_SETTINGS); make pgo-settings shows them)

$(addprefix pgo-,$(kpgo-settings-goals)):
	+$(call kpgo-cmd,settings,$(@:pgo-%=%))

kpgo-setting-origin = $(if $(filter $(1),$(kpgo-from-settings)),$(notdir $(PGO_SETTINGS)),$(if \
	$(filter undefined file,$(origin $(1))),default,$(origin $(1))))
pgo-settings:
	@$(foreach v,$(kpgo-settings-vars),printf '  %-22s %-13s %s\n' '$(v)' \
	  '$(call kpgo-setting-origin,$(v))' '$(call kpgo-escsq,$($(v)))';)

.PHONY: pgo-settings $(addprefix pgo-,$(kpgo-settings-goals))

endif
