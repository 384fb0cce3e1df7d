# SPDX-License-Identifier: GPL-2.0
#
# tests/autofdo.mk - emulated branch records (the plugin's lbr= mode) and
# what LLVM's tools make of them (fast: small programs under qemu-x86_64,
# QEMU's user-mode emulator, with the plugin).

KPGO_TESTS_FAST += lbr-known lbr-profgen afdo-install afdo-weights afdo-bolt afdo-bolt-prep
# the AutoFDO loop builds two clang kernels (a profiling one and the tree's)
# and runs the load under the plugin: the long tier, make check-long
KPGO_TESTS_LONG += e2e-autofdo e2e-autofdo-incremental e2e-autofdo-bolt

QEMU_USER ?= qemu-x86_64
LLVM_PROFGEN ?= llvm-profgen-19
LLVM_PROFDATA ?= llvm-profdata-19

# the plugin's window marks (tools/frontend.c), as assembler lines
lbr-open  := nopl 0x4b50a551(%rax)
lbr-close := nopl 0x4b50a5e0(%rax)

# A loop at known addresses: three calls of f, each returned from, two
# taken jnz.  Every transfer is a sample (lbr_period=1) of the last four
# (lbr_depth=4); the expected records are made from nm's addresses.
define lbr-known-s
	.globl _start, call1, f, back, jnz1, loop
_start:	$(lbr-open)
	mov $$3, %ecx
loop:
call1:	call f
back:	dec %ecx
jnz1:	jnz loop
	$(lbr-close)
	mov $$60, %eax
	xor %edi, %edi
	syscall
f:	ret
endef

test-lbr-known: $(KPGO_PLUGIN)
	command -v $(QEMU_USER) >/dev/null || $(call skip,$(QEMU_USER) is not installed (Debian qemu-user))
	$(file >$(T)/p.s,$(lbr-known-s))
	as -o $(T)/p.o $(T)/p.s && ld -static -Ttext=0x401000 -o $(T)/p $(T)/p.o
	$(QEMU_USER) -plugin $(KPGO_PLUGIN),lbr=$(T)/lbr,out=$(T)/fig,user=1,lbr_period=1,lbr_depth=4 $(T)/p
	cat $(T)/lbr $(T)/fig
	# b1 call1->f, b2 f->back, b3 jnz1->loop, b4 = b1 ...: samples 4 and 7
	# hold the same four records, as do 5 and 8
	eval $$(nm $(T)/p | awk '{ sub(/^0+/, "", $$1); print $$3 "=" $$1 }') && \
	c="0x$$call1/0x$$f/P/-/-/0" r="0x$$f/0x$$back/P/-/-/0" j="0x$$jnz1/0x$$loop/P/-/-/0" && \
	printf '%s\n' "$$f $$c" "$$back $$r $$c" "$$loop $$j $$r $$c" "2" "$$f $$c $$j $$r $$c" \
	  "2" "$$back $$r $$c $$j $$r" "$$loop $$j $$r $$c $$j" > $(T)/expect
	# (one sample a line, with its count line before it: sorted as pairs)
	pairs() { awk '/^[0-9]+$$/ { n = $$0; next } { print (n ? n : 1) "|" $$0; n = 0 }' $$1 | sort; } && \
	  pairs $(T)/expect > $(T)/e && pairs $(T)/lbr > $(T)/g && diff -u $(T)/e $(T)/g
	grep -qx 'lbr_branches=8' $(T)/fig && grep -qx 'lbr_samples=8' $(T)/fig && grep -qx 'lbr_distinct=6' $(T)/fig
	grep -qx 'lbr_dropped=0' $(T)/fig
	# at most lbr_max distinct samples kept, the others counted
	$(QEMU_USER) -plugin $(KPGO_PLUGIN),lbr=$(T)/lbr2,out=$(T)/fig2,user=1,lbr_period=1,lbr_depth=4,lbr_max=2 $(T)/p
	grep -qx 'lbr_distinct=2' $(T)/fig2 && grep -qx 'lbr_dropped=6' $(T)/fig2 && test $$(grep -c 0x $(T)/lbr2) -eq 2
	# kernel mode only (no user=1): a user program gives no record
	$(QEMU_USER) -plugin $(KPGO_PLUGIN),lbr=$(T)/lbr-k,out=$(T)/fig-k,lbr_mmap=ffffffff81000000:1000000 $(T)/p
	test "$$(cat $(T)/lbr-k)" = 'PERF_RECORD_MMAP -1/0: [0xffffffff81000000(0x1000000) @ 0xffffffff81000000]: x [kernel.kallsyms]_text'
	grep -qx 'lbr_branches=0' $(T)/fig-k
	$(call expect-fail,$(QEMU_USER) -plugin $(KPGO_PLUGIN)$(comma)lbr=$(T)/x$(comma)lbr_depth=65 $(T)/p,lbr_depth=65)
	$(call expect-fail,$(QEMU_USER) -plugin $(KPGO_PLUGIN)$(comma)lbr=$(T)/x$(comma)stacks=$(T)/y $(T)/p,cannot be given together)

# A C program with DWARF: its records, read by llvm-profgen (clang 19's),
# give a sample profile whose hottest function is the hot loop's
define lbr-profgen-c
#define MARK(d) __asm__ volatile("nopl " #d "(%%rax)" ::: "memory")
__attribute__((noinline)) static int hot(int i) { return (i % 7 == 3) ? i * 5 : i + 1; }
__attribute__((noinline)) static int rare(int i) { return i * 11; }
int main(int argc, char **argv)
{
	int s = 0;

	MARK(0x4b50a551);
	for (int i = 0; i < 300000; i++)
		s += (i % 1000 == 0 && argc > 5) ? rare(i) : hot(i);
	MARK(0x4b50a5e0);
	return s == 42;
}
endef

test-lbr-profgen: $(KPGO_PLUGIN)
	command -v $(QEMU_USER) >/dev/null || $(call skip,$(QEMU_USER) is not installed (Debian qemu-user))
	command -v $(LLVM_PROFGEN) >/dev/null || $(call skip,$(LLVM_PROFGEN) is not installed (Debian llvm-19))
	$(file >$(T)/p.c,$(lbr-profgen-c))
	clang-19 -O1 -gmlt -fdebug-info-for-profiling -static -o $(T)/p $(T)/p.c
	$(QEMU_USER) -plugin $(KPGO_PLUGIN),lbr=$(T)/lbr,out=$(T)/fig,user=1,lbr_period=101 $(T)/p
	cat $(T)/fig
	test $$(sed -n 's/^lbr_samples=//p' $(T)/fig) -ge 5000
	$(LLVM_PROFGEN) --binary=$(T)/p --perfscript=$(T)/lbr --format=text -o $(T)/prof 2>$(T)/warn; \
	  s=$$?; cat $(T)/warn; test $$s = 0
	head -n 20 $(T)/prof
	# top-level functions, hottest first: main, and hot with samples
	awk -F: '/^[^ ]/ { print $$2, $$1 }' $(T)/prof | sort -rn > $(T)/funcs && cat $(T)/funcs
	grep -Eq '^[1-9][0-9]* main$$' $(T)/funcs && grep -Eq '^[1-9][0-9]* hot$$' $(T)/funcs
	! grep -Eq ' rare$$' $(T)/funcs
	$(LLVM_PROFDATA) show --sample $(T)/prof > /dev/null

# kpgo-afdo install: each object compiled from C gets its functions'
# profiles as dir/obj.afdo (empty without samples), make rules for Kbuild;
# a move under the threshold keeps the file, a larger one or a function
# gone rewrites it; a host program's object (scripts/) gets none
AFDO = $(KPGO_SAN)/kpgo-afdo
afdo-inst = $(AFDO) install --objtree $(T)/obj --srctree $(T)/src --installed $(T)/inst.list \
	--deps $(T)/deps.mk --threshold 5 $(T)/p.txt
test-afdo-install: $(AFDO)
	mkdir -p $(T)/src/d $(T)/src/scripts $(T)/obj/d $(T)/obj/scripts
	printf '%s\n' 'int hot(int x) { return x + 1; }' 'static int st(int x) { return x * 2; }' \
	  'int use(int x) { return st(x) + hot(x); }' > $(T)/src/d/a.c
	printf '%s\n' 'int cold1(int x) { return x - 1; }' > $(T)/src/d/b.c
	printf '%s\n' 'int hot(int x) { return x; }' > $(T)/src/scripts/h.c
	for o in d/a d/b scripts/h; do gcc -O2 -c -o $(T)/obj/$$o.o $(T)/src/$$o.c || exit 1; done
	printf '%s\n' 'hot:100:10' ' 0: 10' ' 1: 90' 'use:50:5' ' 0: 5' ' 1: 45 hot:40' 'elsewhere:7:7' ' 0: 7' > $(T)/p.txt
	$(afdo-inst) | tee $(T)/out1
	grep -qx 'kpgo-afdo: 3 functions with samples, 2 of them defined in the 2 objects compiled from C of $(T)/obj (1 objects with samples); shares: 2 written, 0 unchanged, 0 moved less than 5% (kept), 0 removed' $(T)/out1
	printf '%s\n' 'd/a.o: d/a.afdo' 'd/b.o: d/b.afdo' | cmp - $(T)/deps.mk
	head -n 6 $(T)/p.txt | cmp - $(T)/obj/d/a.afdo
	test -f $(T)/obj/d/b.afdo && test ! -s $(T)/obj/d/b.afdo && test ! -e $(T)/obj/scripts/h.afdo
	sed -i 's/^ 1: 90$$/ 1: 91/' $(T)/p.txt && touch -d '1 hour ago' $(T)/obj/d/a.afdo
	$(afdo-inst) | grep -q 'shares: 0 written, 1 unchanged, 1 moved less than 5% (kept)'
	test $$(( $$(date +%s) - $$(stat -c %Y $(T)/obj/d/a.afdo) )) -gt 3000
	sed -i 's/^ 1: 91$$/ 1: 900/' $(T)/p.txt
	$(afdo-inst) | grep -q 'shares: 1 written, 1 unchanged, 0 moved'
	grep -qx ' 1: 900' $(T)/obj/d/a.afdo
	# use's samples gone: a.o's share is hot's alone, rewritten
	printf '%s\n' 'hot:100:10' ' 0: 10' ' 1: 90' > $(T)/p.txt
	$(afdo-inst) | grep -q 'shares: 1 written'
	printf '%s\n' 'hot:100:10' ' 0: 10' ' 1: 90' | cmp - $(T)/obj/d/a.afdo
	# hotness reshuffled (the profile lists functions, and a line's call
	# targets, by samples): the same shape, kept
	printf '%s\n' 'use:1001:5' ' 0: 5' ' 1: 996 hot:500 st:496' 'hot:1000:10' ' 0: 1000' > $(T)/p.txt
	$(afdo-inst) | grep -q 'shares: 1 written'
	printf '%s\n' 'hot:1001:10' ' 0: 1001' 'use:1000:5' ' 0: 5' ' 1: 995 st:500 hot:495' > $(T)/p.txt
	$(afdo-inst) | grep -q 'shares: 0 written, 1 unchanged, 1 moved less than 5% (kept)'
	# not a text sample profile: refused, nothing written
	cp $(T)/obj/d/a.afdo $(T)/a.before && printf '%s\n' 'hot 100 10' > $(T)/p.txt
	$(call expect-fail,$(afdo-inst),p.txt:1: not a function.s line \(NAME:TOTAL:HEAD\))
	cmp $(T)/a.before $(T)/obj/d/a.afdo
	# stat: the summary pgo-collect prints
	printf '%s\n' 'hot:300:10' ' 0: 10' 'use:100:0' ' 0: 5' > $(T)/s.txt
	$(AFDO) stat $(T)/s.txt | grep -qx 'kpgo-afdo: 2 functions with samples (1 with head samples), 400 samples; hottest: hot (75.0 %), use (25.0 %)'

# kpgo-afdo weights: llvm-profdata's --weighted-input, normalized to the
# largest profile's samples when asked; a bad weight refused
test-afdo-weights: $(AFDO)
	mkdir -p $(T)/a $(T)/b && printf 'f:100:1\n' > $(T)/a/profile.txt && printf 'f:300:1\n' > $(T)/b/profile.txt
	test "$$($(AFDO) weights $(T)/a/profile.afdo:2 $(T)/b/profile.afdo:1)" = \
	  "--weighted-input=2,$(T)/a/profile.afdo --weighted-input=1,$(T)/b/profile.afdo"
	test "$$($(AFDO) weights --normalize $(T)/a/profile.afdo:2 $(T)/b/profile.afdo:1)" = \
	  "--weighted-input=600,$(T)/a/profile.afdo --weighted-input=100,$(T)/b/profile.afdo"
	$(call expect-fail,$(AFDO) weights $(T)/a/profile.afdo:0,the weight is a whole number from 1 to 999999)
	printf 'f:0:0\n' > $(T)/b/profile.txt
	$(call expect-fail,$(AFDO) weights --normalize $(T)/b/profile.afdo:1,no samples: it cannot be normalized)
	# --stage: each profile copied as read, one regular file; a link refused
	printf 'bytes' > $(T)/a/profile.afdo && ln -s $(T)/a/profile.afdo $(T)/link.afdo
	test "$$($(AFDO) weights --stage $(T)/in $(T)/a/profile.afdo:3)" = "--weighted-input=3,$(T)/in/in-0.afdo"
	cmp $(T)/a/profile.afdo $(T)/in/in-0.afdo
	$(call expect-fail,$(AFDO) weights --stage $(T)/in2 $(T)/link.afdo:1,link.afdo: cannot read: a symbolic link)
	test ! -e $(T)/in2/in-0.afdo

# --- the AutoFDO loop on the e2e tree's source (clang 19): a third object
# tree with the quickstart's .config
e2e-afdo-o    := $(E2E_WORK)/build-afdo
e2e-afdo-out  := $(e2e-afdo-o)/.kpgo
e2e-afdo-make  = $(MAKE) $(kpgo-jobs) --no-print-directory -C $(KPGO_DIR) KSRC=$(e2e-ksrc) \
	O=$(e2e-afdo-o) LLVM=-19 PGO_METHOD=autofdo PGO_SCALE=$(E2E_SCALE)
e2e-afdo-prof := $(e2e-afdo-out)/profiles-afdo/redis
e2e-afdo-work := $(e2e-afdo-out)/work/redis

# profiling kernel (not instrumented, line tables), redis's branch records
# under the plugin, llvm-profgen's profile with samples on the TCP path,
# the tree built with it: every object with -fprofile-sample-use, those
# defining sampled functions counted, each object's share a prerequisite
test-e2e-autofdo:
	rm -rf $(e2e-afdo-o) && mkdir -p $(e2e-afdo-o) && cp $(e2e-o)/.config $(e2e-afdo-o)/.config
	$(e2e-afdo-make) pgo-use-redis | tee $(T)/out
	grep -Eq 'PGO-INS not instrumented: [0-9]+ functions, [1-9][0-9]+ bytes of line tables' $(T)/out
	# clang took the profile: hot functions in .text.hot (none without one)
	grep -Eq 'PGO-USE redis: vmlinux.o .*\.text\.hot [1-9][0-9]*' $(T)/out
	! grep -q 'CONFIG_GCOV_KERNEL=y' $(e2e-afdo-out)/instrumented-afdo/.config
	cat $(e2e-afdo-prof)/profile.info $(e2e-afdo-prof)/branches.fe
	f=$(call e2e-num,$(e2e-afdo-prof)/profile.info,kpgo-afdo:); echo "functions with samples: $$f"; test $$f -gt 300
	test $$(sed -n 's/^lbr_samples=//p' $(e2e-afdo-prof)/branches.fe) -gt 1000
	grep -Eq '^[0-9]+ requests/s' $(e2e-afdo-prof)/result.txt
	# the TCP path: functions of net/ipv4/tcp*.c with samples of their own
	grep -Ec '^(tcp_sendmsg_locked|tcp_recvmsg_locked|tcp_v4_rcv|tcp_rcv_established|tcp_write_xmit|tcp_ack):[1-9]' \
	  $(e2e-afdo-prof)/profile.txt | tee $(T)/tcp; test $$(cat $(T)/tcp) -ge 4
	llvm-profdata-19 show --sample --show-sec-info-only $(e2e-afdo-out)/use.afdo | grep -q 'fs-discriminator'
	cat $(e2e-afdo-work)/merge.txt $(e2e-afdo-work)/use.evidence
	e=$(e2e-afdo-work)/use.evidence; c=$$(sed -n '1s/^\([0-9]*\) objects compiled.*/\1/p' $$e); p=$(call e2e-num,$$e,sample profile$(comma)); \
	  echo "objects compiled $$c, defining sampled functions $$p"; test $$c -gt 500 && test $$p -gt 100
	grep -q -- '-fprofile-sample-use=$(e2e-afdo-out)/use.afdo' $(e2e-afdo-o)/net/ipv4/.tcp.o.cmd
	grep -q -- '-fdebug-info-for-profiling' $(e2e-afdo-o)/net/ipv4/.tcp.o.cmd
	grep -qx 'net/ipv4/tcp.o: net/ipv4/tcp.afdo' $(e2e-afdo-out)/profile-deps-afdo.mk
	test -s $(e2e-afdo-o)/net/ipv4/tcp.afdo
	grep -q 'kpgo-on-method := autofdo' $(e2e-afdo-o)/.kpgo-profile.mk

# again: nothing compiled; a second collection: only the objects whose
# share moved are recompiled
test-e2e-autofdo-incremental:
	$(e2e-afdo-make) pgo-use-redis | tee $(T)/out
	grep -q '^0 objects compiled' $(e2e-afdo-work)/use.evidence
	! grep -q 'PGO-INS\|PGO-RUN' $(T)/out
	rm -f $(e2e-afdo-prof)/profile.info
	$(e2e-afdo-make) pgo-use-redis | tee $(T)/out2
	grep -q 'PGO-RUN redis: client' $(T)/out2
	cat $(e2e-afdo-work)/merge.txt $(e2e-afdo-work)/use.evidence
	w=$$(sed -n 's/.*shares: \([0-9]*\) written.*/\1/p' $(e2e-afdo-work)/merge.txt); \
	  t=$$(sed -n 's/.* in the \([0-9]*\) objects compiled.*/\1/p' $(e2e-afdo-work)/merge.txt); \
	  c=$$(sed -n '1s/^\([0-9]*\) objects compiled.*/\1/p' $(e2e-afdo-work)/use.evidence); \
	  echo "second profile: $$w of $$t shares rewritten, $$c objects compiled"; \
	  test $$w -gt 0 && test $$c -ge $$w && test $$((c * 2)) -lt $$t
	# a set of redis twice, normalized: the same shape, no share rewritten
	$(e2e-afdo-make) PGO_SET_twice=redis:2 pgo-use-twice
	grep -q 'shares: 0 written' $(e2e-afdo-work)/../twice/merge.txt
	grep -q '^0 objects compiled' $(e2e-afdo-work)/../twice/use.evidence

# A kernel-like vmlinux for kpgo-afdo bolt-prep and bolt-check: .text at
# the kernel's address with a runtime pointer constant (a movabs whose
# immediate runtime_ptr_X points at) in f1, a runtime shift in f2, the IRQ
# entry stubs between them, f3 with neither, then PAD bytes of int3 up to
# the end.  $(1): an instruction put before f1's movabs (the site moved),
# $(2): the stubs' byte, $(3): PAD
define bolt-vmlinux-s
	.text
	.globl f1, f3, irq_entries_start, spurious_entries_start
	.type f1, @function
f1:	$(1)
	movabs $$0x0123456789abcdef, %rax
1:	ret
	.size f1, . - f1
	.pushsection runtime_ptr_X, "a"
	.long 1b - 8 - .
	.popsection
irq_entries_start:
	.fill 16, 1, $(2)
spurious_entries_start:
	.fill 8, 1, $(2)
	.type f2, @function
f2:	shl $$12, %rax
2:	ret
	.size f2, . - f2
	.pushsection runtime_shift_Y, "a"
	.long 2b - 1 - .
	.popsection
	.type f3, @function
f3:	ret
	.size f3, . - f3
	.balign 4096, 0xcc
	.fill $(3), 1, 0xcc
endef
# $(call bolt-vmlinux,NAME,PRE,STUB,PAD)
bolt-vmlinux = $(file >$(T)/$(1).s,$(call bolt-vmlinux-s,$(2),$(3),$(4))) \
	as -o $(T)/$(1).o $(T)/$(1).s && ld -o $(T)/$(1) -Ttext=0xffffffff81000000 -e f1 $(T)/$(1).o

# bolt-prep: the stubs and the functions holding runtime constants, the
# room after the last function (f2 is local: BOLT names it f2/1); a table
# BOLT cannot follow refused; bolt-check: a moved site or rewritten stubs
# fail it, as they would fail the kernel's boot
test-afdo-bolt-prep: $(AFDO)
	$(call bolt-vmlinux,v,nop,0x6a,0x13000)
	$(AFDO) bolt-prep $(T)/v -o $(T)/skip -r $(T)/res | tee $(T)/say
	printf '%s(/[0-9]+)?\n' __entry_text_start irq_entries_start spurious_entries_start f1 f2 | cmp - $(T)/skip
	echo '0x1000 0x13000' | cmp - $(T)/res
	grep -qx 'kpgo-afdo: BOLT leaves 5 functions alone: 3 entry stubs, 2 holding the 2 runtime-constant sites of 2 sections; reserved space .text+0x1000..0x13000, 72 KiB' $(T)/say
	cp $(T)/v $(T)/same && $(AFDO) bolt-check $(T)/v $(T)/same
	$(call bolt-vmlinux,moved,nop; nop,0x6a,0x13000)
	$(call expect-fail,$(AFDO) bolt-check $(T)/v $(T)/moved,the runtime constant at 0xffffffff81000003 moved)
	$(call bolt-vmlinux,stubs,nop,0x90,0x13000)
	$(call expect-fail,$(AFDO) bolt-check $(T)/v $(T)/stubs,the entry stubs at irq_entries_start \(16 bytes\) were rewritten)
	# too little room, code after the last function: no files
	$(call bolt-vmlinux,small,nop,0x6a,0x8000)
	$(call expect-fail,$(AFDO) bolt-prep $(T)/small -o $(T)/s2 -r $(T)/r2,BOLT needs 64 KiB there)
	o=$$(readelf -SW $(T)/v | sed -n 's/.* \.text *PROGBITS *[0-9a-f]* \([0-9a-f]*\) .*/\1/p') && \
	  printf '\x6a' | dd of=$(T)/v bs=1 seek=$$(( 0x$$o + 0x5000 )) conv=notrunc 2>/dev/null
	$(call expect-fail,$(AFDO) bolt-prep $(T)/v -o $(T)/s2 -r $(T)/r2,\.text\+0x5000 is code after the last function)
	objcopy --add-section .return_sites=$(T)/res $(T)/same $(T)/thunks
	$(call expect-fail,$(AFDO) bolt-prep $(T)/thunks -o $(T)/s2 -r $(T)/r2,it has .return_sites \(3 entries\))
	test ! -e $(T)/s2 && test ! -e $(T)/r2

# BOLT on the profiling kernel with redis's records (after e2e-autofdo):
# the kept vmlinux passed bolt-check, its bzImage holds it, it boots and
# serves the load, and it takes fewer kernel branches than the kernel it
# was made from
e2e-bolt-d   := $(e2e-afdo-out)/kernels-bolt
e2e-bolt-cmp := $(e2e-afdo-out)/compare-afdo/redis-redis@bolt-vs-profiling@bolt
test-e2e-autofdo-bolt:
	command -v llvm-bolt-19 > /dev/null || $(call skip,no llvm-bolt-19 (Debian bolt-19))
	rm -rf $(e2e-bolt-d) $(e2e-bolt-cmp)
	$(e2e-afdo-make) pgo-bolt-redis | tee $(T)/out
	grep -Eq 'PGO-BLT redis: [0-9]+ out of [0-9]+ functions with a profile; [1-9][0-9]* rewritten' $(T)/out
	grep -q 'keeps the entry point, .* program headers, the [0-9]* runtime-constant sites' $(T)/out
	grep -qxF 'irq_entries_start(/[0-9]+)?' $(e2e-bolt-d)/redis/skip.txt
	grep -q 'using reserved space' $(e2e-bolt-d)/redis/bolt.log
	! cmp -s $(e2e-bolt-d)/redis/vmlinux $(e2e-afdo-out)/instrumented-afdo/vmlinux
	$(e2e-afdo-make) PGO_COMPARE_A=profiling@bolt PGO_COMPARE_B=redis@bolt PGO_COMPARE_RUNS=0 \
	  PGO_COMPARE_MEASURE=1 PGO_COMPARE_SCALE=0.02 pgo-compare-redis | tee $(T)/cmp
	o=$$(sed -n 's/^ops=//p' $(e2e-bolt-cmp)/measure-1-b.txt); echo "bolted kernel: $$o operations"; test $$o -gt 0
	a=$$(sed -n 's/^kernel_taken=//p' $(e2e-bolt-cmp)/measure-1-a.txt); \
	  b=$$(sed -n 's/^kernel_taken=//p' $(e2e-bolt-cmp)/measure-1-b.txt); \
	  echo "kernel taken branches: profiling $$a, bolted $$b"; test $$b -lt $$a

# kpgo-afdo bolt: the records as BOLT's pre-aggregated B and F lines, each
# sample counted as often as it was taken; a user-space end left out
test-afdo-bolt: $(AFDO)
	printf '%s\n' 'PERF_RECORD_MMAP -1/0: [0xffffffff81000000(0x1000) @ 0xffffffff81000000]: x [kernel.kallsyms]_text' \
	  '3' 'ffffffff81000100 0xffffffff81000040/0xffffffff81000100/P/-/-/0 0xffffffff81000010/0xffffffff81000030/P/-/-/0' \
	  'ffffffff81000030 0x401000/0xffffffff81000000/P/-/-/0 0xffffffff81000010/0xffffffff81000030/P/-/-/0' > $(T)/br
	$(AFDO) bolt $(T)/br -o $(T)/pre | tee $(T)/say
	printf '%s\n' 'B ffffffff81000010 ffffffff81000030 4 0' 'B ffffffff81000040 ffffffff81000100 3 0' \
	  'F ffffffff81000030 ffffffff81000040 3' | cmp - $(T)/pre
	grep -qx 'kpgo-afdo: 4 samples: 2 branch lines (7 taken), 1 fall-through lines (3 runs); 1 records outside the kernel.s text, 0 ranges backwards: left out' $(T)/say
	printf '%s\n' 'ffffffff81000100 0xffffffff81000040/0xffffffff81000100/P/-/-/0' > $(T)/nommap
	$(call expect-fail,$(AFDO) bolt $(T)/nommap -o $(T)/x,a sample before the PERF_RECORD_MMAP line)
	echo 'PERF_RECORD_MMAP garbage' > $(T)/badmmap
	$(call expect-fail,$(AFDO) bolt $(T)/badmmap -o $(T)/x,badmmap:1: a PERF_RECORD_MMAP line kpgo cannot read)
	test ! -e $(T)/x
