# SPDX-License-Identifier: GPL-2.0
#
# tests/packager.mk - profiles that travel (mk/packager.mk), fast tier:
# pgo-export-<name>'s archive and manifest, PGO_PROFILE=<archive or dir>
# on another object tree, the stale and refused cases, the attached tree's
# "make PGO_PROFILE=... <kernel goals>".  The profiles are real .gcda files
# of a small program put into a kpgo store (pk-tree, tests/lib.mk); the
# Kbuild goals built are cheap ones (olddefconfig, scripts_basic): no
# kernel is compiled here (tests/workloads.mk builds one from an exported
# profile).

KPGO_TESTS_FAST += packager-export packager-import packager-refused packager-hook packager-clang

# $(call pk-manifest,NAME,KEY): a value in NAME's exported manifest
pk-manifest = $$(tar -xOzf $(call pk-archive,$(1)) MANIFEST | sed -n 's/^$(2): //p')

# the archive: MANIFEST and gcda/; the same profile gives the same bytes,
# another profile others; the manifest describes the tree; a set's archive
# holds the normalized, weighted merge
test-packager-export: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda
	$(pk-tree)
	$(pk-make) O=$(T)/o pgo-export-redis > $(T)/exp; cat $(T)/exp
	grep -q 'PGO-EXP redis: .*/export/redis.tar.gz: [0-9]* bytes' $(T)/exp
	tar -tzf $(call pk-archive,redis) > $(T)/list
	grep -qx MANIFEST $(T)/list && grep -qx gcda/main.gcda $(T)/list && \
		grep -qx gcda/lib/work.gcda $(T)/list
	cp $(call pk-archive,redis) $(T)/first.tar.gz
	sleep 1.1; touch $(T)/o/.kpgo/profiles/redis/gcda/main.gcda
	$(pk-make) -s O=$(T)/o pgo-export-redis
	cmp $(T)/first.tar.gz $(call pk-archive,redis)
	test "$(call pk-manifest,redis,workloads)" = redis:1
	test "$(call pk-manifest,redis,format)" = 'kpgo-profile 1'
	v=$$(sed -n 's/^\(VERSION\|PATCHLEVEL\|SUBLEVEL\) = //p' $(KSRC_TEST)/Makefile | paste -sd.); \
		test "$(call pk-manifest,redis,kernel)" = "$$v"
	test "$(call pk-manifest,redis,arch)" = 'x86 64-bit'
	s=$$(grep -E '^CONFIG_|^# CONFIG_.* is not set$$' $(T)/o/.config | LC_ALL=C sort | sha256sum | cut -c1-64); \
		test "$(call pk-manifest,redis,config-sha256)" = "$$s"
	test "$(call pk-manifest,redis,compiler-family)" = gcc
	test "$(call pk-manifest,redis,source-path)" = "$$(realpath $(KSRC_TEST))"
	v=$$(gcc -dumpfullversion | cut -d. -f1-2); test "$(call pk-manifest,redis,profile-format)" = "gcc $$v"
	tar -xOzf $(call pk-archive,redis) MANIFEST | grep -q '^profile: 2 objects (2 with non-zero counters)'
	$(pk-make) -s O=$(T)/o PGO_SET_web='redis:2 nginx' pgo-export-web
	test "$(call pk-manifest,web,workloads)" = 'redis:2 nginx:1'
	test "$(call pk-manifest,web,normalize)" = y
	mkdir -p $(T)/web && tar -xzf $(call pk-archive,web) -C $(T)/web
	$(KPGO_BIN)/kpgo-gcda merge -q -o $(T)/direct --normalize \
		$(T)/o/.kpgo/profiles/redis/gcda:2 $(T)/o/.kpgo/profiles/nginx/gcda
	cmp $(T)/direct/main.gcda $(T)/web/gcda/main.gcda
	cmp $(T)/direct/lib/work.gcda $(T)/web/gcda/lib/work.gcda
	! cmp -s $(call pk-archive,web) $(call pk-archive,redis)

# another object tree with the same .config builds with the archive: no
# QEMU, no collection; its .gcda files are installed as shipped, the
# dependency file names them; a changed .config is reported as stale, and
# so is another source path (but not a MANIFEST without one: older ones)
test-packager-import: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda
	$(pk-tree)
	$(pk-make) -s O=$(T)/o pgo-export-redis
	mkdir -p $(T)/p && cp $(T)/o/.config $(T)/p/
	$(pk-make) O=$(T)/p PGO_QEMU=/nonexistent/qemu PGO_PROFILE=$(call pk-archive,redis) \
		PGO_USE_TARGETS=olddefconfig pgo-use-profile > $(T)/imp; cat $(T)/imp
	grep -q 'PGO-MRG imported: 2 objects (updated 0, unchanged 0, kept 0 .*, added 2, removed 0)' $(T)/imp
	! grep -q 'PGO-STA' $(T)/imp
	test ! -e $(T)/p/.kpgo/instrumented
	mkdir -p $(T)/x && tar -xzf $(call pk-archive,redis) -C $(T)/x
	cmp $(T)/x/gcda/main.gcda $(T)/p/main.gcda && cmp $(T)/x/gcda/lib/work.gcda $(T)/p/lib/work.gcda
	grep -qx 'main.o: main.gcda' $(T)/p/.kpgo/profile-deps.mk
	$(pk-make) O=$(T)/p PGO_PROFILE=$(T)/x PGO_USE_TARGETS=olddefconfig pgo-use-profile > $(T)/dir
	grep -q 'PGO-MRG imported: 2 objects (updated 0, unchanged 2,' $(T)/dir
	$(KSRC_TEST)/scripts/config --file $(T)/p/.config --set-str LOCALVERSION -pkg
	$(pk-make) O=$(T)/p PGO_PROFILE=$(T)/x PGO_USE_TARGETS=olddefconfig pgo-use-profile > $(T)/stale
	cat $(T)/stale
	grep -q "PGO-STA stale profile: config-sha256 '[0-9a-f]*' (this tree: '[0-9a-f]*')" $(T)/stale
	grep -Eq "PGO-STA stale profile: [0-9]+ functions' profile ignored \(mismatched\), [0-9]+ functions without profile" $(T)/stale
	cp $(T)/o/.config $(T)/p/.config && cp $(T)/x/MANIFEST $(T)/x/MANIFEST.orig
	sed -i 's|^source-path: .*|source-path: /elsewhere/linux|' $(T)/x/MANIFEST
	$(pk-make) O=$(T)/p PGO_PROFILE=$(T)/x PGO_USE_TARGETS=olddefconfig pgo-use-profile > $(T)/path
	grep -q "PGO-STA stale profile: source-path '/elsewhere/linux' (this tree: '$$(realpath $(KSRC_TEST))'): gcc names a static function's profile by its source file's path" $(T)/path
	sed '/^source-path:/d' $(T)/x/MANIFEST.orig > $(T)/x/MANIFEST
	$(pk-make) O=$(T)/p PGO_PROFILE=$(T)/x PGO_USE_TARGETS=olddefconfig pgo-use-profile > $(T)/old
	! grep -q 'PGO-STA' $(T)/old

# what cannot apply is refused before anything is written, with the reason;
# PGO_ALLOW_STALE=1 builds anyway, saying why it is stale
pk-refuse = sed '$(1)' $(T)/x/MANIFEST.orig > $(T)/x/MANIFEST && \
	$(call expect-fail,$(pk-make) O=$(T)/p PGO_PROFILE=$(T)/x PGO_USE_TARGETS=olddefconfig \
	pgo-use-profile,cannot apply to this tree: $(2).*PGO_ALLOW_STALE=1)
test-packager-refused: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda
	$(pk-tree)
	$(pk-make) -s O=$(T)/o pgo-export-redis
	mkdir -p $(T)/x $(T)/p && tar -xzf $(call pk-archive,redis) -C $(T)/x && cp $(T)/o/.config $(T)/p/
	mv $(T)/x/MANIFEST $(T)/x/MANIFEST.orig
	$(call pk-refuse,s/^compiler-family: gcc/compiler-family: clang/,compiler-family .clang. \(this tree: .gcc.\): the compiler reads only its own family)
	$(call pk-refuse,s/^arch: .*/arch: arm64 64-bit/,arch .arm64 64-bit. \(this tree: .x86 64-bit.\): the profile describes another architecture)
	$(call pk-refuse,s/^profile-format: .*/profile-format: gcc 7.1/,profile-format .gcc 7.1. \(this tree: .gcc [0-9.]*.\): the compiler reads only its own kind of profile)
	$(call pk-refuse,s/^format: .*/format: kpgo-profile 9/,format .kpgo-profile 9.)
	test ! -e $(T)/p/.kpgo/profile-installed.list
	$(pk-make) O=$(T)/p PGO_PROFILE=$(T)/x PGO_ALLOW_STALE=1 PGO_USE_TARGETS=olddefconfig \
		pgo-use-profile > $(T)/allowed; cat $(T)/allowed
	grep -q "PGO-STA stale profile: format 'kpgo-profile 9'" $(T)/allowed
	grep -q 'PGO-MRG imported: 2 objects' $(T)/allowed
	rm $(T)/x/MANIFEST
	$(pk-make) O=$(T)/p PGO_PROFILE=$(T)/x PGO_USE_TARGETS=olddefconfig pgo-use-profile > $(T)/none
	grep -q 'PGO-STA stale profile: no MANIFEST in $(T)/x: kernel, config and compiler cannot be checked' $(T)/none
	$(call expect-fail,$(pk-make) O=$(T)/p PGO_PROFILE=$(T)/nothing pgo-use-profile,PGO_PROFILE=$(T)/nothing: no such file or directory)
	$(call expect-fail,$(pk-make) O=$(T)/p PGO_PROFILE=$(T)/p/.config pgo-use-profile,: not a profile archive .a gzip.ed tar with MANIFEST and gcda/.)
	$(call expect-fail,$(pk-make) O=$(T)/p pgo-use-profile,pgo-use-profile builds with PGO_PROFILE=)
	mkdir -p $(T)/empty/gcda
	$(call expect-fail,$(pk-make) O=$(T)/p PGO_PROFILE=$(T)/empty pgo-use-profile,the profile $(T)/empty/gcda is empty: no .gcda files there$$)

# in an attached tree, make PGO_PROFILE=... <kernel goals> builds those goals
# with the profile; config goals pass through; mixing both is refused.
# The profile stays on: a later kernel goal without PGO_PROFILE builds with
# the same flags (kpgo-use-on), pgo-status names it, pgo-off ends it.
test-packager-hook: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda
	$(pk-tree)
	$(pk-make) -s O=$(T)/o pgo-export-redis
	mkdir -p $(T)/p && cp $(T)/o/.config $(T)/p/
	$(call own-ksrc,$(T)/ksrc) && $(MAKE) --no-print-directory -C $(KPGO_DIR) KSRC=$(T)/ksrc pgo-attach
	k="$(MAKE) --no-print-directory -C $(T)/ksrc O=$(T)/p"; \
	$$k PGO_PROFILE=$(call pk-archive,redis) scripts_basic > $(T)/goal 2>&1 && \
	$$k PGO_PROFILE=$(call pk-archive,redis) olddefconfig > $(T)/plain 2>&1 && \
	{ $$k PGO_PROFILE=$(call pk-archive,redis) olddefconfig scripts_basic > $(T)/mixed 2>&1; \
	  test $$? -ne 0; } && \
	$$k scripts_basic > $(T)/on 2>&1 && $$k pgo-status > $(T)/status 2>&1 && \
	touch $(T)/p/.kpgo/profile-installed.list.installing && \
	{ $$k scripts_basic > $(T)/torn 2>&1; test $$? -ne 0; } && $$k pgo-status > $(T)/status-torn 2>&1 && \
	rm $(T)/p/.kpgo/profile-installed.list.installing && \
	{ $$k LLVM=1 scripts_basic > $(T)/llvm 2>&1; test $$? -ne 0; } && \
	$$k pgo-off > $(T)/off 2>&1 && $$k scripts_basic > $(T)/after 2>&1 && \
	$$k pgo-status > $(T)/status-off 2>&1; \
	rc=$$?; $(MAKE) --no-print-directory -C $(KPGO_DIR) KSRC=$(T)/ksrc pgo-detach; cat $(T)/goal $(T)/plain $(T)/mixed $(T)/on $(T)/status \
	  $(T)/torn $(T)/status-torn $(T)/llvm $(T)/off $(T)/after $(T)/status-off; test $$rc -eq 0
	grep -q 'PGO-USE imported: building scripts_basic in $(T)/p with -fprofile-use' $(T)/goal
	grep -q 'PGO-MRG imported: 2 objects' $(T)/goal
	grep -q 'PGO-ON  imported: later kernel goals in this tree build with this profile' $(T)/goal
	! grep -q PGO- $(T)/plain
	grep -q 'with PGO_PROFILE, give olddefconfig in a make command of its own' $(T)/mixed
	grep -q 'PGO-USE imported: building scripts_basic in $(T)/p with -fprofile-use -fprofile-correction' $(T)/on
	! grep -q 'PGO-MRG' $(T)/on
	grep -q '^$(T)/p builds with the gcc profile of imported, installed 20' $(T)/status
	grep -q 'the last install of the profile of imported into $(T)/p was interrupted' $(T)/torn
	grep -q 'its last install was interrupted: make pgo-use-imported installs it again' $(T)/status-torn
	grep -q 'made with gcc: give no LLVM= as then, or make pgo-off first' $(T)/llvm
	grep -q 'PGO-OFF $(T)/p: the profile of imported is off' $(T)/off
	! grep -q PGO- $(T)/after
	grep -q '^$(T)/p builds without profile (one is installed, but off)' $(T)/status-off
	test ! -e $(T)/p/.kpgo-profile.mk
	test ! -e $(T)/ksrc/GNUmakefile && test ! -e $(KSRC_TEST)/GNUmakefile

# clang's profiles travel too: with LLVM=-19 the archive holds the merged
# text profile of IR PGO, with PGO_METHOD=autofdo the merged sample
# profile; another tree builds with either (no QEMU); the profile: line is
# checked against the file, and a profile of the other method refused
pk-llvm-prof := o/.kpgo/profiles-llvm/redis
pk-afdo-prof := o/.kpgo/profiles-afdo/redis
pk-clang-use = $(pk-make) O=$(T)/p LLVM=-19 PGO_QEMU=/nonexistent/qemu PGO_USE_TARGETS=olddefconfig
test-packager-clang: $(PK_CONFIG) $(KPGO_BIN)/kpgo-llvmprof $(KPGO_BIN)/kpgo-afdo $(KPGO_BIN)/kpgo-profile
	$(call pk-config,$(T)/o) && $(MAKE) -s -C $(KSRC_TEST) O=$(T)/o LLVM=-19 olddefconfig >/dev/null && \
	  grep -qx 'CONFIG_CC_IS_CLANG=y' $(T)/o/.config
	mkdir -p $(T)/p $(T)/$(pk-llvm-prof) $(T)/$(pk-afdo-prof) && cp $(T)/o/.config $(T)/p/
	$(call llp-program,$(T)/l,100)
	$(KPGO_BIN)/kpgo-llvmprof extract --vmlinux $(T)/l/prog --counters $(T)/l/cnts.bin --objtree $(T)/l/obj \
	  --srctree $(T)/l/src --prefix $(T)/l/src/ -o $(T)/$(pk-llvm-prof)/profile.proftext > $(T)/$(pk-llvm-prof)/profile.info
	$(pk-make) O=$(T)/o LLVM=-19 pgo-export-redis | tee $(T)/exp
	tar -tzf $(T)/o/.kpgo/export-llvm/redis.tar.gz | sort | tr '\n' ' ' | grep -qx 'MANIFEST profile.proftext '
	tar -xOzf $(T)/o/.kpgo/export-llvm/redis.tar.gz MANIFEST > $(T)/m-ir && cat $(T)/m-ir
	grep -qx 'profile-format: llvm-ir text' $(T)/m-ir
	grep -Eqx 'profile: [1-9][0-9]* functions \([1-9][0-9]* with non-zero counters\), [0-9]+ counters' $(T)/m-ir
	$(pk-clang-use) PGO_PROFILE=$(T)/o/.kpgo/export-llvm/redis.tar.gz pgo-use-profile | tee $(T)/imp-ir
	n=$$(sed -n 's/^profile: \([0-9]*\) functions.*/\1/p' $(T)/m-ir); \
	  grep -q "PGO-MRG imported: 1 profile merged: $$n functions" $(T)/imp-ir && \
	  llvm-profdata-19 show $(T)/p/.kpgo/use.profdata | grep -qx "Total functions: $$n"
	! grep -q 'PGO-STA' $(T)/imp-ir
	# AutoFDO: a sample profile of two functions
	printf '%s\n' 'hot:300:10' ' 0: 10' ' 1: 290' 'warm:100:5' ' 0: 100' > $(T)/s.txt
	llvm-profdata-19 merge --sample -o $(T)/$(pk-afdo-prof)/profile.afdo $(T)/s.txt
	cp $(T)/s.txt $(T)/$(pk-afdo-prof)/profile.txt && echo redis > $(T)/$(pk-afdo-prof)/profile.info
	$(pk-make) O=$(T)/o LLVM=-19 PGO_METHOD=autofdo pgo-export-redis | tee $(T)/exp2
	tar -tzf $(T)/o/.kpgo/export-afdo/redis.tar.gz | sort | tr '\n' ' ' | grep -qx 'MANIFEST profile.afdo '
	tar -xOzf $(T)/o/.kpgo/export-afdo/redis.tar.gz MANIFEST > $(T)/m-afdo && cat $(T)/m-afdo
	grep -qx 'profile-format: llvm-sample extbinary' $(T)/m-afdo
	grep -qx 'profile: 2 functions with samples (2 with head samples), 400 samples' $(T)/m-afdo
	$(pk-clang-use) PGO_METHOD=autofdo PGO_PROFILE=$(T)/o/.kpgo/export-afdo/redis.tar.gz pgo-use-profile | tee $(T)/imp-afdo
	grep -q 'PGO-MRG imported: 2 functions with samples' $(T)/imp-afdo && ! grep -q 'PGO-STA' $(T)/imp-afdo
	llvm-profdata-19 show --sample $(T)/p/.kpgo/use.afdo | grep -q 'hot'
	# an altered profile: refused (nothing installed); the other method's: refused
	mkdir -p $(T)/x && tar -xzf $(T)/o/.kpgo/export-afdo/redis.tar.gz -C $(T)/x
	printf '%s\n' 'hot:900:10' ' 0: 900' > $(T)/s2.txt && llvm-profdata-19 merge --sample -o $(T)/x/profile.afdo $(T)/s2.txt
	$(call expect-fail,$(pk-clang-use) PGO_METHOD=autofdo PGO_PROFILE=$(T)/x pgo-use-profile,is not the profile its MANIFEST describes: .*its files hold: 1 functions with samples)
	$(call expect-fail,$(pk-clang-use) PGO_PROFILE=$(T)/o/.kpgo/export-afdo/redis.tar.gz pgo-use-profile,profile-format .llvm-sample extbinary. \(this tree: .llvm-ir text.\))
