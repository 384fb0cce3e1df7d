# SPDX-License-Identifier: GPL-2.0
#
# mk/hook.mk - read through the GNUmakefile that pgo-attach writes into a
# kernel tree.  pgo-* goals are kpgo's (with KSRC = this tree; O= and
# KBUILD_OUTPUT work as for Kbuild); every other goal goes to the kernel's
# own Makefile exactly as if the GNUmakefile were not there, but with
# PGO_PROFILE set, where kernel goals are built with that profile.
# (MAKECMDGOALS throughout: routing the goals typed is this file's job.)

kpgo-hook-goals := $(filter pgo-%,$(MAKECMDGOALS))
# make PGO_PROFILE=<archive or dir> <kernel goals>: those goals are built by
# pgo-use-profile (config, clean and information goals pass through)
kpgo-hook-plain := %config clean mrproper distclean help kernelrelease kernelversion \
	image_name
kpgo-hook-built := $(filter-out $(kpgo-hook-plain),$(or $(MAKECMDGOALS),all))
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
$(PGO_USE_TARGETS): pgo-use-profile
	@:
else ifneq ($(kpgo-hook-goals),)
ifneq ($(filter-out pgo-%,$(MAKECMDGOALS)),)
$(error kpgo: give kpgo's goals ($(kpgo-hook-goals)) and the kernel's \
	($(filter-out pgo-%,$(MAKECMDGOALS))) in separate make commands)
endif
KSRC := $(CURDIR)
include $(KPGO_DIR)/mk/kpgo.mk
else
include $(CURDIR)/Makefile

# The kernel's own 'make help' names kpgo first (its list follows).
help: kpgo-hook-help
kpgo-hook-help:
	@echo 'kpgo (attached from $(KPGO_DIR); make pgo-help for details):'
	@echo '  pgo-instrument pgo-collect-<w> pgo-use-<w> pgo-bench-<w> pgo-baseline pgo-detach'
	@echo ''
.PHONY: kpgo-hook-help
endif
