# SPDX-License-Identifier: GPL-2.0
#
# tests/gcda.mk - tests of kpgo-gcda (tools/gcda.c), fast tier.
#
# All gcov data is real: a two-file program is built with gcc -O2
# -fprofile-arcs and run, so libgcov writes .gcda files with a summary
# record.  The kernel writes no summary, checksum 0 and no end marker;
# gcda-kfile (tests/lib.mk) makes such a copy with head/tail.

KPGO_TESTS_FAST += gcda-usage gcda-merge-one gcda-merge-weights gcda-merge-normalize gcda-threshold \
		   gcda-rerun gcda-bad-input gcda-stat-dump gcda-notes gcda-untrusted-tree

GCDA = $(KPGO_SAN)/kpgo-gcda

# the counters of a gcov-dump -l or kpgo-gcda dump listing, one a line
gcda-ctrs = sed -nE 's/^([^ ]*:)? +[0-9]+: ([0-9 ]+)$$/\2/p' | \
	tr -s ' ' '\n' | sed '/^$$/d'

# $(call gcda-same,A,B): gcov-dump -l A and B list the same counters
gcda-same = gcov-dump -l $(1) | $(gcda-ctrs) >$(T)/c1 && \
	gcov-dump -l $(2) | $(gcda-ctrs) >$(T)/c2 && test -s $(T)/c1 && \
	cmp $(T)/c1 $(T)/c2

# $(call gcda-fail,ARGS,REGEX): kpgo-gcda ARGS fails cleanly with REGEX
gcda-fail = $(call expect-fail,$(GCDA) $(1),$(2)) && \
	! grep -E 'Sanitizer|runtime error' $(T)/out

# $(call gcda-rc,RC,ARGS): kpgo-gcda ARGS exits with status RC
gcda-rc = { $(GCDA) $(2) >$(T)/rc.out 2>&1; rc=$$?; [ $$rc -eq $(1) ] || \
	{ echo "exit $$rc, expected $(1): $(2)"; cat $(T)/rc.out; exit 1; }; }

test-gcda-usage: $(GCDA)
	$(GCDA) --help >$(T)/help
	grep -q '^Usage: kpgo-gcda merge' $(T)/help && grep -q '^Exit status' $(T)/help
	for o in merge stat dump --installed --deps --quiet --top; do \
		grep -q -- "$$o" $(T)/help || { echo "--help lacks $$o"; exit 1; }; done
	$(call gcda-rc,2,)
	$(call gcda-rc,2,frob)
	$(call gcda-rc,2,merge $(T))
	$(call gcda-rc,2,merge -o $(T)/res)
	$(call gcda-rc,2,merge -o $(T)/res $(T):0)
	$(call gcda-rc,2,merge -o $(T)/res --runs 7 $(T))
	$(call gcda-rc,2,merge --bogus -o $(T)/res $(T))
	$(call gcda-rc,2,stat --top)
	$(call gcda-rc,2,dump)
	test ! -e $(T)/res/

# one kernel-style input: same counters, summary added, gcc -fprofile-use ok
test-gcda-merge-one: $(GCDA)
	$(gcda-src)
	$(call gcda-train,u,1000,-fprofile-arcs)
	$(call gcda-ktree,u,k)
	! gcov-dump $(T)/k/main.gcda | grep OBJECT_SUMMARY
	gcov-dump $(T)/k/lib/work.gcda | grep -q '(all zero)'
	$(GCDA) merge -o $(T)/res $(T)/k >$(T)/merge.txt
	cat $(T)/merge.txt
	grep -Eq '^kpgo-gcda: 2 objects \(updated 0, unchanged 0, added 2, removed 0\), 3 functions, [0-9]+ arc counters, runs 1, sum_max [0-9]+$$' $(T)/merge.txt
	$(call gcda-same,$(T)/k/main.gcda,$(T)/res/main.gcda)
	$(call gcda-same,$(T)/k/lib/work.gcda,$(T)/res/lib/work.gcda)
	max=$$(gcov-dump -l $(T)/k/main.gcda $(T)/k/lib/work.gcda | \
		$(gcda-ctrs) | sort -n | tail -n 1) && test $$max -ge 600 && \
	grep -q "sum_max $$max$$" $(T)/merge.txt && \
	for f in main lib/work; do gcov-dump $(T)/res/$$f.gcda >$(T)/d && \
		grep -c OBJECT_SUMMARY $(T)/d | grep -qx 1 && \
		grep -q "OBJECT_SUMMARY runs=1, sum_max=$$max$$" $(T)/d || exit 1; done
	! gcov-dump $(T)/res/lib/work.gcda | grep '(all zero)'
	mkdir -p $(T)/none/lib
	cd $(T)/none && gcc -O2 -fprofile-use -Wmissing-profile -c \
		$(T)/src/main.c -o main.o 2>&1 | grep -q 'missing-profile'
	cd $(T)/res && gcc -O2 -fprofile-use -Wmissing-profile -c \
		$(T)/src/main.c -o main.o 2>$(T)/use.err && \
	gcc -O2 -fprofile-use -Wmissing-profile -c $(T)/src/lib/work.c \
		-o lib/work.o 2>>$(T)/use.err
	cat $(T)/use.err; test ! -s $(T)/use.err
	$(GCDA) merge -o $(T)/out2 $(T)/u | grep -q 'runs 1, '
	gcov-dump $(T)/out2/main.gcda | grep -c OBJECT_SUMMARY | grep -qx 1

# a + 2b against the inputs; a + b against gcov-tool merge
test-gcda-merge-weights: $(GCDA)
	$(gcda-src)
	$(call gcda-train,a,300,-fprofile-arcs)
	$(call gcda-train,b,1000 x,-fprofile-arcs)
	cd $(T)/b && ./prog 50 x >/dev/null
	gcov-dump $(T)/b/main.gcda | grep -q 'runs=2,'
	$(GCDA) merge -o $(T)/w $(T)/a $(T)/b:2 >$(T)/w.txt
	cat $(T)/w.txt; grep -q ', runs 3, ' $(T)/w.txt
	for f in main lib/work; do \
		gcov-dump -l $(T)/a/$$f.gcda | $(gcda-ctrs) >$(T)/ca && \
		gcov-dump -l $(T)/b/$$f.gcda | $(gcda-ctrs) >$(T)/cb && \
		gcov-dump -l $(T)/w/$$f.gcda | $(gcda-ctrs) >$(T)/cw && \
		paste $(T)/ca $(T)/cb $(T)/cw | awk 'NF != 3 || $$1 + 2 * $$2 != $$3 \
			{ print "bad: " $$0; bad = 1 } END { exit bad }' || exit 1; \
	done
	gcov-dump -l $(T)/w/lib/work.gcda | $(gcda-ctrs) | sort -n | tail -n 1 >$(T)/max
	grep -q "sum_max $$(cat $(T)/max)$$" $(T)/w.txt
	gcov-tool merge $(T)/a $(T)/b -o $(T)/gt
	$(GCDA) merge -q -o $(T)/m $(T)/a:1 $(T)/b >$(T)/m.txt
	test ! -s $(T)/m.txt
	$(call gcda-same,$(T)/gt/main.gcda,$(T)/m/main.gcda)
	$(call gcda-same,$(T)/gt/lib/work.gcda,$(T)/m/lib/work.gcda)
	gcov-tool merge -w 1,2 $(T)/a $(T)/b -o $(T)/gtw
	$(call gcda-same,$(T)/gtw/lib/work.gcda,$(T)/w/lib/work.gcda)

# --normalize: each input scaled to the largest input's counter sum R
# first, then weighted: every counter is floor(a*R/Sa) + floor(3*b*R/Sb)
test-gcda-merge-normalize: $(GCDA)
	$(gcda-src)
	$(call gcda-train,a,300,-fprofile-arcs)
	$(call gcda-train,b,1000 x,-fprofile-arcs)
	for i in a b; do for f in main lib/work; do gcov-dump -l $(T)/$$i/$$f.gcda | $(gcda-ctrs); \
		done | awk '{ s += $$1 } END { print s }' > $(T)/sum.$$i; done
	sa=$$(cat $(T)/sum.a); sb=$$(cat $(T)/sum.b); echo "sums $$sa $$sb"; test "$$sa" != "$$sb"
	$(GCDA) merge --normalize -o $(T)/n $(T)/a $(T)/b:3 | tee $(T)/n.txt
	sa=$$(cat $(T)/sum.a); sb=$$(cat $(T)/sum.b); r=$$(( sa > sb ? sa : sb )); \
	for f in main lib/work; do \
		gcov-dump -l $(T)/a/$$f.gcda | $(gcda-ctrs) >$(T)/ca && \
		gcov-dump -l $(T)/b/$$f.gcda | $(gcda-ctrs) >$(T)/cb && \
		gcov-dump -l $(T)/n/$$f.gcda | $(gcda-ctrs) >$(T)/cn && \
		paste $(T)/ca $(T)/cb $(T)/cn | awk -v sa=$$sa -v sb=$$sb -v r=$$r \
			'NF != 3 || int($$1 * r / sa) + int(3 * $$2 * r / sb) != $$3 \
			{ print "bad: " $$0; bad = 1 } END { exit bad }' || exit 1; \
	done
	$(GCDA) merge -o $(T)/plain $(T)/a $(T)/b:3 >/dev/null
	! cmp -s $(T)/plain/main.gcda $(T)/n/main.gcda

# --threshold: installed files whose profile moved less are kept as they
# are; the same bytes are "unchanged"; a tiny threshold rewrites both
test-gcda-threshold: $(GCDA)
	$(gcda-src)
	$(call gcda-train,a,300,-fprofile-arcs)
	$(call gcda-train,b,1000 x,-fprofile-arcs)
	$(GCDA) merge -o $(T)/x $(T)/a >/dev/null
	$(GCDA) merge -o $(T)/x --threshold 50 $(T)/a | grep -q '(updated 0, unchanged 2, kept 0 (moved < 50%), added 0'
	md5sum $(T)/x/main.gcda $(T)/x/lib/work.gcda > $(T)/before
	$(GCDA) merge -o $(T)/x --threshold 100 $(T)/b | tee $(T)/keep.txt
	grep -q '(updated 0, unchanged 0, kept 2 (moved < 100%), added 0' $(T)/keep.txt
	md5sum -c $(T)/before
	$(GCDA) merge -o $(T)/x --threshold 0.001 $(T)/b | grep -q '(updated 2, unchanged 0, kept 0 (moved < 0.001%), added 0'
	! md5sum -c $(T)/before
	$(call expect-fail,$(GCDA) merge -o $(T)/y --threshold 101 $(T)/a,bad --threshold .101.: give a percentage from 0 to 100)

# a rerun touches nothing; a changed input rewrites only its file;
# --installed removes what is no longer written; --deps
test-gcda-rerun: $(GCDA)
	$(gcda-src)
	$(call gcda-train,u,1000,-fprofile-arcs)
	$(call gcda-ktree,u,k)
	$(GCDA) merge -o $(T)/res --installed $(T)/inst --deps $(T)/res/kpgo.d \
		$(T)/k | grep -q '(updated 0, unchanged 0, added 2, removed 0)'
	printf 'lib/work.gcda\nmain.gcda\n' | cmp - $(T)/inst
	printf 'lib/work.o: lib/work.gcda\nmain.o: main.gcda\n' | cmp - $(T)/res/kpgo.d
	cd $(T) && stat -c '%n %i %y' res/main.gcda res/lib/work.gcda inst res/kpgo.d >st1
	sleep 0.05
	$(GCDA) merge -o $(T)/res --installed $(T)/inst --deps $(T)/res/kpgo.d \
		$(T)/k | grep -q '(updated 0, unchanged 2, added 0, removed 0)'
	cd $(T) && stat -c '%n %i %y' res/main.gcda res/lib/work.gcda inst res/kpgo.d >st2
	cmp $(T)/st1 $(T)/st2
	cd $(T)/u && ./prog 3 >/dev/null
	$(call gcda-kfile,$(T)/u/main.gcda,$(T)/k/main.gcda)
	$(GCDA) merge -o $(T)/res --installed $(T)/inst --deps $(T)/res/kpgo.d \
		$(T)/k | grep -q '(updated 1, unchanged 1, added 0, removed 0)'
	cd $(T) && stat -c '%n %i %y' res/main.gcda res/lib/work.gcda inst res/kpgo.d >st3
	diff $(T)/st1 $(T)/st3 | grep -c '^>' | grep -qx 1
	grep -q '^res/main.gcda' $(T)/st1 && diff $(T)/st1 $(T)/st3 | grep -q '^> res/main.gcda '
	gcov-dump -l $(T)/res/main.gcda | $(gcda-ctrs) | sort -u | grep -qx 2
	touch $(T)/res/lib/foreign.gcda
	rm $(T)/k/lib/work.gcda
	$(GCDA) merge -o $(T)/res --installed $(T)/inst --deps $(T)/res/kpgo.d \
		$(T)/k | grep -q '(updated 1, unchanged 0, added 0, removed 1)'
	test ! -e $(T)/res/lib/work.gcda && test -e $(T)/res/lib/foreign.gcda
	printf 'main.gcda\n' | cmp - $(T)/inst
	printf 'main.o: main.gcda\n' | cmp - $(T)/res/kpgo.d
	$(GCDA) merge -o $(T)/res $(T)/u | grep -q '(updated 1, unchanged 0, added 1, removed 0)'
	printf '../etc/x.gcda\n' >$(T)/inst
	$(call gcda-fail,merge -o $(T)/res --installed $(T)/inst $(T)/k,inst: line 1: .*not a relative path)

# bad data: a clean error naming the file, and nothing written
test-gcda-bad-input: $(GCDA)
	$(gcda-src)
	$(call gcda-train,u,1000,-fprofile-arcs)
	$(call gcda-ktree,u,k)
	cp $(T)/k/lib/work.gcda $(T)/good
	head -c 60 $(T)/good >$(T)/k/lib/work.gcda
	$(call gcda-fail,merge -o $(T)/res $(T)/k,k/lib/work.gcda: offset [0-9]+: .*truncated)
	head -c 10 $(T)/good >$(T)/k/lib/work.gcda
	$(call gcda-fail,merge -o $(T)/res $(T)/k,k/lib/work.gcda: offset 0: .*shorter than the 16-byte)
	{ printf 'GCDA' && tail -c +5 $(T)/good; } >$(T)/k/lib/work.gcda
	$(call gcda-fail,merge -o $(T)/res $(T)/k,k/lib/work.gcda: offset 0: bad magic)
	cp $(T)/src/main.c $(T)/k/lib/work.gcda
	$(call gcda-fail,merge -o $(T)/res $(T)/k,k/lib/work.gcda: offset 0: bad magic)
	{ head -c 16 $(T)/good && seq 1000 1100; } >$(T)/k/lib/work.gcda
	$(call gcda-fail,merge -o $(T)/res $(T)/k,k/lib/work.gcda: offset 16: unknown record tag)
	cp $(T)/good $(T)/k/lib/work.gcda
	printf '\000\020\000\000' | dd of=$(T)/k/lib/work.gcda bs=1 seek=40 conv=notrunc status=none
	$(call gcda-fail,merge -o $(T)/res $(T)/k,k/lib/work.gcda: offset 36: record 0x01a10000 of 4096 bytes runs past the end)
	cp $(T)/good $(T)/k/lib/work.gcda
	printf '*39A' | dd of=$(T)/k/lib/work.gcda bs=1 seek=4 conv=notrunc status=none
	$(call gcda-fail,merge -o $(T)/res $(T)/k,k/lib/work.gcda: offset 4: data of gcc 9.3 .*pre-gcc-12)
	$(call gcda-train,g,10,-fprofile-generate)
	$(call gcda-kfile,$(T)/g/lib/work.gcda,$(T)/k/lib/work.gcda)
	$(call gcda-fail,merge -o $(T)/res $(T)/k,k/lib/work.gcda: offset [0-9]+: counter record of type [1-9][0-9]* .*only arc counters)
	cp $(T)/good $(T)/k/lib/work.gcda
	mkdir -p $(T)/src2/lib && cp $(T)/src/main.c $(T)/src2/
	{ echo; cat $(T)/src/lib/work.c; } >$(T)/src2/lib/work.c
	$(call gcda-train,v,10,-fprofile-arcs,$(T)/src2)
	$(call gcda-fail,merge -o $(T)/res $(T)/k $(T)/v,function ident [0-9]+ differs between .*k/lib/work.gcda .offset [0-9]+: .* and .*v/lib/work.gcda .offset [0-9]+:)
	mkdir $(T)/empty
	$(call gcda-fail,merge -o $(T)/res $(T)/k $(T)/empty,no .gcda files in .*/empty)
	$(call gcda-fail,merge -o $(T)/res $(T)/k $(T)/nope,nope: cannot open directory)
	$(call gcda-fail,stat $(T)/empty,no .gcda files in .*/empty)
	$(call gcda-rc,1,merge -o $(T)/res --installed $(T)/inst --deps $(T)/deps $(T)/k $(T)/nope)
	test ! -e $(T)/res && test ! -e $(T)/inst && test ! -e $(T)/deps
	$(GCDA) merge -o $(T)/res $(T)/k | grep -q '2 objects'

test-gcda-stat-dump: $(GCDA)
	$(gcda-src)
	$(call gcda-train,u,1000 x,-fprofile-arcs)
	$(GCDA) dump $(T)/u/lib/work.gcda >$(T)/dump
	cat $(T)/dump
	grep -q "version 0x4232322a 'B22\*' (gcc 12.2)" $(T)/dump
	grep -q 'summary: runs 1, sum_max ' $(T)/dump
	grep -c '^offset [0-9]*: function ident' $(T)/dump | grep -qx 2
	gcov-dump -l $(T)/u/lib/work.gcda | $(gcda-ctrs) >$(T)/c1
	cat $(T)/dump | $(gcda-ctrs) | cmp - $(T)/c1
	$(GCDA) stat --top 1 $(T)/u >$(T)/stat
	cat $(T)/stat
	gcov-dump -l $(T)/u/main.gcda $(T)/u/lib/work.gcda | $(gcda-ctrs) | \
		awk '{ s += $$1; if ($$1 > m) m = $$1 } END { print NR, s, m }' >$(T)/want
	read n s m <$(T)/want && \
	head -n 1 $(T)/stat | grep -Fqx "$(T)/u: 2 objects (2 with non-zero counters), 3 functions, $$n arc counters, sum $$s, max $$m, with summary: 2"
	sed -n 2p $(T)/stat | grep -Eqx '  [0-9]+ [0-9]+\.[0-9]{2}% lib/work.gcda'
	test $$(wc -l <$(T)/stat) -eq 2

# stat --notes: a .gcda must hold exactly its object's functions (from the
# .gcno of the same build); one cut short at a record boundary parses
# fine without the notes and is refused with them, as is another build's
test-gcda-notes: $(GCDA)
	$(gcda-src)
	$(call gcda-train,c,10,--coverage)
	$(call gcda-ktree,c,k)
	$(GCDA) stat --notes $(T)/c $(T)/k | grep -q ': 2 objects (2 with non-zero counters), 3 functions'
	n=$$($(GCDA) dump $(T)/k/lib/work.gcda | sed -n 's/^offset \([0-9]*\): function ident.*/\1/p' | tail -n 1); \
	  head -c $$n $(T)/k/lib/work.gcda > $(T)/cut && mv $(T)/cut $(T)/k/lib/work.gcda
	$(GCDA) stat $(T)/k | grep -q ', 2 functions,'
	$(call gcda-fail,stat --notes $(T)/c $(T)/k,lib/work.gcda: function ident [0-9]+ of the notes .offset [0-9]+. is not in the data: the data is incomplete)
	mkdir -p $(T)/src2/lib && cp $(T)/src/main.c $(T)/src2/ && { echo; cat $(T)/src/lib/work.c; } >$(T)/src2/lib/work.c
	$(call gcda-train,v,10,--coverage,$(T)/src2)
	$(call gcda-fail,stat --notes $(T)/v $(T)/c,lib/work.gcda: function 0 is ident [0-9]+ .checksums .* in the data but ident [0-9]+ .* in the notes .*: the data is of another build)
	$(call gcda-fail,stat --notes $(T)/nope $(T)/c,nope/.*gcno: cannot read the notes)

# a profile tree is untrusted: a symbolic link (to a good .gcda), a FIFO,
# a hard link and a name with make syntax are each refused by name, and
# nothing is written; a FIFO does not hang the reader
test-gcda-untrusted-tree: $(GCDA)
	$(gcda-src)
	$(call gcda-train,u,10,-fprofile-arcs)
	$(call gcda-ktree,u,k)
	cp $(T)/k/main.gcda $(T)/good.gcda
	ln -s $(T)/good.gcda $(T)/k/lib/link.gcda
	$(call gcda-fail,merge -o $(T)/res $(T)/k,k: .lib/link.gcda. is a symbolic link: a profile holds only directories and regular .gcda files)
	rm $(T)/k/lib/link.gcda && ln -s $(T) $(T)/k/dir
	$(call gcda-fail,merge -o $(T)/res $(T)/k,k: .dir. is a symbolic link)
	rm $(T)/k/dir && mkfifo $(T)/k/lib/fifo.gcda
	timeout 10 $(GCDA) merge -o $(T)/res $(T)/k > $(T)/out 2>&1; test $$? -eq 1
	grep -q "k: 'lib/fifo.gcda' is a FIFO" $(T)/out
	rm $(T)/k/lib/fifo.gcda && ln $(T)/good.gcda $(T)/k/lib/hard.gcda
	$(call gcda-fail,merge -o $(T)/res $(T)/k,k/lib/hard.gcda: cannot read: a hard link)
	rm $(T)/k/lib/hard.gcda && cp $(T)/good.gcda '$(T)/k/lib/x.o:;touch pwned;true.gcda'
	$(call gcda-fail,merge -o $(T)/res --deps $(T)/deps $(T)/k,k: .lib/x.o:;touch pwned;true.gcda. is a character outside)
	rm '$(T)/k/lib/x.o:;touch pwned;true.gcda' && cp $(T)/good.gcda "$$(printf '$(T)/k/lib/\033[2Jx.gcda')"
	$(call gcda-fail,merge -o $(T)/res $(T)/k,k: .lib/\\x1b\[2Jx.gcda. is a character outside)
	test ! -e $(T)/res && test ! -e $(T)/deps && test ! -e $(T)/pwned
