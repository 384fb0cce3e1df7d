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

PGO_SETTINGS ?= $(kpgo-objtree)/.kpgo.config
kpgo-kconfig-top := $(KPGO_DIR)/kconfig/Kconfig

# settings by kind: strings (quotes dropped), numbers (0 for MEM and TIMEOUT
# means "the recipe's": left empty), booleans (y, or n when not set)
kpgo-settings-str  := SET_DEFAULT SCALE USE_TARGETS APPEND
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
