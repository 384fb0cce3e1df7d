# SPDX-License-Identifier: GPL-2.0
#
# tests/flame.mk - kpgo-flame and kpgo-report on small inputs made here
# (fast): a program whose functions stand for the kernel's, stacks as the
# plugin writes them, an lcov tracefile.  The flamegraph is rendered by
# headless Chromium and read back from the page; the perf.data by perf.

KPGO_TESTS_FAST += flame-fold flame-bad-input report-top-diff report-make-errors

FLM = $(KPGO_SAN)/kpgo-flame
REP = $(KPGO_SAN)/kpgo-report

test-flame-fold: $(FLM)
	$(flame-program)
	{ echo '# kpgo-frontend stacks: period=1000 kernel instructions, samples=5'; \
	  echo "3 $(call flame-addr,leaf_fn,1) $(call flame-addr,middle,5) $(call flame-addr,outer,5)"; \
	  echo "2 $(call flame-addr,middle,2) $(call flame-addr,outer,6)"; } > $(T)/stacks.txt
	$(FLM) --vmlinux $(T)/prog --stacks $(T)/stacks.txt --folded $(T)/f.folded --html $(T)/f.html \
	  --perf $(T)/perf.data --kallsyms $(T)/kallsyms --title 'test <flame>' | tee $(T)/top
	printf 'outer;middle 2\nouter;middle;leaf_fn 3\n' | cmp - $(T)/f.folded
	grep -q '^5 samples (every 1000 kernel instructions), 2 distinct stacks' $(T)/top
	grep -Eq '^ +60\.00% outer;middle;leaf_fn$$' $(T)/top
	# the page draws itself: each frame a <title> with its samples and share
	$(call flame-dom,$(T)/f.html,$(T)/dom)
	grep -q '<title>leaf_fn: 3 samples (60.00%)</title>' $(T)/dom
	grep -q '<title>middle: 5 samples (100.00%)</title>' $(T)/dom
	grep -q 'test &lt;flame&gt;' $(T)/dom
	! grep -Eq '(src|href)="(https?:)?//' $(T)/f.html
	# perf reads the samples, with their call chains and periods
	perf script -i $(T)/perf.data --kallsyms $(T)/kallsyms > $(T)/script 2>$(T)/script.err || { cat $(T)/script.err; exit 1; }
	cat $(T)/script
	test $$(grep -c 'instructions' $(T)/script) -eq 2
	grep -q ' leaf_fn+0x1 ' $(T)/script && grep -q ' outer+0x5 ' $(T)/script
	perf report -i $(T)/perf.data --kallsyms $(T)/kallsyms --stdio --sort sym 2>/dev/null | grep -E '60\.00%.*leaf_fn'
	# the differential graph: B against A, each frame's share before
	printf 'outer;middle 4\nouter;middle;leaf_fn 1\n' > $(T)/a.folded
	$(FLM) --base $(T)/a.folded --folded $(T)/f.folded --html $(T)/d.html
	$(call flame-dom,$(T)/d.html,$(T)/ddom)
	grep -q '<title>leaf_fn: 3 samples (60.00%), before 20.00%</title>' $(T)/ddom

test-flame-bad-input: $(FLM)
	$(flame-program)
	printf '3 zz\n' > $(T)/bad.txt
	$(call expect-fail,$(FLM) --vmlinux $(T)/prog --stacks $(T)/bad.txt --folded $(T)/x,bad.txt:1: .zz. is not a hex address)
	test ! -e $(T)/x
	printf '# nothing\n' > $(T)/empty.txt
	$(call expect-fail,$(FLM) --vmlinux $(T)/prog --stacks $(T)/empty.txt,empty.txt: no samples)
	$(call expect-fail,$(FLM) --vmlinux $(T)/p.c --stacks $(T)/empty.txt,not a 64-bit ELF file)
	printf 'a;b\n' > $(T)/bad.folded
	$(call expect-fail,$(FLM) --base $(T)/bad.folded --folded $(T)/bad.folded --html $(T)/x.html,bad.folded:1: expected .frame;frame;... COUNT.)

# two workloads' tracefiles: top lists, the hot sets and their overlap
define report-info
	printf '%s\n' 'TN:t' 'SF:/src/net/a.c' 'FN:1,send' 'FN:5,recv' 'FN:9,idle' \
	  'FNDA:$(2),send' 'FNDA:$(3),recv' 'FNDA:0,idle' 'end_of_record' \
	  'SF:/src/drivers/b.c' 'FN:1,probe' 'FNDA:$(4),probe' 'end_of_record' > $(T)/$(1).info
endef
test-report-top-diff: $(REP)
	$(call report-info,a,600,300,100)
	$(call report-info,b,150,50,800)
	$(REP) top $(T)/a.info --srctree /src | tee $(T)/top
	grep -q '^2 files, 2 run; 4 functions, 3 run; 1000 function entries$$' $(T)/top
	grep -Eq '^ +600 +60\.00%  send \(net/a\.c\)$$' $(T)/top
	grep -Eq '^ +900 +90\.00%  net/a\.c$$' $(T)/top
	$(REP) diff $(T)/a.info $(T)/b.info --hot 90 --srctree /src | tee $(T)/diff
	# hot (90 %): a = send, recv; b = probe, send: they share send
	grep -q '^hot functions (90% of the entries): 2 in .*, 2 in .*, 1 in both$$' $(T)/diff
	# overlap: min(.6,.15) + min(.3,.05) + min(.1,.8) = 0.3
	grep -q '^overlap of the two distributions: 0.300 ' $(T)/diff
	grep -Eq '^ +60\.00% +15\.00%  send \(net/a\.c\)$$' $(T)/diff
	printf 'FNDA:1,x\n' > $(T)/bad.info
	$(call expect-fail,$(REP) top $(T)/bad.info,bad.info:1: expected .FNDA:<count>,<function>. after an SF: line)

rep-make = $(kmake) KSRC=$(KSRC_TEST) O=$(T)/o
test-report-make-errors: $(KSRC_TEST)/Kbuild
	mkdir -p $(T)/o && cp $(KPGO_DIR)/kconfig/quickstart.config $(T)/o/.config
	$(call expect-fail,$(rep-make) pgo-report-diff A=redis B=nosuch,B=nosuch is not a workload)
	$(call expect-fail,$(rep-make) pgo-report-redis,no profile of redis .*make pgo-collect-redis first)
	$(call expect-fail,$(rep-make) pgo-report-diff A=redis B=redis,A and B are both redis)
	$(call expect-fail,$(rep-make) pgo-report-diff A=redis B=nginx,no profile of redis)
	$(call expect-fail,$(rep-make) LLVM=1 pgo-report-redis,reads gcc.s gcov profile; for a clang profile: llvm-profdata show)
	$(call expect-fail,$(rep-make) PGO_FLAME_PERIOD=0 pgo-flamegraph-redis,PGO_FLAME_PERIOD=0 is not a count)
