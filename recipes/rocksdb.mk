# SPDX-License-Identifier: GPL-2.0
#
# rocksdb: db_bench from Debian's rocksdb-tools, run in the guest on ext4 on
# a virtio disk: fillseq, fillrandom, readseq, readrandom, deleteseq,
# deleterandom.  Seed size: db_bench's default of 1,000,000 keys, 100-byte
# values.

ROCKSDB_DEBS       := rocksdb-tools
ROCKSDB_GUEST_BINS := /usr/bin/db_bench
ROCKSDB_DISK       := 1024
ROCKSDB_LOAD        = db_bench --db=/data/rocksdb --benchmarks=$(pgo-db-benchmarks) \
		      --num=$(call pgo-scale,1000000) --value_size=100 --threads=1 \
		      --progress_reports=false
ROCKSDB_RESULT      = $(pgo-db-bench-result)
ROCKSDB_OPS         = $(pgo-db-bench-ops)
ROCKSDB_MEM        := 512
ROCKSDB_TIMEOUT    := 3600

$(eval $(kpgo-recipe))
