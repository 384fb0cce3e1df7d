# SPDX-License-Identifier: GPL-2.0
#
# tests/make.mk - kpgo's make logic and its answers to bad input (fast).
# They run the real make files against Debian's unpacked linux-source-6.12
# ($(KSRC_TEST)); none builds a kernel.

KPGO_TESTS_FAST += make-no-ksrc make-not-a-kernel-tree make-unknown-workload \
	make-no-config make-Os-refused make-missing-qemu make-missing-server \
	make-missing-client make-fragment-not-taken make-recipe-missing-field \
	make-recipe-unknown-field make-recipe-combinations make-set-errors make-recipe-fields-rerun make-help-lists \
	make-empty-profile make-profiles-read-only make-recipe-env-ignored make-dry-run-refused make-missing-host-bin \
	make-prepare-kernel-missing make-bad-profile-fails make-instr-config-rerun make-quickstart-deps \
	make-modules-config

test-make-no-ksrc:
	$(call expect-fail,$(kmake) pgo-instrument,KSRC is not set)

test-make-not-a-kernel-tree:
	$(call expect-fail,$(kmake) KSRC=$(T) pgo-instrument,KSRC=$(T) is not a Linux kernel source tree)

test-make-unknown-workload: $(KSRC_TEST)/Kbuild
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) pgo-collect-nosuch,unknown workload .nosuch.; known workloads: .*redis)

test-make-no-config: $(KSRC_TEST)/Kbuild
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) pgo-instrument,no \.config in $(T): configure the kernel first)

# tinyconfig is -Os: refused, with the command that switches to -O2
test-make-Os-refused: $(KSRC_TEST)/Kbuild
	$(MAKE) -s -C $(KSRC_TEST) O=$(T) tinyconfig >/dev/null
	grep -qx CONFIG_CC_OPTIMIZE_FOR_SIZE=y $(T)/.config
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) pgo-instrument,CONFIG_CC_OPTIMIZE_FOR_SIZE=y: with -Os .*scripts/config)

test-make-missing-qemu: $(KSRC_TEST)/Kbuild
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) PGO_QEMU=/nonexistent/qemu-system-x86_64 pgo-collect-redis,apt-get install qemu-system-x86)

test-make-missing-server: $(KSRC_TEST)/Kbuild
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) REDIS_GUEST_BINS=/nonexistent/redis-server pgo-collect-redis,/nonexistent/redis-server.*apt-get install redis-server)

test-make-missing-client: $(KSRC_TEST)/Kbuild
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) REDIS_CLIENT=no-such-benchmark pgo-bench-redis,.no-such-benchmark. not found; install it with: apt-get install redis-server)

# a fragment symbol that cannot take fails pgo-instrument with its name
test-make-fragment-not-taken: $(KSRC_TEST)/Kbuild
	$(MAKE) -s -C $(KSRC_TEST) O=$(T) tinyconfig >/dev/null
	cat $(KPGO_DIR)/kconfig/quickstart.config >> $(T)/.config
	$(MAKE) -s -C $(KSRC_TEST) O=$(T) olddefconfig >/dev/null 2>&1
	printf '# Help: test\nCONFIG_DEBUG_FS=y\nCONFIG_KPGO_NO_SUCH_SYMBOL=y\n' > $(T)/bad.config
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) PGO_FRAGMENTS=$(T)/bad.config pgo-instrument,CONFIG_KPGO_NO_SUCH_SYMBOL=y asked for by bad.config did not take)
	grep -qx CONFIG_DEBUG_FS=y $(T)/.kpgo/instrumented/.config
	test ! -e $(T)/.kpgo/instrumented/.kpgo-config-ok

test-make-recipe-missing-field:
	mkdir -p $(T)/r && sed '/^REDIS_CLIENT/,/--csv/d; s/REDIS_/BROKEN_/g' \
		$(KPGO_DIR)/recipes/redis.mk > $(T)/r/broken.mk
	$(call expect-fail,$(kmake) PGO_RECIPE_DIRS=$(T)/r pgo-check-recipes,recipe $(T)/r/broken.mk: BROKEN_CLIENT is not set)

test-make-recipe-unknown-field:
	mkdir -p $(T)/r && sed 's/REDIS_/TYPO_/g; s/^TYPO_MEM /TYPO_MEMORY /' \
		$(KPGO_DIR)/recipes/redis.mk > $(T)/r/typo.mk
	$(call expect-fail,$(kmake) PGO_RECIPE_DIRS=$(T)/r pgo-check-recipes,recipe $(T)/r/typo.mk: unknown field TYPO_MEMORY)

# fields that need or exclude each other, and a disk size that is no number
test-make-recipe-combinations:
	mkdir -p $(T)/a $(T)/b $(T)/c
	sed 's/LEVELDB_/BOTH_/g; s/^BOTH_RESULT/BOTH_CLIENT := true\n&/' \
		$(KPGO_DIR)/recipes/leveldb.mk > $(T)/a/both.mk
	$(call expect-fail,$(kmake) PGO_RECIPE_DIRS=$(T)/a pgo-check-recipes,recipe $(T)/a/both.mk: BOTH_CLIENT and BOTH_LOAD are both set)
	sed 's/MYSQL_/NODISK_/g; /^NODISK_DISK/d' $(KPGO_DIR)/recipes/mysql.mk > $(T)/b/nodisk.mk
	$(call expect-fail,$(kmake) PGO_RECIPE_DIRS=$(T)/b pgo-check-recipes,recipe $(T)/b/nodisk.mk: NODISK_DISK is not set: what NODISK_PREPARE makes is kept)
	sed 's/LEVELDB_/SIZE_/g; s/^SIZE_DISK .*/SIZE_DISK := 1G/' $(KPGO_DIR)/recipes/leveldb.mk > $(T)/c/size.mk
	$(call expect-fail,$(kmake) PGO_RECIPE_DIRS=$(T)/c pgo-check-recipes,recipe $(T)/c/size.mk: SIZE_DISK=1G is not a size in MB)

# sets of workloads: what is wrong with one is said before anything runs
test-make-set-errors: $(KSRC_TEST)/Kbuild
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T)/o PGO_SET_web='nginx bogus' pgo-use-web,PGO_SET_web: .bogus. is not a workload .known: .*nginx)
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T)/o PGO_SET_web='nginx:0' pgo-use-web,PGO_SET_web: bad weight in .nginx:0.)
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T)/o PGO_SET_web= pgo-use-web,PGO_SET_web is empty)
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T)/o PGO_SET_redis=nginx pgo-help,PGO_SET_redis: a set cannot have a workload.s name)
	printf 'PGO_SET_db := mysql:3 postgresql\n' > $(T)/sets.mk
	$(kmake) KSRC=$(KSRC_TEST) O=$(T)/o PGO_SETS_FILES=$(T)/sets.mk pgo-help | grep -q '^Sets .*db = mysql:3 postgresql;'

# a changed recipe field rewrites the derived settings; an unchanged one
# leaves them (and their time) alone, so only the right phases rerun
test-make-recipe-fields-rerun: $(KSRC_TEST)/Kbuild
	$(kmake) -s KSRC=$(KSRC_TEST) O=$(T) $(T)/.kpgo/work/redis/collect.cmd $(T)/.kpgo/work/redis/guest.conf
	grep -q -- "-- 'redis-benchmark .*-n 25000 " $(T)/.kpgo/work/redis/collect.cmd
	cp -p $(T)/.kpgo/work/redis/collect.cmd $(T)/collect.cmd.1
	sleep 1.1; $(kmake) -s KSRC=$(KSRC_TEST) O=$(T) $(T)/.kpgo/work/redis/collect.cmd
	test ! $(T)/.kpgo/work/redis/collect.cmd -nt $(T)/collect.cmd.1
	$(kmake) -s KSRC=$(KSRC_TEST) O=$(T) PGO_SCALE=0.1 $(T)/.kpgo/work/redis/collect.cmd
	grep -q -- "-- 'redis-benchmark .*-n 2500 " $(T)/.kpgo/work/redis/collect.cmd
	test $(T)/.kpgo/work/redis/collect.cmd -nt $(T)/collect.cmd.1
	grep -qx 'ready=tcp:6379' $(T)/.kpgo/work/redis/guest.conf

test-make-help-lists:
	$(kmake) pgo-help > $(T)/help
	grep -q 'pgo-collect-<w>' $(T)/help
	grep -q 'Workloads (<w>):.*memcached.*redis' $(T)/help
	grep -q 'pgo-compare-<w|set>' $(T)/help
	grep -q 'pgo-use-sample' $(T)/help && grep -q 'LLVM=1|-<ver>|<dir>/' $(T)/help
	grep -q 'pgo-flamegraph-<w>' $(T)/help && grep -q 'pgo-report-diff' $(T)/help && grep -q 'PGO_FLAME_PERIOD=' $(T)/help
	for v in PGO_FLAME_USER PGO_AUTOFDO_PROFILE PGO_PROPELLER_PREFIX PGO_SAMPLE_PERIOD; do \
		grep -q "$$v=" $(T)/help || { echo "pgo-help lacks $$v"; exit 1; }; done
	for v in PGO_COMPARE_RUNS PGO_COMPARE_SCALE PGO_PARTIAL_TRAINING PGO_PROFILES PGO_RECIPE_DIRS PGO_QEMU PGO_APPEND \
		PGO_SCALE PGO_HOST_PORT PGO_KERNEL PGO_USE_TARGETS PGO_SETS_FILES \
		PGO_NORMALIZE PGO_REBUILD_THRESHOLD PGO_PROFILE PGO_ALLOW_STALE PGO_EXPORT_DIR PGO_TIMEOUT PGO_SETTINGS; do \
		grep -q "$$v=" $(T)/help || { echo "pgo-help lacks $$v"; exit 1; }; done
	grep -q 'PGO_SET_<set>=' $(T)/help

# a profile whose gcda/ holds nothing is refused by pgo-use, with the fix
test-make-empty-profile: $(KSRC_TEST)/Kbuild $(KPGO_BIN)/kpgo-gcda
	mkdir -p $(T)/.kpgo/profiles/redis/gcda
	echo 'empty' > $(T)/.kpgo/profiles/redis/profile.info
	cp $(KPGO_DIR)/kconfig/quickstart.config $(T)/.config
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) pgo-use-redis,the profile .*/redis/gcda is empty: no \.gcda files there; collect it again with make pgo-collect-redis)

# a profile kpgo-gcda refuses stops pgo-use with kpgo-gcda's message: no
# build, no evidence line, exit status non-zero (also after an earlier use)
test-make-bad-profile-fails: $(KSRC_TEST)/Kbuild $(KPGO_BIN)/kpgo-gcda
	mkdir -p $(T)/.kpgo/profiles/redis/gcda/kernel
	printf 'adcg\0\0\0\0garbage' > $(T)/.kpgo/profiles/redis/gcda/kernel/fork.gcda
	echo 'bad' > $(T)/.kpgo/profiles/redis/profile.info
	cp $(KPGO_DIR)/kconfig/quickstart.config $(T)/.config
	mkdir -p $(T)/.kpgo/work/redis && touch $(T)/.kpgo/work/redis/use.start $(T)/.kpgo/work/redis/use.objects
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) pgo-use-redis,kpgo-gcda: .*kernel/fork.gcda)
	! grep -q 'PGO-USE' $(T)/out
	test ! -e $(T)/.kpgo/work/redis/use.evidence

# a user's PGO_PROFILES is only read: a missing profile there is an error
test-make-profiles-read-only: $(KSRC_TEST)/Kbuild $(KPGO_BIN)/kpgo-gcda
	cp $(KPGO_DIR)/kconfig/quickstart.config $(T)/.config
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) PGO_PROFILES=$(T)/shipped pgo-use-redis,no profile for redis in PGO_PROFILES=$(T)/shipped)
	test ! -e $(T)/.kpgo/instrumented

# a variable from the environment that shares a recipe's prefix is not a
# field of it (only what the recipe file defines is checked)
test-make-recipe-env-ignored:
	REDIS_URL=redis://localhost $(kmake) pgo-check-recipes | grep -q 'recipes checked: .*redis'

test-make-dry-run-refused: $(KSRC_TEST)/Kbuild
	$(call expect-fail,$(kmake) -n KSRC=$(KSRC_TEST) O=$(T) pgo-use-redis,make -n is not supported)
	test ! -e $(T)/.kpgo

test-make-missing-host-bin: $(KSRC_TEST)/Kbuild
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) MEMCACHED_HOST_BINS=no-such-memcslap pgo-collect-memcached,.no-such-memcslap. not found; install it with: apt-get install memcached libmemcached-tools)

# a disk's prepare boot uses the kernel of the run that needs it: a bench
# on a baseline that was never built says which kernel and how to make it
test-make-prepare-kernel-missing: $(KSRC_TEST)/Kbuild
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) PGO_KERNEL=baseline pgo-bench-mysql,preparing its disk boots the baseline kernel .*/baseline/arch/x86/boot/bzImage$(comma) which does not exist: make pgo-baseline)

# the instrumented kernel's .config is made from the tree's .config and the
# fragments: remade when a fragment or the tree's .config changes, left
# alone (its time too) when nothing did (the profile depends on the
# instrumented kernel, which depends on it: tests/e2e.mk e2e-recorded)
mk-ic = $(T)/.kpgo/instrumented/.config
mk-ic-make = $(kmake) -s KSRC=$(KSRC_TEST) O=$(T) \
	PGO_FRAGMENTS="$(T)/pgo-gcov.config $(T)/pgo-guest.config" $(T)/.kpgo/instrumented/.kpgo-config-ok
test-make-instr-config-rerun: $(KSRC_TEST)/Kbuild $(PK_CONFIG)
	cp $(PK_CONFIG) $(T)/.config && cp $(KPGO_DIR)/kconfig/pgo-gcov.config $(KPGO_DIR)/kconfig/pgo-guest.config $(T)/
	$(mk-ic-make) && grep -qx CONFIG_GCOV_KERNEL=y $(mk-ic) && cp -p $(mk-ic) $(T)/c1
	sleep 1.1; $(mk-ic-make) && test ! $(mk-ic) -nt $(T)/c1
	echo 'CONFIG_GCOV_PROFILE_ALL=y' >> $(T)/pgo-gcov.config
	$(mk-ic-make) && test $(mk-ic) -nt $(T)/c1 && cp -p $(mk-ic) $(T)/c2
	sleep 1.1; touch $(T)/.config; $(mk-ic-make) && test $(mk-ic) -nt $(T)/c2

# make quickstart installs what the gcc loop of QS_WORKLOAD needs, no more;
# make pgo-deps everything (the tests' packages, every workload's)
test-make-quickstart-deps:
	$(kmake) -s quickstart-deps-list > $(T)/qs && $(kmake) -s pgo-deps-list > $(T)/all
	for p in gcc flex bison libelf-dev qemu-system-x86 busybox-static libarchive-dev \
		linux-source-6.12 redis-server redis-tools; do grep -qx $$p $(T)/qs || exit 1; done
	for p in chromium clang-19 mariadb-server postgresql nginx-light; do \
		! grep -qx $$p $(T)/qs && grep -qx $$p $(T)/all || exit 1; done
	test $$(wc -l < $(T)/qs) -lt $$(wc -l < $(T)/all)
	$(kmake) -s QS_WORKLOAD=nginx quickstart-deps-list | grep -qx nginx-light
	$(kmake) -s QS_WORKLOAD=nginx quickstart-deps-list | grep -qx redis-server && exit 1 || :
	$(call expect-fail,$(kmake) QS_WORKLOAD=nosuch quickstart-deps-list,unknown workload .nosuch.)
	$(kmake) PGO_DEPS_DRY_RUN=y quickstart-deps | grep -Eq 'DEPS +quickstart \(redis\): (all $(shell \
		$(kmake) -s quickstart-deps-list | wc -l) Debian packages it needs are installed|would install [0-9]+ of the)'

# a module of the tree's .config stays one in the instrumented .config
# (the fragments' =y for it is dropped, and =m is accepted for it); such a
# tree's collection boots with the modules image too, one without modules
# records the same kpgo-vm command as before (no second --initrd)
mk-mod-cmd = $(T)/$(1)/.kpgo/work/redis/collect.cmd
test-make-modules-config: $(KSRC_TEST)/Kbuild $(PK_CONFIG)
	$(call pk-config,$(T)/m) && { grep -v '^#' $(KPGO_DIR)/kconfig/pgo-guest.config; \
	  printf '%s\n' CONFIG_MODULES=y CONFIG_VIRTIO_NET=m CONFIG_NET_9P_VIRTIO=m CONFIG_9P_FS=m; } >> $(T)/m/.config
	$(MAKE) -s -C $(KSRC_TEST) O=$(T)/m olddefconfig >/dev/null 2>&1
	grep -qx CONFIG_VIRTIO_NET=m $(T)/m/.config && grep -qx CONFIG_9P_FS=m $(T)/m/.config
	$(kmake) -s KSRC=$(KSRC_TEST) O=$(T)/m $(T)/m/.kpgo/instrumented/.kpgo-config-ok
	for s in VIRTIO_NET=m NET_9P_VIRTIO=m 9P_FS=m GCOV_KERNEL=y VIRTIO_BLK=y MODULES=y; do \
	  grep -qx CONFIG_$$s $(T)/m/.kpgo/instrumented/.config || { echo "no CONFIG_$$s"; exit 1; }; done
	grep -qx CONFIG_VIRTIO_NET=y $(T)/m/.kpgo/instrumented/.kpgo-keep-m
	$(kmake) -s KSRC=$(KSRC_TEST) O=$(T)/m $(call mk-mod-cmd,m)
	grep -q ' --initrd $(T)/m/.kpgo/work/redis/image.cpio.gz --initrd $(T)/m/.kpgo/instrumented/modules.cpio.gz --console ' $(call mk-mod-cmd,m)
	$(call pk-config,$(T)/n) && $(kmake) -s KSRC=$(KSRC_TEST) O=$(T)/n $(call mk-mod-cmd,n)
	grep -q ' --initrd $(T)/n/.kpgo/work/redis/image.cpio.gz --console ' $(call mk-mod-cmd,n)
	! grep -q modules.cpio $(call mk-mod-cmd,n)
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T)/m 'PGO_MODULES=ok;rm' pgo-help,PGO_MODULES=.*letters$(comma) digits)
