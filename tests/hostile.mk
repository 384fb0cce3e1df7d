# SPDX-License-Identifier: GPL-2.0
#
# tests/hostile.mk - profiles from elsewhere are untrusted (mk/packager.mk,
# tools/profile.c), fast tier.  Each test takes a good archive of
# tests/packager.mk's kind (pk-tree, pk-make: tests/lib.mk), makes hostile
# ones from it and builds with them on another object tree: each must be
# refused with its reason (or, for a hostile path, work), run nothing (no
# $(T)/pwned), install nothing (no profile-installed.list, no
# profile-deps.mk, no import) and hang nowhere (timeout 60).  Device nodes
# and FIFOs are crafted by patching a regular member's tar header: no
# mknod, no root.

KPGO_TESTS_FAST += hostile-cli hostile-names hostile-manifest hostile-links \
	hostile-special hostile-sizes hostile-path hostile-truncated hostile-export


# $(hx-setup): $(pk-tree), its redis profile exported, unpacked in $(T)/x;
# $(T)/p an object tree with the same .config
hx-setup = $(pk-tree) && $(pk-make) -s O=$(T)/o pgo-export-redis && \
	mkdir -p $(T)/x $(T)/p && tar -xzf $(call pk-archive,redis) -C $(T)/x && \
	cp $(T)/o/.config $(T)/p/
# $(call hx-pack,ARCHIVE,DIR[,TAR OPTIONS]): DIR's MANIFEST and gcda/, gzip'ed
hx-pack = tar --format=gnu $(3) -C $(2) -czf $(1) MANIFEST gcda
# $(call hx-rename,ARCHIVE,NAME): $(T)/x packed with gcda/main.gcda called NAME
# (-P: tar keeps '../' and '/' as given)
hx-rename = $(call hx-pack,$(1),$(T)/x,-P --transform='s|^gcda/main\.gcda$$|$(2)|')
# $(call hx-use,PROFILE): build $(T)/p with it (a cheap Kbuild goal)
hx-use = timeout 60 $(pk-make) O=$(T)/p PGO_PROFILE=$(1) PGO_USE_TARGETS=olddefconfig \
	pgo-use-profile
# $(hx-nothing): nothing ran, nothing is installed, $(T)/p holds only its
# .config and kpgo's directory, no symbolic link anywhere in it
hx-nothing = test ! -e $(T)/pwned && test ! -e $(KPGO_DIR)/pwned && \
	test ! -e $(T)/p/.kpgo/profile-installed.list && test ! -e $(T)/p/.kpgo/profile-deps.mk && \
	test ! -e $(T)/p/.kpgo/import && test ! -e $(T)/p/.kpgo/import.new && \
	test -z "$$(ls -A $(T)/p | grep -vx -e .config -e .kpgo)" && \
	test -z "$$(find $(T)/p -type l)" && test -z "$$(find $(T)/p -name '*.gcda')"
# $(call hx-refused,PROFILE,REGEX): refused with a line matching REGEX (an
# extended regex in single quotes), nothing done; no raw escape byte shown
hx-refused = $(call expect-fail,$(call hx-use,$(1)),$(2)) && $(hx-nothing) && \
	! grep -q "$$(printf '\033')" $(T)/out
# $(call hx-member,ARCHIVE,NAME): the archive with a member NAME refused
hx-member = $(call hx-rename,$(1),$(2)) && \
	$(call hx-refused,$(1),member .*: the archive is refused)

# kpgo-profile alone: help, usage errors, exit codes
test-hostile-cli: $(KPGO_SAN)/kpgo-profile
	$(KPGO_SAN)/kpgo-profile --help | grep -q '^    kpgo-profile unpack ARCHIVE DIR'
	$(KPGO_SAN)/kpgo-profile unpack --help | grep -q 'EXIT STATUS'
	$(KPGO_SAN)/kpgo-profile > $(T)/o 2>&1; test $$? -eq 2
	grep -q 'give a command: unpack or check' $(T)/o
	$(KPGO_SAN)/kpgo-profile unpack x > $(T)/o 2>&1; test $$? -eq 2
	$(KPGO_SAN)/kpgo-profile check $(T) > $(T)/o 2>&1; test $$? -eq 2
	grep -q 'give the tree.s format with --tree format=VALUE' $(T)/o
	$(KPGO_SAN)/kpgo-profile check $(T) --tree nokey=1 > $(T)/o 2>&1; test $$? -eq 2
	mkdir -p $(T)/full && touch $(T)/full/x && touch $(T)/a.tar.gz
	$(KPGO_SAN)/kpgo-profile unpack $(T)/a.tar.gz $(T)/full > $(T)/o 2>&1; test $$? -eq 1
	grep -q 'not empty: give an empty directory' $(T)/o
	mkfifo $(T)/fifo && mkdir $(T)/e
	timeout 10 $(KPGO_SAN)/kpgo-profile unpack $(T)/fifo $(T)/e > $(T)/o 2>&1; test $$? -eq 1
	grep -q 'fifo: not a regular file' $(T)/o
	printf 'format: kpgo-profile 1\n' > $(T)/e/MANIFEST
	t="--tree format=kpgo-profile\ 1 --tree compiler-family=gcc --tree arch=a --tree \
	  profile-format=p --tree kernel=k --tree config-sha256=c --tree compiler=cc"; \
	{ eval $(KPGO_SAN)/kpgo-profile check $(T)/e $$t > $(T)/o 2>&1; test $$? -eq 3; } && \
	grep -q "cannot apply to this tree: compiler-family '' (this tree: 'gcc')" $(T)/o && \
	test ! -e $(T)/e/stale && eval $(KPGO_SAN)/kpgo-profile check $(T)/e --allow-stale $$t > $(T)/o && \
	grep -q "PGO-STA stale profile: compiler-family '' (this tree: 'gcc')" $(T)/o && \
	test -f $(T)/e/stale && \
	eval $(KPGO_SAN)/kpgo-profile check $(T)/e --quiet --allow-stale $$t > $(T)/o && \
	test ! -s $(T)/o && \
	printf 'format: kpgo-profile 1\ncompiler-family: gcc\narch: a\nprofile-format: p\nkernel: k\nconfig-sha256: c\ncompiler:  cc \n' \
	  > $(T)/e/MANIFEST && eval $(KPGO_SAN)/kpgo-profile check $(T)/e $$t > $(T)/o && \
	test ! -s $(T)/o && test ! -e $(T)/e/stale && \
	printf '1 objects\n' > $(T)/st && \
	{ eval $(KPGO_SAN)/kpgo-profile check $(T)/e --allow-stale --stat $(T)/st $$t > $(T)/o 2>&1; \
	  test $$? -eq 3; } && grep -q 'has no profile: line' $(T)/o

# names: make syntax, shell syntax, '../', absolute, outside gcda/, twice
test-hostile-names: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda $(KPGO_BIN)/kpgo-profile
	$(hx-setup)
	$(call hx-member,$(T)/make.tar.gz,gcda/kernel/fork.o:;touch $(T)/pwned;true.gcda)
	grep -q "member 'gcda/kernel/fork.o:;touch $(T)/pwned;true.gcda': a character outside" $(T)/out
	$(call hx-member,$(T)/shell.tar.gz,gcda/$$(touch $(T)/pwned)`touch $(T)/pwned`.gcda)
	$(call hx-member,$(T)/dotdot.tar.gz,gcda/../../../pwned.gcda)
	grep -q "a '.' or '..' component" $(T)/out
	$(call hx-member,$(T)/abs.tar.gz,$(T)/pwned.gcda)
	$(call hx-member,$(T)/out.tar.gz,Makefile)
	grep -q 'a name other than MANIFEST, gcda/, gcda/<object>.gcda, profile.proftext or profile.afdo' $(T)/out
	$(call hx-member,$(T)/dash.tar.gz,gcda/-rf.gcda)
	$(call hx-member,$(T)/dot.tar.gz,gcda/.kpgo/profiles/redis/gcda/main.gcda)
	grep -q "a directory starting with '.'" $(T)/out
	$(call hx-rename,$(T)/own.tar.gz,gcda/state/profiles/redis/gcda/main.gcda)
	mkdir -p $(T)/q/state/profiles/redis/gcda && cp $(T)/p/.config $(T)/q/ && \
	  echo mine > $(T)/q/state/profiles/redis/gcda/main.gcda
	$(call expect-fail,timeout 60 $(pk-make) O=$(T)/q PGO_OUT=$(T)/q/state \
	  PGO_PROFILE=$(T)/own.tar.gz PGO_USE_TARGETS=olddefconfig \
	  pgo-use-profile,.state/profiles/redis/gcda/main.gcda. leads into kpgo.s own directory)
	test "$$(cat $(T)/q/state/profiles/redis/gcda/main.gcda)" = mine
	test ! -e $(T)/q/state/profile-installed.list && test ! -e $(T)/pwned
	n=$$(printf 'gcda/a\033[2Jb.gcda') && $(call hx-pack,$(T)/ctl.tar.gz,$(T)/x,\
		--transform="s|^gcda/main\.gcda\$$|$$n|")
	$(call hx-refused,$(T)/ctl.tar.gz,member .gcda/a.x1b\[2Jb.gcda.: a character outside)
	tar --format=gnu --hard-dereference -C $(T)/x -czf $(T)/twice.tar.gz MANIFEST gcda gcda/main.gcda
	$(call hx-refused,$(T)/twice.tar.gz,member .gcda/main.gcda.: a name given twice)

# MANIFEST values with $(...) and backticks are data: a refused format
# shows them, a stale kernel version is a warning that shows them; a
# control byte, an unknown key, a repeated one are refused with the line
hx-manifest = sed 's|^$(1): .*|$(1): $$(touch $(T)/pwned)`touch $(T)/pwned`|' $(T)/x/MANIFEST.orig > $(T)/x/MANIFEST
test-hostile-manifest: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda $(KPGO_BIN)/kpgo-profile
	$(hx-setup)
	cp $(T)/x/MANIFEST $(T)/x/MANIFEST.orig
	$(call hx-manifest,format) && $(call hx-pack,$(T)/format.tar.gz,$(T)/x)
	$(call hx-refused,$(T)/format.tar.gz,cannot apply to this tree: format .\$$\(touch $(T)/pwned\).touch $(T)/pwned.. \(this tree: .kpgo-profile 1.\))
	$(call hx-refused,$(T)/x,cannot apply to this tree: format .\$$.touch $(T)/pwned)
	$(call hx-manifest,kernel) && $(call hx-pack,$(T)/kernel.tar.gz,$(T)/x)
	$(call hx-use,$(T)/kernel.tar.gz) > $(T)/stale; cat $(T)/stale
	grep -qF 'PGO-STA stale profile: kernel '\''$$(touch $(T)/pwned)`touch $(T)/pwned`'\'' (this tree: ' $(T)/stale
	test ! -e $(T)/pwned && test ! -e $(KPGO_DIR)/pwned
	rm -rf $(T)/p && mkdir $(T)/p && cp $(T)/o/.config $(T)/p/
	{ cat $(T)/x/MANIFEST.orig; printf 'kpgo: a\033]0;owned\007b\n'; } > $(T)/x/MANIFEST
	$(call hx-pack,$(T)/ctl.tar.gz,$(T)/x)
	$(call hx-refused,$(T)/ctl.tar.gz,MANIFEST line 1[0-9]: a non-printable byte .\\x1b.)
	$(call hx-refused,$(T)/x,MANIFEST line 1[0-9]: a non-printable byte)
	{ cat $(T)/x/MANIFEST.orig; echo 'shell: $$(touch $(T)/pwned)'; } > $(T)/x/MANIFEST
	$(call hx-refused,$(T)/x,MANIFEST line 1[0-9]: unknown key .shell.)
	{ cat $(T)/x/MANIFEST.orig; echo 'format: kpgo-profile 1'; } > $(T)/x/MANIFEST
	$(call hx-refused,$(T)/x,MANIFEST line 1[0-9]: key .format. given again)
	{ cat $(T)/x/MANIFEST.orig; echo '$$(touch $(T)/pwned)'; } > $(T)/x/MANIFEST
	$(call hx-refused,$(T)/x,MANIFEST line 1[0-9]: not .key: value.)
	tar --format=gnu -C $(T)/x -czf $(T)/bare.tar.gz gcda
	$(call hx-refused,$(T)/bare.tar.gz,bare.tar.gz: no MANIFEST in it: .*the archive is refused)

# links: symbolic (to a host file, to /dev/zero, to a good .gcda outside),
# hard; a MANIFEST or .gcda that is a symbolic link in a profile directory
test-hostile-links: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda $(KPGO_BIN)/kpgo-profile
	$(hx-setup)
	mkdir -p $(T)/elsewhere && cp $(T)/x/gcda/main.gcda $(T)/elsewhere/
	ln -s /etc/passwd $(T)/x/gcda/passwd.gcda && $(call hx-pack,$(T)/l1.tar.gz,$(T)/x)
	$(call hx-refused,$(T)/l1.tar.gz,member .gcda/passwd.gcda.: a symbolic link)
	rm $(T)/x/gcda/passwd.gcda && ln -s /dev/zero $(T)/x/gcda/zero.gcda && $(call hx-pack,$(T)/l2.tar.gz,$(T)/x)
	$(call hx-refused,$(T)/l2.tar.gz,member .gcda/zero.gcda.: a symbolic link)
	rm $(T)/x/gcda/zero.gcda && ln -s $(T)/elsewhere/main.gcda $(T)/x/gcda/other.gcda && \
		$(call hx-pack,$(T)/l3.tar.gz,$(T)/x)
	$(call hx-refused,$(T)/l3.tar.gz,member .gcda/other.gcda.: a symbolic link)
	$(call hx-refused,$(T)/x,^kpgo-gcda: $(T)/x/gcda: .other.gcda. is a symbolic link)
	mkdir -p $(T)/y && cp $(T)/x/MANIFEST $(T)/y/ && ln -s $(T)/elsewhere $(T)/y/gcda
	$(call hx-refused,$(T)/y,PGO_PROFILE=$(T)/y: its gcda/ is a symbolic link)
	rm $(T)/x/gcda/other.gcda && ln $(T)/x/gcda/main.gcda $(T)/x/gcda/hard.gcda && \
		$(call hx-pack,$(T)/h.tar.gz,$(T)/x)
	$(call hx-refused,$(T)/h.tar.gz,member .gcda/(hard|main).gcda.: a hard link)
	rm $(T)/x/gcda/hard.gcda && mv $(T)/x/MANIFEST $(T)/MANIFEST.orig && \
		ln -s /etc/passwd $(T)/x/MANIFEST
	$(call hx-refused,$(T)/x,MANIFEST: a symbolic link)
	! grep -q root: $(T)/out

# FIFOs, character and block devices, as tar members
# $(call hx-special,TYPEFLAG,ARCHIVE): $(T)/x packed after a first member
# gcda/dev.gcda of tar type TYPEFLAG (3 char, 4 block, 6 FIFO): an empty
# regular member's header with its type byte (offset 156) and checksum
# (148: the byte sum with the field as spaces, 6 octal digits, NUL, space)
# rewritten
hx-dd = dd of=$(T)/sp.tar bs=1 seek=$(1) conv=notrunc 2>/dev/null
hx-special = rm -rf $(T)/sp && mkdir -p $(T)/sp/gcda && : > $(T)/sp/gcda/dev.gcda && \
	tar --format=gnu -C $(T)/sp -cf $(T)/sp.tar gcda/dev.gcda && \
	printf '$(1)' | $(call hx-dd,156) && printf '        ' | $(call hx-dd,148) && \
	s=$$(head -c 512 $(T)/sp.tar | od -An -v -tu1 | \
	  awk '{ for (i = 1; i <= NF; i++) s += $$i } END { print s }') && \
	printf '%06o\000 ' $$s | $(call hx-dd,148) && \
	tar --format=gnu -C $(T)/x -cf $(T)/rest.tar MANIFEST gcda && \
	{ head -c 512 $(T)/sp.tar; cat $(T)/rest.tar; } | gzip -n > $(2)
test-hostile-special: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda $(KPGO_BIN)/kpgo-profile
	$(hx-setup)
	$(call hx-special,6,$(T)/fifo.tar.gz)
	tar -tvzf $(T)/fifo.tar.gz | grep -q '^p.* gcda/dev.gcda$$'
	$(call hx-refused,$(T)/fifo.tar.gz,member .gcda/dev.gcda.: a FIFO)
	$(call hx-special,3,$(T)/chr.tar.gz)
	tar -tvzf $(T)/chr.tar.gz | grep -q '^c.* gcda/dev.gcda$$'
	$(call hx-refused,$(T)/chr.tar.gz,member .gcda/dev.gcda.: a character device)
	$(call hx-special,4,$(T)/blk.tar.gz)
	$(call hx-refused,$(T)/blk.tar.gz,member .gcda/dev.gcda.: a block device)
	mkfifo $(T)/x/gcda/fifo.gcda && $(call hx-pack,$(T)/fifo2.tar.gz,$(T)/x)
	$(call hx-refused,$(T)/fifo2.tar.gz,member .gcda/fifo.gcda.: a FIFO)
	$(call hx-refused,$(T)/x,FIFO)

# sizes, by the header's word: a .gcda over 64 MiB, a MANIFEST over 64 KiB,
# a 4 GiB sparse member (refused in seconds, without reading 4 GiB), 1 GiB
# in all (sparse members); a MANIFEST over 64 KiB in a directory
test-hostile-sizes: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda $(KPGO_BIN)/kpgo-profile
	$(hx-setup)
	truncate -s 65M $(T)/x/gcda/big.gcda && $(call hx-pack,$(T)/big.tar.gz,$(T)/x)
	$(call hx-refused,$(T)/big.tar.gz,member .gcda/big.gcda.: a .gcda larger than the limit of 64 MiB)
	rm $(T)/x/gcda/big.gcda && truncate -s 4G $(T)/x/gcda/sparse.gcda && \
		$(call hx-pack,$(T)/sparse.tar.gz,$(T)/x,-S)
	t0=$$(date +%s); $(call hx-refused,$(T)/sparse.tar.gz,member .gcda/sparse.gcda.: a .gcda larger than) && \
		test $$(( $$(date +%s) - t0 )) -lt 30
	rm $(T)/x/gcda/sparse.gcda && mkdir $(T)/x/gcda/many && \
	for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17; do \
		truncate -s 63M $(T)/x/gcda/many/$$i.gcda; done && \
		$(call hx-pack,$(T)/total.tar.gz,$(T)/x,-S) && rm -rf $(T)/x/gcda/many
	$(call hx-refused,$(T)/total.tar.gz,larger than 1 GiB in all)
	cp $(T)/x/MANIFEST $(T)/MANIFEST.orig && head -c 70000 /dev/zero | tr '\0' x >> $(T)/x/MANIFEST
	$(call hx-pack,$(T)/manifest.tar.gz,$(T)/x)
	$(call hx-refused,$(T)/manifest.tar.gz,member .MANIFEST.: a MANIFEST larger than the limit)
	$(call hx-refused,$(T)/x,MANIFEST: larger than the limit)

# PGO_PROFILE paths with spaces, ';', $(...) and backticks: shell text
# nowhere; an archive and a directory so named are used as any other
# (the file's name has '$$(', make's command line '$$$$(': make expands it)
hx-evil = $(T)/a;touch $(T)/pwned;b`touch pwned`c$$(touch pwned)d
hx-evil-arg = $(T)/a;touch $(T)/pwned;b`touch pwned`c$$$$(touch pwned)d
test-hostile-path: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda $(KPGO_BIN)/kpgo-profile
	$(hx-setup)
	mkdir -p "$$(dirname '$(hx-evil)')" && cp $(call pk-archive,redis) '$(hx-evil).tar.gz'
	$(call hx-use,'$(hx-evil-arg).tar.gz') > $(T)/imp; cat $(T)/imp
	grep -q 'PGO-IMP .*/pwned;b.touch pwned.c.(touch pwned)d.tar.gz: 3 files (2 .gcda)' $(T)/imp
	grep -q 'PGO-MRG imported: 2 objects' $(T)/imp
	test ! -e $(T)/pwned && test ! -e $(KPGO_DIR)/pwned && test ! -e $(T)/o/pwned
	cp -r $(T)/x '$(hx-evil)'
	$(call hx-use,'$(hx-evil-arg)') > $(T)/dir; cat $(T)/dir
	grep -q 'PGO-MRG imported: 2 objects (updated 0, unchanged 2' $(T)/dir
	test ! -e $(T)/pwned && test ! -e $(KPGO_DIR)/pwned
	$(call expect-fail,$(call hx-use,'$(T)/a b;c.tar.gz'),PGO_PROFILE=$(T)/a b;c.tar.gz: no such file)
	test ! -e $(T)/pwned && test ! -e $(KPGO_DIR)/pwned
	$(foreach v,PGO_OUT PGO_PROFILES PGO_EXPORT_DIR O,$(call expect-fail,timeout 60 $(pk-make) \
	  O=$(T)/p '$(v)=$(T)/q;touch $(T)/pwned' pgo-list,kpgo: $(v)=$(T)/q;touch $(T)/pwned has a character \
	  that a shell or make treats specially) && $(call expect-fail,timeout 60 $(pk-make) O=$(T)/p \
	  '$(v)=$(T)/q`touch $(T)/pwned`' pgo-use-redis,kpgo: $(v)=.* has a character that a shell) &&) true
	test ! -e $(T)/pwned && test ! -e $(T)/q*
	mkdir -p '$(T)/w;x' && cp $(T)/p/.config '$(T)/w;x/'
	$(call expect-fail,cd '$(T)/w;x' && timeout 60 $(MAKE) --no-print-directory \
	  -f $(KPGO_DIR)/Makefile KSRC=$(KSRC_TEST) O=. pgo-use-redis,kpgo: $(T)/w;x .a path kpgo derived)
	test ! -e '$(T)/w;x/.kpgo'

# a profile whose .gcda files are not those its MANIFEST's profile: line
# counts (one removed, archive or directory) is refused, even with
# PGO_ALLOW_STALE=1
test-hostile-truncated: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda $(KPGO_BIN)/kpgo-profile
	$(hx-setup)
	rm $(T)/x/gcda/lib/work.gcda && $(call hx-pack,$(T)/cut.tar.gz,$(T)/x)
	$(call hx-refused,$(T)/cut.tar.gz,is not the profile its MANIFEST describes: the MANIFEST says profile: .2 objects.*its files hold: 1 objects)
	$(call hx-refused,$(T)/x,is not the profile its MANIFEST describes)
	$(call expect-fail,$(call hx-use,$(T)/x) PGO_ALLOW_STALE=1,incomplete or altered)
	$(hx-nothing)
	tar -xzf $(call pk-archive,redis) -C $(T)/x gcda/lib/work.gcda
	sed '/^profile:/d' $(T)/x/MANIFEST > $(T)/m && mv $(T)/m $(T)/x/MANIFEST
	$(call hx-refused,$(T)/x,the MANIFEST has no profile: line)

# pgo-export: a failing tar or gzip leaves the previous archive as it was
# and no temporary file
hx-fake = mkdir -p $(T)/bin && printf '\#!/bin/sh\nfor a; do case $$a in -cf) o=1;; *) [ "$$o" = 1 ] && echo partial > "$$a"; o=;; esac; done\necho partial\nexit 1\n' \
	> $(T)/bin/$(1) && chmod +x $(T)/bin/$(1)
test-hostile-export: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda
	$(pk-tree)
	$(pk-make) -s O=$(T)/o pgo-export-redis
	cp $(call pk-archive,redis) $(T)/before.tar.gz
	$(call hx-fake,tar)
	$(call expect-fail,PATH=$(T)/bin:$$PATH $(pk-make) O=$(T)/o pgo-export-redis,exporting redis failed .exit 1.; .*redis.tar.gz is unchanged)
	cmp $(T)/before.tar.gz $(call pk-archive,redis)
	test "$$(ls -A $(T)/o/.kpgo/export)" = "$$(printf 'redis.manifest\nredis.tar.gz')"
	rm $(T)/bin/tar && $(call hx-fake,gzip)
	$(call expect-fail,PATH=$(T)/bin:$$PATH $(pk-make) O=$(T)/o pgo-export-redis,exporting redis failed)
	cmp $(T)/before.tar.gz $(call pk-archive,redis)
	test "$$(ls -A $(T)/o/.kpgo/export)" = "$$(printf 'redis.manifest\nredis.tar.gz')"
	rm -r $(T)/bin
	$(pk-make) -s O=$(T)/o pgo-export-redis
	cmp $(T)/before.tar.gz $(call pk-archive,redis)
