# SPDX-License-Identifier: GPL-2.0
#
# tests/lib.mk - the helpers that more than one test file uses, read by
# tests/check.mk before the test files (so a test file may use them in its
# immediate assignments and prerequisites too).  A helper that one file
# alone uses stays in that file.

# ---- kernel trees --------------------------------------------------------

# $(call own-ksrc,DIR): a tree of hard links to KSRC_TEST in DIR, for a
# test that attaches (writes DIR/GNUmakefile) while others use KSRC_TEST
own-ksrc = cp -al $(KSRC_TEST) $(1)
# an -O2 .config (tinyconfig + quickstart.config) in an object tree, made
# once for every test that needs a configured tree
PK_CONFIG = $(KPGO_BUILD)/packager-tree/.config
$(PK_CONFIG): $(KSRC_TEST)/Kbuild $(KPGO_DIR)/kconfig/quickstart.config
	$(MAKE) -s -C $(KSRC_TEST) O=$(@D) tinyconfig >/dev/null
	cat $(KPGO_DIR)/kconfig/quickstart.config >> $@
	$(MAKE) -s -C $(KSRC_TEST) O=$(@D) olddefconfig >/dev/null 2>&1
# $(call pk-config,DIR): an object tree with that .config
pk-config = mkdir -p $(1) && cp $(PK_CONFIG) $(1)/.config

# ---- kpgo's make ---------------------------------------------------------

# kpgo's make in this checkout; pk-make: on Debian's tree ($(KSRC_TEST))
kmake = $(MAKE) --no-print-directory -C $(KPGO_DIR)
pk-make = $(MAKE) --no-print-directory -C $(KPGO_DIR) KSRC=$(KSRC_TEST)

# $(pk-tree): $(T)/o configured, with profiles of redis (the program run
# with 100) and nginx (3000) in its kpgo store
pk-tree = $(call pk-config,$(T)/o) && $(gcda-src) && \
	$(call gcda-train,a,100,-fprofile-arcs) && $(call gcda-train,b,3000,-fprofile-arcs) && \
	$(call gcda-ktree,a,o/.kpgo/profiles/redis/gcda) && \
	$(call gcda-ktree,b,o/.kpgo/profiles/nginx/gcda) && \
	echo redis > $(T)/o/.kpgo/profiles/redis/profile.info && \
	echo nginx > $(T)/o/.kpgo/profiles/nginx/profile.info

pk-archive = $(T)/o/.kpgo/export/$(1).tar.gz

# ---- a small real gcov program (gcc -O2 -fprofile-arcs) ------------------

define gcda-main-c
#include <stdio.h>
#include <stdlib.h>

int work(int n);
int never(int n);

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	int s = work(n);

	if (argc > 2)
		s += never(n);
	printf("%d\n", s);
	return 0;
}
endef

define gcda-work-c
int work(int n)
{
	int s = 0;

	for (int i = 0; i < n; i++)
		s += (i % 3) ? i : -1;
	return s;
}

int never(int n)
{
	return n > 5 ? n * 7 : n - 1;
}
endef

# $(gcda-src): write the program to $(T)/src (main.c, lib/work.c)
# ($(file) runs when the recipe is expanded, when only $(T) exists)
gcda-src = $(file >$(T)/main.c,$(gcda-main-c))$(file >$(T)/work.c,$(gcda-work-c))\
	mkdir -p $(T)/src/lib && mv $(T)/main.c $(T)/src/ && \
	mv $(T)/work.c $(T)/src/lib/

# $(call gcda-train,DIR,ARGS,CFLAGS[,SRCDIR]): build the program in $(T)/DIR
# (objects main.o, lib/work.o) with gcc -O2 CFLAGS and run it with ARGS
gcda-train = mkdir -p $(T)/$(1)/lib && (cd $(T)/$(1) && \
	gcc -O2 $(3) -c $(or $(4),$(T)/src)/main.c -o main.o && \
	gcc -O2 $(3) -c $(or $(4),$(T)/src)/lib/work.c -o lib/work.o && \
	gcc $(3) main.o lib/work.o -o prog && ./prog $(2) >/dev/null)

# $(call gcda-kfile,SRC,DST): copy a libgcov .gcda as the kernel writes it:
# checksum 0, without the 16-byte summary record and the end marker
gcda-kfile = mkdir -p $(dir $(2)) && { head -c 12 $(1) && printf '\0\0\0\0' \
	&& tail -c +33 $(1) | head -c -4; } >$(2)

# $(call gcda-ktree,SRC,DST): gcda-kfile for main.gcda and lib/work.gcda
gcda-ktree = $(call gcda-kfile,$(T)/$(1)/main.gcda,$(T)/$(2)/main.gcda) && \
	$(call gcda-kfile,$(T)/$(1)/lib/work.gcda,$(T)/$(2)/lib/work.gcda)

# ---- a small real llvm-instrumented program (clang -fprofile-generate) ---

LLP_CLANG ?= clang-19
llp-gen   = -O2 -fprofile-generate -mllvm -disable-vp=true -mllvm -enable-name-compression=false

# $(call llp-program,DIR,ITERATIONS): DIR/prog from DIR/src/t.c (a static
# and a global function, instrumented) and DIR/src/dump.c (not
# instrumented: writes the counters at exit, before the runtime writes its
# .profraw), run once
define llp-program
	mkdir -p $(1)/src $(1)/obj
	printf '%s\n' '__attribute__((noinline)) static int sq(int x) { return x * x; }' \
	  '__attribute__((noinline)) int pick(int x) { if (x % 3) return sq(x); return x; }' \
	  'int cold(int x) { return x + 1; }' \
	  'void kpgo_dump(void);' \
	  'int main(int c, char **v) { int s = 0; kpgo_dump();' \
	  '  for (int i = 0; i < $(2); i++) s += pick(i); return s == 7 ? cold(s) : 0; }' > $(1)/src/t.c
	printf '%s\n' '#include <stdio.h>' '#include <stdlib.h>' \
	  'extern char __start___llvm_prf_cnts[], __stop___llvm_prf_cnts[];' \
	  'static void dump(void) { FILE *f = fopen("$(1)/cnts.bin", "w");' \
	  '  fwrite(__start___llvm_prf_cnts, 1, __stop___llvm_prf_cnts - __start___llvm_prf_cnts, f); fclose(f); }' \
	  'void kpgo_dump(void) { atexit(dump); }' > $(1)/src/dump.c
	$(LLP_CLANG) $(llp-gen) -c $(1)/src/t.c -o $(1)/obj/t.o
	$(LLP_CLANG) -O2 -c $(1)/src/dump.c -o $(1)/obj/dump.o
	$(LLP_CLANG) -fprofile-generate $(1)/obj/t.o $(1)/obj/dump.o -o $(1)/prog
	LLVM_PROFILE_FILE=$(1)/prog.profraw $(1)/prog
endef

# ---- flamegraphs ---------------------------------------------------------

KPGO_CHROMIUM ?= chromium
# $(call flame-dom,HTML,OUT): the page after its script ran
flame-dom = $(KPGO_CHROMIUM) --headless --no-sandbox --disable-gpu --dump-dom file://$(1) 2>/dev/null > $(2)

# outer -> middle -> leaf_fn, linked where the kernel's text is (never run)
define flame-program
	printf '%s\n' '__attribute__((noinline)) int leaf_fn(int x) { return x * 3 + 1; }' \
	  '__attribute__((noinline)) int middle(int x) { return leaf_fn(x) + 2; }' \
	  '__attribute__((noinline)) int outer(int x) { return middle(x) + 5; }' \
	  'int main(int c, char **v) { return outer(c); }' > $(T)/p.c
	gcc -O1 -mcmodel=kernel -fno-pie -no-pie -nostdlib -static -Wl,-e,main \
	  -Wl,-Ttext=0xffffffff81000000 -o $(T)/prog $(T)/p.c
	nm $(T)/prog | awk '$$3 == "outer" || $$3 == "middle" || $$3 == "leaf_fn" { print $$3, $$1 }' > $(T)/addr
endef
# (the shell's arithmetic is signed 64-bit: the low half only)
flame-addr = $$(printf 'ffffffff%08x' $$(( 0x$$(sed -n 's/^$(1) ffffffff//p' $(T)/addr) + $(2) )))

# ---- the e2e tests' tree (tests/e2e.mk makes it) -------------------------

E2E_WORK  ?= $(KPGO_BUILD)/e2e
e2e-ksrc  := $(E2E_WORK)/linux-source-6.12
e2e-o     := $(E2E_WORK)/build
e2e-out   := $(e2e-o)/.kpgo
# a number from a line of a file: $(call e2e-num,FILE,REGEX-BEFORE-THE-NUMBER)
e2e-num    = $$(sed -n 's/.*$(2) *\([0-9][0-9]*\).*/\1/p' $(1) | head -n 1)

# ---- workloads -----------------------------------------------------------

wl-names := redis memcached nginx apache leveldb rocksdb mysql postgresql
