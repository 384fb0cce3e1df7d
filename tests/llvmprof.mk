# SPDX-License-Identifier: GPL-2.0
#
# tests/llvmprof.mk - kpgo-llvmprof on a small program built with the real
# clang -fprofile-generate (fast).  The program dumps its own counter
# section, as the guest agent does for the kernel; llvm's own runtime
# writes a .profraw of the same run: kpgo-llvmprof's profile must say
# exactly what llvm-profdata reads from that .profraw.

KPGO_TESTS_FAST += llvmprof-extract llvmprof-extract-clang14 llvmprof-init-region llvmprof-merge \
	llvmprof-bad-input

LLP       = $(KPGO_SAN)/kpgo-llvmprof
LLP_PROFDATA ?= llvm-profdata-19

test-llvmprof-extract: $(LLP)
	$(call llp-program,$(T),100)
	$(LLP) range $(T)/prog | tee $(T)/range
	grep -Eq '^0x[0-9a-f]+,56 4 7$$' $(T)/range
	$(LLP) extract --vmlinux $(T)/prog --counters $(T)/cnts.bin --objtree $(T)/obj \
	  --srctree $(T)/src --prefix $(T)/src/ -o $(T)/e.proftext | tee $(T)/info
	grep -q '^llvm: 4 functions (3 with non-zero counters), 1 objects' $(T)/info
	# the static function lost the build's source path; each has its object
	grep -Eqx 't\.c[;:]sq' $(T)/e.proftext && grep -qx 'pick' $(T)/e.proftext
	test $$(grep -cx '# kpgo-object: t.o' $(T)/e.proftext) -eq 4
	# back with that prefix, llvm-profdata reads the same as from its own
	# runtime's .profraw of this run
	$(LLP) merge -o $(T)/m.proftext --prefix $(T)/src/ $(T)/e.proftext
	$(LLP_PROFDATA) merge -text -o $(T)/from-runtime.txt $(T)/prog.profraw
	$(LLP_PROFDATA) merge -text -o $(T)/from-kpgo.txt $(T)/m.proftext
	cat $(T)/from-kpgo.txt
	diff $(T)/from-runtime.txt $(T)/from-kpgo.txt
	grep -qx 'pick' $(T)/from-kpgo.txt && grep -qx '100' $(T)/from-kpgo.txt

# clang 14 (Debian's default clang): 48-byte records, "path:name"
test-llvmprof-extract-clang14: $(LLP)
	$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) test-llvmprof-extract \
	  T=$(T) LLP_CLANG=clang-14 LLP_PROFDATA=llvm-profdata-14
	grep -qx 't.c:sq' $(T)/e.proftext

# counters the kernel would free after boot are refused
test-llvmprof-init-region: $(LLP)
	$(call llp-program,$(T),10)
	a=$$($(LLP) range $(T)/prog | sed 's/,.*//'); \
	  objcopy --add-symbol __init_begin=$$a --add-symbol __init_end=$$(printf '0x%x' $$((a + 8))) $(T)/prog $(T)/prog2
	$(call expect-fail,$(LLP) range $(T)/prog2,lie in the init region .* which the kernel frees after boot)

# weights, normalizing, per-object slices kept below the threshold
test-llvmprof-merge: $(LLP)
	$(call llp-program,$(T)/a,100)
	$(call llp-program,$(T)/b,1000)
	for x in a b; do $(LLP) extract --vmlinux $(T)/$$x/prog --counters $(T)/$$x/cnts.bin \
	  --objtree $(T)/$$x/obj --srctree $(T)/$$x/src --prefix $(T)/$$x/src/ -o $(T)/$$x.proftext; done
	$(LLP) merge -o $(T)/w.proftext $(T)/a.proftext:3 $(T)/b.proftext:1 | tee $(T)/out1
	grep -q '^kpgo-llvmprof: 2 profiles merged: 4 functions (3 with non-zero counters)' $(T)/out1
	# main's counters: 100 1 0 and 1000 1 0 -> 1300 4 0
	sed -n '/^main$$/,/^$$/p' $(T)/w.proftext | tail -n 4 | head -n 3 | tr '\n' ' ' | grep -qx '1300 4 0 '
	# normalized: a (sum 333) scaled to b's (3333): pick's first counter
	# 100 * 3333 / 333 = 1001 (rounded), plus b's 1000
	$(LLP) merge -o $(T)/n.proftext --normalize $(T)/a.proftext $(T)/b.proftext
	sed -n '/^pick$$/,/^$$/p' $(T)/n.proftext | grep -qx 2001
	# slices: written once, then unchanged, kept under 5 %, rewritten over it
	mkdir -p $(T)/use
	$(LLP) merge -o $(T)/u.proftext --objtree $(T)/use --installed $(T)/list --deps $(T)/deps \
	  --threshold 5 $(T)/a.proftext > $(T)/s1
	grep -q '1 objects: 1 slices written' $(T)/s1
	grep -qx 't.o: t.proftext' $(T)/deps
	grep -qx 't.proftext' $(T)/list
	$(LLP_PROFDATA) merge -o $(T)/slice.profdata $(T)/use/t.proftext
	$(LLP) merge -o $(T)/u.proftext --objtree $(T)/use --installed $(T)/list --deps $(T)/deps \
	  --threshold 5 $(T)/a.proftext > $(T)/s2
	grep -q '0 slices written, 1 unchanged' $(T)/s2
	sed 's/^100$$/101/' $(T)/a.proftext > $(T)/a2.proftext
	$(LLP) merge -o $(T)/u.proftext --objtree $(T)/use --installed $(T)/list --deps $(T)/deps \
	  --threshold 5 $(T)/a2.proftext > $(T)/s3
	grep -q '0 slices written, 0 unchanged, 1 moved less than 5% (kept)' $(T)/s3
	sed 's/^66$$/600/' $(T)/a.proftext > $(T)/a3.proftext
	$(LLP) merge -o $(T)/u.proftext --objtree $(T)/use --installed $(T)/list --deps $(T)/deps \
	  --threshold 5 $(T)/a3.proftext > $(T)/s4
	grep -q '1 slices written' $(T)/s4
	grep -qx 600 $(T)/use/t.proftext
	# functions that never ran left out
	$(LLP) merge -o $(T)/z.proftext --drop-zero $(T)/a.proftext | grep -q '1 never run left out'
	! grep -qx 'cold' $(T)/z.proftext

test-llvmprof-bad-input: $(LLP)
	$(call llp-program,$(T),10)
	head -c 8 $(T)/cnts.bin > $(T)/short.bin
	$(call expect-fail,$(LLP) extract --vmlinux $(T)/prog --counters $(T)/short.bin --objtree $(T)/obj \
	  --srctree $(T)/src -o $(T)/x.proftext,8 bytes.*counter section is [0-9]+ bytes: the counters come from another kernel)
	test ! -e $(T)/x.proftext
	$(LLP_CLANG) -O2 -fprofile-generate -c $(T)/src/t.c -o $(T)/z.o
	$(LLP_CLANG) -fprofile-generate $(T)/z.o $(T)/obj/dump.o -o $(T)/zprog
	$(call expect-fail,$(LLP) range $(T)/zprog,compressed function names: instrument with clang -mllvm -enable-name-compression=false)
	$(call expect-fail,$(LLP) range $(T)/src/t.c,not a 64-bit little-endian ELF file)
	printf ':ir\npick\n123\n2\n5\n' > $(T)/trunc.proftext
	$(call expect-fail,$(LLP) merge -o $(T)/o.proftext $(T)/trunc.proftext,trunc.proftext:[0-9]+: function pick: 1 of 2 counters)
	test ! -e $(T)/o.proftext
	$(call expect-fail,$(LLP) merge -o $(T)/o.proftext $(T)/trunc.proftext:0,bad weight .0.)
	printf ':ir\npick\n# kpgo-object: ../x.o\n1\n1\n5\n' > $(T)/escape.proftext
	$(call expect-fail,$(LLP) merge -o $(T)/o.proftext --objtree $(T)/use $(T)/escape.proftext,escape.proftext:[0-9]+: .# kpgo-object: \.\./x\.o. is not an object path inside the tree)
	printf ':ir\npick\n123\n1\n -5\n' > $(T)/neg.proftext
	$(call expect-fail,$(LLP) merge -o $(T)/o.proftext $(T)/neg.proftext,neg.proftext:5: . -5. is not a number)
