# SPDX-License-Identifier: GPL-2.0
#
# tests/compare.mk - pgo-compare's statistics (kpgo-compare on run files
# written here) and its make-level answers to bad input (fast).

KPGO_TESTS_FAST += compare-stats compare-geomean compare-bad-runs compare-make-errors \
		   compare-cold cold-ranges

CMP = $(KPGO_SAN)/kpgo-compare

# $(call cmp-run,FILE,LINE): a figure run's file as pgo-compare writes it
cmp-run = printf '%s\naccel=tcg\nboot_s=2.0\nclient_s=30.0\n' "$(2)" > $(T)/$(1)
# $(call cmp-measure,FILE,KERNEL-INSNS,L1I-MISSES)
cmp-measure = printf 'ops=1000\nop=request\nclient_in=guest\nwindows=1\ninsns=9000000\nkernel_insns=$(2)\nkernel_taken=400000\nkernel_lines=800000\nkernel_icache_misses=$(3)\nicache_misses=90000\nkernel_itlb_misses=700\n' > $(T)/$(1)

# five interleaved runs each: every B above every A, so the whole
# bootstrap interval lies above 1; the measure runs repeat exactly
test-compare-stats: $(CMP)
	i=1; for a in 100 102 98 101 99; do $(call cmp-run,run-$$i-a.txt,$$a requests/s (mean of 20 tests)); i=$$((i+1)); done
	i=1; for b in 105 107 103 106 104; do $(call cmp-run,run-$$i-b.txt,$$b requests/s (mean of 20 tests)); i=$$((i+1)); done
	$(call cmp-measure,measure-1-a.txt,5000000,50000); $(call cmp-measure,measure-2-a.txt,5000000,50000)
	$(call cmp-measure,measure-1-b.txt,4000000,25000); $(call cmp-measure,measure-2-b.txt,4000000,25000)
	printf 'text=1000\ndata=200\nbss=50\nimage=900\n' > $(T)/size-a.txt
	printf 'text=800\ndata=200\nbss=50\nimage=850\n' > $(T)/size-b.txt
	$(CMP) --dir $(T) --workload redis --a baseline --b redis --runs 5 --measure 2 > $(T)/table
	cat $(T)/table
	tail -n 1 $(T)/table | grep -Ex 'redis: optimized/baseline = 1\.050 \(N=5 each, 95% CI 1\.[0-9]{3}–1\.[0-9]{3}\)'
	# the interval of this data and seed (the 250th and 9,750th of 10,000
	# resampled ratios of medians)
	grep -Ex '  ratio B/A of medians 1\.0500, 95% CI 1\.0198-1\.0808 .*' $(T)/table
	grep -E '^  median +100\.0 +105\.0$$' $(T)/table
	grep -E '^  kernel instructions +5000\.00 +4000\.00 +1\.2500 \(runs identical\)$$' $(T)/table
	grep -E '^  kernel L1I misses +50\.00 +25\.00 +2\.0000' $(T)/table
	grep -E '^  kernel L1I misses per 1000 kernel insns +10\.00 +6\.25 +1\.6000' $(T)/table
	grep -E '^  text +1000 +800 +0\.8000$$' $(T)/table
	test $$(wc -l < $(T)/compare.csv) -eq $$((1 + 10 + 2 * 2 * 7 + 2 * 4))
	grep -q '^redis,baseline,redis,client,3,B,redis,"requests/s",103$$' $(T)/compare.csv
	test $$(grep -vc '^#' $(T)/chart-runs.dat) -eq 5
	test $$(grep -vc '^#' $(T)/chart-ratios.dat) -eq 8
	# the same runs give the same interval (fixed seed)
	$(CMP) --dir $(T) --workload redis --a baseline --b redis --runs 5 --measure 2 | tail -n 1 > $(T)/again
	tail -n 1 $(T)/table | cmp - $(T)/again
	# a measure run that differs: how far from the median
	$(call cmp-measure,measure-2-b.txt,4040000,25000)
	$(CMP) --dir $(T) --workload redis --a baseline --b redis --runs 5 --measure 2 | grep -E '^  kernel instructions +5000\.00 +4020\.00 +1\.2438 \(runs within ±0\.50%\)$$'

# several figures in one result line: their geometric mean; not against
# the baseline: "B/A" in the verdict
test-compare-geomean: $(CMP)
	$(call cmp-run,run-1-a.txt,100 sets/s$(comma) 400 gets/s (memcslap$(comma) 5 threads))
	$(call cmp-run,run-1-b.txt,121 sets/s$(comma) 484 gets/s (memcslap$(comma) 5 threads))
	$(CMP) --dir $(T) --workload memcached --a all --b memcached --runs 1 --measure 0 > $(T)/table
	cat $(T)/table
	grep -E '^  1 +200\.0 +242\.0$$' $(T)/table
	grep -q 'geomean of 2 figures, sets/s' $(T)/table
	tail -n 1 $(T)/table | grep -Ex 'memcached: memcached/all = 1\.210 \(N=1 each, 95% CI 1\.210–1\.210\)'

# a missing run, a run without a figure, a measure run without ops: what
# and where
test-compare-bad-runs: $(CMP)
	$(call cmp-run,run-1-a.txt,100 requests/s); $(call cmp-run,run-1-b.txt,110 requests/s)
	$(call expect-fail,$(CMP) --dir $(T) --workload redis --a baseline --b redis --runs 2,run-2-a\.txt: .*did the run finish)
	$(call cmp-run,run-2-a.txt,the client said nothing useful); $(call cmp-run,run-2-b.txt,99 requests/s)
	$(call expect-fail,$(CMP) --dir $(T) --workload redis --a baseline --b redis --runs 2,run-2-a\.txt: no .<number> <unit>/s. figure in its first line .the client said nothing useful.)
	printf 'op=request\nkernel_insns=5\n' > $(T)/measure-1-a.txt
	$(call expect-fail,$(CMP) --dir $(T) --workload redis --a baseline --b redis --runs 1 --measure 1,measure-1-a\.txt: no ops= line)
	printf 'ops=10\nop=request\nwindows=1\nkernel_insns=5\n' > $(T)/measure-1-a.txt
	$(call expect-fail,$(CMP) --dir $(T) --workload redis --a baseline --b redis --runs 1 --measure 1,measure-1-a\.txt: no client_in=host or client_in=guest line)
	printf 'ops=10\nop=request\nclient_in=host\nwindows=2\nkernel_insns=5\n' > $(T)/measure-1-a.txt
	$(call expect-fail,$(CMP) --dir $(T) --workload redis --a baseline --b redis --runs 1 --measure 1,measure-1-a\.txt: the plugin saw 2 load windows)
	$(call expect-fail,$(CMP) --dir $(T) --workload redis --a baseline --b redis --runs 0 --measure 0,Usage: kpgo-compare)

# pgo-compare's settings and goals are checked before anything runs
test-compare-make-errors: $(KSRC_TEST)/Kbuild
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) pgo-compare-nosuch,unknown workload .nosuch.)
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) PGO_COMPARE_RUNS=many pgo-compare-redis,PGO_COMPARE_RUNS=many is not a count of runs)
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) PGO_COMPARE_SCALE=big pgo-compare-redis,PGO_COMPARE_SCALE=big is not a number)
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) PGO_COMPARE_RUNS=0 PGO_COMPARE_MEASURE=0 pgo-compare-redis,both 0: nothing to compare)
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) REDIS_OPS= pgo-compare-redis,REDIS_OPS is not set)
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) PGO_SET_web=nosuch pgo-compare-web,PGO_SET_web: .nosuch. is not a workload)
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) pgo-compare-redis,kernel redis needs the profile of redis$(comma) which does not exist: make pgo-collect-redis first)
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) PGO_COMPARE_B=baseline PGO_COMPARE_A=nosuch pgo-compare-redis,kernel .nosuch. is neither baseline nor a workload or set)
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) PGO_COMPARE_B=baseline pgo-compare-redis,kernels A and B are both baseline)
	# another method's kept kernel: named by its method, used only once kept
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) PGO_COMPARE_B=baseline PGO_COMPARE_A=redis@foo pgo-compare-redis,kernel .redis@foo.: the method after @ is gcc$(comma) ir$(comma) autofdo or bolt)
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) PGO_COMPARE_B=baseline PGO_COMPARE_A=redis@gcc pgo-compare-redis,kernel redis@gcc is this method.s own: name it redis)
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) PGO_COMPARE_B=baseline PGO_COMPARE_A=redis@ir pgo-compare-redis,kernel redis@ir was not kept: make it with make LLVM=-19 PGO_METHOD=ir pgo-compare-redis \(it keeps it in $(T)/.kpgo/kernels-llvm/redis\))
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) PGO_COMPARE_B=redis@bolt PGO_COMPARE_A=profiling@bolt pgo-compare-redis,kernel redis@bolt was not kept: make it with make LLVM=-19 PGO_METHOD=autofdo pgo-bolt-redis \(it keeps it in $(T)/.kpgo/kernels-bolt/redis\))
	$(call expect-fail,$(kmake) KSRC=$(KSRC_TEST) O=$(T) pgo-bolt-redis,pgo-bolt-redis rewrites the profiling kernel of AutoFDO with its branch records: make LLVM=-19 PGO_METHOD=autofdo pgo-bolt-redis)

# the representativeness figure: kernel B's kernel instructions in cold
# code, per operation and as a share; kernel A measured without cold
# ranges shows "-"; more cold instructions than kernel ones is refused
test-compare-cold: $(CMP)
	$(call cmp-run,run-1-a.txt,100 requests/s); $(call cmp-run,run-1-b.txt,110 requests/s)
	$(call cmp-measure,measure-1-a.txt,5000000,50000)
	$(call cmp-measure,measure-1-b.txt,4000000,25000); echo kernel_cold_insns=600000 >> $(T)/measure-1-b.txt
	$(CMP) --dir $(T) --workload redis --a baseline --b redis --runs 1 --measure 1 > $(T)/table
	cat $(T)/table
	grep -E '^  kernel instructions in cold code +- +600\.00$$' $(T)/table
	grep -E '^    share of kernel instructions +- +15\.00 %   \(cold: \.text\.unlikely, \*\.cold\)$$' $(T)/table
	grep -qx 'redis,baseline,redis,plugin,1,B,redis,"percent of kernel instructions in cold code",15' $(T)/compare.csv
	echo kernel_cold_insns=6000000 >> $(T)/measure-1-a.txt
	$(call expect-fail,$(CMP) --dir $(T) --workload redis --a baseline --b redis --runs 1 --measure 1,measure-1-a\.txt: kernel_cold_insns=6e\+06 is more than kernel_insns=5e\+06)

# kpgo-cold on a kernel-like link: the .text.unlikely of a relocatable
# (gcc's cold functions, one global and one static; a static of another
# file has the global's name, so the unique static places the section)
# placed inside .text by a linker script as the kernel's TEXT_TEXT places
# it; the range must be the one ld's map gives; a vmlinux of another
# build is refused
test-cold-ranges: $(KPGO_SAN)/kpgo-cold
	printf '%s\n' '__attribute__((cold, noinline)) int rare_global(int x) { return x * 3 + 1; }' \
	  '__attribute__((cold, noinline)) static int rare_local(int x) { return x * 5 + 2; }' \
	  'int often(int x) { if (__builtin_expect(x == 42, 0)) return rare_global(x) + rare_local(x); return x + 1; }' \
	  'int main_loop(int n) { int s = 0; for (int i = 0; i < n; i++) s += often(i); return s; }' > $(T)/k.c
	printf '%s\n' 'ENTRY(main_loop)' 'SECTIONS {' '  . = 0xffffffff81000000;' \
	  '  .text : { *(.text.hot .text.hot.*) *(.text) *(.text.unlikely .text.unlikely.*) }' \
	  '  /DISCARD/ : { *(.note.*) *(.comment) *(.eh_frame) }' '}' > $(T)/k.lds
	printf '%s\n' '__attribute__((cold, noinline)) static int rare_global(int x) { return x * 7 + 3; }' \
	  'int other(int x) { if (__builtin_expect(x == 7, 0)) return rare_global(x); return x; }' > $(T)/k2.c
	gcc -O2 -fno-pic -mcmodel=kernel -c -o $(T)/k.o $(T)/k.c
	gcc -O2 -fno-pic -mcmodel=kernel -c -o $(T)/k2.o $(T)/k2.c
	ld -r -o $(T)/vmlinux.o $(T)/k.o $(T)/k2.o
	ld -T $(T)/k.lds -Map=$(T)/map -o $(T)/vmlinux $(T)/vmlinux.o
	$(KPGO_SAN)/kpgo-cold --vmlinux-o $(T)/vmlinux.o --vmlinux $(T)/vmlinux -o $(T)/ranges | tee $(T)/say
	grep -Ex '1 cold sections, [1-9][0-9]* bytes \([0-9.]+ % of \.text\), 0 unplaced' $(T)/say
	# (64-bit addresses: perl's arithmetic, not awk's doubles or dash's)
	awk '$$1 == ".text.unlikely" { if (NF == 1) getline; else $$0 = $$2 " " $$3; print $$1, $$2 }' $(T)/map | \
	  perl -ne 'no warnings; ($$a, $$s) = split; printf "%x %x\n", hex($$a), hex($$a) + hex($$s)' > $(T)/expect
	test -s $(T)/expect && grep -v '[#=]' $(T)/ranges | cmp - $(T)/expect
	nm $(T)/vmlinux | awk '$$3 ~ /^rare_(global|local)$$/ { print $$1 }' > $(T)/rare
	test $$(wc -l < $(T)/rare) -eq 3 && perl -e 'no warnings; open(R, "$(T)/expect"); ($$s, $$e) = map { hex } split " ", <R>; \
	  open(A, "$(T)/rare"); while (<A>) { $$a = hex; exit 1 if $$a < $$s || $$a >= $$e } exit 0'
	m=$$(stat -c %Y $(T)/ranges); sleep 1; $(KPGO_SAN)/kpgo-cold --vmlinux-o $(T)/vmlinux.o --vmlinux $(T)/vmlinux -o $(T)/ranges > /dev/null && \
	  test $$(stat -c %Y $(T)/ranges) -eq $$m
	printf '%s\n' 'ENTRY(main_loop)' 'SECTIONS {' '  . = 0xffffffff81000000;' '  .text : { *(.text.unlikely) *(.text) }' \
	  '  /DISCARD/ : { *(.note.*) *(.comment) *(.eh_frame) }' '}' > $(T)/other.lds
	printf '%s\n' 'int rare_global(int x) { return x; }' > $(T)/other.c
	gcc -O2 -fno-pic -mcmodel=kernel -c -o $(T)/other.o $(T)/other.c && ld -T $(T)/other.lds -o $(T)/other $(T)/other.o
	$(call expect-fail,$(KPGO_SAN)/kpgo-cold --vmlinux-o $(T)/vmlinux.o --vmlinux $(T)/other -o $(T)/r2,outside \.text: vmlinux\.o and vmlinux are not of one build)
	test ! -e $(T)/r2
	$(call expect-fail,$(KPGO_SAN)/kpgo-cold --vmlinux-o $(T)/k.c --vmlinux $(T)/vmlinux -o $(T)/r2,k\.c: not a readable 64-bit ELF file)
