# SPDX-License-Identifier: GPL-2.0
#
# tests/recipe.mk - recipes of one's own (fast): a recipe in a directory of
# PGO_RECIPE_DIRS, what the linter (mk/recipe.mk, run when recipes are
# read) refuses, each error naming the file and the field and saying what
# to do; <NAME>_DIR, READY's default, pgo-image-<w> without a kernel tree.
# None boots a guest.

KPGO_TESTS_FAST += recipe-multi-line recipe-guest-bin-missing recipe-scale-at-read \
	recipe-unprefixed recipe-redefines recipe-no-workload recipe-own-image recipe-modules \
	recipe-client-in

# make in the kpgo checkout, no kernel tree
rmake = env -u KSRC $(MAKE) --no-print-directory -C $(KPGO_DIR)

# $(call recipe-from,SOURCE,NAME,FILE[,SED]): recipes/SOURCE.mk as the
# recipe FILE, its prefix made NAME (then the sed script SED)
recipe-from = mkdir -p $(dir $(3)) && sed 's/^$(call kpgo-upper,$(1))_/$(2)_/; $(4)' \
	$(KPGO_DIR)/recipes/$(1).mk > $(3)

# a field defined with define ... endef passed the old checks and failed at
# boot (guest.conf is one key=value a line)
test-recipe-multi-line:
	mkdir -p $(T)/r && printf '%s\n' 'ML_DEBS := busybox-static' 'ML_GUEST_BINS := /bin/busybox' \
		'ML_LOAD := true' 'ML_RESULT := cat' 'define ML_SETUP' 'mkdir /a' 'mkdir /b' 'endef' \
		'$$(eval $$(kpgo-recipe))' > $(T)/r/ml.mk
	$(call expect-fail,$(rmake) PGO_RECIPE_DIRS=$(T)/r pgo-check-recipes,recipe $(T)/r/ml.mk: ML_SETUP has more than one line: .*join commands with ; or &&)

# a program the image copies from the host, missing here: said when the
# recipes are read for a goal that uses the workload, with its packages;
# a goal that does not use it is not stopped
test-recipe-guest-bin-missing:
	$(call recipe-from,leveldb,MISS,$(T)/r/miss.mk,s|^MISS_GUEST_BINS .*|MISS_GUEST_BINS := /nonexistent/miss-bench|)
	$(call expect-fail,$(rmake) PGO_RECIPE_DIRS=$(T)/r pgo-check-recipes,recipe $(T)/r/miss.mk: MISS_GUEST_BINS: /nonexistent/miss-bench is not on this host .*apt-get install libleveldb-dev)
	$(call expect-fail,$(rmake) PGO_RECIPE_DIRS=$(T)/r PGO_OUT=$(T)/o pgo-image-miss,MISS_GUEST_BINS: /nonexistent/miss-bench is not on this host)
	test ! -e $(T)/o/work/miss
	$(rmake) -s PGO_RECIPE_DIRS=$(T)/r pgo-help | grep -q 'Workloads (<w>):.* miss'

# := on a field (or a helper) that calls pgo-scale fixes its size when the
# file is read: PGO_COMPARE_SCALE would not apply
test-recipe-scale-at-read:
	$(call recipe-from,redis,SC,$(T)/a/sc.mk,s/^SC_CLIENT       =/SC_CLIENT      :=/)
	$(call expect-fail,$(rmake) PGO_RECIPE_DIRS=$(T)/a pgo-check-recipes,recipe $(T)/a/sc.mk: SC_CLIENT is defined with := and calls pgo-scale.*write SC_CLIENT = \.\.\. \(recursive\))
	$(call recipe-from,leveldb,SH,$(T)/b/sh.mk,s/^SH_LOAD        =/sh-num := $$(call pgo-scale$(comma)5)\nSH_LOAD = $$(sh-num)/)
	$(call expect-fail,$(rmake) PGO_RECIPE_DIRS=$(T)/b pgo-check-recipes,recipe $(T)/b/sh.mk: sh-num is defined with := and calls pgo-scale)

# a variable without the recipe's prefix: a field under another name (here
# my-redis.mk's fields are MY_REDIS_*) would be silently ignored
test-recipe-unprefixed:
	$(call recipe-from,redis,MYREDIS,$(T)/r/my-redis.mk)
	$(call expect-fail,$(rmake) PGO_RECIPE_DIRS=$(T)/r pgo-check-recipes,recipe $(T)/r/my-redis.mk: it defines MYREDIS_[A-Z_]+$(comma) which is not one of its fields: its fields are MY_REDIS_<FIELD> .*here MY_REDIS_[A-Z])

# a file that changes what another recipe defined (a copy of redis.mk
# whose prefix was not changed everywhere; a helper name two recipes use)
test-recipe-redefines:
	$(call recipe-from,redis,REDIS2,$(T)/a/redis2.mk,s/^REDIS_/REDIS2_/; $$i REDIS_SERVER := /bin/false)
	$(call expect-fail,$(rmake) PGO_RECIPE_DIRS=$(T)/a pgo-check-recipes,recipe $(T)/a/redis2.mk redefines REDIS_SERVER$(comma) which recipe $(KPGO_DIR)/recipes/redis.mk defines: .*rename it)
	$(call recipe-from,postgresql,PG2,$(T)/b/pg2.mk,s/--pgsql-host=127.0.0.1/--pgsql-host=10.0.2.2/)
	$(call expect-fail,$(rmake) PGO_RECIPE_DIRS=$(T)/b pgo-check-recipes,recipe $(T)/b/pg2.mk redefines pg-sysbench$(comma) which recipe $(KPGO_DIR)/recipes/postgresql.mk defines)

# a .mk file that declares no workload was ignored without a word
test-recipe-no-workload:
	$(call recipe-from,redis,NOEVAL,$(T)/r/noeval.mk,/kpgo-recipe/d)
	$(call expect-fail,$(rmake) PGO_RECIPE_DIRS=$(T)/r pgo-check-recipes,recipe $(T)/r/noeval.mk defines no workload: a recipe file ends with the line .\(eval .\(kpgo-recipe\)\))

# a recipe of one's own: a file kept beside it ($(MINE_DIR)), READY from
# PORT, the image made without a kernel tree; the generated files name the
# recipe's own path
test-recipe-own-image:
	mkdir -p $(T)/r && echo kpgo > $(T)/r/page.html && printf '%s\n' \
		'MINE_DEBS        := coreutils' 'MINE_GUEST_BINS  := /bin/true' \
		'MINE_GUEST_FILES := file /srv/page.html $$(MINE_DIR)/page.html 644' \
		'MINE_SERVER      := httpd -f -p 8080 -h /srv' 'MINE_PORT        := 8080' \
		'MINE_CLIENT       = wget -q -O- http://127.0.0.1:$$$$PGO_PORT/page.html' \
		'MINE_RESULT      := grep -c kpgo' '$$(eval $$(kpgo-recipe))' > $(T)/r/mine.mk
	$(rmake) PGO_RECIPE_DIRS=$(T)/r PGO_OUT=$(T)/o pgo-image-mine > $(T)/img
	grep -q 'PGO-IMG mine: $(T)/o/work/mine/image.cpio.gz' $(T)/img
	grep -qx 'ready=tcp:8080' $(T)/o/work/mine/guest.conf
	grep -qx '# guest agent settings of workload mine, made from $(T)/r/mine.mk' $(T)/o/work/mine/guest.conf
	grep -qx 'file /srv/page.html $(T)/r/page.html 644' $(T)/o/work/mine/image.manifest
	grep -qx '# guest image of workload mine, made from $(T)/r/mine.mk' $(T)/o/work/mine/image.manifest

# <NAME>_MODULES: the module names a recipe asks for join the instrumented
# kernel's modules image (kpgo-recipe-modules, with PGO_MODULES); anything
# but a module name is refused when the recipe is read
test-recipe-modules: $(KSRC_TEST)/Kbuild
	$(call recipe-from,redis,WMOD,$(T)/r/wmod.mk,/^.(eval .(kpgo-recipe))/i WMOD_MODULES := xfs tun)
	$(rmake) -s PGO_RECIPE_DIRS=$(T)/r pgo-check-recipes
	test "$$($(rmake) -s KSRC=$(KSRC_TEST) O=$(T)/o PGO_RECIPE_DIRS=$(T)/r --eval 'kpgo-t: ; @echo $$(sort \
	  $$(kpgo-recipe-modules))' kpgo-t)" = 'tun xfs'
	$(call recipe-from,redis,WMOD,$(T)/r/wmod.mk,/^.(eval .(kpgo-recipe))/i WMOD_MODULES := ../xfs)
	$(call expect-fail,$(rmake) PGO_RECIPE_DIRS=$(T)/r pgo-check-recipes,recipe $(T)/r/wmod.mk: WMOD_MODULES=../xfs: module names are letters)

# <NAME>_CLIENT_IN, the traffic path: guest puts the client (its
# HOST_BINS, CLIENT_FILES) in the image as the load, and the run waits for
# the guest's load (--guest-load); host (the default) keeps both on the
# host; PGO_CLIENT_IN sets it for all; bad values and a LOAD said to come
# from the host are refused
test-recipe-client-in: $(KSRC_TEST)/Kbuild
	$(kmake) -s KSRC=$(KSRC_TEST) O=$(T)/h $(T)/h/.kpgo/work/redis/guest.conf $(T)/h/.kpgo/work/redis/image.manifest $(T)/h/.kpgo/work/redis/collect.cmd > /dev/null
	! grep -q '^load=' $(T)/h/.kpgo/work/redis/guest.conf && ! grep -q 'redis-benchmark' $(T)/h/.kpgo/work/redis/image.manifest
	grep -q -- "-- 'redis-benchmark " $(T)/h/.kpgo/work/redis/collect.cmd
	$(call recipe-from,redis,RG,$(T)/r/rg.mk,/^.(eval .(kpgo-recipe))/i RG_CLIENT_IN := guest)
	$(kmake) -s KSRC=$(KSRC_TEST) O=$(T)/g PGO_RECIPE_DIRS=$(T)/r $(T)/g/.kpgo/work/rg/guest.conf \
	  $(T)/g/.kpgo/work/rg/image.manifest $(T)/g/.kpgo/work/rg/collect.cmd > /dev/null
	grep -qx 'load=PGO_PORT=6379; export PGO_PORT; redis-benchmark -h 127.0.0.1 -p $$PGO_PORT -n 25000 -c 5 -d 5 --csv' $(T)/g/.kpgo/work/rg/guest.conf
	grep -qx "elf $$(command -v redis-benchmark) $$(command -v redis-benchmark)" $(T)/g/.kpgo/work/rg/image.manifest
	grep -q -- '--guest-load$$' $(T)/g/.kpgo/work/rg/collect.cmd && ! grep -q -- "-- 'redis-benchmark" $(T)/g/.kpgo/work/rg/collect.cmd
	$(rmake) PGO_OUT=$(T)/a PGO_CLIENT_IN=guest pgo-image-redis > /dev/null
	grep -q '^load=PGO_PORT=6379; ' $(T)/a/work/redis/guest.conf
	$(call expect-fail,$(rmake) PGO_CLIENT_IN=remote pgo-check-recipes,PGO_CLIENT_IN=remote: say host .each client on the host. or guest)
	$(call recipe-from,redis,RB,$(T)/b/rb.mk,/^.(eval .(kpgo-recipe))/i RB_CLIENT_IN := both)
	$(call expect-fail,$(rmake) PGO_RECIPE_DIRS=$(T)/b pgo-check-recipes,recipe $(T)/b/rb.mk: RB_CLIENT_IN=both: say host .the client on the host. or guest)
	$(call recipe-from,leveldb,LH,$(T)/c/lh.mk,/^.(eval .(kpgo-recipe))/i LH_CLIENT_IN := host)
	$(call expect-fail,$(rmake) PGO_RECIPE_DIRS=$(T)/c pgo-check-recipes,recipe $(T)/c/lh.mk: LH_CLIENT_IN=host but the recipe has LH_LOAD)
