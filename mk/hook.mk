# SPDX-License-Identifier: GPL-2.0
#
# mk/hook.mk - read through the GNUmakefile that pgo-attach writes into a
# kernel tree.  pgo-* goals are kpgo's (with KSRC = this tree; O= and
# KBUILD_OUTPUT work as for Kbuild); every other goal goes to the kernel's
# own Makefile exactly as if the GNUmakefile were not there.

kpgo-hook-goals := $(filter pgo-%,$(MAKECMDGOALS))
ifneq ($(kpgo-hook-goals),)
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
