# SPDX-License-Identifier: GPL-2.0
#
# tests/install.mk - make install with DESTDIR and prefix (GNU
# conventions), then a kernel tree attached to the installed copy and
# pgo-use run there: the installed make files find their helpers in
# $(libexecdir)/kpgo and write nothing into the installed tree (fast).

KPGO_TESTS_FAST += install-attach-use

test-install-attach-use: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda
	$(MAKE) --no-print-directory -C $(KPGO_DIR) install DESTDIR=$(T)/dest prefix=/usr > $(T)/inst
	grep -q 'INSTALL 13 helpers in $(T)/dest/usr/libexec/kpgo' $(T)/inst
	s=$(T)/dest/usr/share/kpgo; test -f $$s/mk/kpgo.mk && test -f $$s/recipes/redis.mk && \
		test -f $$s/kconfig/pgo-gcov.config && test ! -e $$s/tools && test ! -e $$s/build
	for t in gcda mkimage vm compare llvmprof flame report profile cold afdo agent leveldb-bench; do test -x $(T)/dest/usr/libexec/kpgo/kpgo-$$t || exit 1; done
	test -f $(T)/dest/usr/libexec/kpgo/libkpgo-frontend.so
	$(pk-tree)
	touch $(T)/installed; sleep 1.1
	$(call own-ksrc,$(T)/ksrc)
	s=$(T)/dest/usr/share/kpgo; $(MAKE) --no-print-directory -f $$s/Makefile KSRC=$(T)/ksrc pgo-attach && \
	grep -qx "KPGO_DIR := $$s" $(T)/ksrc/GNUmakefile && \
	$(MAKE) --no-print-directory -C $(T)/ksrc O=$(T)/o PGO_USE_TARGETS=olddefconfig \
		pgo-use-redis > $(T)/use 2>&1; rc=$$?; \
	$(MAKE) --no-print-directory -f $$s/Makefile KSRC=$(T)/ksrc pgo-detach; cat $(T)/use; test $$rc -eq 0
	grep -q 'PGO-MRG redis: 2 objects (updated 0, unchanged 0, kept 0 .*, added 2' $(T)/use
	test -f $(T)/o/main.gcda && test -f $(T)/o/lib/work.gcda
	test -z "$$(find $(T)/dest -newer $(T)/installed)"
	$(MAKE) --no-print-directory -C $(KPGO_DIR) uninstall DESTDIR=$(T)/dest prefix=/usr >/dev/null
	test ! -e $(T)/dest/usr/share/kpgo && test ! -e $(T)/dest/usr/libexec/kpgo
