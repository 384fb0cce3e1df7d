# SPDX-License-Identifier: GPL-2.0
#
# mk/image.mk - pgo-image-<workload>: the guest's initramfs.
#
# The image holds kpgo-agent as /init, the agent's settings (guest.conf),
# busybox for shell commands, and the recipe's programs with their shared
# libraries.  It does not depend on the kernel: the instrumented, the
# baseline and the optimized kernel all boot the same image.  Made by
# kpgo-mkimage from a manifest (same inputs, same bytes; no root).

ifndef kpgo-image-mk
kpgo-image-mk := 1

KPGO_BUSYBOX ?= /bin/busybox

kpgo-recipe-phases += image

# $(call kpgo-guest-conf,name,NAME): the agent's settings
define kpgo-guest-conf
# guest agent settings of workload $(1), made from recipes/$(1).mk
$(if $(value $(2)_SETUP),setup=$($(2)_SETUP))
server=$($(2)_SERVER)
ready=$($(2)_READY)
endef

# Users and groups every guest has (servers look up the user they run as),
# one copy for all workloads
kpgo-etc := $(PGO_OUT)/work/etc
define kpgo-etc-passwd
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
endef
define kpgo-etc-group
root:x:0:
nogroup:x:65534:
endef

# $(call kpgo-manifest,name,NAME): what goes into the image
define kpgo-manifest
# guest image of workload $(1), made from recipes/$(1).mk
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
file /etc/passwd $(kpgo-etc)/passwd 644
file /etc/group $(kpgo-etc)/group 644
$(foreach b,$($(2)_GUEST_BINS),elf $(b) $(b)$(kpgo-nl))$(subst ;,$(kpgo-nl),$($(2)_GUEST_FILES))
endef

# $(call kpgo-check-host,name,NAME): what the workload needs on this host
kpgo-check-host = $(foreach b,$(KPGO_BUSYBOX) $($(2)_GUEST_BINS),$(if $(wildcard $(b)),,\
	$(error kpgo: workload $(1) needs $(b), which is not installed: \
	apt-get install $(if $(filter $(KPGO_BUSYBOX),$(b)),busybox-static,$($(2)_DEBS)) \
	(or make -C $(KPGO_DIR) pgo-deps))))

quiet_cmd_mkimage =
      cmd_mkimage = $(KPGO_BIN)/kpgo-mkimage --quiet --deps $(@D)/image.deps \
	-o $@ $(@D)/image.manifest && $(call kpgo-say,PGO-IMG,$(2): \
	$@$(comma) $$(stat -c %s $@) bytes from $$(grep -c '^[a-z]' $(@D)/image.manifest) manifest lines)


$(kpgo-etc)/passwd: FORCE
	$(call kpgo-filechk,$@,$(kpgo-etc-passwd))

$(kpgo-etc)/group: FORCE
	$(call kpgo-filechk,$@,$(kpgo-etc-group))

define kpgo-image-tmpl
$(call kpgo-work,$(1))/guest.conf: FORCE
	$$(call kpgo-filechk,$$@,$$(call kpgo-guest-conf,$(1),$(2)))

$(call kpgo-work,$(1))/image.manifest: FORCE
	$$(call kpgo-filechk,$$@,$$(call kpgo-manifest,$(1),$(2)))

$(call kpgo-work,$(1))/image.cpio.gz: $(call kpgo-work,$(1))/image.manifest \
		$(call kpgo-work,$(1))/guest.conf $(kpgo-etc)/passwd \
		$(kpgo-etc)/group $(KPGO_BIN)/kpgo-agent \
		$(KPGO_BIN)/kpgo-mkimage
	$$(call kpgo-check-host,$(1),$(2))
	$$(call kpgo-cmd,mkimage,$(1))

-include $(call kpgo-work,$(1))/image.deps

pgo-image-$(1): $(call kpgo-work,$(1))/image.cpio.gz
.PHONY: pgo-image-$(1)
endef

endif
