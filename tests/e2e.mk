# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e.mk - the whole gcc loop on Debian's linux-source-6.12: a real
# instrumented kernel, redis collected under QEMU, the optimized kernel
# built, booted and benchmarked against the baseline, and the failures a
# user meets (panic, hang, busy port, failing client).  The tests share one
# tree, $(E2E_WORK) (tests/lib.mk), made by the first and used by the others
# in order.

# redis at 0.2: 5000 requests per redis-benchmark test, about 40 s of
# client under TCG; enough for every figure the tests check
E2E_SCALE ?= 0.2
e2e-make   = $(MAKE) $(kpgo-jobs) --no-print-directory -C $(KPGO_DIR) KSRC=$(e2e-ksrc) O=$(e2e-o) PGO_SCALE=$(E2E_SCALE)

KPGO_TESTS_E2E += e2e-quickstart e2e-use-noop e2e-stays-on e2e-attach e2e-baseline-differs \
	e2e-bench e2e-compare e2e-flamegraph e2e-report e2e-kvm-fallback e2e-port-in-use e2e-guest-panic e2e-guest-hang \
	e2e-client-fails-profile-kept e2e-collect-killed e2e-collect-beside-use e2e-own-recipe e2e-hostile-share \
	e2e-recorded e2e-collect-parallel
# the clang loop builds three more kernels with clang (about 20 min on the
# 2-core machine, twice that on a slow day): the long tier, make check-long
KPGO_TESTS_LONG += e2e-clang-loop e2e-clang-incremental e2e-clang-compare e2e-compare-host

# make quickstart from nothing: instrument, collect, use; check its summary
test-e2e-quickstart:
	rm -rf $(E2E_WORK)
	$(MAKE) $(kpgo-jobs) --no-print-directory -C $(KPGO_DIR) QS_WORK=$(E2E_WORK) PGO_SCALE=$(E2E_SCALE) quickstart | tee $(T)/out
	grep -q 'optimized kernel  $(e2e-o)/arch/x86/boot/bzImage' $(T)/out
	test -f $(e2e-o)/arch/x86/boot/bzImage
	n=$$(find $(e2e-out)/profiles/redis/gcda -name '*.gcda' | wc -l); echo "gcda collected: $$n"; test $$n -gt 500
	p=$(call e2e-num,$(e2e-out)/work/redis/use.evidence,this build$(comma)); echo "with profile: $$p"; test $$p -gt 500
	grep -Eq '^[0-9]+ requests/s' $(e2e-out)/profiles/redis/result.txt
	cd $(e2e-o) && xargs cp --parents -t $(T) < $(e2e-out)/profile-installed.list
	$(KPGO_BIN)/kpgo-gcda stat $(T) > $(T)/stat; cat $(T)/stat
	o=$(call e2e-num,$(T)/stat,: ); s=$(call e2e-num,$(T)/stat,with summary:); test "$$o" -gt 500 && test "$$o" = "$$s"

# the second pgo-use with the same profile compiles nothing, and does not
# even look at the instrumented kernel (the profile exists)
test-e2e-use-noop:
	touch $(T)/start; sleep 1
	t0=$$(date +%s); $(e2e-make) pgo-use-redis | tee $(T)/out; echo "no-op pgo-use: $$(( $$(date +%s) - t0 )) s"
	grep -q '^0 objects compiled in this build' $(e2e-out)/work/redis/use.evidence
	! grep -q 'PGO-INS' $(T)/out
	test -z "$$(find $(e2e-o) -name '*.o' -newer $(T)/start | head -n 1)"
	grep -q 'unchanged' $(e2e-out)/work/redis/merge.txt

# the profile stays on: in the attached tree, a plain make after pgo-use
# builds with the profile's flags and so compiles nothing; pgo-status names
# the profile; after pgo-off the tree's goals reach Kbuild unchanged (not
# built here: that recompiles everything); the next pgo-use turns it on
# again and compiles nothing either
test-e2e-stays-on:
	$(e2e-make) pgo-attach
	k="$(MAKE) $(kpgo-jobs) --no-print-directory -C $(e2e-ksrc) O=$(e2e-o)"; \
	$$k > $(T)/make 2>&1 && $$k pgo-status > $(T)/status && $$k pgo-off > $(T)/off && \
	$$k -s kernelrelease > $(T)/plain 2>&1 && $$k pgo-status > $(T)/status-off && \
	$$k pgo-use-redis > $(T)/use 2>&1; \
	rc=$$?; $(e2e-make) pgo-detach; cat $(T)/make $(T)/status $(T)/off $(T)/plain $(T)/status-off $(T)/use; \
	test $$rc -eq 0
	grep -q 'PGO-USE redis: building all in $(e2e-o) with -fprofile-use' $(T)/make
	grep -q 'PGO-USE redis: 0 objects compiled in this build' $(T)/make
	grep -q '^$(e2e-o) builds with the gcc profile of redis, installed' $(T)/status
	grep -q '^  redis: profile collected' $(T)/status
	grep -q 'PGO-OFF $(e2e-o): the profile of redis is off' $(T)/off
	grep -Eq '^6\.12\.' $(T)/plain && ! grep -q PGO- $(T)/plain
	grep -q 'builds without profile (one is installed, but off)' $(T)/status-off
	grep -q 'PGO-USE redis: 0 objects compiled in this build' $(T)/use
	test -f $(e2e-o)/.kpgo-profile.mk

# the hook in the kernel tree: pgo goals to kpgo, others to Kbuild
test-e2e-attach:
	$(e2e-make) pgo-attach
	head -n 1 $(e2e-ksrc)/GNUmakefile | grep -q 'kpgo: written by'
	$(MAKE) --no-print-directory -C $(e2e-ksrc) O=$(e2e-o) pgo-help | grep -q 'pgo-use-<w>'
	$(MAKE) --no-print-directory -s -C $(e2e-ksrc) O=$(e2e-o) kernelversion | grep -Eq '^6\.12\.'
	$(MAKE) --no-print-directory -s -C $(e2e-ksrc) O=$(e2e-o) help > $(T)/help
	grep -q 'pgo-use-<w>' $(T)/help && grep -q 'bzImage' $(T)/help
	$(MAKE) --no-print-directory -C $(e2e-ksrc) O=$(e2e-o) pgo-use-redis
	grep -q '^0 objects compiled in this build' $(e2e-out)/work/redis/use.evidence
	$(e2e-make) pgo-detach
	test ! -e $(e2e-ksrc)/GNUmakefile

# the baseline has no hot/cold split from a profile; the optimized kernel does
test-e2e-baseline-differs:
	$(e2e-make) pgo-baseline
	{ $(call kpgo-text-figures,$(e2e-out)/baseline/vmlinux.o) ; } | tee $(T)/base
	{ $(call kpgo-text-figures,$(e2e-o)/vmlinux.o) ; } | tee $(T)/opt
	b=$(call e2e-num,$(T)/base,bytes$(comma)); o=$(call e2e-num,$(T)/opt,bytes$(comma)); \
	  echo ".cold parts: baseline $$b, optimized $$o"; test $$o -gt $$b
	! cmp -s $(e2e-o)/kernel/fork.o $(e2e-out)/baseline/kernel/fork.o

# both kernels boot and serve redis-benchmark from the host
test-e2e-bench:
	$(e2e-make) PGO_KERNEL=baseline pgo-bench-redis
	$(e2e-make) PGO_KERNEL=optimized pgo-bench-redis
	grep -E '^[0-9]+ requests/s' $(e2e-out)/work/redis/bench-baseline.txt
	grep -E '^[0-9]+ requests/s' $(e2e-out)/work/redis/bench-optimized.txt

# pgo-compare-redis, small: runs interleaved A B A B, the verdict line, the
# plugin's figures repeat exactly, a chart and a CSV; a second call reuses
# the runs, on the guest path (the load in the guest, over loopback: its
# measure runs repeat exactly; the long tier's e2e-compare-host has the
# host path's, 4 minutes more than CI's hour allows)
e2e-cmp-dir := $(e2e-out)/compare/redis-redis-vs-baseline-client-in-guest
test-e2e-compare:
	rm -rf $(e2e-cmp-dir)
	$(e2e-make) PGO_CLIENT_IN=guest PGO_COMPARE_RUNS=2 PGO_COMPARE_MEASURE=2 PGO_COMPARE_SCALE=0.02 pgo-compare-redis | tee $(T)/out
	tail -n 1 $(T)/out | grep -Ex 'redis: optimized/baseline = [0-9]+\.[0-9]{3} \(N=2 each, 95% CI [0-9.]+–[0-9.]+\)'
	cd $(e2e-cmp-dir) && test run-1-a.txt -ot run-1-b.txt && test run-1-b.txt -ot run-2-a.txt && \
	  test run-2-a.txt -ot run-2-b.txt && test run-2-b.txt -ot measure-1-a.txt
	grep -Eq '^[0-9]+ requests/s' $(e2e-cmp-dir)/run-1-a.txt
	grep -q '^accel=' $(e2e-cmp-dir)/run-1-b.txt
	! cmp -s $(e2e-out)/baseline/arch/x86/boot/bzImage $(e2e-out)/kernels/redis/bzImage
	for f in $(e2e-cmp-dir)/measure-*.txt; do \
	  k=$$(sed -n 's/^kernel_insns=//p' $$f); a=$$(sed -n 's/^insns=//p' $$f); \
	  m=$$(sed -n 's/^kernel_icache_misses=//p' $$f); o=$$(sed -n 's/^ops=//p' $$f); \
	  l=$$(sed -n 's/^kernel_lines=//p' $$f); b=$$(sed -n 's/^kernel_taken=//p' $$f); \
	  echo "$$f: $$o ops, $$a insns, $$k kernel, $$b kernel taken, $$m of $$l kernel lines missed"; \
	  test "$$k" -gt 0 && test "$$k" -lt "$$a" && test "$$m" -gt 0 && test "$$m" -le "$$l" && \
	  test "$$b" -gt 0 && test "$$b" -lt "$$k" && test "$$o" -gt 0 && grep -qx 'windows=1' $$f || exit 1; done
	# a measure run repeats exactly (kpgo-vm --icount --isolated): the
	# two runs of each kernel, and their boots, are identical
	grep -E '^  kernel instructions .*\(runs identical\)$$' $(e2e-cmp-dir)/summary.txt
	for s in a b; do cmp $(e2e-cmp-dir)/measure-1-$$s.txt.fe $(e2e-cmp-dir)/measure-2-$$s.txt.fe || exit 1; done
	grep -Eq '^insns_before=[1-9][0-9]+$$' $(e2e-cmp-dir)/measure-1-a.txt.fe
	grep -q '^the load in the guest, over loopback' $(e2e-cmp-dir)/summary.txt
	# the representativeness figure: the optimized kernel runs some of its
	# cold code (a profile from the host path, measured on the other), the
	# baseline has next to none
	grep -E '^    share of kernel instructions +0\.[0-9]{2} % +([1-9][0-9]?)\.[0-9]{2} %' $(e2e-cmp-dir)/summary.txt
	grep -q '<svg' $(e2e-cmp-dir)/chart.svg
	test $$(grep -c ',client,' $(e2e-cmp-dir)/compare.csv) -eq 4
	$(e2e-make) PGO_CLIENT_IN=guest PGO_COMPARE_RUNS=2 PGO_COMPARE_MEASURE=2 PGO_COMPARE_SCALE=0.02 pgo-compare-redis > $(T)/again
	! grep -Eq 'PGO-CMP redis: (measure )?run' $(T)/again
	tail -n 1 $(T)/out > $(T)/line1; tail -n 1 $(T)/again > $(T)/line2; cmp $(T)/line1 $(T)/line2

# kernel stacks of redis on baseline and optimized kernels: folded stacks
# with the TCP send path, the flamegraph rendered by headless Chromium, the
# perf.data read by perf script, the differential graph
e2e-flame := $(e2e-out)/flamegraph
test-e2e-flamegraph:
	$(e2e-make) PGO_CLIENT_IN=guest PGO_COMPARE_SCALE=0.02 pgo-flamegraph-diff-redis | tee $(T)/out
	for k in baseline optimized; do d=$(e2e-flame)/redis-$$k; cat $$d/top.txt; \
	  test $$(sed -n 's/^\([0-9]*\) samples.*/\1/p' $$d/top.txt) -gt 1000 && \
	  grep -q ';tcp_sendmsg;' $$d/redis.folded && \
	  $(call flame-dom,$$d/flamegraph.html,$(T)/dom-$$k) && grep -q '<title>tcp_sendmsg: [0-9]* samples' $(T)/dom-$$k && \
	  perf script -i $$d/perf.data --kallsyms $$d/kallsyms 2>/dev/null | grep -c ' tcp_sendmsg+0x' > $(T)/n-$$k && \
	  test $$(cat $(T)/n-$$k) -gt 10 || exit 1; done
	$(call flame-dom,$(e2e-flame)/redis-optimized/diff.html,$(T)/dom-diff)
	grep -q '<title>tcp_sendmsg: [0-9]* samples ([0-9.]*%), before [0-9.]*%</title>' $(T)/dom-diff

# the collected gcov profile as a coverage report: the syscall path redis
# uses is covered, a driver with no device in its guest is not
test-e2e-report:
	$(e2e-make) pgo-report-redis | tee $(T)/out
	i=$(e2e-out)/report/redis/coverage.info; \
	  awk '/^SF:/ { f = $$0 } /^FNDA:/ { print f, $$0 }' $$i > $(T)/fnda; \
	  grep -E 'fs/eventpoll\.c FNDA:[1-9][0-9]*,do_epoll_wait$$' $(T)/fnda && \
	  grep -E 'fs/read_write\.c FNDA:[1-9][0-9]*,ksys_read$$' $(T)/fnda && \
	  grep -E 'drivers/block/virtio_blk\.c FNDA:0,virtblk_probe$$' $(T)/fnda
	test -f $(e2e-out)/report/redis/html/index.html
	grep -q 'virtio_blk.c' $(e2e-out)/report/redis/html/drivers/block/index.html
	grep -Eq '^[0-9]+ files, [0-9]+ run; [0-9]+ functions, [0-9]+ run' $(T)/out
	grep -q '^top functions (entries):' $(T)/out

# with no memory of a failed KVM, auto tries KVM and says what it used:
# no usable /dev/kvm: TCG, saying why; a /dev/kvm that opens: KVM boots,
# or it fails, TCG runs, and the failure is remembered, so the next run
# goes straight to TCG, naming the file that remembers
test-e2e-kvm-fallback:
	rm -f $(e2e-out)/kvm-unusable
	$(e2e-make) PGO_KERNEL=optimized PGO_SCALE=0.04 pgo-bench-redis | tee $(T)/out
	if ! { test -c /dev/kvm && test -r /dev/kvm && test -w /dev/kvm; }; then \
	  grep -q 'KVM not used: /dev/kvm: ' $(T)/out && grep -q 'under tcg' $(T)/out && \
	  test ! -e $(e2e-out)/kvm-unusable; \
	elif grep -q 'under kvm' $(T)/out; then test ! -e $(e2e-out)/kvm-unusable; \
	else grep -Eq 'KVM (did not boot|failed).*falling back to TCG' $(T)/out && \
	  grep -q 'under tcg' $(T)/out && test -s $(e2e-out)/kvm-unusable && \
	  $(e2e-make) PGO_KERNEL=optimized PGO_SCALE=0.04 pgo-bench-redis > $(T)/again && cat $(T)/again && \
	  grep -q 'KVM not used: .*(remembered in $(e2e-out)/kvm-unusable' $(T)/again && \
	  ! grep -q 'falling back' $(T)/again; fi

e2e-port := $(shell echo $$(( 20000 + $$$$ % 20000 )))
test-e2e-port-in-use:
	redis-server --port $(e2e-port) --bind 127.0.0.1 --save '' --daemonize yes --pidfile $(T)/r.pid
	sleep 0.5; trap 'kill $$(cat $(T)/r.pid)' EXIT; \
	$(call expect-fail,$(e2e-make) PGO_HOST_PORT=$(e2e-port) pgo-bench-redis,port 127.0.0.1:$(e2e-port) .* in use)

# a kernel that panics (its init is not in the image, so it looks for a
# root file system it does not have): a clear error with the console
test-e2e-guest-panic:
	$(call expect-fail,$(e2e-make) PGO_APPEND=rdinit=/no/such/init pgo-bench-redis,QEMU exited before the guest agent started)
	grep -q '  | Kernel panic' $(T)/out

# a guest whose init never starts the agent (busybox sleeps as PID 1): the
# boot times out, the console is shown
test-e2e-guest-hang:
	$(call expect-fail,$(KPGO_BIN)/kpgo-vm --accel tcg --boot-timeout 20 \
	  --kernel $(e2e-o)/arch/x86/boot/bzImage --initrd $(e2e-out)/work/redis/image.cpio.gz \
	  --append 'rdinit=/bin/busybox -- sleep 1000' --console $(T)/console.log -- true,did not boot to the agent in time)
	grep -q 'last 30 lines of the guest console' $(T)/out

# a failing client fails the collection and leaves the old profile as it was
test-e2e-client-fails-profile-kept:
	md5sum $(e2e-out)/profiles/redis/profile.info > $(T)/before
	$(call expect-fail,$(e2e-make) REDIS_CLIENT=false pgo-collect-redis,client failed \(exit status 1\))
	md5sum -c $(T)/before
	test -d $(e2e-out)/profiles/redis/gcda

# pgo-collect killed (SIGKILL to its whole process group, QEMU with it)
# while the guest copies its gcov data into the share: the previous
# profile stays byte-identical, no QEMU is left, and the next plain run
# (its leftovers removed by it) collects a new profile.  The killed run
# is a pgo-recollect, so the collection is due whatever was recorded.
e2e-prof-sums = (cd $(e2e-out)/profiles/redis && find . -type f | LC_ALL=C sort | xargs sha256sum)
e2e-console := $(e2e-out)/work/redis/console.log
test-e2e-collect-killed:
	$(e2e-prof-sums) > $(T)/before
	rm -f $(e2e-console)
	setsid sh -c 'echo $$$$ > $(T)/pgid; exec $(e2e-make) PGO_SCALE=0.05 pgo-recollect-redis' \
	  > $(T)/killed.out 2>&1 & \
	for i in $$(seq 3000); do grep -qs 'copying gcov data' $(e2e-console) && break; sleep 0.1; done; \
	kill -9 -$$(cat $(T)/pgid); wait; cat $(T)/killed.out; grep 'copying gcov data' $(e2e-console)
	$(e2e-prof-sums) | cmp - $(T)/before
	sleep 1; ! pgrep -af '[q]emu-system.*$(e2e-out)/work/redis/'
	test -d $(e2e-out)/profiles/redis.new
	$(e2e-make) PGO_SCALE=0.05 pgo-collect-redis | tee $(T)/out
	test ! -e $(e2e-out)/profiles/redis.new
	grep -q 'PGO-PRF redis: [0-9]* objects' $(T)/out
	! $(e2e-prof-sums) | cmp -s - $(T)/before

# pgo-collect and pgo-use at once in one tree: the use waits for the
# collection (saying so), then merges the whole new profile, as if run
# after it (a threshold of 100 keeps the installed files that moved less,
# so few kernel objects are recompiled; the merge still reads every file)
test-e2e-collect-beside-use:
	rm -f $(e2e-out)/.lock.who
	{ $(e2e-make) PGO_SCALE=0.05 pgo-recollect-redis > $(T)/c.out 2>&1; echo $$? > $(T)/c.rc; } & \
	for i in $$(seq 600); do grep -qs pgo-recollect-redis $(e2e-out)/.lock.who && break; sleep 0.1; done; \
	$(e2e-make) PGO_SCALE=0.05 PGO_REBUILD_THRESHOLD=100 pgo-use-redis > $(T)/u.out 2>&1; \
	echo $$? > $(T)/u.rc; wait; cat $(T)/c.out $(T)/u.out
	test "$$(cat $(T)/c.rc) $$(cat $(T)/u.rc)" = "0 0"
	grep -q '^kpgo: waiting for $(e2e-out): in use by make pgo-recollect-redis' $(T)/u.out
	test $(e2e-out)/work/redis/merge.txt -nt $(e2e-out)/profiles/redis/profile.info
	o=$$(sed -n '1s/^gcda: \([0-9]*\) objects.*/\1/p' $(e2e-out)/profiles/redis/profile.info); \
	  grep -q "kpgo-gcda: $$o objects (updated [0-9]*, unchanged [0-9]*, kept [0-9]* .moved < 100%., added 0, removed 0)" \
	  $(e2e-out)/work/redis/merge.txt

# Recorded commands: each setting that feeds the profile re-collects it,
# and only it (no image; the instrumented bzImage keeps its time); the same
# again collects nothing; pgo-recollect collects with nothing changed; a
# recipe field of the guest's (SERVER) remakes the image too, a helper
# binary what it feeds.  $(call e2e-rec,SETTINGS,WHAT-IS-MADE): runs
# pgo-collect-redis twice with SETTINGS; the first makes exactly
# WHAT-IS-MADE (of kernel, image, profile), the second nothing.
e2e-instr-image := $(e2e-out)/instrumented/arch/x86/boot/bzImage
e2e-rec-made = $$(test $(e2e-instr-image) -nt $(T)/stamp && printf 'kernel '; \
	grep -q PGO-IMG $(1) && printf 'image '; grep -q PGO-PRF $(1) && printf 'profile ')
define e2e-rec
	touch $(T)/stamp; sleep 1; $(e2e-make) PGO_SCALE=0.02 $(1) pgo-collect-redis > $(T)/a 2>&1 || \
	  { cat $(T)/a; exit 1; }; m="$(call e2e-rec-made,$(T)/a)"; echo "$(1): $$m"; \
	  test "$$m" = "$(2) " || { cat $(T)/a; exit 1; }
	$(if $(3),touch $(T)/stamp; sleep 1; $(e2e-make) PGO_SCALE=0.02 $(1) pgo-collect-redis > $(T)/b 2>&1 || \
	  { cat $(T)/b; exit 1; }; m="$(call e2e-rec-made,$(T)/b)"; echo "$(1)$(comma) again: $$m"; \
	  test -z "$$m" || { cat $(T)/b; exit 1; })
endef
# (a kconfig fragment and the kernel's .config remake the instrumented
# kernel, and so the profile: tests/make.mk checks the .config part)
test-e2e-recorded:
	$(e2e-make) PGO_SCALE=0.02 pgo-collect-redis
	$(call e2e-rec,PGO_APPEND=loglevel=4,profile,again)
	$(call e2e-rec,PGO_ACCEL=tcg,profile)
	$(call e2e-rec,PGO_MEM=600,profile)
	$(call e2e-rec,PGO_SCALE=0.03,profile,again)
	$(call e2e-rec,REDIS_SERVER='/usr/bin/redis-server --port 6379 --bind 0.0.0.0 --protected-mode no --save "" --hz 20',image profile,again)
	$(call e2e-rec,,image profile)
	touch $(KPGO_BIN)/kpgo-vm
	$(call e2e-rec,,profile)
	touch $(KPGO_BIN)/kpgo-agent
	$(call e2e-rec,,image profile,again)
	touch $(T)/stamp; sleep 1; $(e2e-make) PGO_SCALE=0.02 pgo-recollect-redis > $(T)/c 2>&1 || { cat $(T)/c; exit 1; }
	test "$(call e2e-rec-made,$(T)/c)" = "profile "

# a recipe of one's own, from PGO_RECIPE_DIRS, collected for real: busybox
# httpd in the guest serving a page kept beside the recipe (<NAME>_DIR),
# READY taken from PORT, the page fetched by busybox wget on the host
test-e2e-own-recipe:
	mkdir -p $(T)/r && echo kpgo > $(T)/r/page.html && printf '%s\n' \
	  'MINE_DEBS        := busybox-static' 'MINE_GUEST_BINS  := /bin/busybox' \
	  'MINE_GUEST_FILES := file /srv/page.html $$(MINE_DIR)/page.html 644' \
	  'MINE_SERVER      := busybox httpd -f -p 8080 -h /srv' 'MINE_PORT        := 8080' \
	  'MINE_CLIENT       = for i in $$$$(seq $$(call pgo-scale,1000)); do busybox wget -q -O- \
	    http://127.0.0.1:$$$$PGO_PORT/page.html; done' \
	  'MINE_RESULT      := grep -c kpgo | sed "s/$$$$/ pages/"' '$$(eval $$(kpgo-recipe))' > $(T)/r/mine.mk
	$(e2e-make) PGO_RECIPE_DIRS=$(T)/r pgo-collect-mine | tee $(T)/out
	grep -qx 'ready=tcp:8080' $(e2e-out)/work/mine/guest.conf
	grep -Eq '^[1-9][0-9]* pages$$' $(e2e-out)/profiles/mine/result.txt
	n=$$(sed -n '1s/.*(\([0-9]*\) with non-zero counters).*/\1/p' $(e2e-out)/profiles/mine/profile.info); \
	  echo "objects with counts: $$n"; test "$$n" -gt 100
	test -f $(e2e-out)/profiles/mine/gcda/net/ipv4/tcp.gcda

# a hostile guest: a recipe whose SETUP (root in the guest, after the
# share is mounted) plants in the share a symbolic link to the host's /etc,
# then (more recipes) a regular .gcda named with make syntax, a 100 MB
# sparse .gcda: each collection is refused naming the entry, nothing of it
# is read or run, and no profile appears.  A FIFO or a device node cannot
# even be made: QEMU's 9p server refuses it ("broken or compromised
# client"), and none reaches the host (the share check would refuse it)
define e2e-hostile-recipe
$(1)_DEBS        := redis-server redis-tools
$(1)_GUEST_BINS  := /usr/bin/redis-server
$(1)_SERVER      := $$(REDIS_SERVER)
$(1)_PORT        := 6379
$(1)_READY       := tcp:6379
$(1)_CLIENT       = redis-benchmark -h 127.0.0.1 -p $$$$PGO_PORT -n 500 -c 5 -d 5 --csv
$(1)_RESULT       = $$(REDIS_RESULT)
$(1)_SETUP       := $(2)
$$(eval $$(kpgo-recipe))
endef
e2e-gcov-share := /mnt/kpgo/gcov$(abspath $(e2e-out))/instrumented
test-e2e-hostile-share:
	$(shell mkdir -p $(T)/r)$(file >$(T)/r/hostile1.mk,$(call e2e-hostile-recipe,HOSTILE1,busybox mkdir -p $(e2e-gcov-share) && \
	  busybox ln -s /etc $(e2e-gcov-share)/etc))
	$(file >$(T)/r/hostile2.mk,$(call e2e-hostile-recipe,HOSTILE2,busybox mkdir -p $(e2e-gcov-share)/kernel && \
	  busybox cp /proc/version '$(e2e-gcov-share)/kernel/x.o:;touch pwned;true.gcda'))
	$(call expect-fail,$(e2e-make) PGO_RECIPE_DIRS=$(T)/r pgo-collect-hostile1,hostile1: the guest.s share holds .*/etc. which is not a regular file or directory: refused)
	cat $(T)/out; test ! -e $(e2e-out)/profiles/hostile1
	$(call expect-fail,$(e2e-make) PGO_RECIPE_DIRS=$(T)/r pgo-collect-hostile2,kernel/x.o:;touch pwned;true.gcda. is a character outside)
	cat $(T)/out; test ! -e $(e2e-out)/profiles/hostile2 && test ! -e $(e2e-o)/pwned && test ! -e $(KPGO_DIR)/pwned
	$(file >$(T)/r/hostile3.mk,$(call e2e-hostile-recipe,HOSTILE3,busybox mkdir -p $(e2e-gcov-share)/kernel && \
	  busybox mkfifo $(e2e-gcov-share)/kernel/fifo.gcda; busybox mknod $(e2e-gcov-share)/kernel/null.gcda c 1 3))
	$(file >$(T)/r/hostile4.mk,$(call e2e-hostile-recipe,HOSTILE4,busybox mkdir -p $(e2e-gcov-share)/kernel && \
	  busybox truncate -s 100M $(e2e-gcov-share)/kernel/big.gcda))
	$(call expect-fail,timeout 300 $(e2e-make) PGO_RECIPE_DIRS=$(T)/r pgo-collect-hostile3,9p: broken or compromised client detected; attempt to open special file|/kernel/(fifo|null).gcda. which is not a regular file or directory: refused)
	cat $(T)/out; test ! -e $(e2e-out)/profiles/hostile3 && test -z "$$(find $(e2e-out)/profiles \
	  -name '*.new' -prune -o \( -type p -o -type c -o -type b \) -print)"
	$(call expect-fail,timeout 300 $(e2e-make) PGO_RECIPE_DIRS=$(T)/r pgo-collect-hostile4,kernel/big.gcda.*larger than the limit of 67108864 bytes)
	cat $(T)/out; test ! -e $(e2e-out)/profiles/hostile4

# --- a tree built in place (no O=), as most kernel developers build: the
# quickstart's .config, make; then attach, pgo-use-redis (kpgo's kernels
# from the mirror, the profile next to the tree's objects), a no-op rerun,
# one source file edited then plain make (that object alone, with its
# profile), pgo-off.  Times and counts are printed for the road's note.
e2e-ip := $(E2E_WORK)/inplace/linux-source-6.12
e2e-ip-make = $(MAKE) $(kpgo-jobs) --no-print-directory -C $(e2e-ip)
e2e-ip-use = $(e2e-ip)/.kpgo/work/redis/use.evidence
KPGO_TESTS_LONG += e2e-inplace
test-e2e-inplace:
	rm -rf $(dir $(e2e-ip)) && mkdir -p $(dir $(e2e-ip)) && tar -xf $(KSRC_TARBALL) -C $(dir $(e2e-ip))
	cp $(e2e-o)/.config $(e2e-ip)/.config && $(e2e-ip-make) -s olddefconfig
	t0=$$(date +%s); $(e2e-ip-make) -s bzImage && echo "in-place build: $$(( $$(date +%s) - t0 )) s"
	$(MAKE) --no-print-directory -C $(KPGO_DIR) KSRC=$(e2e-ip) pgo-attach
	t0=$$(date +%s); $(e2e-ip-make) PGO_SCALE=$(E2E_SCALE) PGO_USE_TARGETS=bzImage pgo-use-redis | tee $(T)/use; \
	  echo "pgo-use (mirror, instrumented build, collect, use build): $$(( $$(date +%s) - t0 )) s"
	grep -Eq 'PGO-SRC [0-9]+ files linked in [0-9]+ s' $(T)/use
	grep -q 'PGO-INS .* objects instrumented' $(T)/use
	test -f $(e2e-ip)/.kpgo/source/Makefile && test ! -e $(e2e-ip)/.kpgo/source/.config && \
	  test -z "$$(find $(e2e-ip)/.kpgo/source -name '*.o' | head -n 1)"
	test -f $(e2e-ip)/.kpgo/instrumented/kernel/fork.gcno && test ! -e $(e2e-ip)/.kpgo/instrumented/source
	test $(call e2e-num,$(e2e-ip-use),this build$(comma)) -gt 500 && test -f $(e2e-ip)/kernel/fork.gcda
	n=$$(sed -n 's/.*, \([0-9]*\) without profile.*/\1/p' $(e2e-ip-use)); echo "functions without profile: $$n"; \
	  test "$$n" -lt 50
	t0=$$(date +%s); $(e2e-ip-make) PGO_USE_TARGETS=bzImage pgo-use-redis | tee $(T)/noop; \
	  echo "no-op pgo-use: $$(( $$(date +%s) - t0 )) s"
	grep -q '^0 objects compiled in this build' $(e2e-ip-use)
	echo '/* kpgo test: an edit */' >> $(e2e-ip)/kernel/fork.c
	t0=$$(date +%s); $(e2e-ip-make) bzImage | tee $(T)/edit; echo "one-file edit, plain make: $$(( $$(date +%s) - t0 )) s"
	grep -Eq 'PGO-USE redis: [0-9]+ objects compiled in this build, 1 with profile data' $(T)/edit
	grep -q '^kernel/fork$$' $(e2e-ip)/.kpgo/work/redis/use.objects
	$(e2e-ip-make) pgo-status | tee $(T)/status; grep -q 'builds with the gcc profile of redis' $(T)/status
	test $(call e2e-num,$(T)/status,since then:) -ge 1
	$(e2e-ip-make) pgo-off && test ! -e $(e2e-ip)/.kpgo-profile.mk
	$(MAKE) --no-print-directory -C $(KPGO_DIR) KSRC=$(e2e-ip) pgo-detach

# --- clang (LLVM=-19): the same loop in a second object tree of the same
# source, with the quickstart's .config
e2e-llvm-o    := $(E2E_WORK)/build-llvm
e2e-llvm-out  := $(e2e-llvm-o)/.kpgo
e2e-llvm-make  = $(MAKE) $(kpgo-jobs) --no-print-directory -C $(KPGO_DIR) KSRC=$(e2e-ksrc) \
	O=$(e2e-llvm-o) LLVM=-19 PGO_SCALE=$(E2E_SCALE)
e2e-llvm-prof := $(e2e-llvm-out)/profiles-llvm/redis
# $(call e2e-nz,FILE): the "(N with non-zero counters)" of a profile.info
e2e-nz = $$(sed -n '1s/.*functions .\([0-9]*\) with non-zero.*/\1/p' $(1))

# instrument with clang IR PGO (counters out of the init region), collect
# redis (counters read through /proc/kcore), build the tree with the
# profile; count what the compiler took
test-e2e-clang-loop:
	rm -rf $(e2e-llvm-o) && mkdir -p $(e2e-llvm-o) && cp $(e2e-o)/.config $(e2e-llvm-o)/.config
	$(e2e-llvm-make) pgo-use-redis | tee $(T)/out
	grep -Eq 'PGO-INS [0-9]+ functions, [0-9]+ counters \(clang IR PGO, counters at 0x[0-9a-f]+, outside the init region\)' $(T)/out
	cat $(e2e-llvm-prof)/profile.info
	f=$(call e2e-num,$(e2e-llvm-prof)/profile.info,llvm:); n=$(call e2e-nz,$(e2e-llvm-prof)/profile.info); \
	  echo "functions: $$f, run: $$n"; test $$f -gt 10000 && test $$n -gt 300
	grep -q '^# kpgo-object: net/ipv4/tcp.o$$' $(e2e-llvm-prof)/profile.proftext
	grep -Eq '^[0-9]+ requests/s' $(e2e-llvm-prof)/result.txt
	llvm-profdata-19 show $(e2e-llvm-out)/use.profdata | tee $(T)/show
	test $(call e2e-num,$(T)/show,Total functions:) -gt 10000
	cat $(e2e-llvm-out)/work/redis/use.evidence
	e=$(e2e-llvm-out)/work/redis/use.evidence; p=$(call e2e-num,$$e,this build$(comma)); \
	  f=$(call e2e-num,$$e,functions:); m=$(call e2e-num,$$e,in their profiles$(comma)); \
	  echo "objects with profile $$p, functions offered $$f, mismatched $$m"; \
	  test $$p -gt 500 && test $$f -gt 10000 && test $$((m * 20)) -lt $$f
	# the slices are what Kbuild sees: one per object with profile
	test $$(wc -l < $(e2e-llvm-out)/profile-installed-llvm.list) -gt 500
	grep -q '^kernel/fork.o: kernel/fork.proftext$$' $(e2e-llvm-out)/profile-deps-llvm.mk
	{ $(call kpgo-text-figures,$(e2e-llvm-o)/vmlinux.o) ; } | tee $(T)/opt
	test $(call e2e-num,$(T)/opt,.text.unlikely) -gt 100000

# again: nothing compiled; a second collection: only the objects whose
# share moved by 5 % or more are recompiled
test-e2e-clang-incremental:
	$(e2e-llvm-make) pgo-use-redis | tee $(T)/out
	grep -q '^0 objects compiled in this build' $(e2e-llvm-out)/work/redis/use.evidence
	! grep -q 'PGO-INS' $(T)/out
	# a second collection, really run (its inputs did not change)
	rm -f $(e2e-llvm-prof)/profile.info
	$(e2e-llvm-make) pgo-collect-redis | tee $(T)/out1
	grep -q 'PGO-RUN redis: client' $(T)/out1
	$(e2e-llvm-make) pgo-use-redis | tee $(T)/out2
	cat $(e2e-llvm-out)/work/redis/merge.txt $(e2e-llvm-out)/work/redis/use.evidence
	w=$$(sed -n 's/.*objects: \([0-9]*\) slices written.*/\1/p' $(e2e-llvm-out)/work/redis/merge.txt); \
	  t=$$(sed -n 's/.*; \([0-9]*\) objects: .*/\1/p' $(e2e-llvm-out)/work/redis/merge.txt); \
	  c=$$(sed -n '1s/^\([0-9]*\) objects compiled.*/\1/p' $(e2e-llvm-out)/work/redis/use.evidence); \
	  echo "second profile: $$w of $$t slices rewritten, $$c objects compiled"; \
	  test $$w -gt 0 && test $$c -ge $$w && test $$((c * 4)) -lt $$t && test $$c -le $$((w + 10))
	# a set (redis twice, normalized: the same shape) changes no share
	$(e2e-llvm-make) PGO_SET_twice=redis:2 pgo-use-twice
	grep -q '1 profile merged (normalized): .* 0 slices written' $(e2e-llvm-out)/work/twice/merge.txt
	grep -q '^0 objects compiled in this build' $(e2e-llvm-out)/work/twice/use.evidence
	# a shipped profile directory (a packager: no instrumented kernel used)
	mkdir -p $(T)/shipped && cp -r $(e2e-llvm-prof) $(T)/shipped/
	$(e2e-llvm-make) PGO_PROFILES=$(T)/shipped pgo-use-redis | tee $(T)/out3
	! grep -q 'PGO-INS\|PGO-RUN' $(T)/out3
	grep -q '^0 objects compiled in this build' $(e2e-llvm-out)/work/redis/use.evidence

# baseline and optimized clang kernels, one pgo-compare run: both boot and
# serve redis-benchmark; the code differs
test-e2e-clang-compare:
	$(e2e-llvm-make) PGO_COMPARE_RUNS=2 PGO_COMPARE_MEASURE=1 PGO_COMPARE_SCALE=0.02 pgo-compare-redis | tee $(T)/out
	tail -n 1 $(T)/out | grep -Ex 'redis: optimized/baseline = [0-9]+\.[0-9]{3} \(N=2 each, 95% CI [0-9.]+–[0-9.]+\)'
	cat $(e2e-llvm-out)/compare-llvm/redis-redis-vs-baseline/summary.txt
	grep -Eq '^[0-9]+ requests/s' $(e2e-llvm-out)/compare-llvm/redis-redis-vs-baseline/run-1-a.txt
	grep -Eq '^[0-9]+ requests/s' $(e2e-llvm-out)/compare-llvm/redis-redis-vs-baseline/run-1-b.txt
	grep -q 'CONFIG_CC_IS_CLANG=y' $(e2e-llvm-out)/baseline-llvm/.config
	! cmp -s $(e2e-llvm-o)/kernel/fork.o $(e2e-llvm-out)/baseline-llvm/kernel/fork.o
	{ $(call kpgo-text-figures,$(e2e-llvm-out)/baseline-llvm/vmlinux.o) ; } | tee $(T)/base
	{ $(call kpgo-text-figures,$(e2e-llvm-o)/vmlinux.o) ; } | tee $(T)/opt
	test $(call e2e-num,$(T)/base,.text.unlikely) -lt $(call e2e-num,$(T)/opt,.text.unlikely)

# --- a tree with modules, from scratch: tinyconfig, the quickstart and the
# guest's config with virtio-net and 9p as modules, built the way many
# developers do, O=build inside the source tree (a tree of links to
# KSRC_TEST: Kbuild names the sources ../kernel/fork.c there, kpgo's own
# kernels by absolute path, unless kpgo builds it so too, kpgo-abs-src:
# no function may then lack its profile).  Its instrumented kernel
# keeps them modules and installs them; redis is collected with the
# modules' image as a second initramfs (the agent loads them before the
# network); the profile has every module object (modules.order, *.mod),
# each checked against its .gcno, virtio_net's with counts (9p's are 0:
# the load does not use the share); a second run collects nothing.  Then
# pgo-use-redis builds the modules with it: virtio_net.o with the profile
# beside it and -fprofile-use on its command line, modules_install
# installs that very module.  In make check (CI keeps a modular config).
e2e-mod-src  := $(E2E_WORK)/modules-src
e2e-mod-o    := $(e2e-mod-src)/build
e2e-mod-make  = $(MAKE) $(kpgo-jobs) --no-print-directory -C $(KPGO_DIR) KSRC=$(e2e-mod-src) \
	O=$(e2e-mod-o) PGO_SCALE=0.05
e2e-mod-gcda := $(e2e-mod-o)/.kpgo/profiles/redis/gcda
KPGO_TESTS_E2E += e2e-modules
test-e2e-modules: $(KSRC_TEST)/Kbuild $(KPGO_BIN)/kpgo-gcda
	rm -rf $(e2e-mod-src) $(E2E_WORK)/build-modules && $(call own-ksrc,$(e2e-mod-src)) && \
	  mkdir -p $(e2e-mod-o)
	$(MAKE) -s -C $(e2e-mod-src) O=$(e2e-mod-o) tinyconfig >/dev/null
	{ cat $(KPGO_DIR)/kconfig/quickstart.config; grep -v '^#' $(KPGO_DIR)/kconfig/pgo-guest.config; \
	  printf '%s\n' CONFIG_MODULES=y CONFIG_MODULE_UNLOAD=y CONFIG_VIRTIO_NET=m \
	  CONFIG_NET_9P_VIRTIO=m CONFIG_9P_FS=m; } >> $(e2e-mod-o)/.config
	$(MAKE) -s -C $(e2e-mod-src) O=$(e2e-mod-o) olddefconfig >/dev/null 2>&1
	for s in VIRTIO_NET NET_9P_VIRTIO 9P_FS; do grep -qx CONFIG_$$s=m $(e2e-mod-o)/.config || exit 1; done
	t0=$$(date +%s); $(e2e-mod-make) pgo-collect-redis | tee $(T)/col; \
	  echo "pgo-collect-redis with modules, from scratch: $$(( $$(date +%s) - t0 )) s"
	grep -Eq 'PGO-INS .* [1-9][0-9]* modules in ' $(T)/col
	grep -Eq "PGO-IMG instrumented kernel's modules: .* [1-9][0-9]* modules to load" $(T)/col
	grep -E 'loaded [1-9][0-9]* modules' $(e2e-mod-o)/.kpgo/work/redis/console.log
	grep -q -- '--initrd $(e2e-mod-o)/.kpgo/instrumented/modules.cpio.gz' \
	  $(e2e-mod-o)/.kpgo/work/redis/collect.cmd
	rm -rf $(T)/mod && for m in $$(cat $(e2e-mod-o)/.kpgo/instrumented/modules.order); do \
	  for o in $$(cat $(e2e-mod-o)/.kpgo/instrumented/$${m%.o}.mod); do mkdir -p $(T)/mod/$$(dirname $$o) && \
	  cp $(e2e-mod-gcda)/$${o%.o}.gcda $(T)/mod/$${o%.o}.gcda || exit 1; done; done
	$(KPGO_BIN)/kpgo-gcda stat --top 30 --notes $(e2e-mod-o)/.kpgo/instrumented $(T)/mod | tee $(T)/stat
	grep -Eq '^ +[1-9][0-9]* [0-9.]+% drivers/net/virtio_net.gcda$$' $(T)/stat
	test -f $(T)/mod/fs/9p/vfs_file.gcda && test -f $(T)/mod/net/9p/trans_virtio.gcda
	$(e2e-mod-make) pgo-collect-redis | tee $(T)/again; ! grep -q 'PGO-COL\|PGO-IMG' $(T)/again
	t0=$$(date +%s); $(e2e-mod-make) pgo-use-redis | tee $(T)/use; \
	  echo "pgo-use-redis with modules: $$(( $$(date +%s) - t0 )) s"
	grep -qx drivers/net/virtio_net $(e2e-mod-o)/.kpgo/work/redis/use.objects
	grep -qx $(e2e-mod-o)/drivers/net/virtio_net.gcda $(e2e-mod-o)/.kpgo/work/redis/use.profiled
	! grep 'virtio_net.*profile count data file not found' $(e2e-mod-o)/.kpgo/work/redis/use.log
	grep -q -- '-fprofile-use' $(e2e-mod-o)/drivers/net/.virtio_net.o.cmd
	grep -Eq 'PGO-USE redis: .*functions: [0-9]+ mismatched \(profile ignored\), 0 without profile' $(T)/use
	rm -rf $(T)/root && $(MAKE) -s -C $(e2e-mod-src) O=$(e2e-mod-o) INSTALL_MOD_PATH=$(T)/root \
	  modules_install >/dev/null
	cmp $(e2e-mod-o)/drivers/net/virtio_net.ko $$(find $(T)/root -name virtio_net.ko)
	echo "modules installed: $$(find $(T)/root -name '*.ko' | wc -l)"

# the measure runs on redis's own traffic path, the host's client over
# virtio-net (long: about 4 minutes): the table says the
# path; the runs differ (the host's packets arrive when it sends them), by
# less than 5 %; on the path its profile was trained on, the optimized
# kernel runs less of its cold code than on the other (e2e-compare's)
e2e-cmp-host-dir := $(e2e-out)/compare/redis-redis-vs-baseline
test-e2e-compare-host:
	test -f $(e2e-cmp-dir)/summary.txt || $(e2e-make) PGO_CLIENT_IN=guest PGO_COMPARE_RUNS=0 \
	  PGO_COMPARE_MEASURE=2 PGO_COMPARE_SCALE=0.02 pgo-compare-redis > /dev/null
	rm -rf $(e2e-cmp-host-dir)
	$(e2e-make) PGO_COMPARE_RUNS=0 PGO_COMPARE_MEASURE=2 PGO_COMPARE_SCALE=0.02 pgo-compare-redis | tee $(T)/out
	grep -q '^the client on the host, over virtio-net' $(e2e-cmp-host-dir)/summary.txt
	grep -E '^  kernel instructions .*\(runs (identical|within ±[0-4]\.[0-9]+%)\)$$' $(e2e-cmp-host-dir)/summary.txt
	grep -q '^client_in=host$$' $(e2e-cmp-host-dir)/measure-1-b.txt
	h=$$(sed -n 's/^    share of kernel instructions .* \([0-9.]*\) %   (cold.*/\1/p' $(e2e-cmp-host-dir)/summary.txt); \
	  g=$$(sed -n 's/^    share of kernel instructions .* \([0-9.]*\) %   (cold.*/\1/p' $(e2e-cmp-dir)/summary.txt); \
	  echo "cold share of the optimized kernel: host path $$h %, guest path $$g %"; \
	  test -n "$$h" && test -n "$$g" && awk -v h=$$h -v g=$$g 'BEGIN { exit !(h < g) }'

# make -j2: two collections at once (kpgo-vm --slots; a 2-CPU host runs
# two guests): the second guest boots before the first's client ends, and
# both profiles are whole
test-e2e-collect-parallel:
	test $$(nproc) -ge 2 || $(call skip,one CPU: one guest at a time)
	$(e2e-make) -j2 PGO_SCALE=0.1 pgo-recollect-redis pgo-recollect-nginx | tee $(T)/out
	grep -n 'PGO-RUN \(redis\|nginx\): \(booted\|client\)' $(T)/out
	f=$$(grep -m1 -o 'PGO-RUN [a-z]*: booted' $(T)/out | cut -d' ' -f2 | tr -d :); o=$$(echo redis nginx | tr ' ' '\n' | grep -vx $$f); \
	  b=$$(grep -n "PGO-RUN $$o: booted" $(T)/out | cut -d: -f1); e=$$(grep -n "PGO-RUN $$f: client .* total" $(T)/out | cut -d: -f1); \
	  echo "first $$f, its client ended on line $$e; $$o booted on line $$b"; test -n "$$b" && test -n "$$e" && test $$b -lt $$e
	for w in redis nginx; do head -n 1 $(e2e-out)/profiles/$$w/profile.info; \
	  grep -Eq '^gcda: [0-9]+ objects \([1-9][0-9]* with non-zero counters\)' $(e2e-out)/profiles/$$w/profile.info && \
	  test -s $(e2e-out)/profiles/$$w/result.txt || exit 1; done
