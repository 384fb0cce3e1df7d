# SPDX-License-Identifier: GPL-2.0
#
# tests/settings.mk - kpgo's Kconfig settings (kconfig/Kconfig,
# mk/settings.mk), fast tier: written by the kernel tree's own kconfig
# (pgo-olddefconfig), changed with its scripts/config, read by the make
# files; the command line still wins; Kconfig's ranges hold.

KPGO_TESTS_FAST += settings-kconfig

test-settings-kconfig: $(PK_CONFIG) $(KPGO_BIN)/kpgo-gcda
	$(pk-tree)
	$(pk-make) O=$(T)/o pgo-settings > $(T)/none
	grep -Eq '^  PGO_REBUILD_THRESHOLD +default +5$$' $(T)/none
	$(pk-make) O=$(T)/o pgo-olddefconfig > $(T)/def; cat $(T)/def
	grep -q 'SETTING 1[0-9] settings in $(T)/o/.kpgo.config' $(T)/def
	grep -qx 'CONFIG_KPGO_REBUILD_THRESHOLD=5' $(T)/o/.kpgo.config
	grep -qx 'CONFIG_KPGO_ACCEL_AUTO=y' $(T)/o/.kpgo.config
	$(KSRC_TEST)/scripts/config --file $(T)/o/.kpgo.config --set-val KPGO_REBUILD_THRESHOLD 12 \
		--set-str KPGO_SET_DEFAULT 'redis:2 nginx' --set-str KPGO_USE_TARGETS olddefconfig \
		-d KPGO_NORMALIZE -d KPGO_ACCEL_AUTO -e KPGO_ACCEL_TCG --set-val KPGO_MEM 768
	$(pk-make) -s O=$(T)/o pgo-olddefconfig
	$(pk-make) O=$(T)/o PGO_SMP=3 pgo-settings > $(T)/set; cat $(T)/set
	grep -Eq '^  PGO_REBUILD_THRESHOLD +\.kpgo\.config +12$$' $(T)/set
	grep -Eq '^  PGO_SET_default +\.kpgo\.config +redis:2 nginx$$' $(T)/set
	grep -Eq '^  PGO_NORMALIZE +\.kpgo\.config +n$$' $(T)/set
	grep -Eq '^  PGO_ACCEL +\.kpgo\.config +tcg$$' $(T)/set
	grep -Eq '^  PGO_MEM +\.kpgo\.config +768$$' $(T)/set
	grep -Eq '^  PGO_TIMEOUT +\.kpgo\.config +$$' $(T)/set
	grep -Eq '^  PGO_SMP +command line +3$$' $(T)/set
	$(pk-make) O=$(T)/o pgo-use-default > $(T)/use; cat $(T)/use
	grep -q 'PGO-MRG default: 2 objects .*kept 0 (moved < 12%)' $(T)/use
	grep -q 'PGO-USE default: building olddefconfig in $(T)/o' $(T)/use
	$(pk-make) O=$(T)/o PGO_REBUILD_THRESHOLD=7 PGO_SET_default=nginx pgo-use-default > $(T)/cmd
	grep -q 'PGO-MRG default: 2 objects .*(moved < 7%)' $(T)/cmd
	$(pk-make) -s O=$(T)/o pgo-export-default
	tar -xOzf $(T)/o/.kpgo/export/default.tar.gz MANIFEST | grep -qx 'normalize: n'
	$(KSRC_TEST)/scripts/config --file $(T)/o/.kpgo.config --set-val KPGO_REBUILD_THRESHOLD 500
	$(pk-make) -s O=$(T)/o pgo-olddefconfig
	grep -qx 'CONFIG_KPGO_REBUILD_THRESHOLD=100' $(T)/o/.kpgo.config
