# SPDX-License-Identifier: GPL-2.0
#
# tests/vm.mk - fast tests of kpgo-vm (tools/vm.c) that need no guest: the
# QEMU command line it composes, read by a QEMU stand-in that records its
# arguments and exits (kpgo-vm then reports the early exit).  The runs
# with real QEMU are the e2e tests' (e2e-compare: identical measure runs).

KPGO_TESTS_FAST += vm-qemu-args

vm-bin := $(KPGO_BIN)/kpgo-vm

# $(call vm-run,OPTIONS): kpgo-vm with the stand-in, $(T)/argv its arguments
# one per line; the run fails (QEMU "exited"), and says so
vm-run = rm -f $(T)/argv; $(call expect-fail,$(vm-bin) --quiet --qemu $(T)/qemu --kernel $(T)/k \
	--initrd $(T)/i --console $(T)/con --accel tcg --boot-timeout 5 $(1),QEMU|qemu) && test -s $(T)/argv

# --icount: every virtio device notified synchronously, QEMU's random
# numbers seeded; --isolated: the network card on a hub with no other
# port, no forwarded port.  Without them: QEMU's user network with the
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
	$(call expect-fail,$(vm-bin) --kernel $(T)/k --initrd $(T)/i --console $(T)/con --isolated -- true,--isolated leaves the host no way to the guest: it needs --guest-load)
