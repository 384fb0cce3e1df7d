# SPDX-License-Identifier: GPL-2.0
#
# tests/fuzz.mk - libFuzzer targets for every parser of input kpgo did not
# make (README "Threat model"), and their quick tests in the fast tier.
#
#   name           harness (tests/fuzz/)   what it parses
#   gcda           gcda-fuzz.c             a .gcda file (tools/gcda.c)
#   conf           conf-fuzz.c             the agent's guest.conf (tools/agent.c)
#   vmctl          vmctl-fuzz.c            the guest's control lines (tools/vm.c)
#   llvmprof-elf   llvmprof-elf-fuzz.c     the clang profile sections of a
#                                          kernel or object (tools/llvmprof.c)
#   llvmprof-text  llvmprof-text-fuzz.c    a text profile (tools/llvmprof.c)
#   flame          flame-fuzz.c            the TCG plugin's stacks (tools/flame.c)
#   manifest       manifest-fuzz.c         a profile archive's MANIFEST
#                                          (tools/profile.c, once it exists)
#
#   make -f tests/check.mk TESTS="gcda-fuzz conf-fuzz ..." check
#       the tests NAME-fuzz: build the fuzzer, make its seeds, run each seed
#       once, then fuzz FUZZ_SMOKE_RUNS (500000) inputs for at most
#       FUZZ_SMOKE_TIME (5) seconds; a crash, sanitizer report, leak, hang
#       (10 s) or 1 GB of memory fails it.  5 to 15 s each.
#   make -f tests/check.mk fuzz-NAME [FUZZ_RUNS=10000000] [FUZZ_TIME=600]
#                                    [FUZZ_JOBS=1] [FUZZ_ARGS=]
#   make -f tests/check.mk fuzz-all [same]
#       fuzz by hand: FUZZ_RUNS inputs (when given, no time limit unless
#       FUZZ_TIME is given too) or FUZZ_TIME seconds (default 600), with
#       FUZZ_JOBS processes (libFuzzer -fork); fuzz-all runs every target,
#       one after the other.  The corpus stays in
#       $(KPGO_BUILD)/fuzz/NAME-corpus for the next run, a crashing input is
#       saved as $(KPGO_BUILD)/fuzz/NAME-crash-<sha1> (leak-, timeout-,
#       oom-): replay it with build/fuzz/kpgo-NAME-fuzz FILE.  FUZZ_ARGS are
#       more libFuzzer options (e.g. -use_value_profile=1).
#
# A fuzzer includes its tool's C file whole (main renamed by -Dmain=...),
# so that its static functions are reachable, then tests/fuzz/harness.h
# (what every harness shares: finding(), kp_die()'s longjmp, the
# temporary directory), and is built with clang
# (KPGO_FUZZCC) -fsanitize=fuzzer,address,undefined: Debian's clang and
# libclang-rt-dev (libFuzzer, the sanitizers).  Seeds are made when it
# runs, from real data where there is some (gcc's .gcda files, clang
# -fprofile-generate programs, kpgo-llvmprof extract's profile, a program
# linked at the kernel's addresses), else written here; seeds named ok-*
# must be accepted, bad-* rejected (the harness prints
# "kpgo-NAME-fuzz: why" on stderr for a rejected input).  Inputs that once
# crashed a fuzzer are kept in tests/fuzz/NAME-seeds/ and run every time.

KPGO_FUZZERS := gcda conf vmctl llvmprof-elf llvmprof-text flame \
		$(if $(wildcard $(KPGO_DIR)/tools/profile.c),$(if $(wildcard \
		$(KPGO_DIR)/tests/fuzz/manifest-fuzz.c),manifest))
KPGO_TESTS_FAST += $(addsuffix -fuzz,$(KPGO_FUZZERS))

# $(call fuzz-bin,NAME): the fuzzer
fuzz-bin = $(KPGO_BUILD)/fuzz/kpgo-$(1)-fuzz
GCDA_FUZZ = $(call fuzz-bin,gcda)

FUZZ_SMOKE_RUNS ?= 500000
FUZZ_SMOKE_TIME ?= 5
FUZZ_RUNS       ?=
FUZZ_TIME       ?= $(if $(FUZZ_RUNS),0,600)
FUZZ_JOBS       ?= 1
FUZZ_ARGS       ?=
KPGO_FUZZCC     ?= clang
KPGO_FUZZCFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
		   -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer

# NAME -> the tool whose C file its harness includes, and what it links
fuzz-tool-gcda          := gcda
fuzz-tool-conf          := agent
fuzz-tool-vmctl         := vm
fuzz-tool-llvmprof-elf  := llvmprof
fuzz-tool-llvmprof-text := llvmprof
fuzz-tool-flame         := flame
fuzz-tool-manifest      := profile
# (the agent's -static is for the guest; sanitizers link dynamically)
fuzz-ldlibs = $(filter-out -static,$(or $(kpgo-ldlibs-$(fuzz-tool-$(1))),\
	      $(if $(filter manifest,$(1)),-larchive)))

# libFuzzer options of every run: an input taking 10 s hangs; kp_die()'s
# message for each rejected input is not shown (stderr closed, reports
# still are)
fuzz-opts = -timeout=10 -rss_limit_mb=1024 -close_fd_mask=2
# and of ASan: freed memory is kept 16 MB long, not 256 (every input's
# allocations otherwise fault in fresh pages: two to ten times slower);
# ASAN_OPTIONS given to make come after, so they win
fuzz-env = ASAN_OPTIONS=quarantine_size_mb=16$${ASAN_OPTIONS:+:$$ASAN_OPTIONS}

fuzz-hint = apt-get install clang libclang-rt-dev (or make -C $(KPGO_DIR) pgo-deps)

quiet_cmd_fuzzcc = FUZZCC  $(notdir $@)
      cmd_fuzzcc = command -v $(KPGO_FUZZCC) >/dev/null || { echo "kpgo: building \
		   $(notdir $@) needs $(KPGO_FUZZCC): $(fuzz-hint)" >&2; exit 1; }; \
		   ls "$$($(KPGO_FUZZCC) -print-runtime-dir 2>/dev/null)"/libclang_rt.fuzzer*.a \
		   >/dev/null 2>&1 || { echo "kpgo: building $(notdir $@) needs \
		   libFuzzer for $(KPGO_FUZZCC): $(fuzz-hint)" >&2; exit 1; }; \
		   mkdir -p $(@D) && $(KPGO_FUZZCC) $(KPGO_FUZZCFLAGS) \
		   -Dmain=kpgo_$(subst -,_,$(fuzz-tool-$*))_main -o $@ $< \
		   $(filter-out $< %/$(fuzz-tool-$*).c,$(filter %.c,$^)) $(call fuzz-ldlibs,$*)

$(call fuzz-bin,%): $(KPGO_DIR)/tests/fuzz/%-fuzz.c $(KPGO_DIR)/tools/util.c \
		    $(KPGO_DIR)/tools/util.h $(KPGO_DIR)/tests/fuzz/harness.h
	$(call kpgo-cmd,fuzzcc)
# the agent and kpgo-vm speak the protocol of tools/vmproto.h
$(call fuzz-bin,conf) $(call fuzz-bin,vmctl): $(KPGO_DIR)/tools/vmproto.h

# ---- seeds: $(fuzz-seeds-NAME) writes them to $(T)/seeds ------------------

# gcda: real .gcda files, named <build>-<object>: a (-O2), o (-O0, never()
# run too), k (kernel-style copies of a) must parse; g (-fprofile-generate:
# value counters) must be rejected, as kpgo-gcda does
fuzz-seeds-gcda = $(gcda-src) && \
	$(call gcda-train,a,1000,-fprofile-arcs) && \
	$(call gcda-train,o,1000 x,-fprofile-arcs -O0) && \
	$(call gcda-train,g,10,-fprofile-generate) && \
	$(call gcda-ktree,a,k) && mkdir -p $(T)/seeds && \
	for b in a o k; do cp $(T)/$$b/main.gcda $(T)/seeds/ok-$$b-main.gcda && \
		cp $(T)/$$b/lib/work.gcda $(T)/seeds/ok-$$b-work.gcda || exit 1; done && \
	cp $(T)/g/main.gcda $(T)/seeds/bad-g-main.gcda && \
	cp $(T)/g/lib/work.gcda $(T)/seeds/bad-g-work.gcda
fuzz-check-gcda = $(call fuzz-bin,gcda) $(T)/seeds/bad-* >$(T)/seeds.log 2>&1 && \
	grep -c '^kpgo-gcda-fuzz: .*only arc counters' $(T)/seeds.log | grep -qx 2

# conf: guest.conf as mk/image.mk writes one (the redis and leveldb
# recipes'), every key with comments and CRLF, and mistakes
fuzz-seeds-conf = mkdir -p $(T)/seeds && cd $(T)/seeds && \
	printf '%s\n' '\# guest agent settings of workload redis, made from recipes/redis.mk' \
	  '' '' '' 'server=/usr/bin/redis-server --port 6379 --save "" --appendonly no' \
	  'ready=tcp:6379' '' >ok-redis.conf && \
	printf '%s\n' '\# guest agent settings of workload leveldb' 'disk=/data' \
	  'setup=mkdir -p /data/db' 'prepare=/usr/local/bin/kpgo-leveldb-bench fill /data/db' \
	  'ready=none' 'load=/usr/local/bin/kpgo-leveldb-bench read /data/db 100000' >ok-leveldb.conf && \
	printf '%s\r\n' '  \# every key' 'server = nginx -g "daemon off;"' 'setup=a' 'setup=b' \
	  'prepare=p' 'load=wrk -c 8 http://127.0.0.1/' 'disk=/mnt/x' 'ready=cmd:test -e /run/ok' \
	  >ok-all.conf && \
	printf 'ready=tcp:65536\n' >bad-port.conf && \
	printf 'server=a\nserver=b\n' >bad-dup.conf && \
	printf 'ip=10.0.2.15\n' >bad-ip.conf && \
	printf 'frob=1\n' >bad-key.conf && \
	printf 'disk=relative\n' >bad-disk.conf && \
	printf 'share=a,b\n' >bad-share.conf && \
	printf 'server=x\n\0' >bad-nul.conf

# vmctl: what a guest sends: a whole run (console noise, CRLF, a line longer
# than the buffer), a failure, lines split anywhere
fuzz-seeds-vmctl = mkdir -p $(T)/seeds && cd $(T)/seeds && \
	printf 'KPGO HELLO 6.12.38-kpgo\r\n[    1.234] random: crng init done\nKPGO READY\r\nKPGO OUT GET: 12345 requests per second\nKPGO LOADED 0\nKPGO COPIED 2841 17305600 812\nKPGO BYE\n' >run && \
	printf 'KPGO HELLO 6.12.0\nKPGO FAIL server exited (status 1) before it was ready\nKPGO BYE\n' >fail && \
	{ head -c 5000 /dev/zero | tr '\0' x; printf 'KPGO READY\nKPGO COPIED 1 2\nKPGO LOADED -3\nKPG\nKPGO \nKPGO X'; } >long && \
	printf 'KPGO OUT a\0b\nKPGO COPIED 99999999999999999999 -1 x\nKPGO LOADED\n' >odd

# llvmprof-elf: tests/lib.mk's llp-program built by clang-19 (64-byte
# records) and by clang-14 (48-byte records), each with only its profile
# sections and symbols (the whole program is 80 KB of runtime: 20 times
# slower to fuzz), and their objects
llp-fuzz-sections = objcopy -j __llvm_prf_cnts -j __llvm_prf_data -j __llvm_prf_names \
	-j .symtab -j .strtab
fuzz-seeds-llvmprof-elf = $(call llp-program,$(T)/p,10) && \
	cd $(T)/p && clang-14 $(llp-gen) -c src/t.c -o t14.o && clang-14 -O2 -c src/dump.c \
	  -o dump14.o && clang-14 -fprofile-generate t14.o dump14.o -o prog14 && \
	mkdir -p $(T)/seeds && $(llp-fuzz-sections) prog $(T)/seeds/ok-prog19 && \
	$(llp-fuzz-sections) prog14 $(T)/seeds/ok-prog14 && \
	cp obj/t.o $(T)/seeds/t19.o && cp t14.o $(T)/seeds/t14.o

# llvmprof-text: kpgo-llvmprof extract's profile of that program, its
# merge, and mistakes
fuzz-needs-llvmprof-text = $(KPGO_SAN)/kpgo-llvmprof
fuzz-seeds-llvmprof-text = $(call llp-program,$(T)/p,100) && mkdir -p $(T)/seeds && \
	$(KPGO_SAN)/kpgo-llvmprof extract --vmlinux $(T)/p/prog --counters $(T)/p/cnts.bin \
	  --objtree $(T)/p/obj --srctree $(T)/p/src --prefix $(T)/p/src/ \
	  -o $(T)/seeds/ok-extract.proftext >/dev/null && \
	$(KPGO_SAN)/kpgo-llvmprof merge -o $(T)/seeds/ok-merged.proftext \
	  $(T)/seeds/ok-extract.proftext:2 $(T)/seeds/ok-extract.proftext >/dev/null && \
	cd $(T)/seeds && \
	printf '\# c\n:ir\nf\n1\n2\n3\n18446744073709551615\n\n' >ok-small.proftext && \
	printf ':ir\nf\n\# kpgo-object: ../x.o\n1\n0\n' >bad-obj.proftext && \
	printf ':ir\nf\n1\n2\n3\n' >bad-short.proftext && \
	printf ':fe\nf\n1\n0\n' >bad-header.proftext

# flame: flame-program (tests/lib.mk), linked at the kernel's addresses, is
# the fuzzer's vmlinux (next to it, for replays); stacks as the plugin writes
# them, kernel only and with user mode, and mistakes
fuzz-seeds-flame = $(flame-program) && cp $(T)/prog $(call fuzz-bin,flame).vmlinux.tmp && \
	mv -f $(call fuzz-bin,flame).vmlinux.tmp $(call fuzz-bin,flame).vmlinux && \
	mkdir -p $(T)/seeds && \
	{ echo '\# kpgo-frontend stacks: period=1000 kernel instructions, samples=5'; \
	  echo "3 $(call flame-addr,leaf_fn,1) $(call flame-addr,middle,5) $(call flame-addr,outer,5)"; \
	  echo "2 $(call flame-addr,middle,2) $(call flame-addr,outer,6)"; } > $(T)/seeds/ok-kernel && \
	{ echo '\# kpgo-frontend stacks: period=100 all instructions, samples=4'; \
	  echo "1 $(call flame-addr,leaf_fn,0)"; echo '3 401000 401234 7fff0000'; \
	  echo "1 $(call flame-addr,outer,1) 401000"; } > $(T)/seeds/ok-all && \
	printf '1 ffffffff81000000 zz\n' >$(T)/seeds/bad-hex && \
	printf '\# no samples\n' >$(T)/seeds/bad-empty && \
	printf '18446744073709551615 1\n1 1\n' >$(T)/seeds/bad-overflow

# manifest: a MANIFEST as pgo-export-<name> writes one (mk/packager.mk),
# mistakes, and member names (what the fuzzer takes as a member's name is
# the input up to its first newline)
fuzz-seeds-manifest = mkdir -p $(T)/seeds && cd $(T)/seeds && \
	printf '%s\n' 'format: kpgo-profile 1' 'name: redis' 'workloads: redis:1' \
	  'normalize: n' 'kernel: 6.12.38' 'arch: x86 64-bit' \
	  'config-sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' \
	  'compiler-family: gcc' 'compiler: gcc (Debian 14.2.0-19) 14.2.0' \
	  'profile-format: gcc 14.2' 'profile: 2841 objects, 61234 functions, 912345 counters, sum 81234567890' \
	  'kpgo: 0.9' >ok-manifest && \
	printf 'format: kpgo-profile 1\nname:   a  b  \ncompiler:\n' >ok-spaces && \
	printf 'format:kpgo-profile 1\n' >bad-nospace && \
	printf 'format: 1\nformat: 2\n' >bad-twice && \
	printf 'colour: red\n' >bad-key && \
	printf 'name: caf\303\251\n' >bad-byte && \
	printf 'name: a\r\n' >bad-cr && \
	printf 'gcda/kernel/sched/core.gcda' >member-gcda && \
	printf 'gcda/arch/x86/' >member-dir && \
	printf 'gcda/../../etc/passwd.gcda' >member-dotdot && \
	printf 'MANIFEST' >member-manifest

# ---- the test and the long run of each -----------------------------------

# $(call fuzz-seed-check,NAME): ok-* seeds accepted, bad-* rejected (one
# message each), every seed run once without a finding
fuzz-seed-check = cd $(T)/seeds && \
	{ $(call fuzz-bin,$(1)) * >$(T)/seeds.log 2>&1 || { cat $(T)/seeds.log; exit 1; }; } && \
	for s in ok-*; do test -e "$$s" || continue; $(call fuzz-bin,$(1)) $$s >$(T)/seed.log 2>&1; \
	  ! grep '^kpgo-$(1)-fuzz:' $(T)/seed.log || { echo "seed $$s was rejected"; exit 1; }; done && \
	for s in bad-*; do test -e "$$s" || continue; $(call fuzz-bin,$(1)) $$s >$(T)/seed.log 2>&1; \
	  grep '^kpgo-$(1)-fuzz:' $(T)/seed.log || { echo "seed $$s was accepted"; exit 1; }; done

# $(call fuzz-report,NAME,PREFIX): what went wrong in $(T)/fuzz.log, and the
# inputs saved as PREFIX*
fuzz-report = { grep -E -m1 -A24 '^==[0-9]+== ?ERROR|^[a-z-]+-fuzz:|runtime error:|^ALARM|deadly signal' \
	$(T)/fuzz.log; grep '^SUMMARY' $(T)/fuzz.log; \
	for f in $(2)crash-* $(2)leak-* $(2)oom-* $(2)timeout-*; do \
	test ! -e $$f || echo "input: $$f (replay: $(call fuzz-bin,$(1)) $$f)"; done; exit 1; }

fuzz-stats = '^(INFO: Seed|\#[0-9]+[[:space:]]+(INITED|DONE)|Done|stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb|new_units_added))'

define fuzz-rules
test-$(1)-fuzz: $(call fuzz-bin,$(1)) $(fuzz-needs-$(1))
	$$(shell rm -rf $$(T) && mkdir -p $$(T))
	$$(fuzz-seeds-$(1))
	$$(if $$(wildcard $(KPGO_DIR)/tests/fuzz/$(1)-seeds/*),cp $(KPGO_DIR)/tests/fuzz/$(1)-seeds/* $$(T)/seeds/)
	$$(call fuzz-seed-check,$(1))
	$$(if $$(fuzz-check-$(1)),$$(fuzz-check-$(1)))
	mkdir -p $$(T)/corpus
	$$(fuzz-env) $(call fuzz-bin,$(1)) $$(fuzz-opts) -runs=$$(FUZZ_SMOKE_RUNS) \
		-max_total_time=$$(FUZZ_SMOKE_TIME) -print_final_stats=1 \
		-artifact_prefix=$$(T)/ $$(T)/corpus $$(T)/seeds >$$(T)/fuzz.log 2>&1 || \
		$$(call fuzz-report,$(1),$$(T)/)
	grep -E $$(fuzz-stats) $$(T)/fuzz.log
	grep -Eq '^#[0-9]+[[:space:]]+INITED .*corp: [1-9]' $$(T)/fuzz.log
	grep -q '^Done [0-9]* runs' $$(T)/fuzz.log

fuzz-$(1): $(call fuzz-bin,$(1)) $(fuzz-needs-$(1))
	$$(shell rm -rf $$(T) && mkdir -p $$(T))
	$$(fuzz-seeds-$(1))
	$$(if $$(wildcard $(KPGO_DIR)/tests/fuzz/$(1)-seeds/*),cp $(KPGO_DIR)/tests/fuzz/$(1)-seeds/* $$(T)/seeds/)
	mkdir -p $(KPGO_BUILD)/fuzz/$(1)-corpus
	$$(fuzz-env) $(call fuzz-bin,$(1)) $$(fuzz-opts) $$(if $$(FUZZ_RUNS),-runs=$$(FUZZ_RUNS)) \
		-max_total_time=$$(FUZZ_TIME) \
		$$(if $$(filter-out 1,$$(FUZZ_JOBS)),-fork=$$(FUZZ_JOBS)) \
		-print_final_stats=1 -artifact_prefix=$(KPGO_BUILD)/fuzz/$(1)- \
		$$(FUZZ_ARGS) $(KPGO_BUILD)/fuzz/$(1)-corpus $$(T)/seeds >$$(T)/fuzz.log 2>&1 || \
		$$(call fuzz-report,$(1),$(KPGO_BUILD)/fuzz/$(1)-)
	grep -E $$(fuzz-stats) $$(T)/fuzz.log

.PHONY: fuzz-$(1)
endef
$(foreach f,$(KPGO_FUZZERS),$(eval $(call fuzz-bin,$(f)): \
	$(KPGO_DIR)/tools/$(fuzz-tool-$(f)).c)$(eval $(call fuzz-rules,$(f))))
# (tools/*.c linked beside util.c: as mk/tools.mk links the tool)
$(foreach f,gcda llvmprof-elf llvmprof-text,$(call fuzz-bin,$(f))): \
	$(KPGO_DIR)/tools/profinst.c $(KPGO_DIR)/tools/profinst.h

fuzz-all: $(addprefix fuzz-,$(KPGO_FUZZERS))

.PHONY: fuzz-all
