# SPDX-License-Identifier: GPL-2.0
#
# tests/workloads.mk - every recipe collected for real, at a small scale
# (W_SCALE), in the e2e tests' tree: its server in QEMU, its client, a
# profile with counters and the client's own figure.  Then the failures a
# recipe can meet: a server that does not start, a load that reports no
# result.  Runs after the e2e tier in make check, or alone: make
# check-workloads (it makes the tree's instrumented kernel when missing).

W_SCALE ?= 0.01
wl-make  = $(MAKE) $(kpgo-jobs) --no-print-directory -C $(KPGO_DIR) KSRC=$(e2e-ksrc) \
	   O=$(e2e-o) PGO_SCALE=$(W_SCALE)

# workload -> what its result.txt must look like (extended regex)
wl-result-redis      := ^[0-9]+ requests/s
wl-result-memcached  := ^[0-9]+ sets/s, [0-9]+ gets/s
wl-result-nginx      := ^[0-9]+ requests/s \(ab -k -c 20, [0-9]+ failed\)
wl-result-apache     := $(wl-result-nginx)
wl-result-leveldb    := ^fillseq [0-9]+ ops/s, fillrandom [0-9]+ ops/s, readseq [0-9]+ ops/s, readrandom [0-9]+ ops/s, deleteseq [0-9]+ ops/s, deleterandom [0-9]+ ops/s$$
wl-result-rocksdb    := $(wl-result-leveldb)
wl-result-mysql      := ^[0-9.]+ transactions/s, [0-9]+ queries/s
wl-result-postgresql := $(wl-result-mysql)

KPGO_TESTS_WORKLOADS += workloads-tree $(addprefix workload-,$(wl-names)) \
	workloads-list workload-server-fails workload-no-result workloads-set workloads-packager \
	workloads-report-diff

# the e2e tree, configured as make quickstart does (kept when it exists)
test-workloads-tree:
	$(MAKE) --no-print-directory -C $(KPGO_DIR) QS_WORK=$(E2E_WORK) quickstart-config
	test -f $(e2e-o)/.config

# $(call wl-test,workload): collect it; a real profile and the client's figure
define wl-test
test-workload-$(1):
	$$(wl-make) pgo-collect-$(1) > $$(T)/out || { cat $$(T)/out; exit 1; }; cat $$(T)/out
	grep -q 'PGO-PRF $(1): client: ' $$(T)/out
	p=$$(e2e-out)/profiles/$(1); cat $$$$p/profile.info $$$$p/result.txt; \
	o=$$(call e2e-num,$$$$p/profile.info,gcda:); n=$$(call e2e-num,$$$$p/profile.info,objects .); \
	echo "objects $$$$o, non-zero $$$$n"; test $$$$o -gt 500 && test $$$$n -gt 150 && \
	grep -Eq '$$(wl-result-$(1))' $$$$p/result.txt
endef
$(foreach w,$(wl-names),$(eval $(call wl-test,$(w))))

# pgo-list: a line per workload with its profile; pgo-collect-all with
# every profile up to date boots nothing and prints the same list
test-workloads-list:
	$(wl-make) -s pgo-list > $(T)/list; cat $(T)/list
	test $$(grep -c ' objects, ' $(T)/list) -eq $(words $(wl-names))
	$(wl-make) pgo-collect-all > $(T)/all || { cat $(T)/all; exit 1; }; cat $(T)/all
	! grep -Eq 'PGO-(RUN|PRE|DSK|IMG)' $(T)/all
	test $$(grep -c ' objects, ' $(T)/all) -eq $(words $(wl-names))

# a server that exits at once: the error says so and shows the console;
# the profile collected before is kept
test-workload-server-fails:
	md5sum $(e2e-out)/profiles/nginx/profile.info > $(T)/before
	$(call expect-fail,$(wl-make) NGINX_SERVER='sh -c "exit 3"' pgo-collect-nginx,server exited before it was ready \(exit status 3\))
	grep -q 'last 30 lines of the guest console' $(T)/out
	md5sum -c $(T)/before

# a load whose output has no figure (nothing ran): no profile replaces the
# old one, and the console's last lines are shown
test-workload-no-result:
	md5sum $(e2e-out)/profiles/leveldb/profile.info > $(T)/before
	$(call expect-fail,$(wl-make) LEVELDB_LOAD=true pgo-collect-leveldb,no result in the client.s output)
	grep -q 'last lines of the guest console' $(T)/out
	md5sum -c $(T)/before

# a set: nginx and apache (weight 2), normalized and merged, the tree's
# kernel built with all of it (threshold 0); the same set again compiles
# nothing; another weight (default threshold) rewrites only the profiles
# that moved and recompiles fewer objects
test-workloads-set:
	$(wl-make) PGO_SET_web='nginx apache:2' PGO_REBUILD_THRESHOLD=0 pgo-use-web > $(T)/out || { cat $(T)/out; exit 1; }; cat $(T)/out
	grep -q 'PGO-MRG web: .* runs 2, ' $(T)/out
	p=$(call e2e-num,$(e2e-out)/work/web/use.evidence,this build$(comma)); echo "with profile: $$p"; test $$p -gt 500
	cp $(e2e-out)/work/web/use.evidence $(T)/first
	$(wl-make) PGO_SET_web='nginx apache:2' pgo-use-web > $(T)/again || { cat $(T)/again; exit 1; }
	grep -q '^0 objects compiled in this build' $(e2e-out)/work/web/use.evidence
	$(wl-make) PGO_SET_web='nginx:3 apache' pgo-use-web > $(T)/weight || { cat $(T)/weight; exit 1; }; cat $(T)/weight
	k=$(call e2e-num,$(T)/weight,unchanged [0-9]*$(comma) kept); u=$(call e2e-num,$(T)/weight,objects .updated); \
	c=$$(sed -n 's/^\([0-9]*\) objects compiled.*/\1/p' $(e2e-out)/work/web/use.evidence); \
	f=$$(sed -n 's/^\([0-9]*\) objects compiled.*/\1/p' $(T)/first); \
	echo "kept $$k, updated $$u, compiled $$c (first build $$f)"; test $$k -gt 0 && test $$u -gt 0 && test $$c -lt $$f

# packager mode: the set exported from the e2e tree, then a fresh object
# tree with the same .config built from the archive alone (QEMU made
# unreachable): most C objects compiled with profile data; few functions
# mismatched (those the instrumented kernel's extra config options change:
# 73 of 33379 when measured)
test-workloads-packager:
	$(wl-make) PGO_SET_web='nginx:3 apache' pgo-export-web > $(T)/exp || { cat $(T)/exp; exit 1; }; cat $(T)/exp
	mkdir -p $(T)/pkg && cp $(e2e-o)/.config $(T)/pkg/
	$(MAKE) --no-print-directory -C $(KPGO_DIR) KSRC=$(e2e-ksrc) pgo-attach
	$(MAKE) $(kpgo-jobs) --no-print-directory -C $(e2e-ksrc) O=$(T)/pkg PGO_QEMU=/nonexistent/qemu \
		PGO_PROFILE=$(e2e-out)/export/web.tar.gz bzImage > $(T)/out 2>&1; rc=$$?; \
	$(MAKE) --no-print-directory -C $(KPGO_DIR) KSRC=$(e2e-ksrc) pgo-detach; cat $(T)/out; test $$rc -eq 0
	! grep -q PGO-STA $(T)/out
	test -f $(T)/pkg/arch/x86/boot/bzImage && test ! -e $(T)/pkg/.kpgo/instrumented
	c=$$(sed -n 's/^\([0-9]*\) objects compiled.*/\1/p' $(T)/pkg/.kpgo/work/imported/use.evidence); \
	p=$(call e2e-num,$(T)/pkg/.kpgo/work/imported/use.evidence,this build$(comma)); \
	echo "compiled $$c, with profile $$p"; test $$p -gt 500 && test $$p -lt $$c
	m=$$(sed -n 's/.*functions: \([0-9]*\) mismatched.*/\1/p' $(T)/pkg/.kpgo/work/imported/use.evidence); \
	echo "mismatched functions: $$m"; test $$m -lt 300

# the hot functions redis and nginx share (their coverage reports)
test-workloads-report-diff:
	$(wl-make) pgo-report-diff A=redis B=nginx | tee $(T)/out
	grep -Eq '^hot functions \(90% of the entries\): [0-9]+ in redis, [0-9]+ in nginx, [1-9][0-9]* in both$$' $(T)/out
	grep -Eq '^overlap of the two distributions: 0\.[0-9]{3} ' $(T)/out
	$(KPGO_BIN)/kpgo-report diff --srctree $(e2e-ksrc) --top 500 $(e2e-out)/report/redis/coverage.info \
	  $(e2e-out)/report/nginx/coverage.info > $(T)/top500
	n=$$(grep -cE '%  [a-z_0-9]+ \((net/core/skbuff\.c|include/linux/skbuff\.h)\)$$' $(T)/top500); \
	  echo "skbuff functions among the 500 shared hot ones: $$n"; test $$n -gt 0
