# SPDX-License-Identifier: GPL-2.0
#
# tests/guile.mk - kpgo's make-level helpers (mk/kpgo-lib.mk) under a GNU
# make with Guile and under one without (fast tier).  The Guile make is
# Debian's make-guile, unpacked into $(KPGO_BUILD) without installing it (it
# would replace the system's make): apt-get download + dpkg-deb -x.

KPGO_TESTS_FAST += guile-parity guile-make-tests

MAKE_GUILE ?= $(KPGO_BUILD)/make-guile/usr/bin/make
$(KPGO_BUILD)/make-guile/usr/bin/make:
	rm -rf $(KPGO_BUILD)/make-guile.new && mkdir -p $(KPGO_BUILD)/make-guile.new
	cd $(KPGO_BUILD)/make-guile.new && apt-get download make-guile >/dev/null && \
		dpkg-deb -x make-guile_*.deb .
	rm -rf $(KPGO_BUILD)/make-guile && mv $(KPGO_BUILD)/make-guile.new $(KPGO_BUILD)/make-guile
	$@ --version >/dev/null

# each make says which helpers it used; both derive the same settings of
# every workload at three scales (the object trees' paths aside), and the
# same recipe checks
gp-make = $(1) --no-print-directory -s -C $(KPGO_DIR) KSRC=$(KSRC_TEST) O=$(T)/$(2) PGO_SCALE=$(3) \
	$(foreach w,$(wl-names),$(T)/$(2)/.kpgo/work/$(w)/collect.cmd $(T)/$(2)/.kpgo/work/$(w)/guest.conf)
test-guile-parity: $(MAKE_GUILE) $(KSRC_TEST)/Kbuild
	$(MAKE_GUILE) --no-print-directory -C $(KPGO_DIR) pgo-help | grep -q 'helpers computed by guile'
	$(MAKE) --no-print-directory -C $(KPGO_DIR) pgo-help | grep -q 'helpers computed by shell'
	for s in 1 0.013 0.0001; do \
	  $(call gp-make,$(MAKE_GUILE),g$$s,$$s) && $(call gp-make,$(MAKE),p$$s,$$s) && \
	  test "$$(cd $(T)/g$$s/.kpgo/work && find . | sort)" = "$$(cd $(T)/p$$s/.kpgo/work && find . | sort)" && \
	  for f in $$(cd $(T)/g$$s/.kpgo/work && find . -type f); do \
	    sed "s|$(T)/g$$s/|T/|g" $(T)/g$$s/.kpgo/work/$$f > $(T)/a && \
	    sed "s|$(T)/p$$s/|T/|g" $(T)/p$$s/.kpgo/work/$$f > $(T)/b && \
	    { cmp -s $(T)/a $(T)/b || { echo "differs: $$f"; diff $(T)/a $(T)/b; exit 1; }; } || exit 1; done || exit 1; done
	grep -q -- '-n 325 ' $(T)/g0.013/.kpgo/work/redis/collect.cmd
	grep -q -- '--execute-number=1 ' $(T)/g0.0001/.kpgo/work/memcached/collect.cmd
	$(MAKE_GUILE) --no-print-directory -C $(KPGO_DIR) pgo-check-recipes > $(T)/g
	$(MAKE) --no-print-directory -C $(KPGO_DIR) pgo-check-recipes > $(T)/p
	cmp $(T)/g $(T)/p

# the make-logic tests again, run by the Guile make
test-guile-make-tests: $(MAKE_GUILE)
	$(MAKE_GUILE) --no-print-directory -f $(KPGO_DIR)/tests/check.mk TEST_OUT=$(T)/out \
		TESTS="$(filter make-% settings-% recipe-%,$(KPGO_TESTS_FAST)) packager-refused" check > $(T)/log 2>&1; \
		rc=$$?; cat $(T)/log; test $$rc -eq 0
	grep -Eq '^[1-9][0-9]* passed, 0 failed$$' $(T)/log
