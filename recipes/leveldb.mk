# SPDX-License-Identifier: GPL-2.0
#
# leveldb: Debian's libleveldb driven in the guest by kpgo-leveldb-bench
# (tools/leveldb-bench.c, a db_bench-like driver on leveldb's C API: Debian
# ships no db_bench for leveldb): fillseq, fillrandom, readseq, readrandom,
# deleteseq, deleterandom on ext4 on a virtio disk.  Seed size: db_bench's
# default of 1,000,000 keys, 100-byte values.

LEVELDB_DEBS       := libleveldb-dev
LEVELDB_GUEST_BINS := $(KPGO_BIN)/kpgo-leveldb-bench
LEVELDB_DISK       := 1024
LEVELDB_LOAD        = kpgo-leveldb-bench --db /data/leveldb \
		      --benchmarks $(pgo-db-benchmarks) --num $(call pgo-scale,1000000) --value-size 100
LEVELDB_RESULT      = $(pgo-db-bench-result)
LEVELDB_OPS         = $(pgo-db-bench-ops)
LEVELDB_MEM        := 512
LEVELDB_TIMEOUT    := 3600

$(eval $(kpgo-recipe))
