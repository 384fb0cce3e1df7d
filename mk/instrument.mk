# SPDX-License-Identifier: GPL-2.0
#
# mk/instrument.mk - pgo-instrument: the user's .config plus kpgo's
# fragments (PGO_FRAGMENTS), built with gcc gcov in $(PGO_OUT)/instrumented,
# never in the user's object tree.
#
# With LLVM= (clang): in $(PGO_OUT)/instrumented-llvm, with clang's IR PGO
# instrumentation in place of gcov (CFLAGS_GCOV, so Kbuild's per-file
# GCOV_PROFILE opt-outs still apply), and no kernel patch: value profiling
# off (it would need a runtime), function names uncompressed (kpgo-llvmprof
# reads them), and one linker script more for the final link of vmlinux,
# given through MAKEFILES (so the kernel tree is not touched): ld puts the
# orphan __llvm_prf_cnts into the init region, which the kernel frees and
# poisons after boot while the code still increments the counters there;
# the script puts the three profile sections after .data instead.
# $(PGO_OUT)/instrumented-llvm/.kpgo-prf holds "ADDR,SIZE FUNCTIONS
# COUNTERS" of the counter section (kpgo-llvmprof range) for the agent.

ifndef kpgo-instrument-mk
kpgo-instrument-mk := 1

kpgo-user-config  := $(call kpgo-kconfig,$(kpgo-objtree))
kpgo-instr-config := $(call kpgo-kconfig,$(kpgo-instr))
kpgo-instr-ok     := $(kpgo-instr)/.kpgo-config-ok
kpgo-instr-image  := $(kpgo-instr)/$(kpgo-arch-image)

# --- config checks, used by every phase that builds --------------------
# $(call kpgo-config-words,FILES): "CONFIG_X=v" words, "# CONFIG_X is not
# set" as CONFIG_X=n
kpgo-config-words = $(shell sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*=[^ ]*\)$$/\1/p' \
	-e 's/^\# \(CONFIG_[A-Za-z0-9_]*\) is not set$$/\1=n/p' $(1))
# $(call kpgo-config-missing,WANT-FILES,HAVE-FILE): requested settings that
# did not take (a module, =m, is as good as a =y asked for: the guest
# loads it)
kpgo-config-missing = $(strip $(foreach h,$(call kpgo-config-words,$(2)),\
	$(eval kpgo-have := $$(kpgo-have) $(h)))\
	$(foreach w,$(call kpgo-config-words,$(1)),\
	  $(if $(filter %=n,$(w)),\
	    $(if $(filter $(patsubst %=n,%=y,$(w)) $(patsubst %=n,%=m,$(w)),$(kpgo-have)),$(w)),\
	    $(if $(filter $(w) $(patsubst %=y,%=m,$(w)),$(kpgo-have)),,$(w))))$(eval kpgo-have :=))

# A tree with no .config, or one optimized for size, is refused here.
define kpgo-check-user-config
$(if $(wildcard $(kpgo-user-config)),,$(error kpgo: no .config in \
	$(kpgo-objtree): configure the kernel first, e.g. make \
	$(if $(kpgo-o),O=$(kpgo-o) )defconfig (or tinyconfig, menuconfig), \
	or run 'make quickstart' in $(KPGO_DIR) for a ready small guest))
$(if $(filter CONFIG_CC_OPTIMIZE_FOR_SIZE=y,$(call kpgo-config-words,$(kpgo-user-config))),\
	$(error kpgo: $(kpgo-user-config) has CONFIG_CC_OPTIMIZE_FOR_SIZE=y: with -Os gcc's \
	-fprofile-use changes nothing. Switch to -O2: $(kpgo-srctree)/scripts/config \
	--file $(kpgo-user-config) -d CC_OPTIMIZE_FOR_SIZE -e CC_OPTIMIZE_FOR_PERFORMANCE \
	&& make $(if $(kpgo-o),O=$(kpgo-o) )olddefconfig))
$(if $(and $(kpgo-afdo),$(filter y,$(call kpgo-cfg-val,CONFIG_LTO_CLANG)),$(if $(filter y,$(call \
	kpgo-cfg-val,CONFIG_AUTOFDO_CLANG)),,y)),$(error kpgo: PGO_METHOD=autofdo: $(kpgo-user-config) has \
	CONFIG_LTO_CLANG=y: its objects are bitcode$(comma) and the linker needs the profile too \
	(--lto-sample-profile)$(comma) which only a kernel with CONFIG_AUTOFDO_CLANG (6.13 and newer) gives; \
	turn LTO off for kpgo's AutoFDO on this kernel))
endef

# A module of the user's .config (CONFIG_X=m) stays one: a fragment's
# CONFIG_X=y is dropped before the merge (.kpgo-keep-m lists those lines),
# and the guest loads the module (kpgo-modules below).
quiet_cmd_instr_config = PGO-CFG instrumented/.config ($(words $(PGO_FRAGMENTS)) fragments)
      cmd_instr_config = mkdir -p $(kpgo-instr) && \
	sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=m$$/\1=y/p' $(kpgo-user-config) > $(kpgo-instr)/.kpgo-keep-m && \
	{ cat $(kpgo-user-config) && { grep -hvxF -f $(kpgo-instr)/.kpgo-keep-m $(PGO_FRAGMENTS) || \
	  [ $$? = 1 ]; }; } > $(kpgo-instr-config).tmp && \
	mv -f $(kpgo-instr-config).tmp $(kpgo-instr-config) && \
	$(call kpgo-olddefconfig,$(kpgo-instr),$(call kpgo-own-src,$(kpgo-instr)))

# the list of fragments is an input too (adding or dropping one re-merges)
$(kpgo-instr)/.kpgo-fragments: FORCE
	$(call kpgo-filechk,$@,$(PGO_FRAGMENTS))

$(kpgo-instr-config): $(kpgo-user-config) $(PGO_FRAGMENTS) $(kpgo-instr)/.kpgo-fragments \
		| kpgo-user-config-ok kpgo-src-instr
	$(call kpgo-cmd,instr_config)

# Every symbol a fragment asked for must have taken.
$(kpgo-instr-ok): $(kpgo-instr-config)
	$(if $(call kpgo-config-missing,$(PGO_FRAGMENTS),$<),$(error kpgo: \
	  $(call kpgo-config-missing,$(PGO_FRAGMENTS),$<) asked for by \
	  $(notdir $(PGO_FRAGMENTS)) did not take in $<: a dependency is \
	  missing in your .config (find it with make O=$(kpgo-instr) menuconfig, \
	  '/' and the symbol name)))
	@touch $@

kpgo-user-config-ok:
	$(kpgo-check-user-config)

# reached only when there is no .config: says what to do
ifeq ($(wildcard $(kpgo-user-config)),)
$(kpgo-user-config):
	$(kpgo-check-user-config)
endif

# --- clang -----------------------------------------------------------------
kpgo-llvm-gen-flags := -fprofile-generate -mllvm -disable-vp=true \
	-mllvm -enable-name-compression=false
kpgo-instr-lds := $(kpgo-instr)/.kpgo-prf.lds
kpgo-instr-hook := $(kpgo-instr)/.kpgo-kbuild.mk
kpgo-instr-prf := $(kpgo-instr)/.kpgo-prf
define kpgo-instr-lds-text
/* kpgo: clang's profile sections after .data, not in the init region */
SECTIONS {
	__llvm_prf_cnts : { KEEP(*(__llvm_prf_cnts)) }
	__llvm_prf_data : { KEEP(*(__llvm_prf_data)) }
	__llvm_prf_names : { KEEP(*(__llvm_prf_names)) }
} INSERT AFTER .data;
endef
define kpgo-instr-hook-text
# kpgo: read by every make of the instrumented build (MAKEFILES); only the
# final link of vmlinux (scripts/Makefile.vmlinux) gets the section script
LDFLAGS_vmlinux += $$(if $$(filter %/scripts/Makefile.vmlinux,$$(MAKEFILE_LIST)),--script=$(kpgo-instr-lds))
endef
$(kpgo-instr-lds): FORCE
	$(call kpgo-filechk,$@,$(kpgo-instr-lds-text))
$(kpgo-instr-hook): $(kpgo-instr-lds) FORCE
	$(call kpgo-filechk,$@,$(kpgo-instr-hook-text))

# --- AutoFDO: a profiling kernel, not instrumented ---------------------------
# The flags mainline's CONFIG_AUTOFDO_CLANG gives every object
# (scripts/Makefile.autofdo): DWARF line tables (-gmlt, when the .config has
# no debug info) with discriminators, which llvm-profgen maps the branch
# records to source lines with.  6.12 has no such symbol: KCFLAGS, both for
# the profiling kernel and for the build that uses the profile (the code
# and the line tables must be the same).
# (read from the .config once, and only for AutoFDO)
kpgo-afdo-base-flags := $(if $(kpgo-afdo),-fdebug-info-for-profiling -mllvm -enable-fs-discriminator=true \
	-mllvm -improved-fs-discriminator=true $(if $(filter y,$(call kpgo-cfg-val,CONFIG_DEBUG_INFO)),,-gmlt))
kpgo-instr-kbuild-args-ir = MAKEFILES=$(kpgo-instr-hook) CFLAGS_GCOV='$(kpgo-llvm-gen-flags)'
# (6.13 and newer with CONFIG_AUTOFDO_CLANG=y in the .config: Kbuild adds
# them itself, and CLANG_AUTOFDO_PROFILE gives it the profile, mk/use.mk)
kpgo-afdo-kconfig := $(if $(kpgo-afdo),$(filter y,$(call kpgo-cfg-val,CONFIG_AUTOFDO_CLANG)))
kpgo-instr-kbuild-args-afdo = $(if $(kpgo-afdo-kconfig),,KCFLAGS='$(call kpgo-escsq,$(KCFLAGS) $(kpgo-afdo-base-flags))')
kpgo-instr-kbuild-args = $(kpgo-instr-kbuild-args-$(kpgo-method))
kpgo-instr-deps = $(if $(filter ir,$(kpgo-method)),$(kpgo-instr-hook) $(KPGO_BIN)/kpgo-llvmprof)
kpgo-instr-figures-ir = \
	$(KPGO_BIN)/kpgo-llvmprof range $(kpgo-instr)/vmlinux > $(kpgo-instr-prf).tmp && \
	mv -f $(kpgo-instr-prf).tmp $(kpgo-instr-prf) && \
	set -- $$(cat $(kpgo-instr-prf)) && echo "$$2 functions, $$3 counters (clang IR PGO, \
	counters at $${1%%,*}, outside the init region)"
kpgo-instr-figures-gcov = echo "$$(find $(kpgo-instr) -name '*.gcno' | wc -l) objects instrumented"
kpgo-instr-figures-afdo = echo "not instrumented: $$(nm $(kpgo-instr)/vmlinux | grep -c ' [tT] ') \
	functions$(comma) $$(printf %d $$(readelf -SW $(kpgo-instr)/vmlinux | \
	sed -n 's/^ *\[ *[0-9]*\] \.debug_line  *[A-Z]*  *[0-9a-f]*  *[0-9a-f]*  *\([0-9a-f]*\) .*/0x\1/p')) \
	bytes of line tables (AutoFDO's -gmlt$(comma) discriminators)"
kpgo-instr-what = $(if $(kpgo-afdo),profiling kernel (AutoFDO),instrumented kernel)

# Kbuild decides what to rebuild; bzImage keeps its time when nothing did,
# so what depends on it (a collected profile) is not redone.
# With CONFIG_MODULES=y, its modules too, installed (not stripped: the
# guest loads them as they are) into $(kpgo-instr-modroot) for the modules
# image; anew each time, so that no module of an earlier config stays.
kpgo-instr-modroot := $(kpgo-instr)/modules-root
kpgo-instr-modules-on = $(filter CONFIG_MODULES=y,$(call kpgo-config-words,$(kpgo-instr-config)))
kpgo-instr-modules-install = rm -rf $(kpgo-instr-modroot) && \
	$(call kpgo-kmake-own,$(kpgo-instr)) $(kpgo-instr-kbuild-args) -s modules_install \
	  INSTALL_MOD_PATH=$(kpgo-instr-modroot) && \
	m="; $$(find $(kpgo-instr-modroot) -name '*.ko*' | wc -l) modules in $(kpgo-instr-modroot)" &&
quiet_cmd_instr_build = PGO-INS building the $(kpgo-instr-what) in $(kpgo-instr)
      cmd_instr_build = t0=$$(date +%s); m=; \
	$(call kpgo-kmake-own,$(kpgo-instr)) $(kpgo-instr-kbuild-args) $(notdir $(kpgo-arch-image)) \
	  $(if $(kpgo-instr-modules-on),modules) && $(if $(kpgo-instr-modules-on),$(kpgo-instr-modules-install)) \
	$(call kpgo-time,instrument$(kpgo-fam),kernel) && f=$$($(kpgo-instr-figures-$(kpgo-method))) && \
	$(call kpgo-say,PGO-INS,$$f$$m; \
	  $(kpgo-instr-image) ($$(stat -c %s $(kpgo-instr-image)) bytes) in $$(cat $(kpgo-times)/instrument$(kpgo-fam)-kernel) s)

$(kpgo-instr-image): $(kpgo-instr-ok) $(kpgo-instr-deps) FORCE | kpgo-src-instr
	+$(call kpgo-cmd,instr_build)

pgo-instrument: $(kpgo-instr-image)

# --- modules -----------------------------------------------------------
# A kernel with modules (the user's .config has CONFIG_MODULES=y and some
# =m, which the instrumented .config keeps) boots kpgo's guests with a
# second initramfs, $(kpgo-instr-modimg): the modules of the guest's
# devices and file systems, PGO_MODULES, and what they need (mk/image.mk).
# Known when the makefiles are read, from the user's .config: the graph
# (what a profile is made from) cannot wait for the instrumented one.
kpgo-modular := $(if $(wildcard $(kpgo-user-config)),$(shell grep -qx 'CONFIG_MODULES=y' \
	$(kpgo-user-config) && grep -q '^CONFIG_[A-Za-z0-9_]*=m$$' $(kpgo-user-config) && echo y))
kpgo-instr-modimg := $(kpgo-instr)/modules.cpio.gz
kpgo-modimg-input = $(if $(kpgo-modular),$(kpgo-instr-modimg))
# $(call kpgo-vm-modules,KERNEL): kpgo-vm's second --initrd, for the
# instrumented kernel with modules only (nothing else: a kernel without
# modules boots, and records its runs, as before)
kpgo-vm-modules = $(if $(and $(kpgo-modular),$(filter $(kpgo-instr-image),$(1))), --initrd $(kpgo-instr-modimg))

.PHONY: pgo-instrument kpgo-user-config-ok

endif
