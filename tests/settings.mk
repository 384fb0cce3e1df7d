# SPDX-License-Identifier: GPL-2.0
#
# tests/settings.mk - kpgo's Kconfig settings (kconfig/Kconfig,
# mk/settings.mk), fast tier: written by the kernel tree's own kconfig
# (pgo-olddefconfig), changed with its scripts/config, read by the make
# files; the command line still wins; Kconfig's ranges hold.

KPGO_TESTS_FAST += settings-kconfig settings-table

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

# the table of settings (mk/settings.mk) is the one source of defaults:
# every setting kconfig/Kconfig has is there with the table's type, range
# and default (an empty default is Kconfig's 0 for a number), and pgo-help
# and the README's variable list name every setting of the table
test-settings-table:
	$(MAKE) -s --no-print-directory -C $(KPGO_DIR) pgo-settings-table > $(T)/table
	cat $(T)/table; test $$(wc -l < $(T)/table) -gt 20
	awk 'FNR == 1 && NR > 1 { FS = " " } \
	  NR == FNR { split($$0, f, "\t"); if (f[3] != "-") { def[f[1]] = f[2]; ty[f[1]] = f[3]; n++ } next } \
	  $$1 == "config" { s = "PGO_" substr($$2, 6) } $$1 == "choice" { s = "choice" } \
	  $$1 ~ /^(string|bool|int)$$/ && s != "choice" { kty[s] = $$1 } \
	  $$1 == "range" { kty[s] = kty[s] ":" $$2 ":" $$3 } \
	  $$1 == "default" && s == "choice" { sub(/^KPGO_/, "", $$2); c = $$2; sub(/_.*/, "", c); \
	    v = substr($$2, length(c) + 2); kty["PGO_" c] = "choice"; kdef["PGO_" c] = tolower(v); next } \
	  $$1 == "default" { v = $$0; sub(/^[ \t]*default[ \t]*/, "", v); gsub(/"/, "", v); kdef[s] = v } \
	  END { for (k in ty) { d = def[k]; if (d == "" && ty[k] ~ /^int/) d = "0"; \
	    if (!(k in kty)) { print k ": not in kconfig/Kconfig"; bad++ } \
	    else if (kty[k] != ty[k] || kdef[k] != d) { print k ": Kconfig " kty[k] " default \"" kdef[k] \
	      "\", table " ty[k] " default \"" d "\""; bad++ } } \
	    print n " settings in Kconfig checked"; exit bad > 0 }' $(T)/table $(KPGO_DIR)/kconfig/Kconfig
	$(MAKE) -s --no-print-directory -C $(KPGO_DIR) pgo-help > $(T)/help
	sed -n '/^Variables$$/,/^Settings (Kconfig)$$/p' $(KPGO_DIR)/README > $(T)/vars
	for n in $$(cut -f1 $(T)/table); do grep -q "^  $$n=" $(T)/help || { echo "$$n: not in pgo-help"; exit 1; }; \
	  grep -qw -- "$$n" $(T)/vars || { echo "$$n: not in the README's variable list"; exit 1; }; done
