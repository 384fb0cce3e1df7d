# SPDX-License-Identifier: GPL-2.0
#
# mk/image.mk - pgo-image-<workload>: the guest's initramfs.
#
# The image holds kpgo-agent as /init, the agent's settings (guest.conf),
# busybox for shell commands, and the recipe's programs with their shared
# libraries.  It does not depend on the kernel: the instrumented, the
# baseline and the optimized kernel all boot the same image.  Made by
# kpgo-mkimage from a manifest (same inputs, same bytes; no root).
#
# A workload with <NAME>_DISK also gets disk.img, a raw ext4 file system
# (mke2fs on a file: no root, no mount; fixed UUID, hash seed and time) that
# the guest mounts on /data.  <NAME>_PREPARE and _PREPARE_CLIENT fill it once
# in a boot of its own (kpgo.mode=prepare); runs then start from that
# content and their writes are thrown away.  The prepare boot uses the
# kernel of the run that needs the disk first.

ifndef kpgo-image-mk
kpgo-image-mk := 1

KPGO_BUSYBOX ?= /bin/busybox
# glibc loads it with dlopen (pthread_exit, cancellation): no ELF closure
# names it, every threaded server needs it
KPGO_LIBGCC_S ?= /lib/x86_64-linux-gnu/libgcc_s.so.1

kpgo-recipe-phases += image

# $(call kpgo-guest-conf,name,NAME): the agent's settings
define kpgo-guest-conf
# guest agent settings of workload $(1), made from $(call kpgo-recipe-src,$(1))
$(if $($(2)_DISK),disk=/data)
$(if $(value $(2)_SETUP),setup=$($(2)_SETUP))
$(if $(value $(2)_PREPARE),prepare=$($(2)_PREPARE))
$(if $(value $(2)_SERVER),server=$($(2)_SERVER))
ready=$(call kpgo-ready,$(2))
$(if $(value $(2)_LOAD),load=$($(2)_LOAD),$(if $(call kpgo-guest-load,$(2)),load=PGO_PORT=$($(2)_PORT); \
export PGO_PORT; $($(2)_CLIENT)))
endef

# The client's programs, in an image whose load is the client in the guest
# (CLIENT_IN guest): its HOST_BINS (default: its first word) and CLIENT_FILES
kpgo-client-bins = $(foreach b,$(or $($(2)_HOST_BINS),$(firstword $($(2)_CLIENT))),\
	$(or $(shell command -v $(b)),$(error kpgo: workload $(1): its client $(b) is not \
	installed: apt-get install $($(2)_DEBS))))
kpgo-client-image = $(if $(value $(2)_LOAD),,$(if $(call kpgo-guest-load,$(2)),$(foreach \
	b,$(kpgo-client-bins),elf $(b) $(b)$(kpgo-nl))$(subst ;,$(kpgo-nl),$($(2)_CLIENT_FILES))))

# Users and groups (servers look up the user they run as): root, nobody and
# the recipe's USERS, numbered from 100 in their order
kpgo-uids := $(shell seq 100 199)
kpgo-users = $(join $($(2)_USERS),$(addprefix :,$(wordlist 1,$(words $($(2)_USERS)),$(kpgo-uids))))
kpgo-user-word = $(word $(1),$(subst :, ,$(2)))
define kpgo-etc-passwd
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false$(foreach u,$(kpgo-users),$(kpgo-nl)$(call \
kpgo-user-word,1,$(u)):x:$(call kpgo-user-word,2,$(u)):$(call kpgo-user-word,2,$(u)):$(call \
kpgo-user-word,1,$(u)):/:/bin/sh)
endef
define kpgo-etc-group
root:x:0:
nogroup:x:65534:$(foreach u,$(kpgo-users),$(kpgo-nl)$(call kpgo-user-word,1,$(u)):x:$(call kpgo-user-word,2,$(u)):)
endef

# Where a program of GUEST_BINS is in the guest: at its host path, but
# kpgo's own (built in $(KPGO_BIN), which may be under /tmp, a tmpfs in the
# guest) in /usr/local/bin
kpgo-guest-path = $(if $(filter $(KPGO_BIN)/%,$(1)),/usr/local/bin/$(notdir $(1)),$(1))

# $(call kpgo-manifest,name,NAME): what goes into the image
define kpgo-manifest
# guest image of workload $(1), made from $(call kpgo-recipe-src,$(1))
dir /dev 755
nod /dev/console 600 c 5 1
nod /dev/null 666 c 1 3
dir /proc 755
dir /sys 755
dir /tmp 1777
dir /run 755
dir /mnt/kpgo 755
dir /root 700
file /init $(KPGO_BIN)/kpgo-agent 755
file /kpgo/guest.conf $(call kpgo-work,$(1))/guest.conf 644
file /bin/busybox $(KPGO_BUSYBOX) 755
slink /bin/sh busybox
file $(KPGO_LIBGCC_S) $(KPGO_LIBGCC_S) 644
file /etc/passwd $(call kpgo-work,$(1))/passwd 644
file /etc/group $(call kpgo-work,$(1))/group 644
$(foreach b,$($(2)_GUEST_BINS),elf $(call kpgo-guest-path,$(b)) $(b)$(kpgo-nl))$(subst ;,$(kpgo-nl),$($(2)_GUEST_FILES))
$(kpgo-client-image)
endef

# $(call kpgo-check-host,name,NAME): what the workload's image needs on
# this host: busybox, libgcc_s and the recipe's GUEST_BINS
kpgo-deb-of = $(if $(filter $(KPGO_BUSYBOX),$(1)),busybox-static,libgcc-s1)
kpgo-check-host = $(foreach b,$(KPGO_BUSYBOX) $(KPGO_LIBGCC_S),$(if $(wildcard $(b)),,\
	$(error kpgo: workload $(1) needs $(b), which is not installed: \
	apt-get install $(call kpgo-deb-of,$(b)) (or make -C $(KPGO_DIR) pgo-deps)))) \
	$(call kpgo-recipe-bins,$(1),$(2),$(kpgo-recipe-file-$(1)))

# X.cpio.gz from X.manifest, its inputs listed in X.deps (image, compare);
# then its size.  $(call rule_mkimage,name)
define rule_mkimage
$(call kpgo-cmd,mkimage,$(1))
$(call kpgo-cmd,mkimage_figures,$(1))
endef
quiet_cmd_mkimage = PGO-IMG $(2): $(@F) from $(notdir $(@:.cpio.gz=.manifest))
      cmd_mkimage = $(KPGO_BIN)/kpgo-mkimage --quiet --deps $(@:.cpio.gz=.deps) \
	-o $@ $(@:.cpio.gz=.manifest)
# (empty: a figures command prints only its figures)
quiet_cmd_mkimage_figures =
      cmd_mkimage_figures = $(call kpgo-say,PGO-IMG,$(2): \
	$@$(comma) $$(stat -c %s $@) bytes from $$(grep -c '^[a-z]' $(@:.cpio.gz=.manifest)) manifest lines)

# $(call kpgo-image-inputs,name,NAME,conf): what an image of workload $(1)
# is made from besides its manifest: the agent's settings $(3), users,
# kpgo's agent and image maker, kpgo's own programs in it
kpgo-image-inputs = $(call kpgo-work,$(1))/$(3) $(call kpgo-work,$(1))/passwd \
	$(call kpgo-work,$(1))/group $(KPGO_BIN)/kpgo-agent $(KPGO_BIN)/kpgo-mkimage \
	$(filter $(KPGO_BIN)/%,$($(2)_GUEST_BINS) $(subst ;, ,$($(2)_GUEST_FILES)))

# $(call kpgo-disk-conf,name,NAME): what the disk is made from
define kpgo-disk-conf
# disk of workload $(1), made from $(call kpgo-recipe-src,$(1))
size_mb=$($(2)_DISK)
prepare=$($(2)_PREPARE)
prepare_client=$($(2)_PREPARE_CLIENT)
endef

KPGO_MKE2FS ?= /sbin/mke2fs
# the same empty file system every time (UUID, hash seed, times fixed)
kpgo-mke2fs = E2FSPROGS_FAKE_TIME=1 $(KPGO_MKE2FS) -q -F -t ext4 -L kpgo -U clear \
	-E root_owner=0:0,hash_seed=6b70676f-0000-4000-8000-000000000000

# $(call kpgo-prepares,NAME): non-empty when the disk has a prepare boot
kpgo-prepares = $(value $(1)_PREPARE)$(value $(1)_PREPARE_CLIENT)
# (MAKECMDGOALS, the one graph choice left by goal: which kernel boots to
# prepare a disk; the disk's content does not depend on it.)
# The kernel a prepare boot of workload $(1) uses: the one of the run that
# needs the disk (instrumented, optimized or baseline; the baseline for
# pgo-compare; none outside a run)
kpgo-prep-kind = $(strip $(if $(kpgo-collecting),instrumented,\
	$(if $(filter pgo-bench-$(1),$(MAKECMDGOALS)),$(PGO_KERNEL),\
	$(if $(filter pgo-compare-%,$(MAKECMDGOALS)),baseline))))
kpgo-prep-kernel = $(if $(kpgo-prep-kind),$(kpgo-kernel-$(kpgo-prep-kind)))

# the disk: an empty ext4, prepared by a boot when the recipe says so;
# then its figures.  $(call rule_disk,name,NAME)
define rule_disk
$(call kpgo-cmd,disk,$(1),$(2))
$(call kpgo-cmd,disk_figures,$(1),$(2))
endef
quiet_cmd_disk = PGO-DSK $(2): $(@F), ext4 of $($(3)_DISK) MB$(if $(call kpgo-prepares,$(3)),$(comma) \
	prepared on the $(call kpgo-prep-kind,$(2)) kernel)
      cmd_disk = t0=$$(date +%s); rm -f $@.tmp && \
	$(kpgo-mke2fs) $@.tmp $($(3)_DISK)M >/dev/null && \
	$(if $(call kpgo-prepares,$(3)),\
	  k=$(call kpgo-prep-kernel,$(2)); \
	  if [ -z "$$k" ]; then echo "kpgo: workload $(2): its disk is prepared by booting a kernel: \
	    make it with pgo-collect-$(2) or pgo-bench-$(2)" >&2; exit 1; fi; \
	  if [ ! -f "$$k" ]; then echo "kpgo: workload $(2): preparing its disk boots the \
	    $(call kpgo-prep-kind,$(2)) kernel $$k$(comma) which does not exist: \
	    $(kpgo-kernel-how-$(call kpgo-prep-kind,$(2)))" >&2; exit 1; fi; \
	  $(call kpgo-vm,$(2),$(3),prepare,$(call kpgo-prep-kernel,$(2)),$(@D)/prepare.out) &&) \
	mv -f $@.tmp $@ && $(call kpgo-time,disk,$(2))
# (empty: a figures command prints only its figures)
quiet_cmd_disk_figures =
      cmd_disk_figures = $(call kpgo-say,PGO-DSK,$(2): $@$(comma) ext4$(comma) $($(3)_DISK) MB$(comma) \
	$$(($$(du -k $@ | cut -f1) / 1024)) MB used$(if $(call kpgo-prepares,$(3)),$(comma) \
	prepared in $$(cat $(kpgo-times)/disk-$(2)) s))

# --- the instrumented kernel's modules (kpgo-modular: mk/instrument.mk) ---
# The guest's devices and file systems, and PGO_MODULES: kpgo-mkimage's
# modules line adds what they need, skips those built in, and writes
# /etc/kpgo-modules, which the agent loads first.  Rewritten only when its
# bytes change (modules_install copies every module anew each build).
kpgo-guest-modules := virtio_pci virtio_net virtio_blk 9pnet_virtio 9p ext4
# $(call kpgo-modules-check,WHAT,NAMES): module names only (PGO_MODULES
# here, a recipe's <NAME>_MODULES when it is read: mk/recipe.mk)
kpgo-modules-check = $(if $(strip $(2)),$(if $(call kpgo-chars-bad,$(strip $(2)),A-Za-z0-9_ -),$(error \
	kpgo: $(1)=$(2): module names are letters, digits, _ and - only, separated by spaces)))
$(call kpgo-modules-check,PGO_MODULES,$(PGO_MODULES))
# every recipe's
kpgo-recipe-modules = $(foreach r,$(kpgo-recipes),$($(call kpgo-upper,$(r))_MODULES))
define kpgo-modules-manifest
# modules the guest loads on the instrumented kernel $(kpgo-instr-image)
modules $(kpgo-instr-modroot) $(shell cat $(kpgo-instr)/include/config/kernel.release) $(strip $(kpgo-guest-modules) $(sort $(kpgo-recipe-modules) $(PGO_MODULES)))
endef

$(kpgo-instr)/modules.manifest: $(kpgo-instr-image) FORCE
	$(call kpgo-filechk,$@,$(kpgo-modules-manifest))

# (empty: it prints its figures only when the image changed)
quiet_cmd_modimage =
      cmd_modimage = t=$$(stat -c %Y $@ 2>/dev/null || echo none); \
	if [ ! -d $(kpgo-instr-modroot) ]; then echo "kpgo: the instrumented kernel has no modules \
	  ($(kpgo-instr-modroot) is missing) but $(kpgo-user-config) has CONFIG_MODULES=y and modules: \
	  did a fragment turn CONFIG_MODULES off?" >&2; exit 1; fi; \
	o=$$($(KPGO_BIN)/kpgo-mkimage --keep --deps $(@:.cpio.gz=.deps) -o $@ $<) && \
	if [ "$$t" != "$$(stat -c %Y $@)" ]; then $(call kpgo-say,PGO-IMG,instrumented kernel's modules: \
	  $@$(comma) $$(stat -c %s $@) bytes$(comma) $$(echo "$$o" | sed -n 's/.*: \([0-9]* modules to load\)/\1/p')); fi

$(kpgo-instr-modimg): $(kpgo-instr)/modules.manifest $(kpgo-instr-image) $(KPGO_BIN)/kpgo-mkimage
	$(call kpgo-cmd,modimage)

-include $(kpgo-instr)/modules.deps

define kpgo-image-tmpl
$(call kpgo-work,$(1))/guest.conf: FORCE
	$$(call kpgo-filechk,$$@,$$(call kpgo-guest-conf,$(1),$(2)))

$(call kpgo-work,$(1))/image.manifest: FORCE
	$$(call kpgo-filechk,$$@,$$(call kpgo-manifest,$(1),$(2)))

$(call kpgo-work,$(1))/passwd: FORCE
	$$(call kpgo-filechk,$$@,$$(call kpgo-etc-passwd,$(1),$(2)))

$(call kpgo-work,$(1))/group: FORCE
	$$(call kpgo-filechk,$$@,$$(call kpgo-etc-group,$(1),$(2)))

$(call kpgo-work,$(1))/image.cpio.gz: $(call kpgo-work,$(1))/image.manifest \
		$(call kpgo-image-inputs,$(1),$(2),guest.conf)
	$$(call kpgo-check-host,$(1),$(2))
	$$(call rule_mkimage,$(1))

-include $(call kpgo-work,$(1))/image.deps

$(if $($(2)_DISK),$(call kpgo-disk-rules,$(1),$(2)))

pgo-image-$(1): $(call kpgo-work,$(1))/image.cpio.gz
.PHONY: pgo-image-$(1)
endef

define kpgo-disk-rules
$(call kpgo-work,$(1))/disk.conf: FORCE
	$$(call kpgo-filechk,$$@,$$(call kpgo-disk-conf,$(1),$(2)))

$(call kpgo-work,$(1))/disk.img: $(call kpgo-work,$(1))/disk.conf \
		$(call kpgo-work,$(1))/image.cpio.gz $(KPGO_BIN)/kpgo-vm \
		| $(if $(call kpgo-prepares,$(2)),$(if $(filter $(kpgo-instr-image),$(call \
		kpgo-prep-kernel,$(1))),$(kpgo-instr-image) $(kpgo-modimg-input)))
	$$(call rule_disk,$(1),$(2))
endef

endif
