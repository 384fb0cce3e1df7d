# SPDX-License-Identifier: GPL-2.0
#
# postgresql: Debian's PostgreSQL 15 in the guest, its data on ext4 on a
# virtio disk, driven from the host by sysbench oltp_read_write (pgsql
# driver; seed 000: 4 tables, 4 threads).  Once per disk, a prepare boot
# runs initdb as the postgres user and sysbench loads the tables into the
# postgres database.  Clients are trusted: the guest is a closed test machine.

pg-bin := /usr/lib/postgresql/15/bin
pg-lib := /usr/lib/postgresql/15/lib
pg-sysbench = $(call pgo-sysbench,--db-driver=pgsql --pgsql-host=127.0.0.1 \
	      --pgsql-port=$$PGO_PORT --pgsql-user=postgres --pgsql-db=postgres,$(1))

POSTGRESQL_DEBS           := postgresql sysbench
# initdb loads plpgsql and the snowball dictionaries
POSTGRESQL_GUEST_BINS     := $(pg-bin)/postgres $(pg-bin)/initdb $(pg-bin)/pg_isready \
			     $(pg-lib)/plpgsql.so $(pg-lib)/dict_snowball.so
POSTGRESQL_GUEST_FILES    := tree /usr/share/postgresql/15 /usr/share/postgresql/15; \
			     file /usr/share/zoneinfo/UTC /usr/share/zoneinfo/Etc/UTC 644
POSTGRESQL_USERS          := postgres
POSTGRESQL_DISK           := 1024
POSTGRESQL_SETUP          := mkdir -p /run/postgresql && chown postgres /run/postgresql
POSTGRESQL_PREPARE        := mkdir -p /data/pg && chown postgres /data/pg && \
			     su -s /bin/sh postgres -c 'TZ=UTC $(pg-bin)/initdb -D /data/pg \
			     -A trust -E UTF8 --locale=C' && \
			     echo 'host all all 0.0.0.0/0 trust' >> /data/pg/pg_hba.conf
POSTGRESQL_SERVER         := su -s /bin/sh postgres -c 'exec $(pg-bin)/postgres -D /data/pg \
			     -c listen_addresses=0.0.0.0 -c port=5432 \
			     -c unix_socket_directories=/run/postgresql \
			     -c shared_buffers=128MB -c max_connections=64'
POSTGRESQL_PORT           := 5432
# the port opens before the server takes queries: ask it
POSTGRESQL_READY          := cmd:$(pg-bin)/pg_isready -q -h 127.0.0.1 -p 5432
POSTGRESQL_PREPARE_CLIENT  = $(call pg-sysbench,prepare)
POSTGRESQL_CLIENT          = $(call pg-sysbench,run)
POSTGRESQL_OPS             = $(pgo-sysbench-ops)
POSTGRESQL_CLIENT_FILES   := $(pgo-sysbench-files)
POSTGRESQL_RESULT          = $(pgo-sysbench-result)
POSTGRESQL_MEM            := 768
POSTGRESQL_TIMEOUT        := 3600

$(eval $(kpgo-recipe))
