// SPDX-License-Identifier: GPL-2.0
/*
 * agent.c - kpgo's guest agent, run as /init (PID 1) in the QEMU guest.
 *
 * It mounts the pseudo file systems, opens the control channel (/dev/ttyS1),
 * loads the kernel modules listed in /etc/kpgo-modules (the instrumented
 * kernel's, from a second initramfs), configures the network, mounts the workload's disk, starts the server named
 * in /kpgo/guest.conf, tells the host "KPGO READY", runs the guest-side load
 * if there is one, waits for "DONE" or "ABORT" and, in collect mode, copies
 * the kernel's gcov data to the 9p share before powering off.
 *
 * kpgo.noload on the kernel command line skips load= (the host drives the
 * server instead).  The load runs between two marker NOPs that kpgo's TCG
 * plugin (tools/frontend.c) recognises as the window it measures: a
 * guest-side load's run, or, for a load from the host, READY to DONE.
 *
 * Modes (kpgo.mode= on the kernel command line):
 *   collect   reset the gcov counters at READY, copy them after DONE
 *             (with kpgo.prf=ADDR,SIZE, a clang IR PGO kernel: the counter
 *             section at that kernel address is read through /proc/kcore at
 *             READY and after DONE, and the difference is sent instead)
 *   bench     the same run, no gcov
 *   prepare   run the prepare= commands once before the server, no load;
 *             the disk is written for good, so the server is stopped
 *             cleanly (up to PREPARE_STOP_MS) and the disk unmounted
 *
 * The lines sent to the host and read from it: tools/vmproto.h.
 *
 * PID 1 must never exit (the kernel panics): every failure ends in
 * guest_shutdown(), which powers the machine off with reboot(2).
 *
 * On the host, "kpgo-agent --check-conf FILE" parses a guest.conf and prints
 * the resulting settings.
 */
#define _GNU_SOURCE
#include "util.h"
#include "vmproto.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <elf.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define AGENT_NAME	"kpgo-agent"
#define CONF_PATH	"/kpgo/guest.conf"
#define MODULES_LIST	"/etc/kpgo-modules"	/* kpgo-mkimage's modules line */
#define MODULE_INIT_COMPRESSED_FILE 4		/* linux/module.h, 5.17+ */
#define CTL_TTY		"/dev/ttyS1"
#define SHARE_DIR	"/mnt/kpgo"
#define GCOV_DIR	"/sys/kernel/debug/gcov"
#define KCORE		"/proc/kcore"
#define PRF_DST		SHARE_DIR "/llvm-counters.bin"
#define GCOV_DST	SHARE_DIR "/gcov"
#define STOP_TIMEOUT_MS	5000
#define PREPARE_STOP_MS	120000
#define DISK_DEV	"/dev/vda"
#define PROBE_PERIOD_MS	100
#define READY_TIMEOUT_S	60		/* for ready= */
#define GUEST_IP	"10.0.2.15"	/* QEMU's user network */
#define GUEST_PREFIX	24
#define GUEST_GW	"10.0.2.2"
#define GUEST_PATH	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------
 * guest.conf
 */

struct conf {
	char *server;		/* NULL: no server */
	char **setup;
	size_t nsetup;
	char **prepare;		/* kpgo.mode=prepare only */
	size_t nprepare;
	char *load;		/* NULL: the host runs the client */
	char *disk;		/* mount point of DISK_DEV, NULL: no disk */
	int ready_port;		/* 0: ready=none or cmd: */
	char *ready_cmd;	/* ready=cmd:COMMAND, NULL otherwise */
};

typedef int conf_setter(struct conf *c, const char *val, char *err,
			size_t errlen);

static void conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
}

/* Parse a decimal integer in [min, max]; 0 on success. */
static int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int set_server(struct conf *c, const char *val, char *err,
		      size_t errlen)
{
	c->server = kp_xstrdup(val);
	return 0;
}

static void push_cmd(char ***v, size_t *n, const char *val)
{
	*v = kp_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = kp_xstrdup(val);
}

static int set_setup(struct conf *c, const char *val, char *err,
		     size_t errlen)
{
	push_cmd(&c->setup, &c->nsetup, val);
	return 0;
}

static int set_prepare(struct conf *c, const char *val, char *err,
		       size_t errlen)
{
	push_cmd(&c->prepare, &c->nprepare, val);
	return 0;
}

static int set_load(struct conf *c, const char *val, char *err,
		    size_t errlen)
{
	c->load = kp_xstrdup(val);
	return 0;
}

static int set_disk(struct conf *c, const char *val, char *err,
		    size_t errlen)
{
	if (val[0] != '/' || !val[1] || strpbrk(val, " \t")) {
		snprintf(err, errlen,
			 "bad disk=%s (expected an absolute directory)", val);
		return -1;
	}
	c->disk = kp_xstrdup(val);
	return 0;
}

static int set_ready(struct conf *c, const char *val, char *err,
		     size_t errlen)
{
	long port;

	if (!strcmp(val, "none")) {
		c->ready_port = 0;
		return 0;
	}
	if (!strncmp(val, "cmd:", 4) && val[4]) {
		c->ready_cmd = kp_xstrdup(val + 4);
		return 0;
	}
	if (strncmp(val, "tcp:", 4) || parse_int(val + 4, 1, 65535, &port)) {
		snprintf(err, errlen,
			 "bad ready=%s (expected tcp:PORT, cmd:COMMAND or none)",
			 val);
		return -1;
	}
	c->ready_port = (int)port;
	return 0;
}

static const struct conf_key {
	const char *name;
	conf_setter *set;
	int repeat;		/* may appear more than once */
} conf_keys[] = {
	{ "server",		set_server,		0 },
	{ "setup",		set_setup,		1 },
	{ "prepare",		set_prepare,		1 },
	{ "load",		set_load,		0 },
	{ "disk",		set_disk,		0 },
	{ "ready",		set_ready,		0 },
};

#define NKEYS ARRAY_SIZE(conf_keys)

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Handle one non-blank, non-comment line; seen[] holds first line numbers. */
static int conf_line(struct conf *c, char *line, int lineno, int *seen,
		     char *err, size_t errlen)
{
	char *eq = strchr(line, '=');
	char *key, *val;
	size_t i;

	if (!eq) {
		snprintf(err, errlen, "expected key=value, got '%s'", line);
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	for (i = 0; i < NKEYS; i++)
		if (!strcmp(key, conf_keys[i].name))
			break;
	if (i == NKEYS) {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -1;
	}
	if (seen[i] && !conf_keys[i].repeat) {
		snprintf(err, errlen, "duplicate key '%s' (first on line %d)",
			 key, seen[i]);
		return -1;
	}
	if (!*val) {
		snprintf(err, errlen, "empty value for '%s'", key);
		return -1;
	}
	if (!seen[i])
		seen[i] = lineno;
	return conf_keys[i].set(c, val, err, errlen);
}

/* Parse the text of a guest.conf; on error err reads "NAME:LINE: why". */
static int conf_parse(struct conf *c, char *text, const char *name,
		      char *err, size_t errlen)
{
	int seen[NKEYS] = { 0 };
	char msg[512];
	char *line, *next;
	int lineno = 0;

	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		if (conf_line(c, line, lineno, seen, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s:%d: %s", name, lineno, msg);
			return -1;
		}
	}
	return 0;
}

static int conf_load(struct conf *c, const char *path, char *err,
		     size_t errlen)
{
	unsigned char *text;
	size_t len;
	int ret;

	conf_init(c);
	if (kp_read_file(path, &text, &len)) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s: not a text file", path);
		free(text);
		return -1;
	}
	ret = conf_parse(c, (char *)text, path, err, errlen);
	free(text);
	return ret;
}

static void conf_print(const struct conf *c, FILE *f)
{
	size_t i;

	if (c->server)
		fprintf(f, "server=%s\n", c->server);
	else
		fprintf(f, "# server: none\n");
	for (i = 0; i < c->nsetup; i++)
		fprintf(f, "setup=%s\n", c->setup[i]);
	for (i = 0; i < c->nprepare; i++)
		fprintf(f, "prepare=%s\n", c->prepare[i]);
	if (c->load)
		fprintf(f, "load=%s\n", c->load);
	if (c->disk)
		fprintf(f, "disk=%s\n", c->disk);
	if (c->ready_cmd)
		fprintf(f, "ready=cmd:%s\n", c->ready_cmd);
	else if (c->ready_port)
		fprintf(f, "ready=tcp:%d\n", c->ready_port);
	else
		fprintf(f, "ready=none\n");
}

/* ------------------------------------------------------------------------
 * Console, control channel, failure and shutdown
 */

static struct agent {
	int ctl;		/* control channel, -1 until open */
	int collect;		/* kpgo.mode=collect */
	int noload;		/* kpgo.noload: the host runs the client */
	int prepare;		/* kpgo.mode=prepare */
	unsigned long long prf_addr;	/* kpgo.prf=: clang counters, 0: gcov */
	unsigned long long prf_size;
	uint64_t *prf_start;	/* the counters at READY */
	int share_mounted;
	int disk_mounted;
	int shutting_down;
	int failed;		/* FAIL was sent */
	pid_t server;		/* 0: none running */
	int server_exited;
	int server_status;
	struct conf conf;
} ag = { .ctl = -1 };

static long long clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* One progress line on the console, written at once, with boot time. */
static void KP_PRINTF(1, 2) say(const char *fmt, ...)
{
	long long t = clock_ms(CLOCK_BOOTTIME);
	char line[1024];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), AGENT_NAME ": [%4lld.%03lld] ",
		     t / 1000, t % 1000);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	kp_write_all(STDERR_FILENO, line, strlen(line));
}

static int ctl_open(void)
{
	struct termios t;
	int fd;

	fd = open(CTL_TTY, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT &&
	    !mknod(CTL_TTY, S_IFCHR | 0600, makedev(4, 65)))
		fd = open(CTL_TTY, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!tcgetattr(fd, &t)) {
		cfmakeraw(&t);
		t.c_cflag |= CLOCAL | CREAD;
		t.c_cflag &= ~(tcflag_t)CRTSCTS;
		cfsetispeed(&t, B115200);
		cfsetospeed(&t, B115200);
		tcsetattr(fd, TCSANOW, &t);
		tcflush(fd, TCIFLUSH);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	ag.ctl = fd;
	return 0;
}

/* Send "KPGO <msg>\n" to the host (best effort: no channel, no message). */
static void KP_PRINTF(1, 2) ctl_send(const char *fmt, ...)
{
	const size_t n = sizeof(VP_PREFIX) - 1;
	char line[VP_LINE_MAX];
	va_list ap;

	if (ag.ctl < 0)
		return;
	memcpy(line, VP_PREFIX, n);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	if (kp_write_all(ag.ctl, line, strlen(line)))
		say("warning: cannot write to %s: %s", CTL_TTY,
		    strerror(errno));
}

static void describe_status(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(buf, len, "wait status 0x%x", st);
}

/* Reap every exited child; remember the server's status. */
static void reap_children(void)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == ag.server) {
			ag.server_exited = 1;
			ag.server_status = st;
		}
	}
}

static int server_running(void)
{
	reap_children();
	return ag.server && !ag.server_exited;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The server leads its own session: signal its whole process group. */
static void signal_server(int sig)
{
	if (kill(-ag.server, sig))
		kill(ag.server, sig);
}

/*
 * SIGTERM, and SIGKILL after timeout ms.  Returns 0 when the server ended
 * by itself (exit status 0, or SIGTERM's default action), else -1.
 */
static int stop_server(int timeout)
{
	long long deadline;
	int st;

	if (!server_running())
		return 0;
	say("stopping the server (pid %d)", (int)ag.server);
	signal_server(SIGTERM);
	deadline = now_ms() + timeout;
	while (server_running() && now_ms() < deadline)
		sleep_ms(20);
	if (server_running()) {
		say("server still running after %d s: SIGKILL",
		    timeout / 1000);
		signal_server(SIGKILL);
		waitpid(ag.server, &ag.server_status, 0);
		ag.server_exited = 1;
		return -1;
	}
	st = ag.server_status;
	return (WIFEXITED(st) && !WEXITSTATUS(st)) ||
	       (WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) ? 0 : -1;
}

/*
 * End of a prepare boot: the disk is kept, so the server must finish its
 * writes and the file system be unmounted cleanly.  NULL when it was, else
 * what went wrong (the host then throws the disk away).
 */
static char *keep_disk(void)
{
	static char why[300];
	char how[128];

	if (stop_server(PREPARE_STOP_MS)) {
		describe_status(ag.server_status, how, sizeof(how));
		snprintf(why, sizeof(why),
			 "the server did not stop cleanly (%s): the prepared disk is not kept",
			 how);
		return why;
	}
	kill(-1, SIGKILL);
	sleep_ms(10);
	reap_children();
	sync();
	if (ag.disk_mounted && umount2(ag.conf.disk, 0)) {
		snprintf(why, sizeof(why),
			 "cannot unmount %s (%s): the prepared disk is not kept",
			 ag.conf.disk, strerror(errno));
		return why;
	}
	ag.disk_mounted = 0;
	return NULL;
}

/* Step 9: BYE, stop everything, sync, unmount, power off.  Never returns. */
static _Noreturn void guest_shutdown(void)
{
	char *why;

	ag.shutting_down = 1;
	if (ag.prepare && !ag.failed && (why = keep_disk())) {
		say("FAIL %s", why);
		ctl_send(VP_FAIL_FMT, why);
	}
	ctl_send(VP_BYE);
	stop_server(STOP_TIMEOUT_MS);
	kill(-1, SIGKILL);
	sleep_ms(10);
	reap_children();
	sync();
	if (ag.disk_mounted && umount2(ag.conf.disk, 0))
		say("warning: cannot unmount %s: %s", ag.conf.disk,
		    strerror(errno));
	if (ag.share_mounted && umount2(SHARE_DIR, 0) &&
	    umount2(SHARE_DIR, MNT_DETACH))
		say("warning: cannot unmount %s: %s", SHARE_DIR,
		    strerror(errno));
	say("powering off");
	if (ag.ctl >= 0)
		tcdrain(ag.ctl);
	tcdrain(STDERR_FILENO);
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

/* Report a failure to the console and the host, then shut down. */
static _Noreturn void KP_PRINTF(1, 2) fail(const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	for (p = reason; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	say("FAIL %s", reason);
	if (getpid() != 1)
		_exit(1);	/* a child, before exec */
	if (ag.shutting_down) {
		reboot(RB_AUTOBOOT);
		for (;;)
			pause();
	}
	if (ag.ctl < 0)
		ctl_open();
	ag.failed = 1;
	ctl_send(VP_FAIL_FMT, reason);
	guest_shutdown();
}

/* exit() in PID 1 (kp_die, kp_xmalloc) would panic the kernel. */
static void on_exit_pid1(void)
{
	if (getpid() == 1)
		fail("internal error: the agent called exit()");
}

/* A crash of PID 1 panics the kernel: tell the host first. */
static void on_crash(int sig)
{
	static const char msg[] = VP_PREFIX VP_FAIL " agent crashed\n"
				  VP_PREFIX VP_BYE "\n";

	if (ag.ctl >= 0 && write(ag.ctl, msg, sizeof(msg) - 1) > 0)
		tcdrain(ag.ctl);
	sync();
	reboot(RB_AUTOBOOT);
	_exit(1);
}

static void setup_signals(void)
{
	static const int crash[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE,
				     SIGABRT };
	struct sigaction sa = { .sa_handler = on_crash };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(crash); i++)
		sigaction(crash[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	atexit(on_exit_pid1);
}

/* ------------------------------------------------------------------------
 * Step 1: console and file systems
 */

static int fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Is something mounted on dir (another device than its parent's)? */
static int is_mountpoint(const char *dir)
{
	char *parent = kp_xasprintf("%s/..", dir);
	struct stat a, b;
	int ret;

	ret = !stat(dir, &a) && !stat(parent, &b) && a.st_dev != b.st_dev;
	free(parent);
	return ret;
}

/* mkdir -p dir and mount on it, unless something already is. */
static int mount_one(const char *src, const char *dir, const char *type,
		     unsigned long flags, const char *opts)
{
	if (kp_mkdir_p(dir, 0755))
		return -1;
	if (is_mountpoint(dir))
		return 0;
	return mount(src, dir, type, flags, opts);
}

static void ensure_console(void)
{
	int fd, i;

	if (fd_is_open(0) && fd_is_open(1) && fd_is_open(2))
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0) {
		mount_one("devtmpfs", "/dev", "devtmpfs", 0, NULL);
		fd = open("/dev/console", O_RDWR | O_NOCTTY);
	}
	if (fd < 0)
		return;
	for (i = 0; i < 3; i++)
		if (!fd_is_open(i))
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

static const struct mnt {
	const char *src, *dir, *type;
	unsigned long flags;
	const char *opts;
	int optional;
} base_mounts[] = {
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0 },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0 },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 0 },
	{ "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 0 },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", 0 },
	{ "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 1 },
	{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
	  "gid=5,mode=620,ptmxmode=666", 1 },
};

/* what udev would make: servers log to /dev/stderr */
static const char *const dev_links[][2] = {
	{ "/dev/fd", "/proc/self/fd" },
	{ "/dev/stdin", "/proc/self/fd/0" },
	{ "/dev/stdout", "/proc/self/fd/1" },
	{ "/dev/stderr", "/proc/self/fd/2" },
};

/* Mount everything; returns the first failure's message or NULL. */
static char *mount_all(void)
{
	char *err = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(base_mounts); i++) {
		const struct mnt *m = &base_mounts[i];

		if (!mount_one(m->src, m->dir, m->type, m->flags, m->opts))
			continue;
		if (m->optional)
			say("warning: cannot mount %s on %s: %s", m->type,
			    m->dir, strerror(errno));
		else if (!err)
			err = kp_xasprintf("cannot mount %s on %s: %s",
					   m->type, m->dir, strerror(errno));
	}
	for (i = 0; i < ARRAY_SIZE(dev_links); i++)
		if (symlink(dev_links[i][1], dev_links[i][0]) &&
		    errno != EEXIST)
			say("warning: cannot create %s: %s", dev_links[i][0],
			    strerror(errno));
	return err;
}

static int mount_debugfs(void)
{
	return mount_one("debugfs", "/sys/kernel/debug", "debugfs",
			 MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/* kpgo.prf=ADDR,SIZE: where the kernel's clang counters are */
static void read_prf(const char *v)
{
	char *end;

	errno = 0;
	ag.prf_addr = strtoull(v, &end, 0);
	if (*end == ',')
		ag.prf_size = strtoull(end + 1, &end, 0);
	if (errno || *end || !ag.prf_addr || !ag.prf_size || ag.prf_size % 8)
		fail("bad kpgo.prf=%s (expected ADDR,SIZE of the counter section, "
		     "SIZE a multiple of 8)", v);
}

/* kpgo.mode= from the kernel command line: sets ag.collect, ag.prepare. */
static void read_mode(void)
{
	unsigned char *cmdline;
	const char *mode = "bench";
	char *tok, *save;
	size_t len;

	if (kp_read_file("/proc/cmdline", &cmdline, &len))
		fail("cannot read /proc/cmdline: %s", strerror(errno));
	for (tok = strtok_r((char *)cmdline, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save))
		if (!strncmp(tok, VP_MODE_PARAM, sizeof(VP_MODE_PARAM) - 1))
			mode = tok + sizeof(VP_MODE_PARAM) - 1;
		else if (!strcmp(tok, "kpgo.noload"))
			ag.noload = 1;
		else if (!strncmp(tok, "kpgo.prf=", 9))
			read_prf(tok + 9);
	if (strcmp(mode, "collect") && strcmp(mode, "bench") &&
	    strcmp(mode, "prepare"))
		fail("unknown kpgo.mode=%s (expected collect, bench or prepare)",
		     mode);
	ag.collect = !strcmp(mode, "collect");
	ag.prepare = !strcmp(mode, "prepare");
	free(cmdline);
}

/* ------------------------------------------------------------------------
 * Step 3: network, with ioctls
 */

static void set_sin(struct sockaddr *sa, struct in_addr addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = addr };

	memcpy(sa, &sin, sizeof(sin));
}

static struct in_addr prefix_mask(int prefix)
{
	struct in_addr m;

	m.s_addr = htonl(prefix ? ~0u << (32 - prefix) : 0);
	return m;
}

static void if_ioctl(int s, unsigned long req, struct ifreq *ifr,
		     const char *what)
{
	if (ioctl(s, req, ifr))
		fail("cannot set %s of %s: %s", what, ifr->ifr_name,
		     strerror(errno));
}

static void if_config(int s, const char *dev, struct in_addr addr,
		      int prefix)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	set_sin(&ifr.ifr_addr, addr);
	if_ioctl(s, SIOCSIFADDR, &ifr, "address");
	set_sin(&ifr.ifr_netmask, prefix_mask(prefix));
	if_ioctl(s, SIOCSIFNETMASK, &ifr, "netmask");
	if_ioctl(s, SIOCGIFFLAGS, &ifr, "flags");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if_ioctl(s, SIOCSIFFLAGS, &ifr, "flags");
}

/* eth0, or else the first interface but lo; waits a little for probing. */
static const char *find_netdev(char *buf, size_t len)
{
	int tries;

	for (tries = 0; tries < 50; tries++) {
		DIR *d = opendir("/sys/class/net");
		struct dirent *e;

		if (!access("/sys/class/net/eth0", F_OK))
			return "eth0";
		buf[0] = '\0';
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.' && strcmp(e->d_name, "lo") &&
			    !buf[0] && strlen(e->d_name) < len)
				memcpy(buf, e->d_name, strlen(e->d_name) + 1);
		if (d)
			closedir(d);
		if (buf[0])
			return buf;
		sleep_ms(100);
	}
	fail("no network interface (no eth0 in /sys/class/net)");
}

static void net_setup(void)
{
	struct in_addr lo_addr = { htonl(INADDR_LOOPBACK) }, ip, gw;
	struct rtentry rt;
	char devbuf[IFNAMSIZ];
	const char *dev;
	int s;

	inet_pton(AF_INET, GUEST_IP, &ip);
	inet_pton(AF_INET, GUEST_GW, &gw);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		fail("socket: %s", strerror(errno));
	if_config(s, "lo", lo_addr, 8);
	dev = find_netdev(devbuf, sizeof(devbuf));
	if_config(s, dev, ip, GUEST_PREFIX);

	memset(&rt, 0, sizeof(rt));
	set_sin(&rt.rt_dst, (struct in_addr){ 0 });
	set_sin(&rt.rt_genmask, (struct in_addr){ 0 });
	set_sin(&rt.rt_gateway, gw);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = (char *)dev;
	if (ioctl(s, SIOCADDRT, &rt) && errno != EEXIST)
		fail("cannot add a default route via " GUEST_GW ": %s",
		     strerror(errno));
	close(s);
	say("network: %s " GUEST_IP "/%d via " GUEST_GW, dev, GUEST_PREFIX);
}

/* ------------------------------------------------------------------------
 * Step 4: collect mode prerequisites
 */

static void collect_setup(void)
{
	struct stat st;

	if (mount_debugfs())
		fail("cannot mount debugfs on /sys/kernel/debug: %s",
		     strerror(errno));
	if (kp_mkdir_p(SHARE_DIR, 0755))
		fail("cannot create %s: %s", SHARE_DIR, strerror(errno));
	if (mount(VP_SHARE_TAG, SHARE_DIR, "9p", 0,
		  "trans=virtio,version=9p2000.L"))
		fail("cannot mount 9p share '" VP_SHARE_TAG "' on %s: %s",
		     SHARE_DIR, strerror(errno));
	ag.share_mounted = 1;
	if (ag.prf_addr) {
		if (stat(KCORE, &st))
			fail("no " KCORE ": the clang instrumented kernel needs "
			     "CONFIG_PROC_KCORE (kconfig/pgo-llvm.config)");
	} else if (stat(GCOV_DIR, &st) || !S_ISDIR(st.st_mode))
		fail("no " GCOV_DIR
		     ": kernel not built with CONFIG_GCOV_KERNEL");
	say("collect mode: share '" VP_SHARE_TAG "' on %s", SHARE_DIR);
}

/* The workload's disk: the ext4 file system kpgo made on the host. */
/* ------------------------------------------------------------------------
 * Step 1b: kernel modules
 */

/* Load each module MODULES_LIST names (one image path a line, in load
 * order) with finit_module(2); one already there is fine. */
static void load_modules(void)
{
	unsigned char *text;
	char *line, *save;
	size_t len;
	long long t0 = now_ms();
	int n = 0;

	if (kp_read_file(MODULES_LIST, &text, &len)) {
		if (errno == ENOENT)
			return;
		fail("cannot read " MODULES_LIST ": %s", strerror(errno));
	}
	for (line = strtok_r((char *)text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *ko = strstr(line, ".ko");
		int fd = open(line, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			fail("cannot open module %s: %s", line, strerror(errno));
		if (syscall(SYS_finit_module, fd, "",
			    ko && ko[3] ? MODULE_INIT_COMPRESSED_FILE : 0) &&
		    errno != EEXIST)
			fail("cannot load module %s: %s (errno %d)", line,
			     strerror(errno), errno);
		close(fd);
		n++;
	}
	free(text);
	say("loaded %d modules from " MODULES_LIST " in %lld ms", n,
	    now_ms() - t0);
}

static void mount_disk(const struct conf *c)
{
	struct stat st;
	int i;

	for (i = 0; i < 50 && stat(DISK_DEV, &st); i++)
		sleep_ms(100);
	if (stat(DISK_DEV, &st) || !S_ISBLK(st.st_mode))
		fail("no disk " DISK_DEV " for disk=%s (is the kernel built "
		     "with CONFIG_VIRTIO_BLK, and did the host attach one?)",
		     c->disk);
	if (kp_mkdir_p(c->disk, 0755))
		fail("cannot create %s: %s", c->disk, strerror(errno));
	if (mount(DISK_DEV, c->disk, "ext4", MS_NOATIME, NULL))
		fail("cannot mount " DISK_DEV " (ext4) on %s: %s%s", c->disk,
		     strerror(errno), errno == ENODEV ?
		     " (kernel without CONFIG_EXT4_FS?)" : "");
	ag.disk_mounted = 1;
	say("disk " DISK_DEV " (ext4) on %s", c->disk);
}

/* ------------------------------------------------------------------------
 * Step 5: setup commands, server, readiness
 */

/* argv for a command: /bin/sh -c [exec ]CMD, or CMD split on blanks. */
static char **command_argv(const char *cmd, int use_exec)
{
	char **argv;
	char *copy, *tok, *save;
	size_t n = 0;

	if (!access("/bin/sh", X_OK)) {
		argv = kp_xcalloc(4, sizeof(*argv));
		argv[0] = kp_xstrdup("/bin/sh");
		argv[1] = kp_xstrdup("-c");
		argv[2] = use_exec ? kp_xasprintf("exec %s", cmd) :
				     kp_xstrdup(cmd);
		return argv;
	}
	copy = kp_xstrdup(cmd);
	argv = kp_xcalloc(strlen(cmd) / 2 + 2, sizeof(*argv));
	for (tok = strtok_r(copy, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save))
		argv[n++] = kp_xstrdup(tok);
	free(copy);
	return argv;
}

static void free_argv(char **argv)
{
	char **p;

	for (p = argv; *p; p++)
		free(*p);
	free(argv);
}

static _Noreturn void child_exec(char **argv, int out)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;
	int sig, fd;

	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	if (out >= 0) {
		dup2(out, STDOUT_FILENO);
		dup2(out, STDERR_FILENO);
		close(out);
	}
	execvp(argv[0], argv);
	dprintf(STDERR_FILENO, AGENT_NAME ": cannot run %s: %s\n", argv[0],
		strerror(errno));
	_exit(127);
}

/* Run cmd in its own session; out >= 0: its stdout and stderr. */
static pid_t spawn(const char *cmd, int use_exec, int out)
{
	char **argv = command_argv(cmd, use_exec);
	pid_t pid;

	if (!argv[0])
		fail("empty command");
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (!pid)
		child_exec(argv, out);
	free_argv(argv);
	return pid;
}

static void run_setup(const char *what, const char *cmd)
{
	char how[128];
	pid_t pid;
	int st;

	say("%s: %s", what, cmd);
	pid = spawn(cmd, 0, -1);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			fail("waitpid: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		describe_status(st, how, sizeof(how));
		fail("%s command failed (%s): %s", what, how, cmd);
	}
}

static void start_server(const char *cmd)
{
	say("server: %s", cmd);
	ag.server = spawn(cmd, 1, -1);
	ag.server_exited = 0;
}

static _Noreturn void server_died(const char *when)
{
	char how[128];

	describe_status(ag.server_status, how, sizeof(how));
	fail("server exited %s (%s)", when, how);
}

static int tcp_accepts(int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr = { htonl(INADDR_LOOPBACK) },
	};
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ok;

	if (s < 0)
		return 0;
	ok = !connect(s, (struct sockaddr *)&sin, sizeof(sin));
	close(s);
	return ok;
}

/*
 * ready=cmd:COMMAND: true when COMMAND (output thrown away) exits 0; one
 * still running at the deadline is killed and fails the boot.
 */
static int cmd_succeeds(const char *cmd, long long deadline)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	pid_t pid = spawn(cmd, 0, null);
	int st;

	close(null);
	while (waitpid(pid, &st, WNOHANG) != pid) {
		if (now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			waitpid(pid, &st, 0);
			fail("ready probe '%.200s' still running at the ready timeout",
			     cmd);
		}
		sleep_ms(20);
	}
	return WIFEXITED(st) && !WEXITSTATUS(st);
}

static void wait_ready(const struct conf *c)
{
	long long t0 = now_ms();
	long long deadline = t0 + READY_TIMEOUT_S * 1000LL;
	char what[300];

	if (c->ready_cmd)
		snprintf(what, sizeof(what), "'%.200s' succeeded", c->ready_cmd);
	else if (c->ready_port)
		snprintf(what, sizeof(what), "tcp:%d accepts connections",
			 c->ready_port);
	else
		return;
	for (;;) {
		if (c->ready_cmd ? cmd_succeeds(c->ready_cmd, deadline) :
				   tcp_accepts(c->ready_port))
			break;
		if (ag.server && !server_running())
			server_died("before it was ready");
		if (now_ms() >= deadline)
			fail("server not ready after %d s (waited until %s)",
			     READY_TIMEOUT_S, what);
		sleep_ms(PROBE_PERIOD_MS);
	}
	say("%s after %lld ms", what, now_ms() - t0);
}

/* Step 6: writing (not just opening) the reset file zeroes the counters. */
static void gcov_reset(void)
{
	int fd = open(GCOV_DIR "/reset", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || kp_write_all(fd, "1", 1))
		fail("cannot reset gcov counters (" GCOV_DIR "/reset): %s",
		     strerror(errno));
	close(fd);
}

/*
 * Step 6, clang: the counter section, read through /proc/kcore (an ELF core
 * of the running kernel: the PT_LOAD segment that holds the address gives
 * its file offset).  Nothing in the kernel can reset the counters, so the
 * load's share is the difference of two reads.
 */
static uint64_t *prf_read(void)
{
	size_t n = ag.prf_size;
	unsigned char *buf = kp_xmalloc(n);
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd, i;
	off_t off = -1;

	fd = open(KCORE, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64)
		fail("cannot read the ELF header of " KCORE ": %s",
		     strerror(errno));
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph),
			  (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) != sizeof(ph))
			fail("cannot read " KCORE "'s program headers: %s",
			     strerror(errno));
		if (ph.p_type == PT_LOAD && ph.p_vaddr <= ag.prf_addr &&
		    ag.prf_addr + n <= ph.p_vaddr + ph.p_memsz) {
			off = (off_t)(ph.p_offset + (ag.prf_addr - ph.p_vaddr));
			break;
		}
	}
	if (off < 0)
		fail(KCORE " has no segment with 0x%llx+%zu: boot with nokaslr",
		     ag.prf_addr, n);
	for (size_t done = 0; done < n;) {
		ssize_t r = pread(fd, buf + done, n - done, off + (off_t)done);

		if (r <= 0)
			fail("cannot read the counters from " KCORE ": %s",
			     r ? strerror(errno) : "short read");
		done += (size_t)r;
	}
	close(fd);
	return (uint64_t *)buf;
}

static void prf_copy(void)
{
	long long t0 = now_ms(), ms;
	uint64_t *end = prf_read();
	size_t i, n = ag.prf_size / 8, moved = 0, back = 0;

	/*
	 * A counter is a plain increment: with several CPUs one can store a
	 * stale value over another's, so a counter may come back lower (its
	 * share of the load is then taken as 0, and counted).
	 */
	for (i = 0; i < n; i++) {
		if (end[i] < ag.prf_start[i]) {
			end[i] = 0;
			back++;
			continue;
		}
		end[i] -= ag.prf_start[i];
		moved += end[i] != 0;
	}
	if (kp_write_file_atomic(PRF_DST, end, ag.prf_size, 0644))
		fail("cannot write " PRF_DST ": %s", strerror(errno));
	sync();
	ms = now_ms() - t0;
	say("copied %zu counters (%zu moved during the load, %zu went back: "
	    "taken as 0) in %lld ms", n, moved, back, ms);
	ctl_send(VP_COPIED_FMT, 1ul, ag.prf_size, ms);
	free(end);
}

/* A line of the load's output: to the console and to the host. */
static void load_line(const char *line, size_t len)
{
	dprintf(STDERR_FILENO, "%.*s\n", (int)len, line);
	ctl_send(VP_OUT_FMT, (int)(len > VP_OUT_MAX ? VP_OUT_MAX : len), line);
}

/*
 * Take the complete lines out of buf (a carriage return ends a line too:
 * progress meters); a full buffer without an end is sent as it is.
 */
static void load_lines(char *buf, size_t *len, size_t size, int flush)
{
	size_t start = 0, i;

	for (i = 0; i < *len; i++) {
		if (buf[i] != '\n' && buf[i] != '\r')
			continue;
		if (i > start)
			load_line(buf + start, i - start);
		start = i + 1;
	}
	memmove(buf, buf + start, *len - start);
	*len -= start;
	if (*len && (flush || *len == size)) {
		load_line(buf, *len);
		*len = 0;
	}
}

/*
 * The load window of kpgo's TCG plugin (tools/frontend.c): two NOPs with a
 * magic displacement that the plugin recognises when it translates them.
 */
static void mark_window(int open)
{
#if defined(__x86_64__)
	if (open)
		__asm__ volatile(".byte 0x0f, 0x1f, 0x80; .long 0x4b50a551" ::: "memory");
	else
		__asm__ volatile(".byte 0x0f, 0x1f, 0x80; .long 0x4b50a5e0" ::: "memory");
#else
	(void)open;
#endif
}

/*
 * Step 6b: the guest-side load (load=), for workloads that drive themselves
 * (storage benchmarks).  Its output goes to the host line by line as KPGO
 * OUT; KPGO LOADED <status> ends it.  The load ends when its process does:
 * what it left running in its session is killed.  A failed load is the
 * host's to judge.
 */
static void run_load(const char *cmd)
{
	/*
	 * The load's output is held back until it ends (up to 1 MiB): sent
	 * while it runs, its lines would cross the serial ports inside the
	 * plugin's window and cost the guest kernel far more than the load
	 * itself (ab's report: about 1e9 instructions for 0.1 s of requests).
	 */
	static char buf[1 << 20];
	size_t len = 0;
	long long t0 = now_ms(), drain_until = 0;
	int fds[2], st = 0, code, done = 0, open_ = 1;
	pid_t pid;

	say("load: %s", cmd);
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK))
		fail("pipe: %s", strerror(errno));
	mark_window(1);
	pid = spawn(cmd, 0, fds[1]);
	close(fds[1]);
	while (open_ && (!done || now_ms() < drain_until)) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		ssize_t r;

		if (!done && waitpid(pid, &st, WNOHANG) == pid) {
			mark_window(0);
			done = 1;	/* what is still in the pipe: 1 s */
			drain_until = now_ms() + 1000;
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		r = read(fds[0], buf + len, sizeof(buf) - len);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			open_ = 0;	/* every writer is gone */
		else
			len += (size_t)r;
		if (len == sizeof(buf))
			load_lines(buf, &len, sizeof(buf), 0);
	}
	close(fds[0]);
	kill(-pid, SIGKILL);	/* its session's leftovers */
	while (!done && waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			fail("waitpid: %s", strerror(errno));
	if (!done)
		mark_window(0);
	load_lines(buf, &len, sizeof(buf), 1);
	code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	say("load ended with status %d after %lld ms", code, now_ms() - t0);
	ctl_send(VP_LOADED_FMT, code);
}

/*
 * Before READY, the kernel's random pool must be ready: the first getrandom()
 * of a client (ab, sysbench, ...) would otherwise block while the kernel
 * gathers jitter entropy, about 1e9 guest instructions that land in the
 * load's profile and in the plugin's window, at a point that differs from
 * kernel to kernel.
 */
static void wait_crng(void)
{
	unsigned char b;
	long long t0 = now_ms();

	while (getrandom(&b, 1, 0) < 0)
		if (errno != EINTR)
			fail("getrandom: %s", strerror(errno));
	if (now_ms() - t0 >= 10)
		say("random pool ready after %lld ms", now_ms() - t0);
}

/* ------------------------------------------------------------------------
 * Step 7: wait for DONE or ABORT
 */

enum host_cmd { HOST_DONE, HOST_ABORT };

static int host_cmd(const char *line)
{
	if (!strcmp(line, VP_DONE))
		return HOST_DONE;
	if (!strcmp(line, VP_ABORT))
		return HOST_ABORT;
	return -1;
}

/* Take complete lines out of buf; returns the first command or -1. */
static int parse_host_lines(char *buf, size_t *len)
{
	char *nl;
	int cmd = -1;

	while (cmd < 0 && (nl = memchr(buf, '\n', *len))) {
		size_t n = (size_t)(nl - buf) + 1;

		*nl = '\0';
		cmd = host_cmd(trim(buf));
		memmove(buf, buf + n, *len - n);
		*len -= n;
	}
	return cmd;
}

/* Wait up to 200 ms for bytes from the host; append them to buf. */
static void read_host(char *buf, size_t *len, size_t size)
{
	struct pollfd p = { .fd = ag.ctl, .events = POLLIN };
	int n = poll(&p, 1, 200);
	ssize_t r;

	if (n < 0 && errno != EINTR)
		fail("poll on %s: %s", CTL_TTY, strerror(errno));
	if (n <= 0)
		return;
	if (p.revents & (POLLERR | POLLNVAL))
		fail("error on %s", CTL_TTY);
	if (!(p.revents & (POLLIN | POLLHUP)))
		return;
	r = read(ag.ctl, buf + *len, size - *len);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0)
		fail("cannot read %s: %s", CTL_TTY,
		     r ? strerror(errno) : "end of file");
	*len += (size_t)r;
}

static enum host_cmd wait_host(void)
{
	char buf[VP_HOST_LINE_MAX];
	size_t len = 0;
	int cmd;

	for (;;) {
		if (ag.server && !server_running())
			server_died("while the host was running its client");
		read_host(buf, &len, sizeof(buf));
		cmd = parse_host_lines(buf, &len);
		if (cmd >= 0)
			return (enum host_cmd)cmd;
		if (len == sizeof(buf))
			len = 0;	/* an overlong line: drop it */
	}
}

/* ------------------------------------------------------------------------
 * Step 8: copy the gcov data to the share
 *
 * Every .gcda file is read into memory first and written to the share
 * afterwards: the kernel snapshots a gcov file when it is opened, so writing
 * over 9p between two reads would count the 9p write path in the profile.
 * When the data outgrows a quarter of the free memory, what was read so far
 * is written out and reading goes on.
 */

struct gcda {
	char *rel;		/* path relative to GCOV_DIR */
	unsigned char *data;
	size_t len;
};

static struct gcov_copy {
	struct gcda *pending;
	size_t npending, cap;
	size_t pending_bytes, max_pending;
	char **dirs;		/* directories made under GCOV_DST */
	size_t ndirs;
	char *dir;		/* the one open as dir_fd */
	int dir_fd;
	unsigned long dir_opens;
	unsigned long files;
	unsigned long long bytes;
	long long read_ms, write_ms;
} cp = { .dir_fd = -1 };

static int dir_made(const char *dir)
{
	size_t i;

	for (i = cp.ndirs; i-- > 0;)
		if (!strcmp(cp.dirs[i], dir))
			return 1;
	return 0;
}

/* Split "a/b/c" into "a/b" and "c" (dir "" at the top); free *dir. */
static void split_path(const char *rel, char **dir, const char **base)
{
	const char *slash = strrchr(rel, '/');

	*dir = slash ? strndup(rel, (size_t)(slash - rel)) : strdup("");
	if (!*dir)
		kp_die("out of memory");
	*base = slash ? slash + 1 : rel;
}

/* mkdir GCOV_DST/dir and its parents, once each (9p round trips are slow) */
static void make_dst_dir(const char *dir)
{
	const char *base;
	char *parent, *path;

	if (dir_made(dir))
		return;
	path = kp_xasprintf(GCOV_DST "%s%s", *dir ? "/" : "", dir);
	if (*dir) {
		split_path(dir, &parent, &base);
		make_dst_dir(parent);
		free(parent);
		if (mkdir(path, 0755) && errno != EEXIST)
			fail("cannot create %s: %s", path, strerror(errno));
	} else if (kp_mkdir_p(path, 0755)) {
		fail("cannot create %s: %s", path, strerror(errno));
	}
	free(path);
	cp.dirs = kp_xrealloc(cp.dirs, (cp.ndirs + 1) * sizeof(*cp.dirs));
	cp.dirs[cp.ndirs++] = kp_xstrdup(dir);
}

/*
 * Open GCOV_DST/dir, made if needed; the last one stays open for reuse.
 * The old one is closed only after the new one is open: with cache=none,
 * 9p drops unused dentries, and an open directory keeps its ancestors in
 * the dcache, which saves a 9p walk per path component.
 */
static int dst_dir_fd(const char *dir)
{
	char *path;
	int fd;

	if (cp.dir_fd >= 0 && !strcmp(cp.dir, dir))
		return cp.dir_fd;
	cp.dir_opens++;
	make_dst_dir(dir);
	path = kp_xasprintf(GCOV_DST "/%s", dir);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fail("cannot open %s: %s", path, strerror(errno));
	free(path);
	if (cp.dir_fd >= 0)
		close(cp.dir_fd);
	free(cp.dir);
	cp.dir_fd = fd;
	cp.dir = kp_xstrdup(dir);
	return fd;
}

static void write_gcda(const struct gcda *g)
{
	const char *base;
	char *dir;
	int fd;

	split_path(g->rel, &dir, &base);
	fd = openat(dst_dir_fd(dir), base, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0644);
	if (fd < 0 || kp_write_all(fd, g->data, g->len) || close(fd))
		fail("cannot write " GCOV_DST "/%s: %s", g->rel,
		     strerror(errno));
	free(dir);
}

static size_t dir_len(const char *rel)
{
	const char *slash = strrchr(rel, '/');

	return slash ? (size_t)(slash - rel) : 0;
}

/* Order by directory, then name: each directory is opened once. */
static int gcda_cmp(const void *a, const void *b)
{
	const char *x = ((const struct gcda *)a)->rel;
	const char *y = ((const struct gcda *)b)->rel;
	size_t dx = dir_len(x), dy = dir_len(y);
	int r = strncmp(x, y, dx < dy ? dx : dy);

	if (r || dx == dy)
		return r ? r : strcmp(x + dx, y + dy);
	return dx < dy ? -1 : 1;
}

static void flush_pending(void)
{
	long long t0 = now_ms();
	size_t i;

	qsort(cp.pending, cp.npending, sizeof(*cp.pending), gcda_cmp);
	for (i = 0; i < cp.npending; i++) {
		write_gcda(&cp.pending[i]);
		free(cp.pending[i].rel);
		free(cp.pending[i].data);
	}
	cp.npending = 0;
	cp.pending_bytes = 0;
	cp.write_ms += now_ms() - t0;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* nftw callback: read one .gcda file (FTW_PHYS: symlinks are FTW_SL) */
static int read_gcda(const char *path, const struct stat *st, int type,
		     struct FTW *ftw)
{
	struct gcda g;

	if (type == FTW_DNR)
		fail("cannot read directory %s", path);
	if (type != FTW_F || !has_suffix(path, ".gcda"))
		return 0;
	if (kp_read_file(path, &g.data, &g.len))
		fail("cannot read %s: %s", path, strerror(errno));
	g.rel = kp_xstrdup(path + strlen(GCOV_DIR) + 1);
	if (cp.npending == cp.cap) {
		cp.cap = cp.cap ? 2 * cp.cap : 1024;
		cp.pending = kp_xrealloc(cp.pending,
					 cp.cap * sizeof(*cp.pending));
	}
	cp.pending[cp.npending++] = g;
	cp.pending_bytes += g.len;
	cp.files++;
	cp.bytes += g.len;
	if (cp.pending_bytes > cp.max_pending)
		flush_pending();
	return 0;
}

static size_t max_pending_bytes(void)
{
	struct sysinfo si;
	size_t quarter;

	if (sysinfo(&si))
		return 16u << 20;
	quarter = (size_t)si.freeram * si.mem_unit / 4;
	return quarter > (16u << 20) ? quarter : 16u << 20;
}

static void copy_gcov(void)
{
	long long t0 = now_ms(), ms;

	say("copying gcov data to " GCOV_DST);
	cp.max_pending = max_pending_bytes();
	if (nftw(GCOV_DIR, read_gcda, 32, FTW_PHYS))
		fail("cannot walk " GCOV_DIR ": %s", strerror(errno));
	cp.read_ms = now_ms() - t0 - cp.write_ms;
	flush_pending();
	if (cp.dir_fd >= 0)
		close(cp.dir_fd);
	sync();
	ms = now_ms() - t0;
	if (!cp.files)
		fail("no .gcda files under " GCOV_DIR);
	say("copied %lu files, %llu bytes in %lld ms (read %lld ms, write %lld ms; %lu directories)",
	    cp.files, cp.bytes, ms, cp.read_ms, cp.write_ms, cp.dir_opens);
	ctl_send(VP_COPIED_FMT, cp.files, cp.bytes, ms);
}

/* ------------------------------------------------------------------------
 * The guest sequence
 */

static void guest_early(void)
{
	struct utsname u;
	char *err;

	umask(022);
	ensure_console();
	setup_signals();
	setenv("PATH", GUEST_PATH, 1);
	setenv("HOME", "/", 0);
	setenv("TERM", "linux", 0);
	err = mount_all();
	if (ctl_open())
		fail("cannot open control channel %s: %s", CTL_TTY,
		     strerror(errno));
	uname(&u);
	ctl_send(VP_HELLO_FMT, u.release);
	say("HELLO sent (kernel %s)", u.release);
	if (err)
		fail("%s", err);
}

static _Noreturn void guest_main(void)
{
	struct conf *c = &ag.conf;
	char err[600];
	size_t i;
	int guest_load, host_load;
	enum host_cmd cmd;

	guest_early();
	read_mode();
	if (!ag.collect && mount_debugfs())
		say("warning: cannot mount debugfs: %s", strerror(errno));
	say("mode %s", ag.collect ? "collect" : ag.prepare ? "prepare" : "bench");
	if (conf_load(c, CONF_PATH, err, sizeof(err)))
		fail("%s", err);
	load_modules();
	net_setup();
	if (c->disk)
		mount_disk(c);
	if (ag.collect)
		collect_setup();
	for (i = 0; i < c->nsetup; i++)
		run_setup("setup", c->setup[i]);
	for (i = 0; ag.prepare && i < c->nprepare; i++)
		run_setup("prepare", c->prepare[i]);
	if (c->server)
		start_server(c->server);
	wait_ready(c);
	wait_crng();
	if (ag.collect && ag.prf_addr)
		ag.prf_start = prf_read();
	else if (ag.collect)
		gcov_reset();
	/*
	 * A load from the host (a client there) runs between READY and DONE:
	 * the plugin's window spans them (run_load marks a guest-side one).
	 */
	guest_load = c->load && !ag.noload && !ag.prepare;
	host_load = !guest_load && !ag.prepare;
	say("READY");
	if (host_load)
		mark_window(1);
	ctl_send(VP_READY);
	if (guest_load) {
		run_load(c->load);
		if (ag.server && !server_running())
			server_died("while the load ran");
	}
	cmd = wait_host();
	if (host_load)
		mark_window(0);
	if (cmd == HOST_ABORT) {
		say("host sent ABORT");
	} else {
		say("host sent DONE");
		if (ag.collect && ag.prf_addr)
			prf_copy();
		else if (ag.collect)
			copy_gcov();
	}
	guest_shutdown();
}

/* ------------------------------------------------------------------------
 * Host side: --help, --check-conf
 */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " AGENT_NAME " [--help | --check-conf FILE]\n"
"\n"
"kpgo's guest agent.  Run as /init (PID 1) in the kpgo initramfs, it mounts\n"
"/proc, /sys, /dev, /tmp, /run and debugfs, opens the control channel\n"
CTL_TTY ", loads the modules " MODULES_LIST " lists (if it exists), one\n"
"image path a line, configures the network, starts the server of " CONF_PATH ",\n"
"says KPGO READY, runs the load= command if any, waits for DONE or ABORT\n"
"from the host and, with kpgo.mode=collect on the kernel command line,\n"
"copies the .gcda files of " GCOV_DIR " to " GCOV_DST " (a 9p share)\n"
"before powering off.  kpgo.mode=prepare runs the prepare= commands and\n"
"no load, and stops the server cleanly (the disk is kept).  kpgo.noload\n"
"skips the load= command (the host runs the client instead).  The load\n"
"runs between two marker NOPs that kpgo's TCG plugin recognises.\n"
"\n"
"Lines sent on the control channel (tools/vmproto.h): " VP_PREFIX VP_HELLO " <release>,\n"
VP_PREFIX VP_READY ", " VP_PREFIX VP_OUT " <line>, " VP_PREFIX VP_LOADED " <status>,\n"
VP_PREFIX VP_COPIED " <files> <bytes> <ms>, " VP_PREFIX VP_FAIL " <reason>, " VP_PREFIX VP_BYE ";\n"
"lines read from the host: " VP_DONE ", " VP_ABORT ".\n"
"\n"
"guest.conf keys (key=value, '#' comments):\n"
"  server=COMMAND         the server, run as /bin/sh -c 'exec COMMAND'\n"
"  setup=COMMAND          run before the server, must succeed (repeatable)\n"
"  prepare=COMMAND        the same, only with kpgo.mode=prepare (repeatable)\n"
"  load=COMMAND           the load, run in the guest after READY; its\n"
"                         output goes to the host (KPGO OUT lines)\n"
"  disk=DIR               mount " DISK_DEV " (ext4) on DIR first\n"
"  ready=tcp:PORT|cmd:COMMAND|none\n"
"                         readiness probe: a connection to 127.0.0.1:PORT,\n"
"                         or COMMAND exits 0 (default none), within %d s\n"
"\n"
"Options (on the host):\n"
"  --check-conf FILE      parse FILE as a guest.conf, print the settings\n"
"  --help                 this text\n", READY_TIMEOUT_S);
}

static int check_conf(const char *path)
{
	struct conf c;
	char err[600];

	if (conf_load(&c, path, err, sizeof(err)))
		kp_die("%s", err);
	conf_print(&c, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	kp_set_prog(AGENT_NAME);
	if (getpid() == 1)
		guest_main();	/* ignores argv: the kernel passes its own */
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--check-conf"))
		return check_conf(argv[2]);
	if (argc < 2)
		kp_die("runs as /init (PID 1) in the kpgo guest only; see --help");
	kp_die("bad arguments; see --help");
}
