# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e.mk - the whole gcc loop on Debian's linux-source-6.12: a real
# instrumented kernel, redis collected under QEMU, the optimized kernel
# built, booted and benchmarked against the baseline, and the failures a
# user meets (panic, hang, busy port, failing client).  The tests share one
# tree, $(E2E_WORK), made by the first and used by the others in order.

E2E_WORK  ?= $(KPGO_BUILD)/e2e
E2E_SCALE ?= 1
e2e-ksrc  := $(E2E_WORK)/linux-source-6.12
e2e-o     := $(E2E_WORK)/build
e2e-out   := $(e2e-o)/.kpgo
e2e-make   = $(MAKE) $(kpgo-jobs) --no-print-directory -C $(KPGO_DIR) KSRC=$(e2e-ksrc) O=$(e2e-o) PGO_SCALE=$(E2E_SCALE)
# a number from a line of a file: $(call e2e-num,FILE,REGEX-BEFORE-THE-NUMBER)
e2e-num    = $$(sed -n 's/.*$(2) *\([0-9][0-9]*\).*/\1/p' $(1) | head -n 1)

KPGO_TESTS_E2E += e2e-quickstart e2e-use-noop e2e-attach e2e-baseline-differs \
	e2e-bench e2e-compare e2e-kvm-fallback e2e-port-in-use e2e-guest-panic e2e-guest-hang \
	e2e-client-fails-profile-kept

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
# the runs
e2e-cmp-dir := $(e2e-out)/compare/redis-redis-vs-baseline
test-e2e-compare:
	rm -rf $(e2e-cmp-dir)
	$(e2e-make) PGO_COMPARE_RUNS=2 PGO_COMPARE_MEASURE=2 PGO_COMPARE_SCALE=0.02 pgo-compare-redis | tee $(T)/out
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
	# -icount repeats a run's instructions closely, not exactly (the random
	# pool, seeded differently each boot, and host-timed QEMU events):
	# within 5 % of the median (1.1 % seen at this small scale)
	grep -E '^  kernel instructions .*\(runs (identical|within ±[0-4]\.[0-9]+%)\)$$' $(e2e-cmp-dir)/summary.txt
	grep -q '<svg' $(e2e-cmp-dir)/chart.svg
	test $$(grep -c ',client,' $(e2e-cmp-dir)/compare.csv) -eq 4
	$(e2e-make) PGO_COMPARE_RUNS=2 PGO_COMPARE_MEASURE=2 PGO_COMPARE_SCALE=0.02 pgo-compare-redis > $(T)/again
	! grep -Eq 'PGO-CMP redis: (measure )?run' $(T)/again
	tail -n 1 $(T)/out > $(T)/line1; tail -n 1 $(T)/again > $(T)/line2; cmp $(T)/line1 $(T)/line2

# with no memory of a failed KVM, auto tries KVM and says what it used
test-e2e-kvm-fallback:
	rm -f $(e2e-out)/kvm-unusable
	$(e2e-make) PGO_KERNEL=optimized PGO_SCALE=0.04 pgo-bench-redis | tee $(T)/out
	grep -Eq 'under (kvm|tcg)' $(T)/out
	if grep -q 'under tcg' $(T)/out; then grep -Eq 'KVM did not boot|KVM not used' $(T)/out; fi

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
