# SPDX-License-Identifier: GPL-2.0
#
# mk/tools.mk - build kpgo's C helpers (tools/*.c) for the host, and the
# static guest agent.
#
# Provides:
#   $(KPGO_BIN)/kpgo-<tool>      optimized build, used by the workflow
#   $(KPGO_SAN)/kpgo-<tool>      ASan+UBSan build, used by the fast tests
#   kpgo-tools                   phony: all of the above that are needed
#
# The helpers are built with KPGO_HOSTCC, never with the kernel's CC (which a
# user may have wrapped in ccache or distcc, or pointed at a cross compiler).

ifndef kpgo-tools-mk
kpgo-tools-mk := 1

# an installed copy (make install) names its helpers' directory here
-include $(KPGO_DIR)/mk/installed.mk
KPGO_BUILD     ?= $(KPGO_DIR)/build
KPGO_BIN       ?= $(KPGO_BUILD)/bin
KPGO_SAN       ?= $(KPGO_BUILD)/san
KPGO_HOSTCC    ?= gcc
KPGO_HOSTCFLAGS ?= -std=c11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter
KPGO_SANFLAGS  ?= -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
		  -fno-sanitize-recover=all

# tool name -> extra link arguments
kpgo-ldlibs-mkimage := -larchive
kpgo-ldlibs-profile := -larchive
kpgo-ldlibs-agent   := -static
# the leveldb recipe's benchmark driver
kpgo-ldlibs-leveldb-bench := -lleveldb
kpgo-header-leveldb-bench := /usr/include/leveldb/c.h:libleveldb-dev
kpgo-ldlibs-compare := -lm
kpgo-ldlibs-llvmprof := -lm
kpgo-host-tools := gcda mkimage vm compare llvmprof flame report profile cold afdo
kpgo-guest-tools := agent

kpgo-tool-deps = $(KPGO_DIR)/tools/$(1).c $(KPGO_DIR)/tools/util.c \
		 $(KPGO_DIR)/tools/util.h

quiet_cmd_hostcc_tool = HOSTCC  $(notdir $@)
      cmd_hostcc_tool = $(foreach h,$(kpgo-header-$*),test -f $(word 1,$(subst :, ,$(h))) || { \
			echo "kpgo: building kpgo-$* needs $(word 1,$(subst :, ,$(h))): \
			apt-get install $(word 2,$(subst :, ,$(h))) (or make -C $(KPGO_DIR) pgo-deps)" >&2; exit 1; } && ) \
			mkdir -p $(@D) && $(KPGO_HOSTCC) $(KPGO_HOSTCFLAGS) \
			$(2) -o $@ $(filter %.c,$^) $(kpgo-ldlibs-$*)

# the profile-install module of the three tools that install profiles (not
# in an installed copy, which has no tools/ and uses the helpers as built)
ifneq ($(wildcard $(KPGO_DIR)/tools/profinst.c),)
$(foreach t,gcda llvmprof afdo,$(KPGO_BIN)/kpgo-$(t) $(KPGO_SAN)/kpgo-$(t)): \
	$(KPGO_DIR)/tools/profinst.c $(KPGO_DIR)/tools/profinst.h
endif

# the control protocol of kpgo-vm and the guest's kpgo-agent (the same:
# not in an installed copy)
ifneq ($(wildcard $(KPGO_DIR)/tools/vmproto.h),)
$(foreach t,vm agent,$(KPGO_BIN)/kpgo-$(t) $(KPGO_SAN)/kpgo-$(t)): \
	$(KPGO_DIR)/tools/vmproto.h
endif

$(KPGO_BIN)/kpgo-%: $(call kpgo-tool-deps,%)
	$(call kpgo-cmd,hostcc_tool)

$(KPGO_SAN)/kpgo-%: $(call kpgo-tool-deps,%)
	$(call kpgo-cmd,hostcc_tool,$(KPGO_SANFLAGS))

# The TCG plugin of pgo-compare (tools/frontend.c).  QEMU's plugin API
# header is not in a binary package: it comes from Debian's qemu source
# package of the installed QEMU (apt-get source: a deb-src entry, which make
# pgo-deps adds), only that one file, kept in $(KPGO_BUILD)/qemu-plugin.
KPGO_PLUGIN   ?= $(KPGO_BIN)/libkpgo-frontend.so
kpgo-plugin-h := $(KPGO_BUILD)/qemu-plugin/qemu-plugin.h

cmd_plugin_h = v=$$(dpkg-query -W -f='$${source:Version}' qemu-system-x86 2>/dev/null) && \
	test -n "$$v" || { echo "kpgo: qemu-system-x86 is not installed: make -C $(KPGO_DIR) pgo-deps" >&2; exit 1; }; \
	d=$(@D).tmp; rm -rf $$d && mkdir -p $$d && \
	( cd $$d && apt-get source --download-only -qq qemu=$$v > get.log 2>&1 ) || { \
	  echo "kpgo: cannot fetch Debian's qemu source package $$v (for the plugin header):" >&2; \
	  sed 's/^/  | /' $$d/get.log >&2; echo "  it needs a deb-src entry: make -C $(KPGO_DIR) pgo-deps as root adds one" >&2; exit 1; } && \
	tar -xJf $$d/qemu_*.orig.tar.xz -C $$d --wildcards '*/include/qemu/qemu-plugin.h' && \
	mkdir -p $(@D) && mv -f $$d/*/include/qemu/qemu-plugin.h $@.tmp && \
	echo "$$v" > $(@D)/qemu-version && mv -f $@.tmp $@ && rm -rf $$d && \
	$(call kpgo-say,QEMU-H,$@ from Debian source package qemu $$v)

$(kpgo-plugin-h):
	@$(cmd_plugin_h)

quiet_cmd_plugin = HOSTCC  $(notdir $@)
      cmd_plugin = mkdir -p $(@D) && $(KPGO_HOSTCC) $(KPGO_HOSTCFLAGS) -fPIC -shared \
	-fvisibility=hidden -I$(dir $(kpgo-plugin-h)) -o $@ $<

# (a pattern rule: an installed copy, without tools/, uses the file as it is)
$(KPGO_BIN)/libkpgo-%.so: $(KPGO_DIR)/tools/%.c $(kpgo-plugin-h)
	$(call kpgo-cmd,plugin)

kpgo-tools: $(addprefix $(KPGO_BIN)/kpgo-,$(kpgo-host-tools) $(kpgo-guest-tools))

.PHONY: kpgo-tools

endif
