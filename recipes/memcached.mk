# SPDX-License-Identifier: GPL-2.0
#
# memcached: Debian's memcached in the guest, driven from the host by
# memcslap (libmemcached-tools): a set run then a get run, 5 threads
# (seed 000 used mc-benchmark, which Debian does not ship).

MEMCACHED_DEBS       := memcached libmemcached-tools
MEMCACHED_GUEST_BINS := /usr/bin/memcached
MEMCACHED_SERVER     := /usr/bin/memcached -u root -p 11211 -l 0.0.0.0 -t 1 -m 64
MEMCACHED_PORT       := 11211
MEMCACHED_HOST_BINS  := memcslap
MEMCACHED_READY      := tcp:11211
MEMCACHED_CLIENT      = for t in set get; do memcslap --servers=127.0.0.1:$$PGO_PORT \
			--concurrency=5 --execute-number=$(call pgo-scale,10000) \
			--test=$$t || exit 1; done
# "Time to set 50000 keys by 5 threads: 1.234 seconds." -> operations/s
MEMCACHED_RESULT      = awk '/^Time to (set|get) +[0-9]+ keys by/ { r[$$3] = $$4 / $$(NF-1); n++ } \
			END { if (n == 2) printf "%.0f sets/s, %.0f gets/s (memcslap, 5 threads)\n", r["set"], r["get"] }'
MEMCACHED_OPS         = awk '/^Time to (set|get) +[0-9]+ keys by/ { n += $$4 } END { if (n) print n, "key" }'
MEMCACHED_MEM        := 256
MEMCACHED_TIMEOUT    := 900

$(eval $(kpgo-recipe))
