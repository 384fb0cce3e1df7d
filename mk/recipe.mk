# SPDX-License-Identifier: GPL-2.0
#
# mk/recipe.mk - workloads as declarative recipes.
#
# A workload is one file, recipes/<name>.mk (or <dir>/<name>.mk of
# PGO_RECIPE_DIRS): a page of <NAME>_* variables (NAME is the file name in
# upper case, '-' as '_') ended by the line
#
#   $(eval $(kpgo-recipe))
#
# which checks the fields and makes pgo-image-<name>, pgo-collect-<name>,
# pgo-use-<name>, pgo-bench-<name> and the help lines.
#
# Fields (required unless a default is given; the README's "Workload
# recipes" says when each runs, where, and what it may do):
#   <NAME>_DIR         set by kpgo: the directory of the recipe file, for
#                      files kept beside it
#   <NAME>_DEBS        Debian packages the workload needs on the host
#   <NAME>_GUEST_BINS  host programs copied into the guest image, each with
#                      its shared-library closure, at the same path (kpgo's
#                      own, $(KPGO_BIN)/x, at /usr/local/bin/x)
#   <NAME>_GUEST_FILES more image lines in kpgo-mkimage's manifest syntax,
#                      separated by ';' (default: none)
#   <NAME>_USERS       user names the guest's /etc/passwd and /etc/group get
#                      besides root and nobody (uid = gid = 100, 101, ...)
#   <NAME>_SETUP       guest shell command run before the server (default: none)
#   <NAME>_SERVER      the server's command line in the guest (default: none)
#   <NAME>_PORT        the guest TCP port the host client connects to
#   <NAME>_READY       readiness probe run by the guest agent: tcp:PORT (it
#                      accepts connections), cmd:COMMAND (exits 0), none
#                      (default: tcp:<PORT> when PORT is set, else none)
#   <NAME>_CLIENT      the host's client command; it reaches the guest at
#                      127.0.0.1:$$PGO_PORT (write $$ for a shell $)
#   <NAME>_LOAD        instead of CLIENT: the load as a guest shell command,
#                      for workloads that drive themselves (no SERVER needed);
#                      its output comes back to the host as the client's
#   <NAME>_RESULT      shell filter: client output on stdin, one line out with
#                      the client's own figure (requests/s, ops/s, ...)
#   <NAME>_CLIENT_IN   where CLIENT runs, the workload's traffic path, for
#                      pgo-collect and pgo-compare's measure runs alike:
#                      host (default: on the host, over virtio-net, as a
#                      remote client would) or guest (inside the guest,
#                      over loopback); PGO_CLIENT_IN= overrides it for
#                      every workload.  A LOAD runs in the guest.
#   <NAME>_HOST_BINS   programs the client needs on the host (default: the
#                      client's first word); with CLIENT_IN guest they are
#                      copied into the guest, where the client then runs
#   <NAME>_CLIENT_FILES more image lines (manifest syntax, ';'-separated)
#                      the client needs in the guest (default: none)
#   <NAME>_OPS         shell filter: client output on stdin, one line out:
#                      "<count> <operation>" (e.g. "500000 request"), the
#                      operations a run did; pgo-compare's figures are per
#                      operation
#   <NAME>_DISK        size in MB of an ext4 disk the guest mounts on /data
#                      (a virtio disk; every run starts from the same content:
#                      the run's writes are thrown away)
#   <NAME>_PREPARE     guest shell command run once per disk, before the
#                      server, in a boot of its own (creating a database)
#   <NAME>_PREPARE_CLIENT host command run once per disk against the server
#                      of that boot (loading tables); both need DISK
#   <NAME>_MEM         guest memory in MB (default 512)
#   <NAME>_TIMEOUT     seconds the client may run (default 1800)
#   <NAME>_MODULES     kernel modules the guest loads (an instrumented
#                      kernel with modules: mk/image.mk; default: none)
#
# A recipe has either CLIENT (with SERVER and PORT) or LOAD.
#
# Each field is read when a recipe runs, so a recipe uses = for a field
# that refers to PGO_SCALE (see $(call pgo-scale,N)): := would fix its size
# when the file is read, and the linter refuses it.  Every field is one
# line.  Helper variables of a recipe have lower-case names.  A changed field reaches the files
# kpgo derives from it (guest.conf, image.manifest, collect.cmd) and re-runs
# exactly the phases that depend on them.

ifndef kpgo-recipe-mk
kpgo-recipe-mk := 1

kpgo-recipes :=
# the file of each: kpgo-recipe-file-<name>
kpgo-recipe-files :=
kpgo-recipe-required := DEBS GUEST_BINS RESULT
kpgo-recipe-optional := GUEST_FILES USERS SETUP SERVER PORT READY CLIENT LOAD \
	HOST_BINS CLIENT_FILES OPS DISK PREPARE PREPARE_CLIENT MEM TIMEOUT DIR MODULES CLIENT_IN
kpgo-recipe-fields = $(kpgo-recipe-required) $(kpgo-recipe-optional)
# phases that add per-workload targets: each defines kpgo-<phase>-tmpl
kpgo-recipe-phases :=

# --- reading recipe files ----------------------------------------------------
# $(call kpgo-recipe-read,FILE): include one recipe file.  <NAME>_DIR is set
# first; the variables that existed before (environment, command line,
# kpgo's, other recipes') are noted, so that what the file itself defines
# can be checked; while it is read, pgo-scale leaves a mark in what it
# returns (a field defined with := that calls it keeps the mark).  After it,
# the file must have declared a workload, and the variables the recipes
# before it defined must be as they left them.
kpgo-recipe-reading :=
kpgo-recipe-seen :=
define kpgo-recipe-read
$(call kpgo-upper,$(basename $(notdir $(1))))_DIR := $(patsubst %/,%,$(dir $(abspath $(1))))
kpgo-recipe-seen := $$(.VARIABLES)
kpgo-recipe-reading := $(1)
include $(1)
kpgo-recipe-reading :=
$$(if $$(filter $(1),$$(kpgo-recipe-files)),,$$(error kpgo: recipe $(1) defines no \
	workload: a recipe file ends with the line $$$$(eval $$$$(kpgo-recipe)) (see the \
	README, "Workload recipes")))
$$(foreach f,$$(filter-out $(1),$$(kpgo-recipe-files)),$$(call kpgo-recipe-kept,$$(f),$(1)))
endef

# The mark pgo-scale leaves while a recipe file is read (mk/kpgo-lib.mk)
kpgo-scale-mark := @pgo-scale-called-at-read-time@

# $(call kpgo-eq,A,B): non-empty when A and B are the same text
kpgo-eq = $(and $(findstring x$(1),x$(2)),$(findstring x$(2),x$(1)))
kpgo-lower = $(subst A,a,$(subst B,b,$(subst C,c,$(subst D,d,$(subst E,e,$(subst F,f,$(subst \
	G,g,$(subst H,h,$(subst I,i,$(subst J,j,$(subst K,k,$(subst L,l,$(subst M,m,$(subst \
	N,n,$(subst O,o,$(subst P,p,$(subst Q,q,$(subst R,r,$(subst S,s,$(subst T,t,$(subst \
	U,u,$(subst V,v,$(subst W,w,$(subst X,x,$(subst Y,y,$(subst Z,z,$(1)))))))))))))))))))))))))))

# What a recipe file defined: the variables new since kpgo-recipe-seen (make's
# own, starting with '.', aside); their texts are kept as kpgo-recipe-val-<v>
kpgo-recipe-new = $(filter-out $(kpgo-recipe-seen) .%,$(.VARIABLES))
define kpgo-recipe-save
define kpgo-recipe-val-$(1)
$(value $(1))
endef
endef
# $(call kpgo-recipe-kept,FILE-BEFORE,FILE): FILE left the variables of
# FILE-BEFORE alone
kpgo-recipe-kept = $(foreach v,$(kpgo-recipe-vars-$(1)),$(if $(call kpgo-eq,$(value \
	$(v)),$(value kpgo-recipe-val-$(v))),,$(error kpgo: recipe $(2) redefines $(v)$(comma) \
	which recipe $(1) defines: a recipe defines its own fields ($(call kpgo-upper,$(basename \
	$(notdir $(2))))_<FIELD>) and helpers no other recipe names; rename it (to run \
	$(basename $(notdir $(1))) with other settings$(comma) give its field on the command line))))

# --- checking a recipe -------------------------------------------------------
# Every check fails with the file, the field and what to do.

# $(call kpgo-recipe-needs,FIELDS,NAME,file,why)
kpgo-recipe-needs = $(foreach f,$(1),$(if $(value $(2)_$(f)),,\
    $(error kpgo: recipe $(3): $(2)_$(f) is not set$(4) (see the README, "Workload recipes"))))

# (MAKECMDGOALS: a workload's programs must be on this host only when a
# goal uses it, or pgo-check-recipes checks every recipe: a host with only
# some workloads' packages runs those)
kpgo-recipe-wanted = $(strip $(filter pgo-check-recipes %-all %-$(1),$(MAKECMDGOALS)) \
	$(foreach s,$(patsubst PGO_SET_%,%,$(filter PGO_SET_%,$(.VARIABLES))),$(if \
	$(filter %-$(s),$(MAKECMDGOALS)),$(filter $(1) $(1):%,$(PGO_SET_$(s))))))
# $(call kpgo-recipe-bins,name,NAME,file): GUEST_BINS are copied from this
# host into the image (kpgo's own, $(KPGO_BIN)/x, are built)
kpgo-recipe-bins = $(foreach b,$(filter-out $(KPGO_BIN)/%,$($(2)_GUEST_BINS)),$(if $(wildcard $(b)),,\
	$(error kpgo: recipe $(3): $(2)_GUEST_BINS: $(b) is not on this host (the guest image \
	gets a copy of it): apt-get install $($(2)_DEBS) (its $(2)_DEBS; or make -C $(KPGO_DIR) \
	pgo-deps)$(if $($(2)_DEBS),, -- and name its package in $(2)_DEBS))))

# $(call kpgo-recipe-like,NAME,VARIABLE): the field VARIABLE looks like
# (XX_PREPARE_CLIENT: NAME_PREPARE_CLIENT, not NAME_CLIENT)
kpgo-recipe-like = $(firstword $(foreach f,$(filter %_%,$(kpgo-recipe-fields)) $(filter-out \
	%_%,$(kpgo-recipe-fields)),$(if $(filter %_$(f),$(2)),$(1)_$(f))))

# $(call kpgo-recipe-lint,NAME,file,new-variables)
kpgo-recipe-lint = \
  $(foreach f,$(kpgo-recipe-fields),$(if $(findstring $(kpgo-nl),$(value $(1)_$(f))),$(error \
    kpgo: recipe $(2): $(1)_$(f) has more than one line: the guest agent and the host run \
    a field as one line (join commands with ; or &&$(comma) continue a long line with \ \
    at its end$(comma) not define ... endef)))) \
  $(foreach v,$(3),$(if $(and $(filter simple,$(flavor $(v))),$(findstring \
    $(kpgo-scale-mark),$(value $(v)))),$(error kpgo: recipe $(2): $(v) is defined with := and \
    calls pgo-scale$(comma) so its size is fixed when the file is read: write $(v) = ... \
    (recursive) so that PGO_SCALE and pgo-compare's PGO_COMPARE_SCALE apply))) \
  $(foreach v,$(filter-out $(1)_%,$(3)),$(if $(call kpgo-eq,$(v),$(call kpgo-lower,$(v))),,$(error \
    kpgo: recipe $(2): it defines $(v)$(comma) which is not one of its fields: its fields are \
    $(1)_<FIELD> (the file name in upper case$(comma) '-' as '_')$(if $(call \
    kpgo-recipe-like,$(1),$(v)),$(comma) here $(call kpgo-recipe-like,$(1),$(v))); a helper \
    variable of a recipe has a lower-case name))) \
  $(foreach v,$(filter $(1)_%,$(3)),$(if $(filter $(v),$(addprefix $(1)_,$(kpgo-recipe-fields))),,\
    $(error kpgo: recipe $(2): unknown field $(v) (known: $(kpgo-recipe-fields)))))

# $(call kpgo-recipe-check,name,NAME,file,new-variables)
kpgo-recipe-check = \
  $(call kpgo-recipe-lint,$(2),$(3),$(4)) \
  $(call kpgo-recipe-needs,$(kpgo-recipe-required),$(2),$(3)) \
  $(if $(value $(2)_LOAD),$(if $(value $(2)_CLIENT),\
    $(error kpgo: recipe $(3): $(2)_CLIENT and $(2)_LOAD are both set: a load runs on the host or in the guest)),\
    $(call kpgo-recipe-needs,CLIENT SERVER PORT,$(2),$(3),$(comma) and there is no $(2)_LOAD)) \
  $(if $(filter-out host guest,$(strip $(value $(2)_CLIENT_IN)))$(word 2,$(value $(2)_CLIENT_IN)),$(error kpgo: recipe $(3): \
    $(2)_CLIENT_IN=$(value $(2)_CLIENT_IN): say host (the client on the host) or guest (in the guest))) \
  $(if $(and $(value $(2)_LOAD),$(filter host,$(strip $(value $(2)_CLIENT_IN)))),$(error kpgo: recipe \
    $(3): $(2)_CLIENT_IN=host but the recipe has $(2)_LOAD$(comma) a load the guest runs: drop \
    $(2)_CLIENT_IN$(comma) or give a $(2)_CLIENT)) \
  $(if $(call kpgo-prepares,$(2)),\
    $(call kpgo-recipe-needs,DISK,$(2),$(3),: what $(2)_PREPARE makes is kept on the disk)) \
  $(if $(value $(2)_PREPARE_CLIENT),\
    $(call kpgo-recipe-needs,SERVER PORT,$(2),$(3),: $(2)_PREPARE_CLIENT talks to the server)) \
  $(if $(strip $(value $(2)_DISK)),$(if $(shell echo '$(value $(2)_DISK)' | grep -Ex '[1-9][0-9]*'),,\
    $(error kpgo: recipe $(3): $(2)_DISK=$(value $(2)_DISK) is not a size in MB))) \
  $(call kpgo-modules-check,recipe $(3): $(2)_MODULES,$(value $(2)_MODULES)) \
  $(if $(call kpgo-recipe-wanted,$(1)),$(call kpgo-recipe-bins,$(1),$(2),$(3)))

# $(call kpgo-recipe-one,name,NAME,file): the end of a recipe file
define kpgo-recipe-one
$(eval kpgo-recipe-reading :=)
$(if $(filter $(1),$(kpgo-recipes)),$(error kpgo: two recipes named $(1): \
	$(kpgo-recipe-file-$(1)) and $(3)))
$(call kpgo-recipe-check,$(1),$(2),$(3),$(kpgo-recipe-new))
kpgo-recipes += $(1)
kpgo-recipe-files += $(3)
kpgo-recipe-file-$(1) := $(3)
kpgo-recipe-vars-$(3) := $(kpgo-recipe-new)
$(foreach v,$(kpgo-recipe-new),$(call kpgo-recipe-save,$(v))$(kpgo-nl))
$(foreach p,$(kpgo-recipe-phases),$(call kpgo-$(p)-tmpl,$(1),$(2))$(kpgo-nl))
endef

# The file being read (its path as given: PGO_RECIPE_DIRS' own), its name
kpgo-recipe-path = $(or $(kpgo-recipe-reading),$(lastword $(MAKEFILE_LIST)))
kpgo-recipe-name = $(basename $(notdir $(kpgo-recipe-path)))
kpgo-recipe = $(call kpgo-recipe-one,$(kpgo-recipe-name),$(call kpgo-upper,$(kpgo-recipe-name)),$(kpgo-recipe-path))
# the file as generated files name it (kpgo's own: recipes/<w>.mk)
kpgo-recipe-src = $(patsubst $(KPGO_DIR)/recipes/%,recipes/%,$(kpgo-recipe-file-$(1)))

$(if $(filter-out host guest,$(PGO_CLIENT_IN))$(word 2,$(PGO_CLIENT_IN)),$(error kpgo: PGO_CLIENT_IN=$(PGO_CLIENT_IN): say host \
	(each client on the host) or guest (in the guest), or leave it empty (each recipe's CLIENT_IN)))
# $(call kpgo-client-in,NAME): host or guest, where the load comes from
# (kpgo-own-client-in: the recipe's own, PGO_CLIENT_IN aside)
kpgo-own-client-in = $(if $(value $(1)_LOAD),guest,$(or $(strip $($(1)_CLIENT_IN)),host))
kpgo-client-in = $(if $(value $(1)_LOAD),guest,$(or $(strip $(PGO_CLIENT_IN)),$(kpgo-own-client-in)))
kpgo-guest-load = $(filter guest,$(kpgo-client-in))

# $(call kpgo-ready,NAME): the readiness probe; default tcp:<PORT>
kpgo-ready = $(or $(strip $($(1)_READY)),$(if $(strip $($(1)_PORT)),tcp:$(strip $($(1)_PORT))),none)

# --- pieces recipes share --------------------------------------------------
# $(call pgo-ab-client,N): ab (apache2-utils), keep-alive, 20 concurrent, N
# requests scaled by PGO_SCALE, for a web server on the guest's port
pgo-ab-client = ab -q -k -c 20 -n $(call pgo-scale,$(1)) http://127.0.0.1:$$PGO_PORT/
# its figure: "Requests per second:  1234.56 [#/sec] (mean)", only when at
# most 1 % of the requests failed (under TCG ab sometimes counts a few
# keep-alive responses as "Length" failures: 5 of 2,500 were seen)
pgo-ab-result = awk '/^Complete requests:/ { n = $$3 } /^Failed requests:/ { f = $$3 } \
	/^Requests per second:/ { r = $$4 } \
	END { if (r != "" && n > 0 && f * 100 <= n) printf "%.0f requests/s (ab -k -c 20, %d failed)\n", r, f }'
# its operations: the requests completed
pgo-ab-ops = awk '/^Complete requests:/ { print $$3, "request" }'

# db_bench's benchmark list, and the figure of db_bench-style output
# ("fillseq : 3.1 micros/op 321827 ops/sec ..."): ops/s of each, all six
pgo-db-benchmarks := fillseq,fillrandom,readseq,readrandom,deleteseq,deleterandom
pgo-db-bench-result = awk '/^($(subst $(comma),|,$(pgo-db-benchmarks))) +:/ { \
	for (i = 1; i < NF; i++) if ($$(i + 1) ~ /^ops\/s/) { s = s sep $$1 " " $$i " ops/s"; sep = ", "; n++ } } \
	END { if (n == 6) print s }'
# the operations of a run: each of the six benchmarks does N (keys)
pgo-db-bench-ops = echo $(call pgo-scale,1000000) | awk '{ print 6 * $$1, "operation" }'

# $(call pgo-sysbench,DRIVER-OPTIONS,prepare|run): sysbench oltp_read_write
# as seed 000 ran it (4 tables, 4 threads), 10,000 rows a table and 10,000
# transactions scaled by PGO_SCALE
pgo-sysbench = sysbench oltp_read_write $(1) --tables=4 \
	--table-size=$(call pgo-scale,10000) $(if $(filter run,$(2)),--threads=4 --time=0 \
	--events=$(call pgo-scale,10000) --report-interval=0) $(2)
# what it needs in the guest (pgo-compare's measure runs), its operations
pgo-sysbench-files := tree /usr/share/sysbench /usr/share/sysbench
pgo-sysbench-ops = awk '$$1 == "transactions:" { print $$2, "transaction" }'
# its figure: "transactions: 1000 (99.50 per sec.)", queries the same way
pgo-sysbench-result = awk '$$1 == "transactions:" { t = $$3 } $$1 == "queries:" { q = $$3 } \
	$$1 == "ignored" { e = $$3 } END { sub(/^\(/, "", t); sub(/^\(/, "", q); if (t != "") \
	printf "%.1f transactions/s, %.0f queries/s (sysbench oltp_read_write, 4 threads, %d ignored errors)\n", t, q, e }'

# A workload name nobody declared
kpgo-unknown = $(error kpgo: unknown workload '$(1)'; known workloads: $(kpgo-recipes) \
	(each is a file <name>.mk in $(KPGO_DIR)/recipes/ or a directory of PGO_RECIPE_DIRS))
pgo-collect-% pgo-use-% pgo-export-% pgo-bench-% pgo-image-% pgo-compare-% pgo-bolt-%:
	$(call kpgo-unknown,$*)

pgo-check-recipes:
	@$(call kpgo-say,RECIPES,$(words $(kpgo-recipes)) recipes checked: $(kpgo-recipes))

.PHONY: pgo-check-recipes

endif
