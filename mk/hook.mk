# SPDX-License-Identifier: GPL-2.0
#
# mk/hook.mk - read through the GNUmakefile that pgo-attach writes into a
# kernel tree.  pgo-* goals are kpgo's (with KSRC = this tree; O= and
# KBUILD_OUTPUT work as for Kbuild); every other goal goes to the kernel's
# own Makefile exactly as if the GNUmakefile were not there, but with
# PGO_PROFILE set, or with a profile on (make pgo-use-<w> left one), where
# kernel goals are built with that profile.
# (MAKECMDGOALS throughout: routing the goals typed is this file's job.)

# The goals typed, read once (make alone: all).
kpgo-hook-typed := $(or $(MAKECMDGOALS),all)
kpgo-hook-goals := $(filter pgo-%,$(kpgo-hook-typed))
# make PGO_PROFILE=<archive or dir> <kernel goals>: those goals are built by
# pgo-use-profile (config, clean and information goals pass through)
kpgo-hook-plain := %config clean mrproper distclean help kernelrelease kernelversion \
	image_name
kpgo-hook-plain-given := $(filter $(kpgo-hook-plain),$(kpgo-hook-typed))
kpgo-hook-built := $(filter-out $(kpgo-hook-plain),$(kpgo-hook-typed))
# the profile pgo-use left on in this object tree (mk/use.mk)
kpgo-hook-on := $(abspath $(or $(O),$(KBUILD_OUTPUT),$(CURDIR)))/.kpgo-profile.mk

# $(call kpgo-hook-route,GOAL,WHY): the kernel goals typed are built by
# kpgo's GOAL (PGO_USE_TARGETS); WHY says so when others are mixed in
define kpgo-hook-route
$(if $(kpgo-hook-goals),$(error kpgo: $(2), give kernel goals only (not $(kpgo-hook-goals))))
$(if $(kpgo-hook-plain-given),$(error kpgo: $(2), give $(kpgo-hook-plain-given) in a make \
	command of its own))
KSRC := $(CURDIR)
PGO_USE_TARGETS := $(kpgo-hook-built)
kpgo-cmdline-goals := $(kpgo-hook-typed)
MAKECMDGOALS := $(1)
kpgo-hook-to := $(1)
endef

ifneq ($(and $(strip $(PGO_PROFILE)),$(kpgo-hook-built)),)
$(eval $(call kpgo-hook-route,pgo-use-profile,with PGO_PROFILE))
else ifneq ($(kpgo-hook-goals),)
ifneq ($(filter-out pgo-%,$(kpgo-hook-typed)),)
$(error kpgo: give kpgo's goals ($(kpgo-hook-goals)) and the kernel's \
	($(filter-out pgo-%,$(kpgo-hook-typed))) in separate make commands)
endif
KSRC := $(CURDIR)
kpgo-hook-to := kpgo
# pgo-status and pgo-off speak of the profile that is on: its method
ifeq ($(filter-out pgo-status pgo-off,$(kpgo-hook-goals))$(filter command environment,$(origin PGO_METHOD)),)
ifneq ($(wildcard $(kpgo-hook-on)),)
PGO_METHOD := $(shell sed -n 's/^kpgo-on-method := //p' $(kpgo-hook-on))
endif
endif
else ifneq ($(and $(wildcard $(kpgo-hook-on)),$(kpgo-hook-built)),)
# a profile is on (pgo-use recorded it): kernel goals are built by
# kpgo-use-on with its flags, reading the recorded PGO_OUT
$(eval $(call kpgo-hook-route,kpgo-use-on,this tree builds with a profile (make pgo-status)))
include $(kpgo-hook-on)
ifeq ($(filter command environment,$(origin PGO_OUT)),)
PGO_OUT := $(kpgo-on-pgo-out)
endif
ifeq ($(filter command environment,$(origin PGO_METHOD)),)
PGO_METHOD := $(kpgo-on-method)
endif
endif

ifneq ($(kpgo-hook-to),)
include $(KPGO_DIR)/mk/kpgo.mk
ifneq ($(kpgo-hook-to),kpgo)
.DEFAULT_GOAL := $(kpgo-hook-to)
ifneq ($(kpgo-run-locked),y)
$(PGO_USE_TARGETS): $(kpgo-hook-to)
	@:
endif
endif
else
include $(CURDIR)/Makefile

# The kernel's own 'make help' names kpgo first (its list follows).
help: kpgo-hook-help
kpgo-hook-help:
	@echo 'kpgo (attached from $(KPGO_DIR); make pgo-help for details):'
	@echo '  pgo-instrument pgo-collect-<w> pgo-use-<w> pgo-bench-<w> pgo-baseline pgo-detach'
	@echo '  pgo-status pgo-off (kernel goals build with the profile pgo-use-<w> installed)'
	@echo ''
.PHONY: kpgo-hook-help
endif
