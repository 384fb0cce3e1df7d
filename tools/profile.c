// SPDX-License-Identifier: GPL-2.0
/*
 * profile.c - kpgo-profile: unpack and check a profile that comes from
 * elsewhere (make PGO_PROFILE=<archive or directory>).
 *
 * Such a profile is untrusted input (README "Threat model"): a member's
 * name, type and size, the MANIFEST's text, all may be hostile.  unpack
 * extracts the archive with libarchive, keeping only regular files and
 * directories with names kp_path_bad() accepts, within fixed limits, and
 * refuses the whole archive otherwise; check compares the MANIFEST with
 * the tree's values and prints what differs as data (never through a
 * shell or make).  See --help.
 *
 * tests/fuzz may include this file whole with -Dmain=kpgo_profile_main:
 * manifest_parse() and member_check() work on memory and return what is
 * wrong instead of exiting.
 */
#define _GNU_SOURCE
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TOTAL	(1ull << 30)	/* bytes of all members together */
#define MAX_MEMBERS	200000u		/* members of one archive */
#define ESC_MAX		200		/* bytes of a name shown in a message */
#define ESC_SIZE	(4 * ESC_MAX + 4)
#define EXIT_REFUSED	3

static const char help_text[] =
"NAME\n"
"    kpgo-profile - unpack and check a kpgo profile from elsewhere\n"
"\n"
"SYNOPSIS\n"
"    kpgo-profile unpack ARCHIVE DIR\n"
"    kpgo-profile check DIR [--name NAME] [--allow-stale] [--quiet]\n"
"                       [--stat FILE] [--stale FILE] --tree KEY=VALUE...\n"
"\n"
"DESCRIPTION\n"
"    A profile archive (make pgo-export-<name>: a gzip'ed tar holding\n"
"    MANIFEST and one profile: gcda/, one .gcda per object (gcc);\n"
"    profile.proftext (clang IR PGO); profile.afdo (AutoFDO)) or a profile\n"
"    directory is\n"
"    untrusted input.  Names printed from it have non-printable bytes\n"
"    shown as \\xNN.\n"
"\n"
"    unpack  Extract ARCHIVE into DIR, an empty directory the caller made,\n"
"            with libarchive.  Members must be regular files or\n"
"            directories named MANIFEST, gcda or gcda/REL, REL a relative\n"
"            path of components of A-Z a-z 0-9 _ . + - (not '.', '..',\n"
"            not starting with '-'), a file's ending in .gcda; or a\n"
"            regular file profile.proftext or profile.afdo (at most\n"
"            1 GiB), and only one of the three profiles.  Refused,\n"
"            and with them the whole archive: symbolic and hard links,\n"
"            FIFOs, device nodes, sockets; any other name; no MANIFEST\n"
"            (nothing could be checked); a MANIFEST\n"
"            over 64 KiB or a .gcda over 64 MiB (by the size its header\n"
"            declares, before any data is read); more than 1 GiB or\n"
"            200000 members in all; a name given twice.  Files are\n"
"            created 0644 (never over an existing one, never through a\n"
"            symbolic link), directories 0755.  ARCHIVE is read twice:\n"
"            all of it is checked before anything is written, then it is\n"
"            extracted (and checked again), so a refused archive leaves\n"
"            DIR empty (unless the file changed in between: the caller\n"
"            removes DIR on failure).  Prints\n"
"            'kpgo-profile: ARCHIVE: N files (M .gcda), B bytes'.\n"
"\n"
"    check   Read DIR/MANIFEST (a regular file of one link, at most\n"
"            64 KiB): 'key: value' lines of printable ASCII, each known\n"
"            key at most once (format, name, workloads, normalize,\n"
"            kernel, arch, config-sha256, compiler-family, compiler,\n"
"            profile-format, profile, kpgo, source-path).  Compare it\n"
"            with the tree's values, given as --tree KEY=VALUE for each\n"
"            of format, compiler-family, arch, profile-format, kernel,\n"
"            config-sha256 and compiler, and optionally source-path\n"
"            (spaces are collapsed on both sides).  Another\n"
"            format, compiler-family, arch or profile-format is refused\n"
"            (the compiler could use none of the profile), unless\n"
"            --allow-stale: then a warning.  Another kernel,\n"
"            config-sha256 or compiler is a warning (the compiler\n"
"            ignores what no longer matches), and so is another\n"
"            source-path when both give one (gcc finds no profile for\n"
"            static functions).  Without a MANIFEST\n"
"            nothing can be checked: a warning.  Warnings are printed on\n"
"            stdout as kpgo's progress lines ('  PGO-STA stale profile:\n"
"            ...').\n"
"\n"
"OPTIONS\n"
"    --name NAME       check: call the profile NAME in messages (the\n"
"                      user's PGO_PROFILE; default DIR).\n"
"    --allow-stale     check: a refusal becomes a warning (but see --stat).\n"
"    --quiet           check: print no warning lines.\n"
"    --stat FILE       check: FILE's first line is what 'kpgo-gcda stat'\n"
"                      says of the profile's .gcda files (the text after\n"
"                      'gcda: '); it must equal the MANIFEST's profile:\n"
"                      value.  When it does not, the profile is not the\n"
"                      one its MANIFEST describes (incomplete or altered):\n"
"                      refused, even with --allow-stale.\n"
"    --stale FILE      check: the file made (empty) when a warning was\n"
"                      given, removed otherwise (default DIR/stale).\n"
"    --tree KEY=VALUE  check: the tree's value of a manifest key.\n"
"    -h, --help        Print this help.\n"
"\n"
"EXIT STATUS\n"
"    0 success (check: maybe with warnings), 1 bad input (a refused\n"
"    archive, an unreadable or malformed MANIFEST) or I/O error, 2 usage\n"
"    error, 3 check: the profile cannot apply to this tree.\n";

/* ---- messages ----------------------------------------------------------- */

/* s (n bytes) for a message, at most ESC_MAX of them (out: ESC_SIZE) */
static char *esc_n(char *out, const char *s, size_t n)
{
	return kp_escape(out, s, n, ESC_MAX);
}

static char *esc(char *out, const char *s)
{
	return esc_n(out, s, strlen(s));
}

/* ---- unpack: one member ----------------------------------------------- */

/* what member_check() makes of a member */
enum member_kind { MEMBER_MANIFEST, MEMBER_GCDA_DIR, MEMBER_DIR, MEMBER_GCDA, MEMBER_DATA };

/* the one-file profiles of clang: IR PGO's text, AutoFDO's sample profile */
static const char *const data_names[] = { "profile.proftext", "profile.afdo" };

/* member_check()'s type of a hard link (libarchive gives its target's) */
#define TYPE_HARDLINK	1u

static const char *type_name(unsigned int type)
{
	switch (type) {
	case AE_IFLNK:	return "a symbolic link";
	case TYPE_HARDLINK: return "a hard link";
	case AE_IFIFO:	return "a FIFO";
	case AE_IFCHR:	return "a character device";
	case AE_IFBLK:	return "a block device";
	case AE_IFSOCK:	return "a socket";
	default:	return "a member of unknown type";
	}
}

/*
 * Whether the member name (a tar member's path), of type (AE_IFREG,
 * AE_IFDIR, ... or TYPE_HARDLINK) and declared size (bytes; negative: not
 * declared), may be extracted.  NULL and *kind, *rel (the path to create
 * under the directory, a directory's without its trailing '/', in buf of
 * KP_PATH_MAX + 8 bytes) when it may; otherwise what is wrong, in words
 * (buf may hold them).
 */
static const char *member_check(const char *name, unsigned int type,
				int64_t size, enum member_kind *kind,
				char *buf, const char **rel)
{
	size_t n = strlen(name);
	const char *why;

	if (type != AE_IFREG && type != AE_IFDIR) {
		snprintf(buf, KP_PATH_MAX + 8, "%s (only regular files and "
			 "directories are extracted)", type_name(type));
		return buf;
	}
	if (n > KP_PATH_MAX)
		return "a name longer than 1024 bytes";
	memcpy(buf, name, n + 1);
	if (type == AE_IFDIR && n > 1 && buf[n - 1] == '/')
		buf[--n] = 0;
	*rel = buf;
	if (!strcmp(buf, "MANIFEST")) {
		if (type != AE_IFREG)
			return "a directory called MANIFEST";
		if (size < 0)
			return "a file whose size is not declared";
		if ((uint64_t)size > KP_MAX_MANIFEST)
			return "a MANIFEST larger than the limit of 65536 bytes";
		*kind = MEMBER_MANIFEST;
		return NULL;
	}
	for (size_t i = 0; i < sizeof(data_names) / sizeof(*data_names); i++) {
		if (strcmp(buf, data_names[i]))
			continue;
		if (type != AE_IFREG)
			return "a directory named as a profile file";
		if (size < 0)
			return "a file whose size is not declared";
		if ((uint64_t)size > KP_MAX_DATA)
			return "a profile file larger than the limit of 1 GiB";
		*kind = MEMBER_DATA;
		return NULL;
	}
	if (!strcmp(buf, "gcda")) {
		if (type != AE_IFDIR)
			return "a file called gcda (gcda/ is the directory of .gcda files)";
		*kind = MEMBER_GCDA_DIR;
		return NULL;
	}
	if (strncmp(buf, "gcda/", 5))
		return "a name other than MANIFEST, gcda/, gcda/<object>.gcda, "
		       "profile.proftext or profile.afdo";
	why = kp_path_bad(buf + 5, type == AE_IFREG ? ".gcda" : NULL);
	if (why)
		return why;
	if (type == AE_IFDIR) {
		*kind = MEMBER_DIR;
		return NULL;
	}
	if (size < 0)
		return "a file whose size is not declared";
	if ((uint64_t)size > KP_MAX_GCDA)
		return "a .gcda larger than the limit of 64 MiB";
	*kind = MEMBER_GCDA;
	return NULL;
}

/* ---- unpack: the names seen (duplicates are refused) ---------------- */

struct nameset {
	char **slot;
	size_t n, cap;		/* cap: a power of 2 */
};

/* 0 when added, -1 when name was there */
static int nameset_add(struct nameset *ns, const char *name)
{
	size_t i;

	if (2 * (ns->n + 1) > ns->cap) {
		struct nameset big = { 0 };

		big.cap = ns->cap ? 2 * ns->cap : 1024;
		big.slot = kp_xcalloc(big.cap, sizeof(*big.slot));
		for (size_t j = 0; j < ns->cap; j++)
			if (ns->slot[j]) {
				i = kp_fnv1a(ns->slot[j], strlen(ns->slot[j])) & (big.cap - 1);
				while (big.slot[i])
					i = (i + 1) & (big.cap - 1);
				big.slot[i] = ns->slot[j];
			}
		big.n = ns->n;
		free(ns->slot);
		*ns = big;
	}
	i = kp_fnv1a(name, strlen(name)) & (ns->cap - 1);
	for (; ns->slot[i]; i = (i + 1) & (ns->cap - 1))
		if (!strcmp(ns->slot[i], name))
			return -1;
	ns->slot[i] = kp_xstrdup(name);
	ns->n++;
	return 0;
}

static void nameset_free(struct nameset *ns)
{
	for (size_t i = 0; i < ns->cap; i++)
		free(ns->slot[i]);
	free(ns->slot);
	*ns = (struct nameset){ 0 };
}

/* ---- unpack: writing under DIR ---------------------------------------- */

struct unpack {
	const char *archive, *dir;
	int dirfd;
	struct archive *a;
	struct nameset names;
	size_t files, gcda, members;
	uint64_t bytes, declared;
	int has_gcda, has_manifest, has_data;
};

_Noreturn static void refuse(struct unpack *u, const char *name,
			     const char *why);
static void refuse(struct unpack *u, const char *name, const char *why)
{
	char ea[ESC_SIZE], en[ESC_SIZE];

	kp_die("%s: member '%s': %s: the archive is refused (a profile archive "
	       "holds MANIFEST and gcda/ with .gcda files, or profile.proftext or "
	       "profile.afdo); get the profile "
	       "again from a source you trust, or export it again with make "
	       "pgo-export-<name>", esc(ea, u->archive), esc(en, name), why);
}

_Noreturn static void sys_fail(struct unpack *u, const char *rel,
			       const char *what, int e);
static void sys_fail(struct unpack *u, const char *rel, const char *what,
		     int e)
{
	char ed[ESC_SIZE], er[ESC_SIZE];

	kp_die("%s/%s: cannot %s: %s", esc(ed, u->dir), esc(er, rel), what,
	       strerror(e));
}

/*
 * Open (creating with mode 0755 if need be) the directory rel, or with
 * parent_only its parent, under u->dirfd, never through a symbolic link;
 * *base: rel's last component.  Returns a descriptor to close.
 */
static int open_dirs(struct unpack *u, const char *rel, int parent_only,
		     const char **base)
{
	char comp[KP_PATH_MAX + 1];
	const char *p = rel;
	int fd = dup(u->dirfd);

	if (fd < 0)
		sys_fail(u, rel, "open its directory", errno);
	for (;;) {
		size_t c = strcspn(p, "/");
		int next;

		if (parent_only && !p[c]) {
			*base = p;
			return fd;
		}
		memcpy(comp, p, c);
		comp[c] = 0;
		if (mkdirat(fd, comp, 0755) && errno != EEXIST)
			sys_fail(u, rel, "make a directory", errno);
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			      O_CLOEXEC);
		if (next < 0)
			sys_fail(u, rel, "open a directory", errno);
		if (fchmod(next, 0755))
			sys_fail(u, rel, "set a directory's mode", errno);
		close(fd);
		fd = next;
		if (!p[c]) {
			*base = p;
			return fd;
		}
		p += c + 1;
	}
}

static void write_member(struct unpack *u, const char *rel, int64_t size)
{
	const char *base;
	int pfd = open_dirs(u, rel, 1, &base);
	int fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			O_CLOEXEC, 0644);
	char buf[65536];
	uint64_t got = 0;

	if (fd < 0)
		sys_fail(u, rel, "create the file", errno);
	close(pfd);
	if (fchmod(fd, 0644))
		sys_fail(u, rel, "set the file's mode", errno);
	for (;;) {
		la_ssize_t r = archive_read_data(u->a, buf, sizeof(buf));
		char ea[ESC_SIZE], er[ESC_SIZE];

		if (r < 0)
			kp_die("%s: member '%s': %s: the archive is damaged; get it again",
			       esc(ea, u->archive), esc(er, rel),
			       archive_error_string(u->a));
		if (!r)
			break;
		got += (uint64_t)r;
		if (got > (uint64_t)size)	/* libarchive stops at size */
			refuse(u, rel, "more data than its header declares");
		if (kp_write_all(fd, buf, (size_t)r))
			sys_fail(u, rel, "write", errno);
	}
	if (close(fd))
		sys_fail(u, rel, "write", errno);
	u->bytes += got;
}

/*
 * One pass over the archive (open on fd, read from its start): every
 * member checked; with write, extracted, else its data skipped.  The first
 * pass only checks, so a refused archive leaves DIR empty; the second
 * checks again (the file may have changed) and writes.
 */
static void unpack_pass(struct unpack *u, int fd, int write)
{
	struct archive_entry *ae;
	char ea[ESC_SIZE];
	int r;

	if (lseek(fd, 0, SEEK_SET))
		kp_die("%s: %s", esc(ea, u->archive), strerror(errno));
	nameset_free(&u->names);
	u->files = u->gcda = u->members = 0;
	u->bytes = u->declared = 0;
	u->has_gcda = u->has_manifest = u->has_data = 0;
	u->a = archive_read_new();
	if (!u->a)
		kp_die("out of memory");
	/* gzip'ed (or plain) tar, nothing else */
	if (archive_read_support_filter_gzip(u->a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(u->a) != ARCHIVE_OK ||
	    archive_read_open_fd(u->a, fd, 65536) != ARCHIVE_OK)
		kp_die("%s: not a profile archive (a gzip'ed tar with MANIFEST "
		       "and gcda/): %s; make one with make pgo-export-<name>",
		       esc(ea, u->archive), archive_error_string(u->a));

	while ((r = archive_read_next_header(u->a, &ae)) == ARCHIVE_OK ||
	       r == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname(ae);
		unsigned int type = archive_entry_hardlink(ae) ? TYPE_HARDLINK :
				    (unsigned int)archive_entry_filetype(ae);
		int64_t size = archive_entry_size_is_set(ae) ?
			       archive_entry_size(ae) : -1;
		char buf[KP_PATH_MAX + 8];
		enum member_kind kind = MEMBER_DIR;
		const char *rel = NULL, *why;

		if (r == ARCHIVE_WARN)
			kp_die("%s: %s: the archive is damaged; get it again",
			       esc(ea, u->archive), archive_error_string(u->a));
		if (!name)
			refuse(u, "(none)", "a name libarchive cannot read");
		if (++u->members > MAX_MEMBERS)
			refuse(u, name, "more than 200000 members");
		why = member_check(name, type, size, &kind, buf, &rel);
		if (why)
			refuse(u, name, why);
		if (kind == MEMBER_MANIFEST || kind == MEMBER_GCDA || kind == MEMBER_DATA) {
			u->declared += (uint64_t)size;
			if (u->declared > MAX_TOTAL)
				refuse(u, name, "the archive's members are "
				       "larger than 1 GiB in all");
		}
		if (nameset_add(&u->names, rel))
			refuse(u, name, "a name given twice");
		switch (kind) {
		case MEMBER_GCDA_DIR:
		case MEMBER_DIR: {
			const char *base;

			if (write)
				close(open_dirs(u, rel, 0, &base));
			u->has_gcda = 1;
			break;
		}
		case MEMBER_GCDA:
		case MEMBER_DATA:
		case MEMBER_MANIFEST:
			if (kind == MEMBER_GCDA) {
				u->gcda++;
				u->has_gcda = 1;
			}
			u->has_data += kind == MEMBER_DATA;
			if (kind == MEMBER_MANIFEST)
				u->has_manifest = 1;
			if (write)
				write_member(u, rel, size);
			else if (archive_read_data_skip(u->a) != ARCHIVE_OK)
				kp_die("%s: %s: the archive is damaged; get it again",
				       esc(ea, u->archive), archive_error_string(u->a));
			u->files++;
			break;
		}
	}
	if (r != ARCHIVE_EOF) {
		if (!u->members)
			kp_die("%s: not a profile archive (a gzip'ed tar with "
			       "MANIFEST and gcda/): %s; make one with make "
			       "pgo-export-<name>", esc(ea, u->archive),
			       archive_error_string(u->a));
		kp_die("%s: %s: the archive is damaged; get it again",
		       esc(ea, u->archive), archive_error_string(u->a));
	}
	if (u->has_gcda + u->has_data != 1)
		kp_die("%s: %s: not a profile archive (a gzip'ed tar with MANIFEST and "
		       "one profile: gcda/, profile.proftext or profile.afdo); make one "
		       "with make pgo-export-<name>", esc(ea, u->archive),
		       u->has_gcda + u->has_data ? "more than one profile in it" : "no profile in it");
	/* without one, nothing of it could be checked against the tree */
	if (!u->has_manifest)
		kp_die("%s: no MANIFEST in it: kernel, architecture, compiler and "
		       "completeness cannot be checked, so the archive is refused "
		       "(make pgo-export-<name> writes one; a directory of .gcda "
		       "files without MANIFEST is taken, with a warning)",
		       esc(ea, u->archive));
	archive_read_free(u->a);
	u->a = NULL;
}

static int cmd_unpack(int argc, char **argv)
{
	struct unpack u = { 0 };
	char ea[ESC_SIZE], ed[ESC_SIZE];
	struct stat st;
	int fd;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(help_text, stdout);
		return 0;
	}
	if (argc != 3)
		kp_usage_error("unpack: give ARCHIVE and DIR");
	u.archive = argv[1];
	u.dir = argv[2];

	u.dirfd = open(u.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u.dirfd < 0)
		kp_die("%s: %s: give an empty directory to unpack into",
		       esc(ed, u.dir), strerror(errno));
	{
		int dfd = dup(u.dirfd);
		DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
		struct dirent *de;

		if (!d)
			kp_die("%s: %s", esc(ed, u.dir), strerror(errno));
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				kp_die("%s: not empty: give an empty directory "
				       "to unpack into", esc(ed, u.dir));
		closedir(d);
	}

	/* the archive: a regular file (a FIFO would block) */
	fd = open(u.archive, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		kp_die("%s: %s: give a profile archive (make pgo-export-<name> "
		       "writes one)", esc(ea, u.archive), strerror(errno));
	if (fstat(fd, &st))
		kp_die("%s: %s", esc(ea, u.archive), strerror(errno));
	if (!S_ISREG(st.st_mode))
		kp_die("%s: not a regular file: give a profile archive "
		       "(make pgo-export-<name> writes one)", esc(ea, u.archive));
	if (fcntl(fd, F_SETFL, 0))
		kp_die("%s: %s", esc(ea, u.archive), strerror(errno));

	unpack_pass(&u, fd, 0);
	unpack_pass(&u, fd, 1);
	close(fd);
	close(u.dirfd);
	nameset_free(&u.names);
	printf("%s: %s: %zu files (%zu .gcda), %llu bytes\n", kp_prog(),
	       esc(ea, u.archive), u.files, u.gcda,
	       (unsigned long long)u.bytes);
	return 0;
}

/* ---- check: the MANIFEST ----------------------------------------------- */

enum key {
	K_FORMAT, K_NAME, K_WORKLOADS, K_NORMALIZE, K_KERNEL, K_ARCH,
	K_CONFIG, K_FAMILY, K_COMPILER, K_PFORMAT, K_PROFILE, K_KPGO, K_SRCPATH,
	NKEYS
};

static const char *const key_names[NKEYS] = {
	[K_FORMAT] = "format", [K_NAME] = "name", [K_WORKLOADS] = "workloads",
	[K_NORMALIZE] = "normalize", [K_KERNEL] = "kernel", [K_ARCH] = "arch",
	[K_CONFIG] = "config-sha256", [K_FAMILY] = "compiler-family",
	[K_COMPILER] = "compiler", [K_PFORMAT] = "profile-format",
	[K_PROFILE] = "profile", [K_KPGO] = "kpgo", [K_SRCPATH] = "source-path",
};

struct manifest {
	const char *val[NKEYS];	/* into the parsed text; NULL: not given */
};

/*
 * Parse a MANIFEST's text (len bytes; changed in place: lines cut at
 * their newline, values trimmed).  Returns 0 and m's values pointing into
 * text, or -1 and what is wrong in err ("line N: ...").
 */
static int manifest_parse(char *text, size_t len, struct manifest *m,
			  char *err, size_t errlen)
{
	char e[ESC_SIZE];
	size_t line = 0;

	*m = (struct manifest){ 0 };
	for (size_t off = 0; off < len;) {
		char *s = text + off, *nl = memchr(s, '\n', len - off);
		size_t n = nl ? (size_t)(nl - s) : len - off;
		size_t k;
		int key = -1;

		off += n + (nl != NULL);
		line++;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f) {
				snprintf(err, errlen, "line %zu: a non-printable "
					 "byte (\\x%02x)", line, (unsigned char)s[i]);
				return -1;
			}
		s[n] = 0;	/* the newline, or the NUL after the text */
		k = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-");
		if (!k || s[k] != ':' || (s[k + 1] && s[k + 1] != ' ')) {
			snprintf(err, errlen, "line %zu: not 'key: value': '%s'",
				 line, esc(e, s));
			return -1;
		}
		s[k] = 0;
		for (int i = 0; i < NKEYS; i++)
			if (!strcmp(s, key_names[i]))
				key = i;
		if (key < 0) {
			snprintf(err, errlen, "line %zu: unknown key '%s'", line,
				 esc(e, s));
			return -1;
		}
		if (m->val[key]) {
			snprintf(err, errlen, "line %zu: key '%s' given again",
				 line, s);
			return -1;
		}
		s += k + 1;
		s += strspn(s, " ");
		for (size_t t = strlen(s); t && s[t - 1] == ' ';)
			s[--t] = 0;
		m->val[key] = s;
	}
	return 0;
}

/* a and b equal but for runs of spaces and spaces around them */
static int value_eq(const char *a, const char *b)
{
	for (;;) {
		a += strspn(a, " ");
		b += strspn(b, " ");
		if (!*a || !*b)
			return !*a && !*b;
		while (*a && *a != ' ' && *a == *b) {
			a++;
			b++;
		}
		if ((*a && *a != ' ') || (*b && *b != ' '))
			return 0;
	}
}

/*
 * the keys compared with the tree, refusing first; an optional one is
 * compared only when both the MANIFEST and --tree give it (source-path
 * came after the first archives)
 */
static const struct {
	enum key key;
	int refuse, optional;
	const char *why;
} checks[] = {
	{ K_FORMAT,   1, 0, "kpgo cannot read this manifest format" },
	{ K_FAMILY,   1, 0, "the compiler reads only its own family's profiles" },
	{ K_ARCH,     1, 0, "the profile describes another architecture's code" },
	{ K_PFORMAT,  1, 0, "the compiler reads only its own kind of profile (gcc: .gcda files of its own release)" },
	{ K_KERNEL,   0, 0, NULL },
	{ K_CONFIG,   0, 0, NULL },
	{ K_COMPILER, 0, 0, NULL },
	{ K_SRCPATH,  0, 1, "gcc names a static function's profile by its source "
		"file's path, so static functions get no profile; build the tree "
		"at the profile's path" },
};
#define NCHECKS (sizeof(checks) / sizeof(checks[0]))

struct check_opts {
	const char *dir, *name, *stat, *stale;
	const char *tree[NKEYS];
	int allow_stale, quiet;
};

static void say_stale(const struct check_opts *o, const char *fmt, ...)
	KP_PRINTF(2, 3);
static void say_stale(const struct check_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->quiet)
		return;
	printf("  %-8s", "PGO-STA");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* the first line of --stat's file, trimmed */
static char *read_stat(const struct check_opts *o)
{
	unsigned char *p;
	size_t len;
	const char *why;
	char e[ESC_SIZE];
	char *s;

	if (kp_read_regular(o->stat, KP_MAX_MANIFEST, 0, &p, &len, &why))
		kp_die("%s: %s", esc(e, o->stat), why);
	s = (char *)p;
	s[strcspn(s, "\n")] = 0;
	for (size_t t = strlen(s); t && s[t - 1] == ' ';)
		s[--t] = 0;
	return s;
}

static int cmd_check(int argc, char **argv)
{
	struct check_opts o = { 0 };
	struct manifest m;
	unsigned char *text;
	size_t len;
	const char *why;
	char *path, err[2 * ESC_SIZE], en[ESC_SIZE];
	int refused = 0, warned = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int more = i + 1 < argc;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(help_text, stdout);
			return 0;
		} else if (!strcmp(a, "--allow-stale")) {
			o.allow_stale = 1;
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			o.quiet = 1;
		} else if (!strcmp(a, "--name") && more) {
			o.name = argv[++i];
		} else if (!strcmp(a, "--stat") && more) {
			o.stat = argv[++i];
		} else if (!strcmp(a, "--stale") && more) {
			o.stale = argv[++i];
		} else if (!strcmp(a, "--tree") && more) {
			const char *v = argv[++i], *eq = strchr(v, '=');
			int key = -1;

			for (int k = 0; eq && k < NKEYS; k++)
				if (strlen(key_names[k]) == (size_t)(eq - v) &&
				    !strncmp(v, key_names[k], (size_t)(eq - v)))
					key = k;
			if (key < 0)
				kp_usage_error("check: bad --tree '%s': give KEY=VALUE, "
					    "KEY a manifest key", v);
			o.tree[key] = eq + 1;
		} else if (a[0] == '-' && a[1]) {
			kp_usage_error("check: unknown option (or one missing its "
				    "argument) '%s'", a);
		} else if (!o.dir) {
			o.dir = a;
		} else {
			kp_usage_error("check: give one DIR ('%s' is another)", a);
		}
	}
	if (!o.dir)
		kp_usage_error("check: give the profile's DIR");
	for (size_t c = 0; c < NCHECKS; c++)
		if (!o.tree[checks[c].key] && !checks[c].optional)
			kp_usage_error("check: give the tree's %s with --tree %s=VALUE",
				    key_names[checks[c].key],
				    key_names[checks[c].key]);
	if (!o.name)
		o.name = o.dir;
	esc(en, o.name);
	path = kp_xasprintf("%s/MANIFEST", o.dir);

	if (kp_read_regular(path, KP_MAX_MANIFEST, KP_RD_ONE_LINK, &text, &len,
			    &why)) {
		if (errno != ENOENT)
			kp_die("%s: MANIFEST: %s: get the profile again from a "
			       "source you trust", en, why);
		say_stale(&o, "stale profile: no MANIFEST in %s: kernel, config "
			  "and compiler cannot be checked", en);
		warned = 1;
	} else {
		if (manifest_parse((char *)text, len, &m, err, sizeof(err)))
			kp_die("%s: MANIFEST %s: a MANIFEST holds 'key: value' "
			       "lines of printable text (make pgo-export-<name> "
			       "writes one); get the profile again from a source "
			       "you trust", en, err);
		/* refusals, first all of them on one line */
		for (size_t c = 0; c < NCHECKS; c++) {
			const char *v = m.val[checks[c].key], *t = o.tree[checks[c].key];

			if (checks[c].refuse && !value_eq(v ? v : "", t))
				refused = 1;
		}
		if (refused && !o.allow_stale) {
			fprintf(stderr, "%s: %s cannot apply to this tree:", kp_prog(), en);
			for (size_t c = 0; c < NCHECKS; c++) {
				const char *v = m.val[checks[c].key], *t = o.tree[checks[c].key];

				if (checks[c].refuse && !value_eq(v ? v : "", t))
					fprintf(stderr, " %s '%s' (this tree: '%s'): %s;",
						key_names[checks[c].key], v ? v : "",
						t, checks[c].why);
			}
			fprintf(stderr, " collect a profile for this tree, or build "
				"anyway with PGO_ALLOW_STALE=1 (--allow-stale)\n");
			free(text);
			free(path);
			return EXIT_REFUSED;
		}
		if (o.stat) {
			char *s = read_stat(&o);
			const char *p = m.val[K_PROFILE];

			if (!p || strcmp(s, p)) {
				char es[ESC_SIZE];

				fprintf(stderr, "%s: %s is not the profile its MANIFEST "
					"describes: %s%s%s, but its files hold: %s: "
					"the profile is incomplete or altered; get it again "
					"from its source, or export it again with make "
					"pgo-export-<name>\n", kp_prog(), en,
					p ? "the MANIFEST says profile: '" : "the MANIFEST has no profile: line",
					p ? p : "", p ? "'" : "", esc(es, s));
				free(s);
				free(text);
				free(path);
				return EXIT_REFUSED;
			}
			free(s);
		}
		for (size_t c = 0; c < NCHECKS; c++) {
			const char *v = m.val[checks[c].key], *t = o.tree[checks[c].key];

			if (checks[c].optional && (!v || !t))
				continue;
			if (value_eq(v ? v : "", t))
				continue;
			say_stale(&o, "stale profile: %s '%s' (this tree: '%s')%s%s",
				  key_names[checks[c].key], v ? v : "", t,
				  checks[c].why ? ": " : "",
				  checks[c].why ? checks[c].why : "");
			warned = 1;
		}
		free(text);
	}
	free(path);
	fflush(stdout);

	path = o.stale ? kp_xstrdup(o.stale) : kp_xasprintf("%s/stale", o.dir);
	if (warned) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
			      O_CLOEXEC, 0644);

		if (fd < 0 || close(fd))
			kp_die("%s: %s", esc(en, path), strerror(errno));
	} else if (unlink(path) && errno != ENOENT) {
		kp_die("%s: %s", esc(en, path), strerror(errno));
	}
	free(path);
	return 0;
}

int main(int argc, char **argv)
{
	kp_set_prog(argv[0]);
	if (argc < 2)
		kp_usage_error("give a command: unpack or check");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		fputs(help_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "unpack"))
		return cmd_unpack(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	kp_usage_error("unknown command '%s' (unpack or check)", argv[1]);
}
