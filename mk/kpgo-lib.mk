# SPDX-License-Identifier: GPL-2.0
#
# mk/kpgo-lib.mk - the make functions every other kpgo file uses.
#
# Output follows Kbuild: each command has a short form quiet_cmd_<name>
# ("TAG     target", an 8-column tag) and a full form cmd_<name>.  V=1 prints
# the full command, make -s prints neither.  A quiet_cmd_ says what is
# done; the figures a phase prints after the work come from a command of
# their own, <name>_figures, whose quiet_cmd_ is empty (its lines are the
# figures); rule_<name> lists the commands, one recipe line each (rule_use
# in mk/use.mk).  A check that prints nothing on success has an empty
# quiet_cmd_ too.
#
# Escaping: inside $(eval) templates (mk/recipe.mk) a '$$' is what must
# survive the eval and be expanded when a recipe runs; a single '$' is
# expanded while the template is instantiated.  Everywhere else plain make.

ifndef kpgo-lib-mk
kpgo-lib-mk := 1

ifeq ($(KPGO_DIR),)
KPGO_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
endif

kpgo-version := $(or $(shell cat $(KPGO_DIR)/VERSION 2>/dev/null),0.1)

# --- verbosity, as Kbuild: V=1 full commands, -s nothing ----------------
ifeq ($(origin V),command line)
  kpgo-verbose := $(V)
endif
ifneq ($(findstring 1,$(kpgo-verbose)),)
  kpgo-quiet :=
else
  kpgo-quiet := quiet_
endif
ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
  kpgo-quiet := silent_
endif

# $(call kpgo-escsq,TEXT): TEXT made safe inside single quotes
kpgo-escsq = $(subst ','\'',$(1))

# $(call kpgo-cmd,NAME[,ARG...]): echo quiet_cmd_NAME (or cmd_NAME with V=1),
# then run cmd_NAME; $(2).. are passed on to cmd_NAME.
kpgo-echo-cmd = $(if $($(kpgo-quiet)cmd_$(1)),\
	printf '%s\n' '  $(call kpgo-escsq,$($(kpgo-quiet)cmd_$(1)))';)
kpgo-cmd = @set -e; $(kpgo-echo-cmd) $(cmd_$(1))

# $(call kpgo-say,TAG,TEXT): one progress line, unless make -s.  TEXT is
# put inside double quotes, so $$(command) and $$var in it are expanded.
kpgo-say = $(if $(filter silent_,$(kpgo-quiet)),:,printf '  %-8s%s\n' '$(1)' "$(2)")

# $(call kpgo-say-lines,COMMAND[,INDENT]): COMMAND's output under a progress
# line, each line indented by INDENT (default: to the line's text), unless
# make -s
kpgo-say-lines = $(if $(filter silent_,$(kpgo-quiet)),:,{ $(1); } | sed 's/^/$(or $(2),$(kpgo-say-indent))/')
# (a variable: $(or) would strip the spaces written in its argument)
kpgo-say-indent := $(subst x, ,xxxxxxxxxx)

# $(call kpgo-filechk,FILE,TEXT): write TEXT to FILE only when it differs
# (Kbuild's filechk): a changed setting makes FILE newer, an unchanged one
# leaves it, so whatever depends on FILE reruns exactly when it must.
# (All lines of a recipe are expanded before the first runs: the directory
# is made with $(shell) so that $(file) can write into it.)
define kpgo-filechk
	$(shell mkdir -p $(dir $(1)))$(file >$(1).tmp,$(2))
	@if cmp -s $(1).tmp $(1); then rm -f $(1).tmp; else mv -f $(1).tmp $(1); fi
endef

# $(call kpgo-need,PROGRAM,DEBIAN-PACKAGE): fail with the package to install
kpgo-need = $(if $(shell command -v $(1) 2>/dev/null),,$(error kpgo: '$(1)' \
	not found; install it with: apt-get install $(2)   (or run: make -C \
	$(KPGO_DIR) pgo-deps)))

# $(call kpgo-newline) for $(error)/$(info) text
define kpgo-nl


endef

comma := ,

# $(call kpgo-text-figures,OBJECT): one line with the hot/cold layout of an
# object (vmlinux.o): bytes in .text, .text.hot*, .text.unlikely*, and the
# number of .cold parts gcc split off
kpgo-text-figures = size -A $(1) | awk '\
	$$1 == ".text" { t = $$2 } $$1 ~ /^\.text\.hot/ { h += $$2 } \
	$$1 ~ /^\.text\.unlikely/ { u += $$2 } \
	END { printf ".text %d, .text.hot %d, .text.unlikely %d bytes", t, h, u }'; \
	printf ', %d .cold parts\n' $$(nm $(1) | grep -c '\.cold')

# --- helpers that Guile computes when make has it ---------------------------
# GNU make built with Guile (.FEATURES has guile: Debian's make-guile)
# computes these without starting a shell; any other make uses the portable
# definitions.  Both give the same results (tests/guile.mk runs the make
# tests under both).
#   $(call kpgo-upper,name)   NAME, '-' made '_' (a recipe's variable prefix)
#   $(call pgo-scale,N)       N scaled by PGO_SCALE, truncated, at least 1
#                             (while a recipe file is read, with a mark
#                             that mk/recipe.mk looks for: see
#                             kpgo-recipe-read)
ifneq ($(filter guile,$(.FEATURES)),)
kpgo-make-functions := guile
$(guile (define (kpgo-upper s) (string-upcase (string-map (lambda (c) (if (eqv? c (string-ref "-" 0)) (string-ref "_" 0) c)) s))))
$(guile (define (kpgo-scale n f) (let ((x (* (string->number n) (string->number f)))) (number->string (max 1 (inexact->exact (truncate x)))))))
kpgo-upper = $(guile (kpgo-upper "$(1)"))
kpgo-scale-n = $(guile (kpgo-scale "$(strip $(1))" "$(strip $(PGO_SCALE))"))
else
kpgo-make-functions := shell
kpgo-upper = $(subst -,_,$(shell echo '$(1)' | tr a-z A-Z))
kpgo-scale-n = $(shell awk 'BEGIN { n = int($(1) * $(PGO_SCALE)); print (n < 1) ? 1 : n }')
endif
pgo-scale = $(kpgo-scale-n)$(if $(kpgo-recipe-reading),$(kpgo-scale-mark))

# -j<cores> unless make already has a -j (for kpgo's own entry points that
# start kernel builds on the user's behalf, as quickstart does)
kpgo-jobs = $(if $(findstring -j,$(MAKEFLAGS)),,-j$(shell nproc))

FORCE:
.PHONY: FORCE

# A target whose recipe fails is deleted, as Kbuild does: no half-written
# file looks up to date afterwards (every kpgo make file includes this one).
.DELETE_ON_ERROR:

endif
