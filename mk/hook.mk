# SPDX-License-Identifier: GPL-2.0
#
# mk/hook.mk - read through the GNUmakefile that pgo-attach writes into a
# kernel tree.  pgo-* goals are kpgo's (with KSRC = this tree; O= and
# KBUILD_OUTPUT work as for Kbuild); every other goal goes to the kernel's
# own Makefile exactly as if the GNUmakefile were not there, but with
# PGO_PROFILE set, or with a profile on (make pgo-use-<w> left one), where
# kernel goals are built with that profile.
# (MAKECMDGOALS throughout: routing the goals typed is this file's job.)

kpgo-hook-goals := $(filter pgo-%,$(MAKECMDGOALS))
# make PGO_PROFILE=<archive or dir> <kernel goals>: those goals are built by
# pgo-use-profile (config, clean and information goals pass through)
kpgo-hook-plain := %config clean mrproper distclean help kernelrelease kernelversion \
	image_name
kpgo-hook-built := $(filter-out $(kpgo-hook-plain),$(or $(MAKECMDGOALS),all))
# the profile pgo-use left on in this object tree (mk/use.mk)
kpgo-hook-on := $(abspath $(or $(O),$(KBUILD_OUTPUT),$(CURDIR)))/.kpgo-profile.mk
ifneq ($(and $(strip $(PGO_PROFILE)),$(kpgo-hook-built)),)
ifneq ($(kpgo-hook-goals),)
$(error kpgo: with PGO_PROFILE, give kernel goals only (not $(kpgo-hook-goals)))
endif
ifneq ($(filter $(kpgo-hook-plain),$(MAKECMDGOALS)),)
$(error kpgo: with PGO_PROFILE, give $(filter $(kpgo-hook-plain),$(MAKECMDGOALS)) in a \
	make command of its own)
endif
KSRC := $(CURDIR)
PGO_USE_TARGETS := $(kpgo-hook-built)
kpgo-cmdline-goals := $(or $(MAKECMDGOALS),all)
MAKECMDGOALS := pgo-use-profile
include $(KPGO_DIR)/mk/kpgo.mk
.DEFAULT_GOAL := pgo-use-profile
ifneq ($(kpgo-run-locked),y)
$(PGO_USE_TARGETS): pgo-use-profile
	@:
endif
else ifneq ($(kpgo-hook-goals),)
ifneq ($(filter-out pgo-%,$(MAKECMDGOALS)),)
$(error kpgo: give kpgo's goals ($(kpgo-hook-goals)) and the kernel's \
	($(filter-out pgo-%,$(MAKECMDGOALS))) in separate make commands)
endif
KSRC := $(CURDIR)
include $(KPGO_DIR)/mk/kpgo.mk
else ifneq ($(and $(wildcard $(kpgo-hook-on)),$(kpgo-hook-built)),)
# a profile is on (pgo-use recorded it): kernel goals are built by
# kpgo-use-on with its flags, reading the recorded PGO_OUT
ifneq ($(filter $(kpgo-hook-plain),$(MAKECMDGOALS)),)
$(error kpgo: this tree builds with a profile (make pgo-status): give \
	$(filter $(kpgo-hook-plain),$(MAKECMDGOALS)) in a make command of its own)
endif
KSRC := $(CURDIR)
include $(kpgo-hook-on)
ifeq ($(filter command environment,$(origin PGO_OUT)),)
PGO_OUT := $(kpgo-on-pgo-out)
endif
PGO_USE_TARGETS := $(kpgo-hook-built)
kpgo-cmdline-goals := $(or $(MAKECMDGOALS),all)
MAKECMDGOALS := kpgo-use-on
include $(KPGO_DIR)/mk/kpgo.mk
.DEFAULT_GOAL := kpgo-use-on
ifneq ($(kpgo-run-locked),y)
$(PGO_USE_TARGETS): kpgo-use-on
	@:
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
