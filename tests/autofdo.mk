# SPDX-License-Identifier: GPL-2.0
#
# tests/autofdo.mk - emulated branch records (the plugin's lbr= mode) and
# what LLVM's tools make of them (fast: small programs under qemu-x86_64,
# QEMU's user-mode emulator, with the plugin).

KPGO_TESTS_FAST += lbr-known lbr-profgen

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
