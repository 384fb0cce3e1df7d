# SPDX-License-Identifier: GPL-2.0
#
# tests/ccache.mk - kpgo installs dir/obj.gcda beside dir/obj.o and compiles
# with a bare -fprofile-use from the object tree's top, as Kbuild does.
# With CC="ccache gcc" that must never give a stale object: ccache has to
# find and hash that same .gcda, so a changed profile is a cache miss and a
# same profile a hit.

KPGO_TESTS_FAST += ccache-profile-hashed

# $(call ccache-train,ARG): build and run t/p (gcov), leaving t/p.gcda
define ccache-train
	cd $(T) && gcc -O2 -fprofile-arcs -o t/p t/p.c && rm -f t/p.gcda && ./t/p $(1) >/dev/null
endef

test-ccache-profile-hashed:
	mkdir -p $(T)/t $(T)/cache
	printf '%s\n' '#include <stdlib.h>' 'int f(int n){int s=0;for(int i=0;i<n;i++){if(i%3)s+=i;else s-=i;}return s;}' \
	  'int main(int c,char**v){int n=c>1?atoi(v[1]):0;return f(n)&1;}' > $(T)/t/p.c
	$(call ccache-train,5)
	cd $(T) && CCACHE_DIR=$(T)/cache ccache gcc -O2 -fprofile-use -Wmissing-profile -c -o t/p.o t/p.c && cp t/p.o a.o
	cd $(T) && CCACHE_DIR=$(T)/cache ccache gcc -O2 -fprofile-use -Wmissing-profile -c -o t/p.o t/p.c
	cd $(T) && CCACHE_DIR=$(T)/cache ccache -s > s1; cat $(T)/s1; grep -Eq 'Hits: +1 ' $(T)/s1
	$(call ccache-train,500000)
	cd $(T) && CCACHE_DIR=$(T)/cache ccache gcc -O2 -fprofile-use -Wmissing-profile -c -o t/p.o t/p.c
	cd $(T) && CCACHE_DIR=$(T)/cache ccache -s > s2; cat $(T)/s2; grep -Eq 'Misses: +2 ' $(T)/s2
	cd $(T) && cp t/p.o cached.o && gcc -O2 -fprofile-use -Wmissing-profile -c -o t/p.o t/p.c && cmp t/p.o cached.o
