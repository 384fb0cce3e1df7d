# SPDX-License-Identifier: GPL-2.0
#
# redis: Debian's redis-server in the guest, driven by redis-benchmark on
# the host (seed 000: -n 25000 -c 5 -d 5, every default test).

REDIS_DEBS        := redis-server redis-tools
REDIS_GUEST_BINS  := /usr/bin/redis-server
REDIS_SERVER      := /usr/bin/redis-server --port 6379 --bind 0.0.0.0 \
		     --protected-mode no --save '' --appendonly no --daemonize no
REDIS_PORT        := 6379
REDIS_READY       := tcp:6379
REDIS_CLIENT       = redis-benchmark -h 127.0.0.1 -p $$PGO_PORT \
		     -n $(call pgo-scale,25000) -c 5 -d 5 --csv
# mean requests/s over the tests, and the count of tests
REDIS_RESULT       = awk -F'"' '/^"[A-Z]/ { n++; s += $$4 } \
		     END { if (n) printf "%.0f requests/s (mean of %d redis-benchmark tests)\n", s / n, n }'
# requests: every test of the output, N each
REDIS_OPS          = awk -F'"' '/^"[A-Z]/ { n++ } END { if (n) print n * $(call pgo-scale,25000), "request" }'
REDIS_MEM         := 512
REDIS_TIMEOUT     := 900

$(eval $(kpgo-recipe))
