# SPDX-License-Identifier: GPL-2.0
#
# tests/vm.mk - fast tests of kpgo-vm (tools/vm.c) that need no guest: the
# QEMU command line it composes, read by a QEMU stand-in that records its
# arguments and exits (kpgo-vm then reports the early exit).  The runs
# with real QEMU are the e2e tests' (e2e-compare: identical measure runs).

KPGO_TESTS_FAST += vm-qemu-args vm-slots

vm-bin := $(KPGO_BIN)/kpgo-vm

# $(call vm-run,OPTIONS): kpgo-vm with the stand-in, $(T)/argv its arguments
# one per line; the run fails (QEMU "exited"), and says so
vm-run = rm -f $(T)/argv; $(call expect-fail,$(vm-bin) --quiet --qemu $(T)/qemu --kernel $(T)/k \
	--initrd $(T)/i --console $(T)/con --accel tcg --boot-timeout 5 $(1),QEMU|qemu) && test -s $(T)/argv

# --icount: every virtio device notified synchronously, QEMU's random
# numbers seeded, an idle guest's clock jumping to its next timer, but
# with a client on the host (then idle time passes); --isolated: the network card on a hub with no other
# port, no forwarded port; --plugin: single-threaded TCG.  Without them: QEMU's user network with the
# port forwarded, devices as QEMU makes them.  --isolated needs a load in
# the guest (a host client could not reach it).
test-vm-qemu-args: $(vm-bin)
	printf '#!/bin/sh\nprintf "%%s\\n" "$$@" > $(T)/argv\nexit 1\n' > $(T)/qemu && chmod +x $(T)/qemu
	touch $(T)/k $(T)/i $(T)/disk && mkdir -p $(T)/share
	$(call vm-run,--icount --isolated --guest-load --port 0:6379 --disk $(T)/disk --share $(T)/share)
	grep -qx 'hubport,id=n0,hubid=0' $(T)/argv
	grep -qx 'virtio-net-pci,netdev=n0,ioeventfd=off' $(T)/argv
	grep -qx 'virtio-blk-pci,drive=d0,ioeventfd=off' $(T)/argv
	grep -qx 'virtio-9p-pci,fsdev=fs0,mount_tag=kpgo,ioeventfd=off' $(T)/argv
	grep -qx 'local,id=fs0,path=$(T)/share,security_model=none' $(T)/argv
	grep -A1 -x -- '-seed' $(T)/argv | grep -qx 1
	grep -A1 -x -- '-icount' $(T)/argv | grep -qx 'shift=0,sleep=off'
	! grep -q 'hostfwd' $(T)/argv
	$(call vm-run,--guest-load --port 0:6379 --disk $(T)/disk)
	grep -Eqx 'user,id=n0,hostfwd=tcp:127\.0\.0\.1:[1-9][0-9]*-:6379' $(T)/argv
	grep -qx 'virtio-net-pci,netdev=n0' $(T)/argv && grep -qx 'virtio-blk-pci,drive=d0' $(T)/argv
	! grep -q 'ioeventfd\|^-seed$$\|^-icount$$' $(T)/argv
	$(call vm-run,--icount --port 0:6379 -- true)
	grep -A1 -x -- '-icount' $(T)/argv | grep -qx 'shift=0,sleep=on'
	grep -A1 -x -- '-accel' $(T)/argv | grep -qx tcg
	# a plugin without -icount: TCG on one thread (its counters are not atomic)
	$(call vm-run,--plugin /p.so --smp 2 --port 0:6379 -- true)
	grep -A1 -x -- '-accel' $(T)/argv | grep -qx 'tcg,thread=single'
	grep -A1 -x -- '-plugin' $(T)/argv | grep -qx /p.so
	grep -Eqx 'user,id=n0,hostfwd=tcp:127\.0\.0\.1:[1-9][0-9]*-:6379' $(T)/argv
	$(call expect-fail,$(vm-bin) --kernel $(T)/k --initrd $(T)/i --console $(T)/con --isolated -- true,--isolated leaves the host no way to the guest: it needs --guest-load)

# --slots: at most the guests the host holds at once.  --mem as large as
# the host's memory leaves room for one: of two runs started together
# (QEMU stand-ins that last a second, each noting when it ran beside its
# console log), the second waits for the first's slot, says so, and the
# two never overlap; a run with a small guest in another slot directory,
# at the same time, does not wait
vm-slot-qemu = for a; do case "$$a" in file,id=con,path=*) c=$${a\#file,id=con,path=}; c=$${c%%,*};; esac; done; \
	echo "$$(date +%s.%N)" > $$c.start; sleep 1; echo "$$(date +%s.%N)" > $$c.end; exit 1
test-vm-slots: $(vm-bin)
	printf '#!/bin/sh\n%s\n' '$(vm-slot-qemu)' > $(T)/qemu && chmod +x $(T)/qemu
	touch $(T)/k $(T)/i && mkdir -p $(T)/s $(T)/s2
	m=$$(awk '/^MemTotal:/ { print int($$2 / 1024) }' /proc/meminfo); \
	for n in 1 2; do $(vm-bin) --qemu $(T)/qemu --kernel $(T)/k --initrd $(T)/i --console $(T)/con$$n \
	  --accel tcg --mem $$m --slots $(T)/s --name g$$n --guest-load > $(T)/out$$n 2>&1 & done; \
	sleep 0.3; $(vm-bin) --qemu $(T)/qemu --kernel $(T)/k --initrd $(T)/i --console $(T)/con3 --accel tcg \
	  --mem 64 --slots $(T)/s2 --name g3 --guest-load > $(T)/out3 2>&1; wait
	cat $(T)/out1 $(T)/out2 $(T)/out3
	test $$(cat $(T)/out1 $(T)/out2 | grep -c 'waiting for a guest slot: 1 guest (this host.s most) run already') -eq 1
	! grep -q 'waiting' $(T)/out3
	test -e $(T)/s/.vm-slot.0 && test ! -e $(T)/s/.vm-slot.1
	cat $(T)/con1.start $(T)/con1.end $(T)/con2.start $(T)/con2.end $(T)/con3.start | awk '{ t[NR] = $$1 } \
	  END { print "g1", t[1], t[2], "g2", t[3], t[4], "g3", t[5]; \
	  exit !((t[2] <= t[3] || t[4] <= t[1]) && t[5] < (t[1] < t[3] ? t[4] : t[2])) }'
