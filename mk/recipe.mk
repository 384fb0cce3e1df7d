# SPDX-License-Identifier: GPL-2.0
#
# mk/recipe.mk - workloads as declarative recipes.
#
# A workload is one file, recipes/<name>.mk: a page of <NAME>_* variables
# (NAME is the file name in upper case, '-' as '_') ended by the line
#
#   $(eval $(kpgo-recipe))
#
# which checks the fields and makes pgo-image-<name>, pgo-collect-<name>,
# pgo-use-<name>, pgo-bench-<name> and the help lines.
#
# Fields (required unless a default is given):
#   <NAME>_DEBS        Debian packages the workload needs on the host
#   <NAME>_GUEST_BINS  host programs copied into the guest image, each with
#                      its shared-library closure, at the same path
#   <NAME>_GUEST_FILES more image lines in kpgo-mkimage's manifest syntax,
#                      separated by ';' (default: none)
#   <NAME>_SETUP       guest shell command run before the server (default: none)
#   <NAME>_SERVER      the server's command line in the guest
#   <NAME>_PORT        the guest TCP port the host client connects to
#   <NAME>_READY       readiness probe run by the guest agent: tcp:PORT, none
#   <NAME>_CLIENT      the host's client command; it reaches the guest at
#                      127.0.0.1:$$PGO_PORT (write $$ for a shell $)
#   <NAME>_RESULT      shell filter: client output on stdin, one line out with
#                      the client's own figure (requests/s, ops/s, ...)
#   <NAME>_HOST_BINS   programs the client needs on the host (default: the
#                      client's first word)
#   <NAME>_MEM         guest memory in MB (default 512)
#   <NAME>_TIMEOUT     seconds the client may run (default 1800)
#
# Each field is read when a recipe runs, so a recipe may use = and refer to
# PGO_SCALE (see $(call pgo-scale,N)).  A changed field reaches the files
# kpgo derives from it (guest.conf, image.manifest, run.conf) and re-runs
# exactly the phases that depend on them.

ifndef kpgo-recipe-mk
kpgo-recipe-mk := 1

kpgo-recipes :=
kpgo-recipe-required := DEBS GUEST_BINS SERVER PORT READY CLIENT RESULT
kpgo-recipe-optional := GUEST_FILES SETUP MEM TIMEOUT HOST_BINS
# phases that add per-workload targets: each defines kpgo-<phase>-tmpl
kpgo-recipe-phases :=

# Variables that existed before a recipe file was read (environment, command
# line, other recipes): only what the recipe itself defines is checked.
kpgo-recipe-seen := $(.VARIABLES)

kpgo-upper = $(subst -,_,$(shell echo '$(1)' | tr a-z A-Z))

# $(call kpgo-recipe-check,name,NAME,file)
kpgo-recipe-check = \
  $(foreach f,$(kpgo-recipe-required),$(if $(value $(2)_$(f)),,\
    $(error kpgo: recipe $(3): $(2)_$(f) is not set (see mk/recipe.mk for the fields)))) \
  $(foreach v,$(filter $(2)_%,$(filter-out $(kpgo-recipe-seen),$(.VARIABLES))),\
    $(if $(filter $(v),$(addprefix $(2)_,$(kpgo-recipe-required) $(kpgo-recipe-optional))),,\
      $(error kpgo: recipe $(3): unknown field $(v) (known: $(kpgo-recipe-required) $(kpgo-recipe-optional)))))

define kpgo-recipe-one
$(if $(filter $(1),$(kpgo-recipes)),$(error kpgo: two recipes named $(1): \
	$(filter %/$(1).mk,$(MAKEFILE_LIST))))
$(call kpgo-recipe-check,$(1),$(2),$(lastword $(MAKEFILE_LIST)))
kpgo-recipes += $(1)
kpgo-recipe-seen := $$(.VARIABLES)
$(foreach p,$(kpgo-recipe-phases),$(call kpgo-$(p)-tmpl,$(1),$(2))$(kpgo-nl))
endef

kpgo-recipe-name = $(basename $(notdir $(lastword $(MAKEFILE_LIST))))
kpgo-recipe = $(call kpgo-recipe-one,$(kpgo-recipe-name),$(call kpgo-upper,$(kpgo-recipe-name)))

# A workload name nobody declared
kpgo-unknown = $(error kpgo: unknown workload '$(1)'; known workloads: $(kpgo-recipes) \
	(each is a file in $(KPGO_DIR)/recipes/))
pgo-collect-% pgo-use-% pgo-bench-% pgo-image-%:
	$(call kpgo-unknown,$*)

pgo-check-recipes:
	@$(call kpgo-say,RECIPES,$(words $(kpgo-recipes)) recipes checked: $(kpgo-recipes))

.PHONY: pgo-check-recipes

endif
