# SPDX-License-Identifier: GPL-2.0
#
# mk/baseline.mk - pgo-baseline: the tree's kernel (same .config, same
# compiler, same KCFLAGS) built without any profile in $(PGO_OUT)/baseline,
# the "before" of every comparison.

ifndef kpgo-baseline-mk
kpgo-baseline-mk := 1

quiet_cmd_base_config = PGO-CFG baseline/.config
      cmd_base_config = mkdir -p $(kpgo-base) && cp $< $@.tmp && mv -f $@.tmp $@ && \
	$(call kpgo-olddefconfig,$(kpgo-base),$(call kpgo-own-src,$(kpgo-base)))

$(kpgo-base)/.config: $(kpgo-user-config) | kpgo-user-config-ok kpgo-src-base
	$(call kpgo-cmd,base_config)

quiet_cmd_base_build = PGO-BAS building the baseline kernel in $(kpgo-base)
      cmd_base_build = t0=$$(date +%s); \
	$(call kpgo-kmake-own,$(kpgo-base)) $(PGO_USE_TARGETS) && $(call kpgo-time,baseline,kernel) && \
	$(call kpgo-say,PGO-BAS,vmlinux.o $$({ $(call kpgo-text-figures,$(kpgo-base)/vmlinux.o) ; }); \
	  $$(cat $(kpgo-times)/baseline-kernel) s)

pgo-baseline: $(kpgo-base)/.config | kpgo-src-base
	+$(call kpgo-cmd,base_build)

.PHONY: pgo-baseline

endif
