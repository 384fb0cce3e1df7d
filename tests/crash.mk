# SPDX-License-Identifier: GPL-2.0
#
# tests/crash.mk - concurrent and interrupted runs (fast tier): one lock per
# PGO_OUT (mk/kpgo.mk), profinst's staged install (tools/profinst.c), the
# export's temporaries (mk/packager.mk).  A second run waits and then does
# its work: the end state is that of the two runs one after the other.  A
# run killed with SIGKILL, or stopped by a file size limit, leaves the
# previous profile, installed files and archives byte-identical, and the
# next plain run finishes the job with no cleanup by hand.  The trees are
# tests/lib.mk's pk-tree (small real .gcda files, cheap Kbuild goals).

KPGO_TESTS_FAST += crash-lock-use crash-lock-fail crash-lock-import crash-kill-install \
	crash-fsize-install crash-kill-export

# $(call cr-use,TREE,GOAL[,MAKE ARGS]): a cheap pgo-use in $(T)/TREE
# (Kbuild's kernelversion: under a second); cr-slow-use: one that holds
# the lock for some seconds (olddefconfig), for a second run to meet it
cr-use = timeout 120 $(pk-make) O=$(T)/$(1) PGO_USE_TARGETS=kernelversion $(3) $(2)
cr-slow-use = timeout 120 $(pk-make) O=$(T)/$(1) PGO_USE_TARGETS=olddefconfig $(3) $(2)
# $(call cr-wait-lock,TREE): until a run holds TREE's lock (its .lock.who)
cr-wait-lock = for i in $$(seq 200); do test -s $(T)/$(1)/.kpgo/.lock.who && break; sleep 0.05; done; \
	test -s $(T)/$(1)/.kpgo/.lock.who
# $(call cr-state,TREE): the installed profile of TREE: list, rules, bytes
cr-state = cd $(T)/$(1) && cat .kpgo/profile-installed.list .kpgo/profile-deps.mk && \
	xargs sha256sum < .kpgo/profile-installed.list
# $(call cr-no-tmp,DIR): no temporary left anywhere below DIR
# (printed on the test's own output: tee /dev/stderr would reopen, and so
# truncate, the test's log)
cr-no-tmp = left=$$(find $(1) -name '*.kpgo-tmp' -o -name '*.tmp.[0-9]*'); \
	test -z "$$left" || { echo "temporaries left: $$left"; exit 1; }
# $(cr-two-trees): $(pk-tree) in $(T)/o, copied to $(T)/s for the serial runs
cr-two-trees = $(pk-tree) && cp -a $(T)/o $(T)/s

# two pgo-use at once in one tree: the second waits (saying for whom),
# then runs; the end state equals redis then nginx one after the other
test-crash-lock-use: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda
	$(cr-two-trees)
	$(call cr-use,s,pgo-use-redis) && $(call cr-use,s,pgo-use-nginx)
	{ $(call cr-slow-use,o,pgo-use-redis) > $(T)/a.out 2>&1; echo $$? > $(T)/a.rc; } & \
	$(call cr-wait-lock,o) && $(call cr-use,o,pgo-use-nginx) > $(T)/b.out 2>&1; \
	echo $$? > $(T)/b.rc; wait; cat $(T)/a.out $(T)/b.out
	test "$$(cat $(T)/a.rc) $$(cat $(T)/b.rc)" = "0 0"
	grep -q '^kpgo: waiting for $(T)/o/.kpgo: in use by make pgo-use-redis (pid [0-9]*, since ' $(T)/b.out
	! grep -q 'waiting' $(T)/a.out
	($(call cr-state,s)) > $(T)/serial && ($(call cr-state,o)) > $(T)/both
	cmp $(T)/serial $(T)/both
	grep -q 'main.gcda' $(T)/both

# PGO_LOCK=fail: a run that finds the lock taken stops at once, names the
# holder and changes nothing
test-crash-lock-fail: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda
	$(pk-tree)
	mkdir -p $(T)/o/.kpgo && echo 'make pgo-use-web (pid 1, since then)' > $(T)/o/.kpgo/.lock.who
	flock $(T)/o/.kpgo/.lock sleep 30 & sleep 0.5; \
	$(call expect-fail,$(call cr-use,o,pgo-use-redis,PGO_LOCK=fail),^kpgo: $(T)/o/.kpgo is in use by make pgo-use-web .pid 1.*PGO_LOCK=fail: not waiting); \
	rc=$$?; kill %1; exit $$rc
	test ! -e $(T)/o/.kpgo/profile-installed.list

# two imports at once (packager mode): the same end state as one after the
# other, every file of the second archive installed (no threshold)
cr-imp = PGO_REBUILD_THRESHOLD=0 PGO_PROFILE=
test-crash-lock-import: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda $(KPGO_BIN)/kpgo-profile
	$(cr-two-trees)
	$(pk-make) -s O=$(T)/o pgo-export-redis pgo-export-nginx
	mkdir -p $(T)/p $(T)/q && cp $(T)/o/.config $(T)/p/ && cp $(T)/o/.config $(T)/q/
	$(call cr-use,q,pgo-use-profile,$(cr-imp)$(call pk-archive,redis)) >/dev/null
	$(call cr-use,q,pgo-use-profile,$(cr-imp)$(call pk-archive,nginx)) >/dev/null
	{ $(call cr-slow-use,p,pgo-use-profile,$(cr-imp)$(call pk-archive,redis)) > $(T)/a.out 2>&1; \
	  echo $$? > $(T)/a.rc; } & \
	$(call cr-wait-lock,p) && $(call cr-use,p,pgo-use-profile,$(cr-imp)$(call pk-archive,nginx)) \
	  > $(T)/b.out 2>&1; echo $$? > $(T)/b.rc; wait; cat $(T)/a.out $(T)/b.out
	test "$$(cat $(T)/a.rc) $$(cat $(T)/b.rc)" = "0 0"
	grep -q '^kpgo: waiting for $(T)/p/.kpgo: in use by make pgo-use-profile' $(T)/b.out
	($(call cr-state,q)) > $(T)/serial && ($(call cr-state,p)) > $(T)/both
	cmp $(T)/serial $(T)/both
	mkdir -p $(T)/n && tar -xzf $(call pk-archive,nginx) -C $(T)/n
	cmp $(T)/n/gcda/main.gcda $(T)/p/main.gcda && cmp $(T)/n/gcda/lib/work.gcda $(T)/p/lib/work.gcda

# SIGKILL of the install (kpgo-gcda merge into the object tree), under gdb:
# once when half the files are staged, once when all are: the installed
# files are the previous run's, byte for byte; the next plain run installs
# the new profile and removes the temporaries.  Then once after 10 of the
# renames: a mix, which <list>.installing says (make refuses to build with
# it: tests/packager.mk), until the next run completes the install
cr-big = for i in $$(seq 40); do mkdir -p $(T)/$(1)/d$$i && cp $(T)/$(1)/main.gcda $(T)/$(1)/d$$i/x.gcda; done
cr-merge = $(KPGO_BIN)/kpgo-gcda merge -o $(T)/tree --installed $(T)/list --deps $(T)/deps
cr-installed = (cd $(T)/tree && cat $(T)/list $(T)/deps && xargs sha256sum < $(T)/list)
cr-gdb-kill = gdb -q -batch -nx -ex 'set breakpoint pending on' -ex 'break $(1)' -ex 'run' \
	-ex 'kill' --args $(cr-merge) $(2) > $(T)/gdb.log 2>&1; \
	grep -q 'Breakpoint 1, $(firstword $(1))' $(T)/gdb.log || { cat $(T)/gdb.log; exit 1; }
test-crash-kill-install: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda
	$(pk-tree)
	r=$(T)/o/.kpgo/profiles/redis/gcda; n=$(T)/o/.kpgo/profiles/nginx/gcda; \
	  cp -a $$r $(T)/r && cp -a $$n $(T)/n
	$(call cr-big,r) && $(call cr-big,n)
	$(cr-merge) $(T)/r && $(cr-installed) > $(T)/before
	$(call cr-gdb-kill,kp_inst_file if in->nnow == 20,$(T)/n)
	$(cr-installed) | cmp - $(T)/before
	test -n "$$(find $(T)/tree -name '*.kpgo-tmp')"
	$(call cr-gdb-kill,kp_inst_end,$(T)/n)
	$(cr-installed) | cmp - $(T)/before
	$(cr-merge) $(T)/n | tee $(T)/out
	grep -q '(updated 42, unchanged 0, added 0, removed 0)' $(T)/out
	$(call cr-no-tmp,$(T)/tree)
	cmp $(T)/tree/d7/x.gcda $(T)/tree/main.gcda && ! cmp -s $(T)/tree/main.gcda $(T)/r/main.gcda
	gdb -q -batch -nx -ex 'set breakpoint pending on' -ex 'break kp_inst_end' -ex run \
	  -ex 'break renameat' -ex 'ignore 2 10' -ex continue -ex kill --args $(cr-merge) $(T)/r \
	  > $(T)/gdb.log 2>&1; grep -q 'Breakpoint 2, .*renameat' $(T)/gdb.log || { cat $(T)/gdb.log; exit 1; }
	test -e $(T)/list.installing
	$(cr-merge) $(T)/r | tee $(T)/out
	grep -Eq '\(updated [1-9][0-9]*, unchanged [1-9][0-9]*,' $(T)/out
	test ! -e $(T)/list.installing && $(cr-installed) | cmp - $(T)/before

# a file size limit on the writer (prlimit --fsize) while installing into
# the object tree: a clean error, the installed files unchanged; then the
# plain run
test-crash-fsize-install: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda
	$(pk-tree)
	r=$(T)/o/.kpgo/profiles/redis/gcda; n=$(T)/o/.kpgo/profiles/nginx/gcda; \
	  cp -a $$r $(T)/r && cp -a $$n $(T)/n
	$(cr-merge) $(T)/r && $(cr-installed) > $(T)/before
	s=$$(stat -c %s $(T)/tree/main.gcda); \
	$(call expect-fail,prlimit --fsize=$$((s - 1)) $(cr-merge) $(T)/n,gcda: cannot write: File too large)
	$(cr-installed) | cmp - $(T)/before
	$(cr-merge) $(T)/n | grep -q '(updated 2, unchanged 0'
	$(call cr-no-tmp,$(T)/tree)

# pgo-export killed (SIGKILL to the whole make) at several moments, and
# stopped by a file size limit: the previous archive and its manifest stay
# byte-identical (or the new one is complete); the next plain export
# writes the new one and leaves no temporary
test-crash-kill-export: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda
	$(pk-tree)
	$(pk-make) -s O=$(T)/o pgo-export-redis && cp $(call pk-archive,redis) $(T)/old.tar.gz
	cp $(T)/o/.kpgo/profiles/nginx/gcda/main.gcda $(T)/o/.kpgo/profiles/redis/gcda/main.gcda
	k=0; for d in 0.05 0.1 0.2 0.3 0.5; do rm -f $(T)/pgid; \
	  setsid sh -c 'echo $$$$ > $(T)/pgid; exec $(pk-make) -s O=$(T)/o pgo-export-redis' & \
	  sleep $$d; g=$$(cat $(T)/pgid 2>/dev/null); \
	  if test -n "$$g" && kill -9 -$$g 2>/dev/null; then k=$$((k + 1)); fi; wait; \
	  cmp -s $(call pk-archive,redis) $(T)/old.tar.gz || gzip -t $(call pk-archive,redis) || exit 1; \
	  cp $(call pk-archive,redis) $(T)/old.tar.gz; done; \
	echo "exports killed: $$k of 5"; test $$k -gt 0
	cp $(T)/o/.kpgo/export/redis.manifest $(T)/old.manifest
	$(call expect-fail,prlimit --fsize=100 $(pk-make) -s O=$(T)/o pgo-export-redis,.)
	cmp $(call pk-archive,redis) $(T)/old.tar.gz && cmp $(T)/o/.kpgo/export/redis.manifest $(T)/old.manifest
	$(KSRC_TEST)/scripts/config --file $(T)/o/.config --set-str LOCALVERSION -other
	$(call expect-fail,prlimit --fsize=4000 $(pk-make) -s O=$(T)/o pgo-export-redis,exporting redis failed)
	cmp $(call pk-archive,redis) $(T)/old.tar.gz && cmp $(T)/o/.kpgo/export/redis.manifest $(T)/old.manifest
	$(pk-make) -s O=$(T)/o pgo-export-redis
	mkdir -p $(T)/x && tar -xzf $(call pk-archive,redis) -C $(T)/x
	$(KPGO_BIN)/kpgo-gcda merge -q -o $(T)/want $(T)/o/.kpgo/profiles/redis/gcda
	cmp $(T)/want/main.gcda $(T)/x/gcda/main.gcda
	$(call cr-no-tmp,$(T)/o/.kpgo/export)
	test -z "$$(ls -A $(T)/o/.kpgo/export | grep -v '^redis\.\(tar\.gz\|manifest\)$$')"
