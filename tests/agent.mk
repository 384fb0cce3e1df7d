# SPDX-License-Identifier: GPL-2.0
#
# tests/agent.mk - fast tests of the guest agent (tools/agent.c) on the host:
# its guest.conf parser, through "kpgo-agent --check-conf FILE".  The agent
# itself runs as PID 1 in the guest; booting it is the e2e tests' business.

KPGO_TESTS_FAST += agent-help agent-conf-good agent-conf-defaults \
		   agent-conf-unknown-key agent-conf-bad-ready agent-conf-errors \
		   agent-conf-disk-load

agent-bin := $(KPGO_BIN)/kpgo-agent

# $(call agent-conf-fails,LINE,REGEX): a guest.conf whose 3rd line is LINE
# must be rejected with a message matching "c:3: REGEX"
agent-conf-fails = printf '%s\n' '\# test' 'server=/bin/true' '$(1)' \
	'setup=true' >$(T)/c; \
	$(call expect-fail,$(agent-bin) --check-conf $(T)/c,/c:3: $(2))

test-agent-help: $(agent-bin)
	$(agent-bin) --help >$(T)/help
	grep -q -- '--check-conf FILE' $(T)/help
	grep -q 'KPGO COPIED <files> <bytes> <ms>' $(T)/help
	$(call expect-fail,$(agent-bin),runs as /init \(PID 1\))
	$(call expect-fail,$(agent-bin) --bogus,bad arguments)

# Comments, blank lines, blanks around '=' and CRLF line ends are accepted;
# setup= repeats; the output is a normalized guest.conf.
test-agent-conf-good: $(agent-bin)
	printf '%s\r\n' '# kpgo guest' '' \
		"server=/usr/bin/redis-server --port 6379 --save '' --appendonly no" \
		'  setup = echo one > /tmp/one' 'setup=mkdir -p /run/redis' \
		'ready=tcp:6379' '   # indented comment' >$(T)/guest.conf
	$(agent-bin) --check-conf $(T)/guest.conf >$(T)/got
	printf '%s\n' \
		"server=/usr/bin/redis-server --port 6379 --save '' --appendonly no" \
		'setup=echo one > /tmp/one' 'setup=mkdir -p /run/redis' \
		'ready=tcp:6379' >$(T)/want
	diff -u $(T)/want $(T)/got
	$(agent-bin) --check-conf $(T)/got >$(T)/again
	diff -u $(T)/want $(T)/again

test-agent-conf-defaults: $(agent-bin)
	printf 'server=redis-server\n' >$(T)/guest.conf
	$(agent-bin) --check-conf $(T)/guest.conf >$(T)/got
	printf '%s\n' 'server=redis-server' 'ready=none' >$(T)/want
	diff -u $(T)/want $(T)/got
	printf '# nothing\n\n' >$(T)/empty.conf
	$(agent-bin) --check-conf $(T)/empty.conf >$(T)/got
	grep -qx '# server: none' $(T)/got
	grep -qx 'ready=none' $(T)/got

test-agent-conf-unknown-key: $(agent-bin)
	$(call agent-conf-fails,bogus=1,unknown key .bogus.)
	$(call agent-conf-fails,Server=x,unknown key .Server.)
	$(call agent-conf-fails,ready_timeout=60,unknown key .ready_timeout.)
	$(call agent-conf-fails,ip=10.0.2.15/24,unknown key .ip.)
	$(call agent-conf-fails,gw=10.0.2.2,unknown key .gw.)
	$(call agent-conf-fails,share=kpgo,unknown key .share.)
	$(call agent-conf-fails,ready_timeout,expected key=value)

test-agent-conf-bad-ready: $(agent-bin)
	$(call agent-conf-fails,ready=tcp:0,bad ready=tcp:0 )
	$(call agent-conf-fails,ready=tcp:65536,bad ready=)
	$(call agent-conf-fails,ready=tcp:,bad ready=)
	$(call agent-conf-fails,ready=tcp:-1,bad ready=)
	$(call agent-conf-fails,ready=tcp:80x,bad ready=)
	$(call agent-conf-fails,ready=udp:53,bad ready=)
	$(call agent-conf-fails,ready=6379,bad ready=)
	$(call agent-conf-fails,ready=,empty value)

test-agent-conf-errors: $(agent-bin)
	$(call agent-conf-fails,server=again,duplicate key .server. \(first on line 2\))
	$(call agent-conf-fails,setup=,empty value for .setup.)
	$(call expect-fail,$(agent-bin) --check-conf $(T)/missing.conf,cannot read .*missing.conf)

# the keys of disk workloads: disk= (an absolute directory), prepare=
# repeats, load=, ready=cmd:COMMAND; in their normalized order
test-agent-conf-disk-load: $(agent-bin)
	printf '%s\n' 'load=db_bench --num=10' 'prepare=mkdir /data/a' 'disk=/data' \
		'prepare=echo b > /data/b' 'ready=cmd:pg_isready -q -p 5432' >$(T)/guest.conf
	$(agent-bin) --check-conf $(T)/guest.conf >$(T)/got
	printf '%s\n' '# server: none' 'prepare=mkdir /data/a' 'prepare=echo b > /data/b' \
		'load=db_bench --num=10' 'disk=/data' 'ready=cmd:pg_isready -q -p 5432' >$(T)/want
	diff -u $(T)/want $(T)/got
	$(call agent-conf-fails,disk=data,bad disk=data .expected an absolute directory)
	$(call agent-conf-fails,disk=/,bad disk=/ )
	printf "%s\n" load=a load=b >$(T)/two.conf
	$(call expect-fail,$(agent-bin) --check-conf $(T)/two.conf,duplicate key .load.)
	$(call agent-conf-fails,ready=cmd:,bad ready=cmd:)
