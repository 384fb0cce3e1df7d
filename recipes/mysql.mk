# SPDX-License-Identifier: GPL-2.0
#
# mysql: Debian's MariaDB server (mariadbd) in the guest, its data on ext4 on
# a virtio disk, driven from the host by sysbench oltp_read_write (seed 000:
# 4 tables, 4 threads).  Once per disk, a prepare boot creates the system
# tables (mariadbd --bootstrap, as mariadb-install-db does) and the sbtest
# database, and sysbench loads the tables.  The server trusts every client
# (--skip-grant-tables): the guest is a closed test machine.

mysql-opts := --no-defaults --user=root --datadir=/data/mysql \
	      --socket=/run/mysqld/mysqld.sock --innodb-buffer-pool-size=128M
mysql-sysbench = $(call pgo-sysbench,--db-driver=mysql --mysql-host=127.0.0.1 \
	      --mysql-port=$$PGO_PORT --mysql-user=root --mysql-db=sbtest,$(1))

MYSQL_DEBS           := mariadb-server sysbench
MYSQL_GUEST_BINS     := /usr/sbin/mariadbd
MYSQL_GUEST_FILES    := tree /usr/share/mysql /usr/share/mysql
MYSQL_DISK           := 1024
MYSQL_SETUP          := mkdir -p /run/mysqld
MYSQL_PREPARE        := set -o pipefail; mkdir -p /data/mysql && { \
			printf '%s\n' 'create database mysql;' 'use mysql;' 'set @auth_root_socket=NULL;'; \
			cd /usr/share/mysql && cat mysql_system_tables.sql \
			mysql_performance_tables.sql mysql_system_tables_data.sql; \
			echo 'create database sbtest;'; } | \
			/usr/sbin/mariadbd $(mysql-opts) --bootstrap --log-warnings=0
MYSQL_SERVER         := /usr/sbin/mariadbd $(mysql-opts) --bind-address=0.0.0.0 \
			--port=3306 --skip-name-resolve --skip-grant-tables --max-connections=64
MYSQL_PORT           := 3306
MYSQL_READY          := tcp:3306
MYSQL_PREPARE_CLIENT  = $(call mysql-sysbench,prepare)
MYSQL_CLIENT          = $(call mysql-sysbench,run)
MYSQL_OPS             = $(pgo-sysbench-ops)
MYSQL_CLIENT_FILES   := $(pgo-sysbench-files)
MYSQL_RESULT          = $(pgo-sysbench-result)
MYSQL_MEM            := 768
MYSQL_TIMEOUT        := 3600

$(eval $(kpgo-recipe))
