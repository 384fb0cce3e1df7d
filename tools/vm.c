// SPDX-License-Identifier: GPL-2.0
/*
 * kpgo-vm - run one workload in a QEMU guest and drive it from the host.
 *
 * Boots a kernel with kpgo's initramfs (whose /init is kpgo-agent), waits on
 * the control channel (the guest's second serial port) for the agent to say
 * the server is ready, runs the client command on the host against the
 * forwarded port, tells the agent it is done (in collect mode the agent then
 * copies the gcov data into the 9p share) and waits for the guest to power
 * off.  KVM is used when it really boots a guest, TCG otherwise.
 *
 * The control lines from the agent and to it: tools/vmproto.h.
 */
#define _GNU_SOURCE
#include "util.h"
#include "vmproto.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KVM_PROBE_TIMEOUT	20	/* s KVM gets to boot to the agent */
#define READY_TIMEOUT		300	/* s from HELLO until the server is ready */
#define COPY_TIMEOUT		600	/* s from DONE to power off */
#define TAIL_LINES		30	/* console lines shown on failure */
#define CTL_LINE_SIZE		1024	/* a control line as read, NUL included */

struct opts {
	const char *qemu, *kernel, *initrd, *initrd2, *append, *mode, *share;
	const char *console, *accel, *kvm_cache, *client_out, *name, *tag;
	const char *disk, *plugin, *report, *slots;
	int mem, smp, host_port, guest_port;
	int boot_timeout, run_timeout;
	int quiet, disk_keep, guest_load, icount, isolated;
	char **client;
};

struct guest {
	pid_t qemu;
	int ctl;		/* control channel socket */
	char buf[4096];		/* partial control line */
	size_t len;
	char sockdir[64];
	char reason[700];	/* FAIL text from the agent */
	long copied_files, copied_bytes, copied_ms;
	int got_bye;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: kpgo-vm [OPTIONS] --kernel BZIMAGE --initrd IMAGE --console LOG\n"
"               {[--] CLIENT-COMMAND... | --guest-load}\n"
"\n"
"Boot BZIMAGE with IMAGE (a kpgo initramfs whose /init is kpgo-agent) in\n"
"QEMU, wait until the agent reports the guest's server ready, run\n"
"CLIENT-COMMAND on the host (through /bin/sh -c when it is one word with\n"
"spaces) with PGO_PORT set to the forwarded host port, then tell the agent\n"
"it is done and wait for the guest to power off.  In collect mode the agent\n"
"copies the kernel's gcov data to SHARE/gcov before it powers off.\n"
"\n"
"Options:\n"
"  --qemu PROG            QEMU binary (default qemu-system-x86_64)\n"
"  --kernel FILE          kernel image (bzImage)\n"
"  --initrd FILE          initramfs; a second --initrd (the instrumented\n"
"                         kernel's modules) is appended to the first in a\n"
"                         temporary file: the kernel unpacks both archives\n"
"  --append TEXT          extra kernel command line (repeatable)\n"
"  --mode collect|bench|prepare\n"
"                         collect gcov data, only run (default bench), or\n"
"                         prepare the disk (the guest's prepare= commands)\n"
"  --disk FILE            raw disk image, the guest's /dev/vda; its writes are\n"
"                         thrown away unless --disk-keep\n"
"  --guest-load           no client: the load runs in the guest (its load=),\n"
"                         its output (KPGO OUT lines) goes to --client-out\n"
"  --share DIR            host directory shared with the guest (collect)\n"
"  --console FILE         where the guest console goes (also QEMU's stderr)\n"
"  --mem MB, --smp N      guest memory (default 512) and CPUs (default 1)\n"
"  --accel auto|kvm|tcg   auto: KVM when /dev/kvm is usable and really\n"
"                         boots the guest, TCG otherwise (default auto)\n"
"  --kvm-cache FILE       remember a KVM that did not boot the guest, so\n"
"                         later runs go straight to TCG (delete to retry)\n"
"  --icount               deterministic guest: time counts instructions\n"
"                         (-icount shift=0,sleep=off; with a client on the\n"
"                         host sleep=on: idle time passes), the guest's clock\n"
"                         starts at 2020-01-01, QEMU's random numbers are\n"
"                         seeded (-seed 1) and virtio devices are notified\n"
"                         synchronously (ioeventfd=off) (TCG only)\n"
"  --isolated             the network card on a link to nothing: no packet\n"
"                         reaches the guest from the host, at moments the\n"
"                         host would decide (a --guest-load run; no --port)\n"
"  --plugin SPEC          load a QEMU TCG plugin (-plugin SPEC; TCG only)\n"
"  --slots DIR            run as one of at most N guests at once, N the\n"
"                         host's CPUs, or fewer when its memory holds fewer\n"
"                         guests of --mem (3/4 of it, 128 MB each beside):\n"
"                         take one of the lock files DIR/.vm-slot.<i>,\n"
"                         waiting until one is free\n"
"  --report FILE          after a run that worked, write accel=, boot_s=\n"
"                         and client_s= lines to FILE\n"
"  --port HOST:GUEST      forward 127.0.0.1:HOST to the guest's GUEST port;\n"
"                         HOST 0 picks a free port (default: no port)\n"
"  --client-out FILE      the client's output (default: stdout)\n"
"  --name NAME, --tag TAG names used in progress lines\n"
"  --boot-timeout S       seconds until the agent says hello (180)\n"
"  --run-timeout S        seconds the client may run (3600)\n"
"  --quiet                no progress lines\n"
"  --help                 this text\n"
"\n"
"KVM gets %d s to boot to the agent (with --accel auto, TCG then does),\n"
"the server %d s after that to be ready, the guest %d s from the end of\n"
"the load to power off.\n"
"\n"
"Exit status: 0 the workload ran (and in collect mode the data was\n"
"copied); 1 it failed (the message says where, with the console's last\n"
"%d lines); 2 usage error.\n", KVM_PROBE_TIMEOUT, READY_TIMEOUT,
		COPY_TIMEOUT, TAIL_LINES);
}

/* "kpgo-vm: <message>" and exit status 2 */
static _Noreturn void KP_PRINTF(1, 2) usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("kpgo-vm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static int parse_int(const char *s, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > 1000000)
		usage_error("%s: '%s' is not a number", what, s);
	return (int)v;
}

enum { OPT_QEMU = 256, OPT_KERNEL, OPT_INITRD, OPT_APPEND, OPT_MODE, OPT_SHARE,
       OPT_CONSOLE, OPT_MEM, OPT_SMP, OPT_ACCEL, OPT_KVMCACHE, OPT_PORT,
       OPT_CLIENTOUT, OPT_NAME, OPT_TAG, OPT_BOOT, OPT_RUN, OPT_QUIET,
       OPT_HELP, OPT_DISK, OPT_DISKKEEP, OPT_GUESTLOAD, OPT_ICOUNT,
       OPT_PLUGIN, OPT_REPORT, OPT_ISOLATED, OPT_SLOTS };

static const struct option vm_options[] = {
	{ "qemu", 1, 0, OPT_QEMU }, { "kernel", 1, 0, OPT_KERNEL },
	{ "initrd", 1, 0, OPT_INITRD }, { "append", 1, 0, OPT_APPEND },
	{ "mode", 1, 0, OPT_MODE }, { "share", 1, 0, OPT_SHARE },
	{ "console", 1, 0, OPT_CONSOLE }, { "mem", 1, 0, OPT_MEM },
	{ "smp", 1, 0, OPT_SMP }, { "accel", 1, 0, OPT_ACCEL },
	{ "kvm-cache", 1, 0, OPT_KVMCACHE }, { "port", 1, 0, OPT_PORT },
	{ "client-out", 1, 0, OPT_CLIENTOUT }, { "name", 1, 0, OPT_NAME },
	{ "tag", 1, 0, OPT_TAG }, { "boot-timeout", 1, 0, OPT_BOOT },
	{ "run-timeout", 1, 0, OPT_RUN },
	{ "quiet", 0, 0, OPT_QUIET }, { "help", 0, 0, OPT_HELP },
	{ "disk", 1, 0, OPT_DISK }, { "disk-keep", 0, 0, OPT_DISKKEEP },
	{ "guest-load", 0, 0, OPT_GUESTLOAD },
	{ "icount", 0, 0, OPT_ICOUNT }, { "plugin", 1, 0, OPT_PLUGIN },
	{ "report", 1, 0, OPT_REPORT }, { "isolated", 0, 0, OPT_ISOLATED },
	{ "slots", 1, 0, OPT_SLOTS },
	{ 0, 0, 0, 0 }
};

/* --port HOST:GUEST */
static void parse_port(char *arg, struct opts *o)
{
	char *colon = strchr(arg, ':');

	if (!colon)
		usage_error("--port wants HOST:GUEST");
	*colon = '\0';
	o->host_port = parse_int(arg, "--port host");
	o->guest_port = parse_int(colon + 1, "--port guest");
}

/* One option c of getopt_long, its argument in optarg. */
static void set_opt(struct opts *o, int c)
{
	switch (c) {
	case OPT_QEMU: o->qemu = optarg; break;
	case OPT_KERNEL: o->kernel = optarg; break;
	case OPT_INITRD:
		if (o->initrd2)
			usage_error("--initrd at most twice (an image and the modules' image)");
		*(o->initrd ? &o->initrd2 : &o->initrd) = optarg;
		break;
	case OPT_APPEND: o->append = *o->append ? kp_xasprintf("%s %s", o->append, optarg) : optarg; break;
	case OPT_MODE: o->mode = optarg; break;
	case OPT_SHARE: o->share = optarg; break;
	case OPT_CONSOLE: o->console = optarg; break;
	case OPT_MEM: o->mem = parse_int(optarg, "--mem"); break;
	case OPT_SMP: o->smp = parse_int(optarg, "--smp"); break;
	case OPT_ACCEL: o->accel = optarg; break;
	case OPT_KVMCACHE: o->kvm_cache = optarg; break;
	case OPT_PORT: parse_port(optarg, o); break;
	case OPT_CLIENTOUT: o->client_out = optarg; break;
	case OPT_NAME: o->name = optarg; break;
	case OPT_TAG: o->tag = optarg; break;
	case OPT_BOOT: o->boot_timeout = parse_int(optarg, "--boot-timeout"); break;
	case OPT_RUN: o->run_timeout = parse_int(optarg, "--run-timeout"); break;
	case OPT_QUIET: o->quiet = 1; break;
	case OPT_DISK: o->disk = optarg; break;
	case OPT_DISKKEEP: o->disk_keep = 1; break;
	case OPT_GUESTLOAD: o->guest_load = 1; break;
	case OPT_ICOUNT: o->icount = 1; break;
	case OPT_PLUGIN: o->plugin = optarg; break;
	case OPT_REPORT: o->report = optarg; break;
	case OPT_ISOLATED: o->isolated = 1; break;
	case OPT_SLOTS: o->slots = optarg; break;
	case OPT_HELP: usage(stdout); exit(0);
	default: usage(stderr); exit(2);
	}
}

/* What the options say together; --icount and --plugin make it TCG. */
static void check_args(struct opts *o)
{
	if (!o->kernel || !o->initrd || !o->console ||
	    !*o->client == !o->guest_load)
		usage_error("--kernel, --initrd, --console and either a client command or --guest-load are required (see --help)");
	if (strcmp(o->mode, "collect") && strcmp(o->mode, "bench") &&
	    strcmp(o->mode, "prepare"))
		usage_error("--mode is collect, bench or prepare, not '%s'", o->mode);
	if (o->disk_keep && !o->disk)
		usage_error("--disk-keep needs --disk FILE");
	if (!strcmp(o->mode, "collect") && !o->share)
		usage_error("--mode collect needs --share DIR");
	if (strcmp(o->accel, "auto") && strcmp(o->accel, "kvm") &&
	    strcmp(o->accel, "tcg"))
		usage_error("--accel is auto, kvm or tcg, not '%s'", o->accel);
	if ((o->icount || o->plugin) && !strcmp(o->accel, "kvm"))
		usage_error("--icount and --plugin need TCG, not --accel kvm");
	if (o->icount || o->plugin)
		o->accel = "tcg";
	if (o->isolated && !o->guest_load)
		usage_error("--isolated leaves the host no way to the guest: it needs --guest-load");
	if (o->isolated)
		o->guest_port = 0;	/* nothing to forward to */
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){
		.qemu = "qemu-system-x86_64", .mode = "bench", .accel = "auto",
		.append = "", .name = "guest", .tag = "PGO-RUN", .mem = 512,
		.smp = 1, .host_port = 0, .guest_port = 0,
		.boot_timeout = 180, .run_timeout = 3600,
	};
	while ((c = getopt_long(argc, argv, "+", vm_options, NULL)) != -1)
		set_opt(o, c);
	o->client = argv + optind;
	check_args(o);
}

static void say(const struct opts *o, const char *fmt, ...) KP_PRINTF(2, 3);
static void say(const struct opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->quiet)
		return;
	printf("  %-8s%s: ", o->tag, o->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Print the last lines of FILE to stderr, each behind "  | ". */
/*
 * The console's last lines on stderr.  The guest wrote it: only its last
 * 64 KiB are read (a guest may write gigabytes), from a regular file, and
 * each line is shown escaped (no terminal control sequence passes) and cut
 * at 300 bytes.
 */
#define TAIL_BYTES	65536
#define TAIL_LINE_MAX	300
static void show_tail(const char *file, int lines)
{
	static char buf[TAIL_BYTES], esc[4 * TAIL_LINE_MAX + 4];
	int fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	ssize_t got = -1;
	size_t len, i, start = 0;
	int n = 0;

	if (fd >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode))
		got = pread(fd, buf, sizeof(buf), st.st_size > TAIL_BYTES ?
			    st.st_size - TAIL_BYTES : 0);
	else if (fd >= 0)
		errno = EINVAL;
	if (got < 0) {
		fprintf(stderr, "  (no console output: %s: %s)\n", file,
			errno == EINVAL ? "not a regular file" : strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	len = (size_t)got;
	while (len && buf[len - 1] == '\n')
		len--;
	for (i = len; i > 0; i--) {
		if (buf[i - 1] == '\n' && ++n == lines) {
			start = i;
			break;
		}
	}
	fprintf(stderr, "kpgo-vm: last %d lines of the guest console (%s):\n", lines, file);
	for (i = start; i < len; ) {
		size_t e = i, l;

		while (e < len && buf[e] != '\n')
			e++;
		for (l = e - i; l && buf[i + l - 1] == '\r';)
			l--;
		fprintf(stderr, "  | %s\n", kp_escape(esc, buf + i, l, TAIL_LINE_MAX));
		i = e + 1;
	}
}

/* 0 when 127.0.0.1:port can be bound, else -1 with errno.  port 0: pick. */
static int probe_port(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ret = -1;

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)*port);
	if (!bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !getsockname(fd, (struct sockaddr *)&sa, &sl)) {
		*port = ntohs(sa.sin_port);
		ret = 0;
	}
	int e = errno;

	close(fd);
	errno = e;
	return ret;
}

/* Does KVM look usable at all?  NULL if so, else why not. */
static const char *kvm_unusable(const struct opts *o)
{
	static char why[600];
	unsigned char *cached;
	struct stat st;
	size_t len;
	int fd;

	if (o->kvm_cache && !kp_read_file(o->kvm_cache, &cached, &len)) {
		while (len && cached[len - 1] == '\n')
			cached[--len] = '\0';
		snprintf(why, sizeof(why), "%s (remembered in %s; delete it to try KVM again)",
			 (char *)cached, o->kvm_cache);
		free(cached);
		return why;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, sizeof(why), "/dev/kvm: %s", strerror(errno));
		return why;
	}
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode)) {
		close(fd);
		snprintf(why, sizeof(why), "/dev/kvm: not a character device");
		return why;
	}
	close(fd);
	return NULL;
}

static char *build_cmdline(const struct opts *o)
{
	return kp_xasprintf("console=ttyS0 panic=-1 oops=panic nokaslr "
			    VP_MODE_PARAM "%s %s", o->mode, o->append);
}

/* QEMU's command line, and the strings made for it (freed after the fork) */
struct qemu_cmd {
	char *argv[80];
	int n;
	char *own[16];
	int nown;
};

static void add(struct qemu_cmd *q, const char *opt, const char *val)
{
	q->argv[q->n++] = (char *)opt;
	if (val)
		q->argv[q->n++] = (char *)val;
}

static char *own(struct qemu_cmd *q, char *s)
{
	q->own[q->nown++] = s;
	return s;
}

/*
 * The options every virtio device gets: under --icount its notification is
 * handled at once (ioeventfd=off), not by QEMU's main loop at a moment the
 * host's scheduling decides; the guest would poll a control queue for as
 * long as the host took, and two runs part (virtio-net's, at boot).
 */
static const char *virtio_opts(const struct opts *o)
{
	return o->icount ? ",ioeventfd=off" : "";
}

/* what only some runs have: the share, a disk, -icount, a plugin */
static void qemu_extra_args(struct qemu_cmd *q, const struct opts *o)
{
	const char *ioev = virtio_opts(o);

	if (o->share) {
		add(q, "-fsdev", own(q, kp_xasprintf("local,id=fs0,path=%s,security_model=none",
						     o->share)));
		add(q, "-device", own(q, kp_xasprintf("virtio-9p-pci,fsdev=fs0,mount_tag="
						      VP_SHARE_TAG "%s", ioev)));
	}
	/* without --disk-keep the guest writes to a throwaway overlay */
	if (o->disk) {
		add(q, "-drive", own(q, kp_xasprintf("file=%s,format=raw,if=none,id=d0,%s", o->disk,
						     o->disk_keep ? "cache=writeback" :
						     "cache=unsafe,snapshot=on")));
		add(q, "-device", own(q, kp_xasprintf("virtio-blk-pci,drive=d0%s", ioev)));
	}
	/*
	 * sleep=off: an idle guest's clock jumps to its next timer, so time
	 * counts instructions only.  With a client on the host that would
	 * fire the guest's timers (TCP's retransmissions among them) while
	 * it waits for the host's next packet: its idle time then passes
	 * as the host's (sleep=on).
	 */
	if (o->icount) {
		add(q, "-icount", o->guest_load ? "shift=0,sleep=off" : "shift=0,sleep=on");
		add(q, "-rtc", "base=2020-01-01T00:00:00,clock=vm");
		add(q, "-seed", "1");	/* (should a QEMU pass a random boot seed) */
	}
	if (o->plugin)
		add(q, "-plugin", o->plugin);
}

static void qemu_args(struct qemu_cmd *q, const struct opts *o,
		      const char *accel, const char *sock)
{
	add(q, o->qemu, NULL);
	add(q, "-nodefaults", NULL);
	add(q, "-no-user-config", NULL);
	add(q, "-display", "none");
	add(q, "-no-reboot", NULL);
	/* a plugin's counters are not atomic: one thread runs every vCPU */
	add(q, "-accel", o->plugin && !strcmp(accel, "tcg") ? "tcg,thread=single" : accel);
	add(q, "-m", own(q, kp_xasprintf("%d", o->mem)));
	add(q, "-smp", own(q, kp_xasprintf("%d", o->smp)));
	add(q, "-kernel", o->kernel);
	add(q, "-initrd", o->initrd);
	add(q, "-append", own(q, build_cmdline(o)));
	add(q, "-chardev", own(q, kp_xasprintf("file,id=con,path=%s,append=on", o->console)));
	add(q, "-serial", "chardev:con");
	add(q, "-chardev", own(q, kp_xasprintf("socket,id=ctl,path=%s,server=on,wait=off", sock)));
	add(q, "-serial", "chardev:ctl");
	/* --isolated: a hub with no other port; else QEMU's user network */
	add(q, "-netdev", own(q, o->isolated ? kp_xstrdup("hubport,id=n0,hubid=0") :
			      o->guest_port ?
			      kp_xasprintf("user,id=n0,hostfwd=tcp:127.0.0.1:%d-:%d",
					   o->host_port, o->guest_port) :
			      kp_xstrdup("user,id=n0")));
	add(q, "-device", own(q, kp_xasprintf("virtio-net-pci,netdev=n0%s", virtio_opts(o))));
	qemu_extra_args(q, o);
	q->argv[q->n] = NULL;
}

/* Run argv in its own process group, its stdout and stderr to console. */
static pid_t spawn_qemu(char **argv, const char *console)
{
	pid_t pid = fork();

	if (pid < 0)
		kp_die("fork: %s", strerror(errno));
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(console, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(out, 2) < 0)
			_exit(127);
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execvp(argv[0], argv);
		dprintf(2, "kpgo-vm: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

static pid_t start_qemu(const struct opts *o, const char *accel,
			const char *sock)
{
	struct qemu_cmd q = { .n = 0 };
	pid_t pid;

	qemu_args(&q, o, accel, sock);
	pid = spawn_qemu(q.argv, o->console);
	while (q.nown > 0)
		free(q.own[--q.nown]);
	return pid;
}

static void stop_qemu(struct guest *g)
{
	int st;

	if (g->qemu > 0) {
		kill(g->qemu, SIGKILL);
		waitpid(g->qemu, &st, 0);
		g->qemu = 0;
	}
	if (g->ctl >= 0)
		close(g->ctl);
	g->ctl = -1;
}

/* Has QEMU exited?  Reaps it. */
static int qemu_gone(struct guest *g)
{
	int st;

	if (g->qemu <= 0)
		return 1;
	if (waitpid(g->qemu, &st, WNOHANG) == g->qemu) {
		g->qemu = 0;
		return 1;
	}
	return 0;
}

static int connect_ctl(struct guest *g, const char *sock, double deadline)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", sock);
	while (now() < deadline && !stop_signal) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -1;
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			g->ctl = fd;
			return 0;
		}
		close(fd);
		if (qemu_gone(g))
			return -1;
		usleep(50000);
	}
	return -1;
}

enum event { EV_LINE, EV_TIMEOUT, EV_EXIT, EV_SIGNAL, EV_CHILD };

/* Does the control socket hold unread bytes? */
static int readable(struct guest *g)
{
	struct pollfd pfd = { .fd = g->ctl, .events = POLLIN };

	return g->ctl >= 0 && poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
}

/*
 * Take the next "KPGO ..." line out of the bytes read so far (g->buf): 1
 * and the words after "KPGO " in line (without a tty's CR, bytes outside
 * printable ASCII made '?'), or 0 when no
 * whole one is there.  Other lines are dropped, and so is a full buffer
 * without a newline.  Pure: tests/fuzz/vmctl-fuzz.c feeds it.
 */
static int take_line(struct guest *g, char *line, size_t size)
{
	char *nl;

	while ((nl = memchr(g->buf, '\n', g->len))) {
		size_t l = (size_t)(nl - g->buf);
		const size_t p = sizeof(VP_PREFIX) - 1;
		int ours = l >= p && !memcmp(g->buf, VP_PREFIX, p);

		if (ours)
			snprintf(line, size, "%.*s", (int)(l - p), g->buf + p);
		memmove(g->buf, nl + 1, g->len - l - 1);
		g->len -= l + 1;
		if (ours) {
			size_t n = strlen(line);

			if (n && line[n - 1] == '\r')	/* a tty's CRLF */
				line[--n] = '\0';
			/* the guest's words are printed: no terminal control */
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] >= 0x7f)
					line[i] = '?';
			return 1;
		}
	}
	if (g->len == sizeof(g->buf))
		g->len = 0;	/* garbage without newline: drop */
	return 0;
}

/* COPIED's argument: "<files> <bytes> <ms>", each 0..LONG_MAX (strtol
 * saturates; sscanf's overflow would be undefined); a bad one is -1 */
static void take_copied(struct guest *g, const char *arg)
{
	long *v[3] = { &g->copied_files, &g->copied_bytes, &g->copied_ms };

	for (int i = 0; i < 3; i++) {
		char *end;

		while (*arg == ' ')
			arg++;
		*v[i] = *arg >= '0' && *arg <= '9' ? strtol(arg, &end, 10) : -1;
		if (*v[i] < 0)
			return;
		arg = end;
	}
}

/* LOADED's argument: an exit status 0..VP_STATUS_MAX; anything else from
 * the guest is a failure (VP_STATUS_MAX + 1), never a wait or a success */
static int take_status(const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);

	return *arg >= '0' && *arg <= '9' && !*end && v <= VP_STATUS_MAX ?
	       (int)v : VP_STATUS_MAX + 1;
}

/*
 * Wait for the next "KPGO ..." line from the agent (copied into line), for
 * QEMU to exit, for deadline, or (child > 0) for that child to exit.
 */
static enum event next_event(struct guest *g, char *line, size_t size,
			     double deadline, pid_t child, int *child_status)
{
	for (;;) {
		struct pollfd pfd = { .fd = g->ctl, .events = POLLIN };
		double left;

		if (take_line(g, line, size))
			return EV_LINE;
		if (stop_signal)
			return EV_SIGNAL;
		if (child > 0 && waitpid(child, child_status, WNOHANG) == child)
			return EV_CHILD;
		/* QEMU gone: what it still had in the socket is read first */
		if (qemu_gone(g) && !readable(g))
			return EV_EXIT;
		left = deadline - now();
		if (left <= 0)
			return EV_TIMEOUT;
		if (g->ctl >= 0 &&
		    poll(&pfd, 1, left > 0.2 ? 200 : (int)(left * 1000) + 1) > 0) {
			ssize_t r = read(g->ctl, g->buf + g->len,
					 sizeof(g->buf) - g->len);

			if (r > 0) {
				g->len += (size_t)r;
			} else {	/* closed or broken: nothing more will come */
				close(g->ctl);
				g->ctl = -1;
			}
		} else if (g->ctl < 0) {
			usleep(100000);
		}
	}
}

static void send_ctl(struct guest *g, const char *msg)
{
	size_t len = strlen(msg);

	if (g->ctl >= 0 && write(g->ctl, msg, len) != (ssize_t)len)
		kp_warn("control channel: %s", strerror(errno));
}

/* Boot and wait for HELLO.  0 ok, 1 timed out (guest hung), -1 failed. */
static int boot(const struct opts *o, struct guest *g, const char *accel,
		int timeout, char *line, size_t size)
{
	char sock[100];
	double deadline = now() + timeout;

	snprintf(sock, sizeof(sock), "%s/ctl", g->sockdir);
	unlink(sock);
	g->len = 0;
	g->qemu = start_qemu(o, accel, sock);
	if (connect_ctl(g, sock, deadline)) {
		snprintf(g->reason, sizeof(g->reason),
			 "QEMU (%s) did not start its control socket", o->qemu);
		stop_qemu(g);
		return -1;
	}
	for (;;) {
		switch (next_event(g, line, size, deadline, 0, NULL)) {
		case EV_LINE:
			if (vp_arg(line, VP_HELLO))
				return 0;
			if (vp_arg(line, VP_FAIL)) {
				snprintf(g->reason, sizeof(g->reason), "guest agent: %.600s",
					 vp_arg(line, VP_FAIL));
				stop_qemu(g);
				return -1;
			}
			continue;
		case EV_TIMEOUT:
			stop_qemu(g);
			return 1;
		case EV_EXIT:
			snprintf(g->reason, sizeof(g->reason),
				 "QEMU exited before the guest agent started (kernel panic, or a QEMU error)");
			stop_qemu(g);
			return -1;
		default:
			snprintf(g->reason, sizeof(g->reason), "interrupted");
			stop_qemu(g);
			return -1;
		}
	}
}

static pid_t start_client(const struct opts *o)
{
	pid_t pid = fork();

	if (pid < 0)
		kp_die("fork: %s", strerror(errno));
	if (pid == 0) {
		char port[16];

		int in = open("/dev/null", O_RDONLY);

		snprintf(port, sizeof(port), "%d", o->host_port);
		setenv("PGO_PORT", port, 1);
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (in < 0 || dup2(in, 0) < 0)
			_exit(127);
		if (o->client_out) {
			int fd = open(o->client_out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
				dprintf(2, "kpgo-vm: %s: %s\n", o->client_out, strerror(errno));
				_exit(127);
			}
		}
		if (!o->client[1] && strchr(o->client[0], ' '))
			execl("/bin/sh", "sh", "-c", o->client[0], (char *)NULL);
		else
			execvp(o->client[0], o->client);
		dprintf(2, "kpgo-vm: cannot run client %s: %s\n", o->client[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

static int fail(const struct opts *o, struct guest *g, const char *what)
{
	stop_qemu(g);
	fprintf(stderr, "kpgo-vm: %s: %s\n", o->name, what);
	show_tail(o->console, TAIL_LINES);
	return 1;
}

/* What ended a run while WHO ("client", "guest's load") was running. */
static void run_ended(const struct opts *o, enum event ev, const char *line,
		      const char *who, char *what, size_t size)
{
	if (ev == EV_LINE)
		snprintf(what, size, "guest agent failed while the %s ran: %.600s",
			 who, vp_arg(line, VP_FAIL));
	else if (ev == EV_TIMEOUT)
		snprintf(what, size, "the %s was still running after %d s (--run-timeout); stopped",
			 who, o->run_timeout);
	else if (ev == EV_EXIT)
		snprintf(what, size, "the guest stopped while the %s ran (panic or crash?)",
			 who);
	else
		snprintf(what, size, "interrupted");
}

/* Run the client while watching the guest.  0 ok. */
static int run_client(const struct opts *o, struct guest *g, char *line,
		      size_t size, double *secs)
{
	double t0 = now(), deadline = t0 + o->run_timeout;
	pid_t pid = start_client(o);
	int st = 0;
	char what[768];

	for (;;) {
		enum event ev = next_event(g, line, size, deadline, pid, &st);

		if (ev == EV_CHILD)
			break;
		if (ev == EV_LINE && !vp_arg(line, VP_FAIL))
			continue;
		kill(-pid, SIGKILL);
		waitpid(pid, &st, 0);
		run_ended(o, ev, line, "client", what, sizeof(what));
		return fail(o, g, what);
	}
	*secs = now() - t0;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		send_ctl(g, VP_ABORT "\n");
		snprintf(what, sizeof(what), "client failed (%s %d)%s%s",
			 WIFEXITED(st) ? "exit status" : "signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
			 o->client_out ? "; its output: " : "",
			 o->client_out ? o->client_out : "");
		if (o->client_out)
			show_tail(o->client_out, 10);
		return fail(o, g, what);
	}
	return 0;
}

/*
 * The load runs in the guest (--guest-load): its output comes as KPGO OUT
 * lines, its end as KPGO LOADED <status>.  0 ok.
 */
static int run_guest_load(const struct opts *o, struct guest *g, char *line,
			  size_t size, double *secs)
{
	double t0 = now(), deadline = t0 + o->run_timeout;
	FILE *out = o->client_out ? fopen(o->client_out, "w") : stdout;
	char what[768];
	int status = -1;

	if (!out)
		kp_die("%s: %s", o->client_out, strerror(errno));
	while (status < 0) {
		enum event ev = next_event(g, line, size, deadline, 0, NULL);

		if (ev == EV_LINE && vp_arg(line, VP_OUT)) {
			fprintf(out, "%s\n", vp_arg(line, VP_OUT));
			continue;
		}
		if (ev == EV_LINE && vp_arg(line, VP_LOADED)) {
			status = take_status(vp_arg(line, VP_LOADED));
			continue;
		}
		if (ev == EV_LINE && !vp_arg(line, VP_FAIL))
			continue;
		if (out != stdout)
			fclose(out);
		run_ended(o, ev, line, "guest's load", what, sizeof(what));
		return fail(o, g, what);
	}
	*secs = now() - t0;
	if (out != stdout && fclose(out))
		kp_die("%s: %s", o->client_out, strerror(errno));
	if (status) {
		send_ctl(g, VP_ABORT "\n");
		snprintf(what, sizeof(what), "the guest's load failed (status %d)%s%s",
			 status, o->client_out ? "; its output: " : "",
			 o->client_out ? o->client_out : "");
		if (o->client_out)
			show_tail(o->client_out, 10);
		return fail(o, g, what);
	}
	return 0;
}

static int finish(const struct opts *o, struct guest *g, char *line,
		  size_t size)
{
	double deadline = now() + COPY_TIMEOUT;
	char what[768];
	int collect = !strcmp(o->mode, "collect");

	send_ctl(g, VP_DONE "\n");
	for (;;) {
		enum event ev = next_event(g, line, size, deadline, 0, NULL);

		if (ev == EV_LINE) {
			if (vp_arg(line, VP_COPIED)) {
				take_copied(g, vp_arg(line, VP_COPIED));
			} else if (vp_arg(line, VP_FAIL)) {
				snprintf(what, sizeof(what), "guest agent: %.600s",
					 vp_arg(line, VP_FAIL));
				return fail(o, g, what);
			} else if (!strcmp(line, VP_BYE)) {
				g->got_bye = 1;
			}
			continue;
		}
		if (ev == EV_EXIT)
			break;
		if (ev == EV_TIMEOUT && g->got_bye)
			break;	/* said bye but QEMU lingers: fine */
		snprintf(what, sizeof(what), ev == EV_TIMEOUT ?
			 "guest did not finish within %d s after the load" :
			 "interrupted", COPY_TIMEOUT);
		return fail(o, g, what);
	}
	stop_qemu(g);
	if (!g->got_bye)
		return fail(o, g, "the guest stopped before the agent said it was done");
	if (collect && g->copied_files <= 0)
		return fail(o, g, "the guest agent copied no profile data");
	return 0;
}

static void catch_signals(void)
{
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);
}

/* --initrd A --initrd B: QEMU takes one file, the kernel unpacks
 * concatenated archives: A then B, in the control socket's directory. */
static const char *concat_initrds(const struct opts *o, const struct guest *g)
{
	char *path = kp_xasprintf("%s/initrd", g->sockdir);
	const char *in[2] = { o->initrd, o->initrd2 };
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		kp_die("%s: %s", path, strerror(errno));
	for (int i = 0; i < 2; i++) {
		unsigned char *buf;
		size_t len;

		if (kp_read_file(in[i], &buf, &len))
			kp_die("%s: %s", in[i], strerror(errno));
		if (kp_write_all(fd, buf, len))
			kp_die("%s: %s", path, strerror(errno));
		free(buf);
	}
	if (close(fd))
		kp_die("%s: %s", path, strerror(errno));
	return path;
}

/* How many guests of mem MB this host runs at once: its CPUs, or fewer
 * when 3/4 of its memory holds fewer (each with 128 MB for QEMU itself). */
static int guest_slots(int mem)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	long long by_mem = pages > 0 && psize > 0 ?
		(long long)pages / 1024 * psize / 1024 * 3 / 4 / (mem + 128) : 1;
	long long n = cpus > 0 ? cpus : 1;

	if (by_mem < n)
		n = by_mem;
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/*
 * --slots DIR: one of the lock files DIR/.vm-slot.<i>, i < guest_slots(),
 * held (flock) until kpgo-vm exits; tried in turn every 0.2 s until one
 * is free.  Returns the slot.
 */
static int take_slot(const struct opts *o)
{
	int n = guest_slots(o->mem), said = 0;

	for (;;) {
		if (stop_signal)
			kp_die("stopped by signal %d while waiting for a guest slot", (int)stop_signal);
		for (int i = 0; i < n; i++) {
			char *path = kp_xasprintf("%s/.vm-slot.%d", o->slots, i);
			int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

			if (fd < 0)
				kp_die("%s: %s", path, strerror(errno));
			free(path);
			if (!flock(fd, LOCK_EX | LOCK_NB))
				return i;	/* (fd stays open: the lock) */
			if (errno != EWOULDBLOCK)
				kp_die("%s/.vm-slot.%d: flock: %s", o->slots, i, strerror(errno));
			close(fd);
		}
		if (!said++)
			say(o, "waiting for a guest slot: %d guest%s (this host's most) run already",
			    n, n > 1 ? "s" : "");
		usleep(200000);
	}
}

/* The inputs are there, the port is free; the control socket's directory. */
static void prepare(struct opts *o, struct guest *g)
{
	if (access(o->kernel, R_OK))
		kp_die("%s: kernel image: %s", o->kernel, strerror(errno));
	if (access(o->initrd, R_OK))
		kp_die("%s: guest image: %s", o->initrd, strerror(errno));
	if (o->initrd2 && access(o->initrd2, R_OK))
		kp_die("%s: modules image: %s", o->initrd2, strerror(errno));
	if (o->disk && access(o->disk, o->disk_keep ? R_OK | W_OK : R_OK))
		kp_die("%s: disk image: %s", o->disk, strerror(errno));
	if (o->guest_port && probe_port(&o->host_port))
		kp_die("%s: port 127.0.0.1:%d for the guest's port %d: %s; "
		       "stop what uses it or choose another (PGO_HOST_PORT=N, 0 picks a free one)",
		       o->name, o->host_port, o->guest_port, strerror(errno));
	snprintf(g->sockdir, sizeof(g->sockdir), "/tmp/kpgo-vm.XXXXXX");
	if (!mkdtemp(g->sockdir))
		kp_die("mkdtemp: %s", strerror(errno));
	if (o->initrd2)
		o->initrd = concat_initrds(o, g);
	unlink(o->console);
}

static void remove_sockdir(const struct guest *g)
{
	char sock[100];

	snprintf(sock, sizeof(sock), "%s/ctl", g->sockdir);
	unlink(sock);
	snprintf(sock, sizeof(sock), "%s/initrd", g->sockdir);
	unlink(sock);
	rmdir(g->sockdir);
}

/* "kvm" when KVM looks usable and is not ruled out, else "tcg" */
static const char *pick_accel(const struct opts *o)
{
	const char *why;

	if (!strcmp(o->accel, "tcg"))
		return "tcg";
	why = kvm_unusable(o);
	if (!why)
		return "kvm";
	if (!strcmp(o->accel, "kvm"))
		kp_die("KVM asked for (--accel kvm) but not usable: %s", why);
	say(o, "KVM not used: %s", why);
	return "tcg";
}

/* KVM did not boot the guest (r: as boot() returned): remember it, and
 * keep its console beside the TCG run's */
static void kvm_failed(const struct opts *o, const struct guest *g, int r)
{
	char *note = r == 1 ?
		kp_xasprintf("KVM did not boot the guest within %d s", KVM_PROBE_TIMEOUT) :
		kp_xasprintf("KVM failed: %s", g->reason);
	char *kept = kp_xasprintf("%s.kvm", o->console);

	if (o->kvm_cache)
		kp_write_file_atomic(o->kvm_cache, note, strlen(note), 0644);
	rename(o->console, kept);
	say(o, "%s (console: %s): falling back to TCG", note, kept);
	free(note);
	free(kept);
}

/*
 * Boot to the agent's HELLO (in line) under KVM or, failing that with
 * --accel auto, TCG; *t0 is when the boot that worked began.  0 ok.
 */
static int boot_guest(const struct opts *o, struct guest *g, char *line,
		      size_t size, const char **accel, double *t0)
{
	char what[768];
	int r;

	*t0 = now();
	*accel = pick_accel(o);
	if (!strcmp(*accel, "kvm")) {
		r = boot(o, g, "kvm", KVM_PROBE_TIMEOUT, line, size);
		if (!r)
			return 0;
		if (strcmp(o->accel, "auto"))
			return fail(o, g, r == 1 ? "KVM guest did not boot in time" : g->reason);
		kvm_failed(o, g, r);
		*accel = "tcg";
		*t0 = now();
	}
	r = boot(o, g, "tcg", o->boot_timeout, line, size);
	if (!r)
		return 0;
	snprintf(what, sizeof(what), "%s", r == 1 ?
		 "guest did not boot to the agent in time (hung?); see --boot-timeout" : g->reason);
	return fail(o, g, what);
}

static const char *accel_name(const struct opts *o, const char *accel)
{
	return o->icount ? "tcg -icount" : accel;
}

static void say_booted(const struct opts *o, const char *accel,
		       const char *release, double t_boot)
{
	if (o->guest_port)
		say(o, "booted %s under %s in %.1f s, port 127.0.0.1:%d -> guest %d",
		    release, accel_name(o, accel), t_boot, o->host_port, o->guest_port);
	else
		say(o, "booted %s under %s in %.1f s", release,
		    accel_name(o, accel), t_boot);
}

/* Wait until the agent says the server is ready.  0 ok. */
static int wait_ready(const struct opts *o, struct guest *g, char *line,
		      size_t size, double deadline)
{
	char what[1100];

	for (;;) {
		enum event ev = next_event(g, line, size, deadline, 0, NULL);

		if (ev == EV_LINE && !strcmp(line, VP_READY))
			return 0;
		if (ev == EV_LINE && !vp_arg(line, VP_FAIL))
			continue;
		if (ev == EV_LINE)
			snprintf(what, sizeof(what), "guest agent: %.600s",
				 vp_arg(line, VP_FAIL));
		else if (ev == EV_TIMEOUT)
			snprintf(what, sizeof(what), "server not ready within %d s", READY_TIMEOUT);
		else if (ev == EV_EXIT)
			snprintf(what, sizeof(what), "the guest stopped before the server was ready (panic?)");
		else
			snprintf(what, sizeof(what), "interrupted");
		return fail(o, g, what);
	}
}

/*
 * A booted guest: wait for READY (until ready_by), run the client or the
 * guest's load (*secs), then DONE until it powers off.  0 ok.
 */
static int run_workload(const struct opts *o, struct guest *g, char *line,
			size_t size, double t0, double ready_by, double *secs)
{
	int r = wait_ready(o, g, line, size, ready_by);

	if (r)
		return r;
	say(o, "%s after %.1f s; running the %s", o->guest_load ? "guest ready" : "server ready",
	    now() - t0, o->guest_load ? "guest's load" : "client");
	r = o->guest_load ? run_guest_load(o, g, line, size, secs) :
			    run_client(o, g, line, size, secs);
	return r ? r : finish(o, g, line, size);
}

/* The figures of a run that worked: a progress line and --report FILE. */
static void report(const struct opts *o, const struct guest *g,
		   const char *accel, double t0, double t_boot, double secs)
{
	const char *who = o->guest_load ? "load" : "client";
	char *rep;

	if (!strcmp(o->mode, "collect"))
		say(o, "%s %.1f s; profile data: %ld files, %ld bytes copied in %.1f s; total %.1f s",
		    who, secs, g->copied_files, g->copied_bytes,
		    g->copied_ms / 1000.0, now() - t0);
	else
		say(o, "%s %.1f s; total %.1f s", who, secs, now() - t0);
	if (!o->report)
		return;
	rep = kp_xasprintf("accel=%s\nboot_s=%.1f\nclient_s=%.1f\n",
			   accel_name(o, accel), t_boot, secs);
	if (kp_write_file_atomic(o->report, rep, strlen(rep), 0644))
		kp_die("%s: %s", o->report, strerror(errno));
	free(rep);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct guest g = { .ctl = -1 };
	const char *accel;
	char line[CTL_LINE_SIZE];
	double t0, t_boot = 0, client_secs = 0;
	int r;

	kp_set_prog(argv[0]);
	parse_args(argc, argv, &o);
	catch_signals();
	if (o.slots)
		take_slot(&o);
	prepare(&o, &g);
	r = boot_guest(&o, &g, line, sizeof(line), &accel, &t0);
	if (!r) {
		t_boot = now() - t0;
		say_booted(&o, accel, vp_arg(line, VP_HELLO), t_boot);
		r = run_workload(&o, &g, line, sizeof(line), t0,
				 t0 + t_boot + READY_TIMEOUT, &client_secs);
	}
	if (!r)
		report(&o, &g, accel, t0, t_boot, client_secs);
	remove_sockdir(&g);
	return r ? 1 : 0;
}
