# SPDX-License-Identifier: GPL-2.0
#
# mk/attach.mk - pgo-attach / pgo-detach: hook kpgo into a kernel tree
# without editing any file the kernel tracks.
#
# pgo-attach writes $(KSRC)/GNUmakefile, which GNU make reads before the
# kernel's Makefile.  It includes mk/hook.mk: pgo-* goals go to kpgo, every
# other goal to the kernel's Makefile, unchanged.  An existing GNUmakefile
# that kpgo did not write is never touched.

ifndef kpgo-attach-mk
kpgo-attach-mk := 1

kpgo-gnumakefile := $(kpgo-srctree)/GNUmakefile
kpgo-attach-mark := \# kpgo: written by 'make pgo-attach'; 'make pgo-detach' removes it

define kpgo-gnumakefile-text
$(kpgo-attach-mark)
KPGO_DIR := $(KPGO_DIR)
ifneq ($$(wildcard $$(KPGO_DIR)/mk/hook.mk),)
include $$(KPGO_DIR)/mk/hook.mk
else
$$(warning kpgo is gone from $$(KPGO_DIR): this GNUmakefile only passes goals to Makefile; delete it)
include $$(CURDIR)/Makefile
endif
endef

kpgo-is-ours = $(if $(wildcard $(kpgo-gnumakefile)),$(findstring kpgo: written by,$(file <$(kpgo-gnumakefile))))

pgo-attach:
	$(if $(wildcard $(kpgo-gnumakefile)),$(if $(kpgo-is-ours),,$(error kpgo: \
	  $(kpgo-gnumakefile) exists and was not written by kpgo: not touching it)))
	$(file >$(kpgo-gnumakefile).tmp,$(kpgo-gnumakefile-text))
	@mv -f $(kpgo-gnumakefile).tmp $(kpgo-gnumakefile)
	@$(call kpgo-say,PGO-ATT,$(kpgo-srctree): make pgo-help there lists kpgo's targets)

pgo-detach:
	$(if $(wildcard $(kpgo-gnumakefile)),$(if $(kpgo-is-ours),,$(error kpgo: \
	  $(kpgo-gnumakefile) was not written by kpgo: not removing it)))
	@rm -f $(kpgo-gnumakefile)
	@$(call kpgo-say,PGO-DET,$(kpgo-srctree))

.PHONY: pgo-attach pgo-detach

endif
