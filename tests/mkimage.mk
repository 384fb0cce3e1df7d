# SPDX-License-Identifier: GPL-2.0
#
# tests/mkimage.mk - tests of kpgo-mkimage (tools/mkimage.c).

KPGO_TESTS_FAST += mkimage-redis mkimage-determinism mkimage-nodes \
		   mkimage-tree mkimage-deps mkimage-err-directive \
		   mkimage-err-src mkimage-err-lib mkimage-err-dup \
		   mkimage-err-output mkimage-usage mkimage-modules \
		   mkimage-err-modules
KPGO_TESTS_E2E  += mkimage-boot

MKIMAGE := $(KPGO_SAN)/kpgo-mkimage
# the e2e tier's optimized kernel (e2e-o: tests/lib.mk)
MKIMAGE_BZIMAGE ?= $(e2e-o)/arch/x86/boot/bzImage

# $(call mkimage-fails,ARGS,REGEX): kpgo-mkimage ARGS exits with status 1
# printing a line matching REGEX, without sanitizer report, and leaves no
# image (nor temporary file) in $(T)
mkimage-fails = $(call expect-fail,$(MKIMAGE) $(1) || { echo exit status $$?; \
	false; },$(2)) && grep -qx 'exit status 1' $(T)/out && \
	! grep -q Sanitizer $(T)/out && ! ls $(T)/*.cpio.gz* 2>/dev/null

# redis-server, its interpreter and every library ldd names are in the image,
# with the host's contents (a symlink must point at an identical file)
test-mkimage-redis: $(MKIMAGE)
	cd $(T) && echo 'elf /usr/bin/redis-server /usr/bin/redis-server' >m && \
	$(MKIMAGE) -o img.cpio.gz m && \
	gunzip -c img.cpio.gz | cpio -t --quiet >list && \
	mkdir x && (cd x && gunzip -c ../img.cpio.gz | \
		cpio -idm --quiet --no-absolute-filenames) && \
	for f in /usr/bin/redis-server $$(ldd /usr/bin/redis-server | \
			grep -o '/[^ ]*'); do \
		grep -qx "$${f#/}" list || { echo "$$f not in image"; exit 1; }; \
		g=x$$f; if [ -L $$g ]; then g=x$$(readlink $$g); fi; \
		cmp $$f $$g || exit 1; \
	done && grep -qx lib/x86_64-linux-gnu/libc.so.6 list

# same inputs, same bytes (whatever the manifest order, mtimes, cwd); other
# contents, other bytes; no time stamp in the gzip header
test-mkimage-determinism: $(MKIMAGE)
	cd $(T) && echo one >a && \
	printf 'file /etc/a a 644\nelf /bin/ls /bin/ls\ndir /tmp 1777\n' >m1 && \
	printf 'dir /tmp 1777\nelf /bin/ls /bin/ls\nfile /etc/a a 644\n' >m2 && \
	$(MKIMAGE) -q -o 1.cpio.gz m1 && touch -d @1 a && \
	$(MKIMAGE) -q -o 2.cpio.gz m2 && cmp 1.cpio.gz 2.cpio.gz && \
	sed 's|a 644|$(T)/a 644|' m1 >m3 && \
	mkdir d && (cd d && $(MKIMAGE) -q -o ../3.cpio.gz ../m3) && \
	cmp 1.cpio.gz 3.cpio.gz && \
	test "$$(od -An -tx1 -j3 -N5 1.cpio.gz)" = " 00 00 00 00 00" && \
	echo two >a && $(MKIMAGE) -q -o 4.cpio.gz m1 && \
	! cmp -s 1.cpio.gz 4.cpio.gz

# dir, nod, slink: type, mode, device numbers, target; implicit parents
test-mkimage-nodes: $(MKIMAGE)
	cd $(T) && printf '%s\n' 'dir /etc 700' 'nod /dev/console 600 c 5 1' \
		'nod /dev/vda 660 b 254 3' 'slink /bin/sh busybox  # comment' \
		'' '# only a comment' >m && \
	$(MKIMAGE) -o i.cpio.gz m >msg && cat msg && \
	grep -qx 'kpgo-mkimage: i.cpio.gz: 6 entries (0 files, 0 libraries, 3 dirs), [0-9]* bytes uncompressed, [0-9]* bytes compressed' msg && \
	gunzip -c i.cpio.gz | cpio -tv --quiet >l && cat l && \
	grep -Eq '^drwx------ .* etc$$' l && grep -Eq '^drwxr-xr-x .* dev$$' l && \
	grep -Eq '^crw------- .* 5, +1 .* dev/console$$' l && \
	grep -Eq '^brw-rw---- .* 254, +3 .* dev/vda$$' l && \
	grep -Eq '^lrwxrwxrwx .* bin/sh -> busybox$$' l && test $$(wc -l <l) = 6

# tree copies files, directories, symlinks and modes; a path listed twice
# with the same content is fine
test-mkimage-tree: $(MKIMAGE)
	cd $(T) && mkdir -p src/sub/deep && echo hi >src/f && chmod 644 src/f && \
	echo secret >src/sub/s && chmod 600 src/sub/s && \
	ln -s ../f src/sub/link && chmod 750 src/sub/deep && \
	printf '%s\n' 'tree /opt/t src' 'file /opt/t/f src/f 644' 'tree / src' \
		'elf /bin/true /bin/true' 'elf /bin/false /bin/false' >m && \
	$(MKIMAGE) -o i.cpio.gz m && mkdir x && (cd x && gunzip -c \
		../i.cpio.gz | cpio -idm --quiet --no-absolute-filenames) && \
	diff -r src x/opt/t && cmp src/sub/s x/sub/s && test "$$(readlink x/opt/t/sub/link)" = ../f && \
	test "$$(stat -c %a x/opt/t/sub/s x/opt/t/sub/deep | tr '\n' ' ')" = '600 750 '

# the dependency file names every host file read and makes make rebuild
test-mkimage-deps: $(MKIMAGE)
	cd $(T) && mkdir src && echo x >'src/a b' && \
	printf 'tree /t src\nelf /bin/ls /bin/ls\n' >m && \
	printf 'img.cpio.gz:\n\t%s -q -o $$@ --deps img.d m\n-include img.d\n' \
		'$(MKIMAGE)' >Makefile && \
	env -u MAKEFLAGS make -s -f Makefile && cat img.d && \
	grep -qx 'img.cpio.gz: \\' img.d && grep -qx ' m \\' img.d && \
	grep -qxF ' src/a\ b' img.d && grep -qx ' src \\' img.d && \
	grep -q '^ /lib/x86_64-linux-gnu/libc.so.6 ' img.d && \
	grep -qx '/lib64/ld-linux-x86-64.so.2:' img.d && \
	env -u MAKEFLAGS make -q -f Makefile && touch -d '+1 hour' 'src/a b' && \
	! env -u MAKEFLAGS make -q -f Makefile

test-mkimage-err-directive: $(MKIMAGE)
	cd $(T) && printf 'dir /a 755\n\nfrobnicate /x y\n' >m && \
	$(call mkimage-fails,-o $(T)/out.cpio.gz m,^kpgo-mkimage: m:3: unknown directive .frobnicate.; expected dir) && \
	printf 'dir /a 855\n' >m && \
	$(call mkimage-fails,-o $(T)/out.cpio.gz m,^kpgo-mkimage: m:1: bad mode .855.) && \
	printf 'nod /dev/x 600 c 5\n' >m && \
	$(call mkimage-fails,-o $(T)/out.cpio.gz m,m:1: nod takes 5 fields. found 4; expected: nod PATH) && \
	printf 'dir a/../.. 755\n' >m && \
	$(call mkimage-fails,-o $(T)/out.cpio.gz m,m:1: bad image path .a/\.\./\.\..; it must be absolute)

test-mkimage-err-src: $(MKIMAGE)
	cd $(T) && printf 'file /x /nonexistent/kpgo 644\n' >m && \
	$(call mkimage-fails,-o $(T)/out.cpio.gz m,^kpgo-mkimage: m:1: cannot read ./nonexistent/kpgo.: No such file or directory) && \
	printf 'elf /x m\n' >m && \
	$(call mkimage-fails,-o $(T)/out.cpio.gz m,^kpgo-mkimage: m:1: m: not an ELF file) && \
	$(call mkimage-fails,-o $(T)/out.cpio.gz nonexistent.m,cannot open manifest .nonexistent.m.)

# a program whose library (found through RUNPATH $ORIGIN/../lib) is deleted
test-mkimage-err-lib: $(MKIMAGE)
	cd $(T) && mkdir bin lib && echo 'int kpfoo(void) { return 0; }' >foo.c && \
	echo 'int kpfoo(void); int main(void) { return kpfoo(); }' >prog.c && \
	gcc -shared -fPIC -o lib/libkpfoo.so foo.c && \
	gcc -o bin/prog prog.c -Llib -lkpfoo -Wl,--enable-new-dtags,-rpath,'$$ORIGIN/../lib' && \
	echo 'elf /bin/prog bin/prog' >m && $(MKIMAGE) -o ok.cpio.gz m && \
	gunzip -c ok.cpio.gz | cpio -t --quiet | grep -qx "$${PWD#/}/lib/libkpfoo.so" && \
	rm ok.cpio.gz lib/libkpfoo.so && \
	$(call mkimage-fails,-o $(T)/out.cpio.gz m,^kpgo-mkimage: m:1: bin/prog needs library libkpfoo.so. which is in none of $(T)/bin/../lib:)

test-mkimage-err-dup: $(MKIMAGE)
	cd $(T) && echo 1 >a && echo 2 >b && cp a a2 && \
	printf '%s\n' 'file /x a 644' 'dir /d 755' 'file /x a2 644' 'dir /d 755' >m && \
	$(MKIMAGE) -q -o ok.cpio.gz m && rm ok.cpio.gz && \
	printf '%s\n' 'file /x a 644' '' 'file /x b 644' >m && \
	$(call mkimage-fails,-o $(T)/out.cpio.gz m,^kpgo-mkimage: m:3: /x conflicts with line 1: a file 644 with the contents of .a. there. a file 644 with the contents of .b. here; remove one) && \
	printf '%s\n' 'file /x a 644' 'file /x a 755' >m && \
	$(call mkimage-fails,-o $(T)/out.cpio.gz m,^kpgo-mkimage: m:2: /x conflicts with line 1: a file 644 .* there. a file 755 ) && \
	printf '%s\n' 'nod /d 600 c 1 3' 'nod /d 600 c 1 5' >m && \
	$(call mkimage-fails,-o $(T)/out.cpio.gz m,m:2: /d conflicts with line 1: a character device 600 1:3 there. a character device 600 1:5 here) && \
	printf '%s\n' 'slink /lib usr/lib' 'elf /bin/ls /bin/ls' >m && \
	$(call mkimage-fails,-o $(T)/out.cpio.gz m,^kpgo-mkimage: m:1: /lib is a symlink to .usr/lib.. but line 2 puts something under it)

test-mkimage-err-output: $(MKIMAGE)
	cd $(T) && echo 'dir /a 755' >m && touch afile && \
	$(call mkimage-fails,-o $(T)/afile/out.cpio.gz m,cannot write .$(T)/afile/out.cpio.gz.: Not a directory; check) && \
	$(call mkimage-fails,-o /proc/kpgo-none/out.cpio.gz m,cannot write ./proc/kpgo-none/out.cpio.gz.: ) && \
	$(call mkimage-fails,-o $(T)/out.cpio.gz --deps $(T)/afile/d m,cannot write .$(T)/afile/d.: ) && \
	test ! -e afile/d

test-mkimage-usage: $(MKIMAGE)
	$(MKIMAGE) --help | grep -q '^SYNOPSIS' && \
	{ $(MKIMAGE) m; test $$? = 2; } && { $(MKIMAGE) -o x; test $$? = 2; } && \
	{ $(MKIMAGE) --bogus -o x m; test $$? = 2; }

# boot the image: /init (busybox sh) runs redis-server --version, then
# reboots; skipped when no kernel was built
test-mkimage-boot: $(MKIMAGE)
	@if [ ! -e $(MKIMAGE_BZIMAGE) ]; then \
		$(call skip,no kernel at $(MKIMAGE_BZIMAGE)); fi; \
	set -e; cd $(T); \
	printf '%s\n' '#!/bin/sh' 'echo "kpgo-boot-$$((6 * 7))"' \
		'/usr/bin/redis-server --version' '/bin/busybox reboot -f' >init; \
	printf '%s\n' 'nod /dev/console 600 c 5 1' 'file /init init 755' \
		'file /bin/busybox /bin/busybox 755' 'slink /bin/sh busybox' \
		'elf /usr/bin/redis-server /usr/bin/redis-server' >m; \
	$(MKIMAGE) -o img.cpio.gz m; \
	timeout 60 qemu-system-x86_64 -accel tcg -m 256 -nographic -no-reboot \
		-kernel $(MKIMAGE_BZIMAGE) -initrd img.cpio.gz \
		-append "console=ttyS0 panic=-1 rdinit=/init" </dev/null >boot.log 2>&1 || true; \
	tail -n 20 boot.log; grep -q '^kpgo-boot-42' boot.log; \
	grep -q '^Redis server v=' boot.log

# a fake modules_install tree (ROOT/lib/modules/REL): depmod's modules.dep
# and modules.builtin, and a .ko file each
mkimage-modroot = d=$(T)/root/lib/modules/6.1-x && mkdir -p $$d/kernel/a $$d/kernel/b && \
	for m in a/failover b/net_failover a/virtio-net b/9pnet a/9pnet_virtio b/9p a/unused; do \
	  echo "mod $$m" > $$d/kernel/$$m.ko; done && \
	printf '%s\n' 'kernel/a/failover.ko:' 'kernel/b/net_failover.ko: kernel/a/failover.ko' \
	  'kernel/a/virtio-net.ko: kernel/b/net_failover.ko kernel/a/failover.ko' 'kernel/b/9pnet.ko:' \
	  'kernel/a/9pnet_virtio.ko: kernel/b/9pnet.ko' 'kernel/b/9p.ko: kernel/b/9pnet.ko' \
	  'kernel/a/unused.ko:' > $$d/modules.dep && \
	printf 'kernel/drivers/virtio/virtio_pci.ko\nkernel/fs/ext4/ext4.ko\n' > $$d/modules.builtin

# modules: the closure of the names ('-' and '_' alike) at their paths,
# /etc/kpgo-modules in load order (dependencies first, each once), built-in
# names skipped, nothing else; --keep leaves an unchanged image's time
test-mkimage-modules: $(MKIMAGE)
	$(mkimage-modroot)
	cd $(T) && echo 'modules root 6.1-x virtio_pci virtio_net 9p 9pnet-virtio ext4' > m && \
	$(MKIMAGE) -o i.cpio.gz --deps i.d m > msg && cat msg && \
	grep -qx 'kpgo-mkimage: i.cpio.gz: 6 modules to load, 2 built in' msg && \
	mkdir x && (cd x && gunzip -c ../i.cpio.gz | cpio -idm --quiet --no-absolute-filenames) && \
	printf '/lib/modules/6.1-x/kernel/%s.ko\n' a/failover b/net_failover a/virtio-net b/9pnet b/9p \
	  a/9pnet_virtio > want && cat x/etc/kpgo-modules && diff want x/etc/kpgo-modules && \
	cmp root/lib/modules/6.1-x/kernel/b/9p.ko x/lib/modules/6.1-x/kernel/b/9p.ko && \
	test ! -e x/lib/modules/6.1-x/kernel/a/unused.ko && \
	test $$(find x -type f | wc -l) = 7 && \
	grep -q 'root/lib/modules/6.1-x/modules.dep' i.d && grep -q 'kernel/a/failover.ko' i.d && \
	touch -d @1 i.cpio.gz && $(MKIMAGE) -q -k -o i.cpio.gz m && test "$$(stat -c %Y i.cpio.gz)" = 1 && \
	$(MKIMAGE) -q -o i.cpio.gz m && test "$$(stat -c %Y i.cpio.gz)" != 1

# a name neither built in nor a module, a bad name, a bad release, a loop,
# a second modules line: refused, saying which
test-mkimage-err-modules: $(MKIMAGE)
	$(mkimage-modroot)
	cd $(T) && echo 'modules root 6.1-x virtio_net nosuch' > m1 && \
	$(call mkimage-fails,-o i.cpio.gz m1,m1:1: module .nosuch. is neither built into kernel 6.1-x nor in root/lib/modules/6.1-x/modules.dep) && \
	echo 'modules root 6.1-x virtio_net a;b' > m2 && \
	$(call mkimage-fails,-o i.cpio.gz m2,m2:1: bad module name .a;b.) && \
	echo 'modules root ../6.1-x virtio_net' > m3 && \
	$(call mkimage-fails,-o i.cpio.gz m3,m3:1: bad RELEASE) && \
	printf 'modules root 6.1-x 9p\nmodules root 6.1-x 9p\n' > m4 && \
	$(call mkimage-fails,-o i.cpio.gz m4,m4:2: a second modules line) && \
	echo 'modules root 6.1-x' > m5 && \
	$(call mkimage-fails,-o i.cpio.gz m5,m5:1: modules takes 3 to) && \
	printf 'kernel/a/x.ko: kernel/a/y.ko\nkernel/a/y.ko: kernel/a/x.ko\n' > root/lib/modules/6.1-x/modules.dep && \
	echo 'modules root 6.1-x x' > m6 && \
	$(call mkimage-fails,-o i.cpio.gz m6,m6:1: modules.dep has a dependency loop) && \
	echo '../../etc/passwd.ko:' > root/lib/modules/6.1-x/modules.dep && \
	$(call mkimage-fails,-o i.cpio.gz m6,bad module path)
