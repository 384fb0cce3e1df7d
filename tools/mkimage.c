// SPDX-License-Identifier: GPL-2.0
/*
 * mkimage.c - build a reproducible initramfs (gzip'd newc cpio) from a
 * manifest, without root privileges.
 *
 * In the spirit of the kernel's usr/gen_init_cpio.c, but the archive is
 * written with libarchive; entries are sorted by path, owners and times are
 * zeroed and inodes numbered in order, so equal inputs give equal bytes; and
 * "elf" lines pull in a binary's whole shared-library closure, found by
 * reading its program headers and dynamic section as ld.so would; a
 * "modules" line the dependency closure of kernel modules, from depmod's
 * modules.dep, with the list the guest loads them in (/etc/kpgo-modules).
 */
#define _GNU_SOURCE
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct strv {
	char **v;
	size_t n, cap;
};

struct ent {
	char *path;		/* normalized, without the leading '/' */
	unsigned int type;	/* AE_IFREG, AE_IFDIR, ... */
	unsigned int mode;	/* permission bits */
	unsigned int maj, min;	/* device nodes */
	char *src;		/* regular files: the host file */
	char *target;		/* symlinks */
	char *real;		/* libraries: realpath(src) */
	char *data;		/* a file made here (not src): its bytes */
	size_t dlen;
	int line;		/* manifest line it comes from */
	bool implicit;		/* a parent directory nobody declared */
	bool lib;		/* part of an elf line's library closure */
	size_t seq;
};

struct elf_info {
	unsigned int machine;
	char *interp, *runpath, *rpath;
	struct strv needed;
};

struct kmod {
	char *path;		/* in modules.dep, relative to its directory */
	char *name;		/* '-' as '_', no .ko */
	char **deps;		/* paths */
	size_t ndeps;
	int state;		/* 0 unseen, 1 in progress, 2 listed */
};

static const char *manifest;
static struct ent *ents;
static size_t nents, cap_ents;
static struct strv deps;
static bool modules_line;
static size_t nmodules, nmodules_builtin;	/* of the modules line */

/* as the guest's ld.so (no /etc/ld.so.cache in the image), and /lib64 */
static const char *const default_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
	"/usr/lib", "/lib",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FIELDS	256	/* of a manifest line */
#define MODULES_LIST	"etc/kpgo-modules"
#define die_at(line, fmt, ...) \
	kp_die("%s:%d: " fmt, manifest, (line), ##__VA_ARGS__)

static _Noreturn void usage(void)
{
	fputs(
"NAME\n"
"    kpgo-mkimage - build a reproducible initramfs from a manifest\n"
"\n"
"SYNOPSIS\n"
"    kpgo-mkimage -o OUT.cpio.gz [--deps DEPFILE] [--keep] [--quiet] MANIFEST\n"
"\n"
"DESCRIPTION\n"
"    Writes the gzip-compressed newc cpio archive (a Linux initramfs) that\n"
"    MANIFEST describes, without root privileges.  Same inputs, same bytes:\n"
"    entries are sorted by path, owned by 0:0, dated 0, numbered in order.\n"
"    OUT is written under a temporary name and renamed: never half written.\n"
"\n"
"MANIFEST\n"
"    One directive a line, '#' starts a comment.  PATH: absolute path in\n"
"    the image (parents are made as needed, 0755); MODE: octal; SRC: host\n"
"    path, relative to the current directory.\n"
"\n"
"    dir   PATH MODE                  a directory\n"
"    file  PATH SRC MODE              a copy of host file SRC\n"
"    slink PATH TARGET                a symbolic link\n"
"    nod   PATH MODE c|b MAJOR MINOR  a device node\n"
"    elf   PATH SRC                   ELF binary SRC (0755), its PT_INTERP\n"
"                                     and DT_NEEDED libraries, recursively\n"
"    tree  PATH SRCDIR                a copy of a host directory tree (PATH\n"
"                                     may be /: SRCDIR's contents at the root)\n"
"    modules ROOT RELEASE NAME...     kernel modules NAME (as modprobe names\n"
"                                     them, '-' and '_' alike) and all they\n"
"                                     depend on, from a modules_install tree\n"
"\n"
"    A modules line reads ROOT/lib/modules/RELEASE/modules.dep and\n"
"    modules.builtin; each module of the closure is stored at\n"
"    /lib/modules/RELEASE/<its modules.dep path>, and /" MODULES_LIST "\n"
"    lists their image paths one a line, in load order (what a module\n"
"    needs before it).  A NAME built into the kernel is skipped; one that is\n"
"    neither built in nor in modules.dep is an error.  NAME: letters,\n"
"    digits, '_' and '-' only.  One modules line per manifest.\n"
"\n"
"    Libraries are looked up as ld.so does: DT_RUNPATH (else DT_RPATH,\n"
"    $ORIGIN expanded), then /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu,\n"
"    /lib64, /usr/lib, /lib; /etc/ld.so.conf is ignored, as the guest has no\n"
"    ld.so.cache.  Each is stored, with its real file's contents, at the path\n"
"    it was found at; one found at several paths is stored once, the other\n"
"    paths being symlinks to it.  A PATH listed twice must have the same\n"
"    type, mode and content.\n"
"\n"
"OPTIONS\n"
"    -o, --output OUT     the image to write (required)\n"
"    -d, --deps DEPFILE   also write the make rule 'OUT: FILES', FILES being\n"
"                         every host file read, manifest and libraries too\n"
"    -k, --keep           leave OUT as it is (and its time) when it already\n"
"                         holds these bytes\n"
"    -q, --quiet          do not print the summary line\n"
"    -h, --help           show this text\n"
"\n"
"EXIT STATUS\n"
"    0 success, 1 error (no file written), 2 usage error.\n"
"\n"
"EXAMPLE\n"
"    nod   /dev/console 600 c 5 1\n"
"    file  /bin/busybox /bin/busybox 755\n"
"    slink /bin/sh busybox\n"
"    elf   /usr/bin/redis-server /usr/bin/redis-server\n", stdout);
	exit(0);
}

static void sv_add(struct strv *sv, char *s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? 2 * sv->cap : 16;
		sv->v = kp_xrealloc(sv->v, sv->cap * sizeof(*sv->v));
	}
	sv->v[sv->n++] = s;
}

static bool sv_has(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return true;
	return false;
}

static void sv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

static void add_dep(const char *path)
{
	sv_add(&deps, kp_xstrdup(path));
}

/* "/a//b/./c/../d" -> "a/b/d"; NULL when empty or above the root */
static char *norm_path(const char *p)
{
	char *out = kp_xmalloc(strlen(p) + 1);
	size_t o = 0;

	while (*p) {
		const char *s = p + strspn(p, "/");
		size_t len = strcspn(s, "/");

		p = s + len;
		if (!len || (len == 1 && s[0] == '.'))
			continue;
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			if (!o)
				break;
			while (o && out[o - 1] != '/')
				o--;
			if (o)
				o--;
			continue;
		}
		if (o)
			out[o++] = '/';
		memcpy(out + o, s, len);
		o += len;
	}
	out[o] = '\0';
	if (!o || *p) {
		free(out);
		return NULL;
	}
	return out;
}

static struct ent *new_ent(char *path, unsigned int type, unsigned int mode,
			   int line)
{
	struct ent *e;

	if (nents == cap_ents) {
		cap_ents = cap_ents ? 2 * cap_ents : 256;
		ents = kp_xrealloc(ents, cap_ents * sizeof(*ents));
	}
	e = &ents[nents];
	memset(e, 0, sizeof(*e));
	e->path = path;
	e->type = type;
	e->mode = mode & 07777;
	e->line = line;
	e->seq = nents++;
	return e;
}

/* Add an entry for normalized PATH (taken over), and its parents. */
static struct ent *add_ent(char *path, unsigned int type, unsigned int mode,
			   int line)
{
	for (char *s = strchr(path, '/'); s; s = strchr(s + 1, '/'))
		new_ent(kp_xasprintf("%.*s", (int)(s - path), path), AE_IFDIR,
			0755, line)->implicit = true;
	return new_ent(path, type, mode, line);
}

static char *guest_path(int line, const char *p)
{
	char *n = p[0] == '/' ? norm_path(p) : NULL;

	if (!n)
		die_at(line, "bad image path '%s'; it must be absolute, not '/' and not go above '/'",
		       p);
	return n;
}

/* a MODE (base 8) or a device number (base 10) */
static unsigned int parse_num(int line, const char *s, int base,
			      unsigned long max, const char *what)
{
	char *end;
	unsigned long v = strtoul(s, &end, base);

	if (isdigit((unsigned char)*s) && !*end && v <= max)
		return (unsigned int)v;
	if (base == 8)
		die_at(line, "bad mode '%s'; expected an octal number such as 755 or 0644",
		       s);
	die_at(line, "bad %s '%s'; expected a decimal number up to %lu", what,
	       s, max);
}
#define parse_mode(line, s) parse_num(line, s, 8, 07777, NULL)

/* stat a host SRC: it must be a regular file (after symlinks) */
static void check_src(int line, const char *src, struct stat *st)
{
	if (stat(src, st))
		die_at(line, "cannot read '%s': %s; fix the path or install the package providing it",
		       src, strerror(errno));
	if (!S_ISREG(st->st_mode))
		die_at(line, "'%s' is not a regular file; use dir, tree or nod for other types",
		       src);
}

/* --- ELF parsing --------------------------------------------------------- */

/* the file offset of address v, from e's PT_LOAD headers */
static bool vaddr_off(const struct kp_elf *e, uint64_t v, uint64_t *off)
{
	Elf64_Phdr ph;

	for (size_t i = 0; !kp_elf_phdr(e, i, &ph); i++) {
		if (ph.p_type == PT_LOAD && v >= ph.p_vaddr &&
		    v - ph.p_vaddr < ph.p_filesz) {
			*off = ph.p_offset + (v - ph.p_vaddr);
			return true;
		}
	}
	return false;
}

/* a NUL-terminated string at e's offset off, at most max bytes long; or NULL */
static char *str_at(const struct kp_elf *e, uint64_t off, uint64_t max)
{
	size_t len;

	if (off >= e->len)
		return NULL;
	if (max > e->len - off)
		max = e->len - off;
	len = strnlen((const char *)e->p + off, max);
	return len < max ? kp_xstrdup((const char *)e->p + off) : NULL;
}

static void elf_free(struct elf_info *ei)
{
	free(ei->interp);
	free(ei->runpath);
	free(ei->rpath);
	sv_free(&ei->needed);
	memset(ei, 0, sizeof(*ei));
}

static const char *elf_bad(int r)
{
	return r == KP_ELF_NOT_ELF ? "not an ELF file" :
	       r == KP_ELF_NOT_64 ? "not a 64-bit little-endian ELF file" :
	       "malformed ELF section headers";
}

/* PT_INTERP and PT_DYNAMIC; NULL, or what is wrong */
static const char *elf_segments(const struct kp_elf *e, struct elf_info *ei,
				uint64_t *dyn_off, uint64_t *dyn_size)
{
	Elf64_Phdr ph;

	for (size_t i = 0; i < e->nph; i++) {
		if (kp_elf_phdr(e, i, &ph))
			return "truncated or malformed ELF program headers";
		if (ph.p_type == PT_INTERP && !ei->interp) {
			ei->interp = str_at(e, ph.p_offset, ph.p_filesz);
			if (!ei->interp)
				return "malformed PT_INTERP";
		}
		if (ph.p_type == PT_DYNAMIC) {
			*dyn_off = ph.p_offset;
			*dyn_size = ph.p_filesz;
		}
	}
	return NULL;
}

/* Returns NULL, or what is wrong with the file. */
static const char *elf_parse(const struct kp_elf *e, struct elf_info *ei)
{
	uint64_t dyn_off = 0, dyn_size = 0, strtab = 0, strsz = 0, off;
	uint64_t run = UINT64_MAX, rpath = UINT64_MAX, *need = NULL;
	size_t nneed = 0;
	bool have_strtab = false;
	const char *err;
	Elf64_Dyn d;

	memset(ei, 0, sizeof(*ei));
	ei->machine = e->machine;
	err = elf_segments(e, ei, &dyn_off, &dyn_size);
	if (err)
		return err;
	for (off = 0; off + sizeof(d) <= dyn_size; off += sizeof(d)) {
		if (kp_elf_read(e, dyn_off + off, &d, sizeof(d))) {
			err = "truncated dynamic section";
			goto out;
		}
		if (d.d_tag == DT_NULL)
			break;
		if (d.d_tag == DT_STRTAB)
			have_strtab = vaddr_off(e, d.d_un.d_ptr, &strtab);
		else if (d.d_tag == DT_STRSZ)
			strsz = d.d_un.d_val;
		else if (d.d_tag == DT_RUNPATH)
			run = d.d_un.d_val;
		else if (d.d_tag == DT_RPATH)
			rpath = d.d_un.d_val;
		else if (d.d_tag == DT_NEEDED) {
			need = kp_xrealloc(need, (nneed + 1) * sizeof(*need));
			need[nneed++] = d.d_un.d_val;
		}
	}
	if (!nneed && run == UINT64_MAX && rpath == UINT64_MAX)
		goto out;
	err = "malformed dynamic string table";
	if (!have_strtab)
		goto out;
#define DYNSTR(i) ((i) < strsz ? str_at(e, strtab + (i), strsz - (i)) : NULL)
	for (size_t i = 0; i < nneed; i++) {
		char *s = DYNSTR(need[i]);

		if (!s)
			goto out;
		sv_add(&ei->needed, s);
	}
	ei->runpath = run != UINT64_MAX ? DYNSTR(run) : NULL;
	ei->rpath = rpath != UINT64_MAX ? DYNSTR(rpath) : NULL;
	if ((run != UINT64_MAX && !ei->runpath) ||
	    (rpath != UINT64_MAX && !ei->rpath))
		goto out;
	err = NULL;
out:
	free(need);
	return err;
}

/* Would ld.so load PATH for an object of MACHINE?  (A 64-bit ELF of it.) */
static bool lib_ok(const char *path, unsigned int machine)
{
	unsigned char b[sizeof(Elf64_Ehdr)];
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = read(fd, b, sizeof(b)) == (ssize_t)sizeof(b) &&
	     kp_elf_header(b, sizeof(b), &eh) == KP_ELF_OK && eh.e_machine == machine;
	close(fd);
	return ok;
}

/* Add host library PATH (absolute) to the image and the work list. */
static void add_lib(const char *path, int line, struct strv *todo)
{
	struct stat st;
	char *real;

	if (sv_has(todo, path))
		return;
	real = realpath(path, NULL);
	if (!real || stat(path, &st))
		die_at(line, "cannot read library '%s': %s", path,
		       strerror(errno));
	sv_add(todo, kp_xstrdup(path));
	add_dep(path);
	struct ent *e = add_ent(guest_path(line, path), AE_IFREG, st.st_mode,
				line);
	e->src = kp_xstrdup(path);
	e->real = real;
	e->lib = true;
}

/* Find the library NAME that object OBJ (found in ORIGIN) needs. */
static void resolve(const char *obj, const struct elf_info *ei,
		    const char *origin, const char *name, int line,
		    struct strv *todo, struct strv *names)
{
	const char *rp = ei->runpath ? ei->runpath : ei->rpath;
	struct strv dirs = { 0 };
	size_t i;
	char *p, *tok, *save, *tried;

	if (strchr(name, '/')) {
		if (name[0] != '/' || !lib_ok(name, ei->machine))
			die_at(line, "%s needs '%s', which is missing or not a matching 64-bit ELF",
			       obj, name);
		add_lib(name, line, todo);
		return;
	}
	if (sv_has(names, name))
		return;
	p = kp_xstrdup(rp ? rp : "");
	for (tok = strtok_r(p, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		const char *rest = NULL;

		if (!strncmp(tok, "$ORIGIN", 7))
			rest = tok + 7;
		else if (!strncmp(tok, "${ORIGIN}", 9))
			rest = tok + 9;
		if (rest)
			sv_add(&dirs, kp_xasprintf("%s%s", origin, rest));
		else if (tok[0] == '/')
			sv_add(&dirs, kp_xstrdup(tok));
	}
	free(p);
	for (i = 0; i < ARRAY_SIZE(default_dirs); i++)
		sv_add(&dirs, kp_xstrdup(default_dirs[i]));
	for (i = 0; i < dirs.n; i++) {
		char *cand = kp_xasprintf("%s/%s", dirs.v[i], name);

		if (!lib_ok(cand, ei->machine)) {
			free(cand);
			continue;
		}
		sv_add(names, kp_xstrdup(name));
		add_lib(cand, line, todo);
		free(cand);
		sv_free(&dirs);
		return;
	}
	tried = kp_xstrdup("");
	for (i = 0; i < dirs.n; i++) {
		p = kp_xasprintf("%s%s%s", tried, i ? ":" : "", dirs.v[i]);
		free(tried);
		tried = p;
	}
	die_at(line, "%s needs library %s, which is in none of %s; install it or add its directory to the binary's RUNPATH",
	       obj, name, tried);
}

static void add_elf(char *gpath, const char *src, int line)
{
	struct strv todo = { 0 }, names = { 0 };
	struct elf_info ei;
	struct kp_elf e;
	struct stat st;
	const char *err;
	int r;

	check_src(line, src, &st);
	add_dep(src);
	add_ent(gpath, AE_IFREG, 0755, line)->src = kp_xstrdup(src);
	sv_add(&todo, kp_xstrdup(src));
	for (size_t i = 0; i < todo.n; i++) {
		char *obj = todo.v[i], *origin, *dir;
		unsigned char *b;
		size_t n;

		if (kp_read_file(obj, &b, &n))
			die_at(line, "cannot read '%s': %s", obj, strerror(errno));
		r = kp_elf_parse(&e, obj, b, n);	/* e owns b */
		err = r == KP_ELF_OK ? elf_parse(&e, &ei) : elf_bad(r);
		kp_elf_close(&e);
		if (err)
			die_at(line, "%s: %s; use a file line for files that are no 64-bit ELF",
			       obj, err);
		/* $ORIGIN: the executable's real directory, a library's own */
		origin = i ? kp_xstrdup(obj) : realpath(obj, NULL);
		if (!origin)
			die_at(line, "cannot resolve '%s': %s", obj, strerror(errno));
		dir = dirname(origin);
		if (ei.interp) {
			if (ei.interp[0] != '/' || !lib_ok(ei.interp, ei.machine))
				die_at(line, "%s needs the interpreter '%s', which is missing or not a matching 64-bit ELF",
				       obj, ei.interp);
			add_lib(ei.interp, line, &todo);
		}
		for (size_t k = 0; k < ei.needed.n; k++)
			resolve(todo.v[i], &ei, dir, ei.needed.v[k], line,
				&todo, &names);
		free(origin);
		elf_free(&ei);
	}
	sv_free(&todo);
	sv_free(&names);
}

static void add_tree(const char *gpath, const char *host, int line)
{
	DIR *d = opendir(host);
	struct dirent *de;

	if (!d)
		die_at(line, "cannot read directory '%s': %s", host,
		       strerror(errno));
	add_dep(host);
	while ((de = readdir(d))) {
		char *hp, *gp, buf[PATH_MAX];
		struct stat st;
		ssize_t len;
		struct ent *e;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		hp = kp_xasprintf("%s/%s", host, de->d_name);
		gp = *gpath ? kp_xasprintf("%s/%s", gpath, de->d_name) :
			kp_xstrdup(de->d_name);
		if (lstat(hp, &st))
			die_at(line, "cannot read '%s': %s", hp, strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			add_ent(gp, AE_IFDIR, st.st_mode, line);
			add_tree(gp, hp, line);
		} else if (S_ISREG(st.st_mode)) {
			add_dep(hp);
			add_ent(gp, AE_IFREG, st.st_mode, line)->src = hp;
			hp = NULL;
		} else if (S_ISLNK(st.st_mode)) {
			len = readlink(hp, buf, sizeof(buf) - 1);
			if (len < 0)
				die_at(line, "cannot read link '%s': %s", hp,
				       strerror(errno));
			buf[len] = '\0';
			e = add_ent(gp, AE_IFLNK, 0777, line);
			e->target = kp_xstrdup(buf);
		} else {
			die_at(line, "'%s' is neither file, directory nor symlink; list device nodes with nod lines",
			       hp);
		}
		free(hp);
	}
	closedir(d);
}

/* --- kernel modules ------------------------------------------------------ */

struct kmods {
	struct kmod *v;
	size_t n, cap;
	struct strv builtin;	/* names */
	struct kp_buf list;	/* /etc/kpgo-modules */
	const char *dir;	/* ROOT/lib/modules/RELEASE */
	const char *release;
	size_t loaded;
};

/* "kernel/fs/9p/9p.ko.xz" -> "9p"; '-' made '_' */
static char *kmod_name(const char *path)
{
	const char *b = strrchr(path, '/');
	char *n = kp_xstrdup(b ? b + 1 : path), *ko = strstr(n, ".ko");

	if (ko && (!ko[3] || ko[3] == '.'))
		*ko = '\0';
	for (char *p = n; *p; p++)
		if (*p == '-')
			*p = '_';
	return n;
}

/* a module path of modules.dep: kp_path_bad's allow-list, ending in .ko[.*] */
static bool kmod_path_ok(const char *p)
{
	const char *ko = strstr(p, ".ko");

	return !kp_path_bad(p, NULL) && ko && (!ko[3] || ko[3] == '.');
}

static bool kmod_name_ok(const char *s)
{
	return *s && strlen(s) <= 64 && !s[strspn(s,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")];
}

static char *read_modfile(int line, const char *dir, const char *name)
{
	char *path = kp_xasprintf("%s/%s", dir, name);
	unsigned char *buf;
	size_t len;

	if (kp_read_file(path, &buf, &len))
		die_at(line, "cannot read '%s': %s; is ROOT a modules_install tree (INSTALL_MOD_PATH) of kernel RELEASE?",
		       path, strerror(errno));
	if (memchr(buf, '\0', len))
		die_at(line, "'%s' has a NUL byte: not depmod's text", path);
	add_dep(path);
	free(path);
	return (char *)buf;
}

static void read_modules_dep(struct kmods *km, int line)
{
	char *text = read_modfile(line, km->dir, "modules.dep"), *save, *l;
	int n = 0;

	for (l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(l, ':'), *s2, *t;
		struct kmod *m;

		n++;
		if (!*l)
			continue;
		if (!colon)
			die_at(line, "%s/modules.dep:%d: no ':' (expected 'MODULE: DEPENDENCIES')",
			       km->dir, n);
		*colon = '\0';
		if (!kmod_path_ok(l))
			die_at(line, "%s/modules.dep:%d: bad module path '%s' (expected a relative path ending in .ko, no '..')",
			       km->dir, n, l);
		if (km->n == km->cap) {
			km->cap = km->cap ? 2 * km->cap : 256;
			km->v = kp_xrealloc(km->v, km->cap * sizeof(*km->v));
		}
		m = &km->v[km->n++];
		memset(m, 0, sizeof(*m));
		m->path = kp_xstrdup(l);
		m->name = kmod_name(l);
		for (t = strtok_r(colon + 1, " \t\r", &s2); t;
		     t = strtok_r(NULL, " \t\r", &s2)) {
			if (!kmod_path_ok(t))
				die_at(line, "%s/modules.dep:%d: bad dependency path '%s'",
				       km->dir, n, t);
			m->deps = kp_xrealloc(m->deps,
					      (m->ndeps + 1) * sizeof(*m->deps));
			m->deps[m->ndeps++] = kp_xstrdup(t);
		}
	}
	free(text);
}

static void read_modules_builtin(struct kmods *km, int line)
{
	char *text = read_modfile(line, km->dir, "modules.builtin"), *save, *l;

	for (l = strtok_r(text, "\n\r", &save); l; l = strtok_r(NULL, "\n\r", &save))
		sv_add(&km->builtin, kmod_name(l));
	free(text);
}

/* the module named s (by_name) or at path s */
static struct kmod *kmod_find(struct kmods *km, const char *s, bool by_name)
{
	for (size_t i = 0; i < km->n; i++)
		if (!strcmp(by_name ? km->v[i].name : km->v[i].path, s))
			return &km->v[i];
	return NULL;
}

/* m after its dependencies (depth first), each once */
static void kmod_add(struct kmods *km, struct kmod *m, int line)
{
	struct stat st;
	char *src;

	if (m->state == 2)
		return;
	if (m->state == 1)
		die_at(line, "modules.dep has a dependency loop through %s", m->path);
	m->state = 1;
	for (size_t i = 0; i < m->ndeps; i++) {
		struct kmod *d = kmod_find(km, m->deps[i], false);

		if (!d)
			die_at(line, "%s/modules.dep: %s needs %s, which has no line of its own",
			       km->dir, m->path, m->deps[i]);
		kmod_add(km, d, line);
	}
	m->state = 2;
	src = kp_xasprintf("%s/%s", km->dir, m->path);
	check_src(line, src, &st);
	add_dep(src);
	add_ent(kp_xasprintf("lib/modules/%s/%s", km->release, m->path),
		AE_IFREG, 0644, line)->src = src;
	kp_buf_printf(&km->list, "/lib/modules/%s/%s\n", km->release, m->path);
	km->loaded++;
}

/* modules ROOT RELEASE NAME... (f[1], f[2], f[3..nf-1]) */
static void add_modules(char **f, int nf, int line)
{
	struct kmods km;
	size_t nbuiltin = 0;
	char *dir;
	struct ent *e;

	if (modules_line)
		die_at(line, "a second modules line; list all NAMEs on one");
	modules_line = true;
	if (!*f[2] || f[2][strspn(f[2], "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz0123456789._+~-")] ||
	    !strcmp(f[2], ".") || !strcmp(f[2], ".."))
		die_at(line, "bad RELEASE '%s'; expected a kernel release such as 6.12.0", f[2]);
	for (int i = 3; i < nf; i++)
		if (!kmod_name_ok(f[i]))
			die_at(line, "bad module name '%s'; expected letters, digits, '_' and '-' only",
			       f[i]);
	memset(&km, 0, sizeof(km));
	dir = kp_xasprintf("%s/lib/modules/%s", f[1], f[2]);
	km.dir = dir;
	km.release = f[2];
	read_modules_dep(&km, line);
	read_modules_builtin(&km, line);
	for (int i = 3; i < nf; i++) {
		char *name = kmod_name(f[i]);
		struct kmod *m = kmod_find(&km, name, true);

		if (m)
			kmod_add(&km, m, line);
		else if (sv_has(&km.builtin, name))
			nbuiltin++;
		else
			die_at(line, "module '%s' is neither built into kernel %s nor in %s/modules.dep; enable it (=m or =y) in the kernel's .config",
			       f[i], f[2], dir);
		free(name);
	}
	e = add_ent(kp_xstrdup(MODULES_LIST), AE_IFREG, 0644, line);
	e->data = km.list.p ? km.list.p : kp_xstrdup("");
	e->dlen = km.list.n;
	nmodules = km.loaded;
	nmodules_builtin = nbuiltin;
	for (size_t i = 0; i < km.n; i++) {
		for (size_t k = 0; k < km.v[i].ndeps; k++)
			free(km.v[i].deps[k]);
		free(km.v[i].deps);
		free(km.v[i].path);
		free(km.v[i].name);
	}
	free(km.v);
	sv_free(&km.builtin);
	free(dir);
}

static void parse_line(char *s, int line)
{
	static const struct {
		const char *name, *usage;
		int nargs;
	} dirs[] = {
		{ "dir", "dir PATH MODE", 2 },
		{ "file", "file PATH SRC MODE", 3 },
		{ "slink", "slink PATH TARGET", 2 },
		{ "nod", "nod PATH MODE c|b MAJOR MINOR", 5 },
		{ "elf", "elf PATH SRC", 2 },
		{ "tree", "tree PATH SRCDIR", 2 },
		{ "modules", "modules ROOT RELEASE NAME...", -3 },
	};
	char *f[MAX_FIELDS], *save;
	int nf = 0;
	size_t k;
	struct stat st;
	struct ent *e;

	s[strcspn(s, "#")] = '\0';
	for (char *t = strtok_r(s, " \t\r\n", &save); t;
	     t = strtok_r(NULL, " \t\r\n", &save))
		if (nf < MAX_FIELDS)
			f[nf++] = t;
		else
			nf++;
	if (!nf)
		return;
	for (k = 0; k < ARRAY_SIZE(dirs); k++)
		if (!strcmp(f[0], dirs[k].name))
			break;
	if (k == ARRAY_SIZE(dirs))
		die_at(line, "unknown directive '%s'; expected dir, file, slink, nod, elf, tree or modules (see --help)",
		       f[0]);
	if (dirs[k].nargs < 0) {	/* modules: at least that many */
		if (nf < 1 - dirs[k].nargs || nf > MAX_FIELDS)
			die_at(line, "%s takes %d to %d fields, found %d; expected: %s",
			       f[0], -dirs[k].nargs, MAX_FIELDS - 1, nf - 1,
			       dirs[k].usage);
		add_modules(f, nf, line);
		return;
	}
	if (nf != dirs[k].nargs + 1)
		die_at(line, "%s takes %d fields, found %d; expected: %s",
		       f[0], dirs[k].nargs, nf - 1, dirs[k].usage);

	char *gp;

	if (k == 5 && f[1][0] == '/' && !f[1][strspn(f[1], "/")])
		gp = kp_xstrdup("");	/* "tree / DIR" fills the root */
	else
		gp = guest_path(line, f[1]);

	switch (k) {
	case 0:
		add_ent(gp, AE_IFDIR, parse_mode(line, f[2]), line);
		break;
	case 1:
		check_src(line, f[2], &st);
		add_dep(f[2]);
		e = add_ent(gp, AE_IFREG, parse_mode(line, f[3]), line);
		e->src = kp_xstrdup(f[2]);
		break;
	case 2:
		add_ent(gp, AE_IFLNK, 0777, line)->target = kp_xstrdup(f[2]);
		break;
	case 3:
		if (strcmp(f[3], "c") && strcmp(f[3], "b"))
			die_at(line, "bad device type '%s'; expected c (character) or b (block)",
			       f[3]);
		e = add_ent(gp, f[3][0] == 'c' ? AE_IFCHR : AE_IFBLK,
			    parse_mode(line, f[2]), line);
		e->maj = parse_num(line, f[4], 10, 4095, "major number");
		e->min = parse_num(line, f[5], 10, 1048575, "minor number");
		break;
	case 4:
		add_elf(gp, f[2], line);
		break;
	case 5:
		errno = 0;
		if (stat(f[2], &st) || !S_ISDIR(st.st_mode))
			die_at(line, "'%s' is not a readable directory: %s",
			       f[2], errno ? strerror(errno) : "not a directory");
		add_tree(gp, f[2], line);
		if (*gp)
			add_ent(gp, AE_IFDIR, st.st_mode, line);
		else
			free(gp);
		break;
	}
}

/* --- merging and writing ------------------------------------------------- */

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static bool same_file(const char *a, const char *b)
{
	unsigned char *ba, *bb;
	size_t la, lb;
	bool same = false;

	if (!strcmp(a, b))
		return true;
	if (kp_read_file(a, &ba, &la))
		return false;
	if (!kp_read_file(b, &bb, &lb)) {
		same = la == lb && !memcmp(ba, bb, la);
		free(bb);
	}
	free(ba);
	return same;
}

static bool same_ent(const struct ent *a, const struct ent *b)
{
	if (a->type != b->type || a->mode != b->mode)
		return false;
	switch (a->type) {
	case AE_IFLNK: return !strcmp(a->target, b->target);
	case AE_IFREG:
		if (a->data || b->data)
			return a->data && b->data && a->dlen == b->dlen &&
			       !memcmp(a->data, b->data, a->dlen);
		return same_file(a->src, b->src);
	case AE_IFDIR: return true;
	default: return a->maj == b->maj && a->min == b->min;
	}
}

static void free_ent(struct ent *e)
{
	free(e->path);
	free(e->src);
	free(e->target);
	free(e->real);
	free(e->data);
}

/* "a file 644 with the contents of 'x'", for messages */
static char *what(const struct ent *e)
{
	switch (e->type) {
	case AE_IFREG:
		if (e->data)
			return kp_xasprintf("a file %o made by line %d",
					    e->mode, e->line);
		return kp_xasprintf("a file %o with the contents of '%s'",
				    e->mode, e->src);
	case AE_IFLNK:
		return kp_xasprintf("a symlink to '%s'", e->target);
	case AE_IFDIR:
		return kp_xasprintf("a directory %o", e->mode);
	default:
		return kp_xasprintf("a %s device %o %u:%u",
				    e->type == AE_IFCHR ? "character" : "block",
				    e->mode, e->maj, e->min);
	}
}

/* Sort, fold paths listed more than once, complain about conflicts. */
static void merge(void)
{
	size_t i, j, k, w, out = 0;

	qsort(ents, nents, sizeof(*ents), ent_cmp);
	for (i = 0; i < nents; i = j) {
		for (j = i; j < nents && !strcmp(ents[j].path, ents[i].path); j++)
			;
		for (w = i; w < j && ents[w].implicit; w++)
			;
		w = w < j ? w : i;
		for (k = i; k < j; k++) {
			struct ent *a = &ents[w], *b = &ents[k];

			if (k == w)
				continue;
			if (b->implicit && a->type != AE_IFDIR)
				die_at(a->line, "/%s is %s, but line %d puts something under it; make it a dir or change the paths",
				       a->path, what(a), b->line);
			if (!b->implicit && !same_ent(a, b))
				die_at(b->line, "/%s conflicts with line %d: %s there, %s here; remove one of them",
				       b->path, a->line, what(a), what(b));
		}
		for (k = i; k < j; k++)
			if (k != w)
				free_ent(&ents[k]);
		ents[out++] = ents[w];
	}
	nents = out;
}

static int real_cmp(const void *a, const void *b)
{
	const struct ent *x = *(struct ent *const *)a;
	const struct ent *y = *(struct ent *const *)b;
	int c = strcmp(x->real, y->real);

	return c ? c : strcmp(x->path, y->path);
}

/* A library found under several paths: one file, the others symlinks. */
static void share_libs(void)
{
	struct ent **v = kp_xcalloc(nents, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < nents; i++)
		if (ents[i].lib && ents[i].type == AE_IFREG && ents[i].real)
			v[n++] = &ents[i];
	qsort(v, n, sizeof(*v), real_cmp);
	for (size_t i = 0, lead = 0; i < n; i++) {
		if (!i || strcmp(v[i]->real, v[lead]->real)) {
			lead = i;
			continue;
		}
		v[i]->type = AE_IFLNK;
		v[i]->mode = 0777;
		v[i]->target = kp_xasprintf("/%s", v[lead]->path);
	}
	free(v);
}

static la_ssize_t out_write(struct archive *a, void *f, const void *buf,
			    size_t len)
{
	return fwrite(buf, 1, len, f) == len ? (la_ssize_t)len : -1;
}

static void ar_check(struct archive *a, int r, const char *what)
{
	if (r < ARCHIVE_WARN)
		kp_die("cannot write the image (%s): %s", what,
		       archive_error_string(a));
	if (r == ARCHIVE_WARN)
		kp_warn("warning: %s: %s", what, archive_error_string(a));
}

static void write_image(FILE *f, int64_t *raw)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();

	if (!a || !ae)
		kp_die("out of memory");
	ar_check(a, archive_write_set_format_cpio_newc(a), "newc format");
	ar_check(a, archive_write_add_filter_gzip(a), "gzip filter");
	ar_check(a, archive_write_set_filter_option(a, "gzip", "timestamp",
						    NULL), "gzip !timestamp");
	ar_check(a, archive_write_set_filter_option(a, "gzip",
						    "compression-level", "9"),
		 "gzip level");
	ar_check(a, archive_write_set_bytes_in_last_block(a, 1), "blocking");
	ar_check(a, archive_write_open(a, f, NULL, out_write, NULL), "open");
	for (size_t i = 0; i < nents; i++) {
		struct ent *e = &ents[i];
		unsigned char *data = NULL;
		size_t len = 0;

		archive_entry_clear(ae);
		archive_entry_set_pathname(ae, e->path);
		archive_entry_set_filetype(ae, e->type);
		archive_entry_set_perm(ae, e->mode);
		archive_entry_set_ino(ae, (la_int64_t)i + 1);
		archive_entry_set_nlink(ae, e->type == AE_IFDIR ? 2 : 1);
		archive_entry_set_size(ae, 0);
		if (e->type == AE_IFLNK)
			archive_entry_set_symlink(ae, e->target);
		if (e->type == AE_IFCHR || e->type == AE_IFBLK) {
			archive_entry_set_rdevmajor(ae, e->maj);
			archive_entry_set_rdevminor(ae, e->min);
		}
		if (e->type == AE_IFREG && e->data) {
			data = kp_xmalloc(e->dlen + 1);
			memcpy(data, e->data, e->dlen);
			len = e->dlen;
			archive_entry_set_size(ae, (la_int64_t)len);
		} else if (e->type == AE_IFREG) {
			if (kp_read_file(e->src, &data, &len))
				kp_die("%s:%d: cannot read '%s': %s", manifest,
				       e->line, e->src, strerror(errno));
			if (len > UINT32_MAX)
				kp_die("%s:%d: '%s' is too big for cpio (4 GiB at most)",
				       manifest, e->line, e->src);
			archive_entry_set_size(ae, (la_int64_t)len);
		}
		ar_check(a, archive_write_header(a, ae), e->path);
		if (len && archive_write_data(a, data, len) != (la_ssize_t)len)
			ar_check(a, ARCHIVE_FATAL, e->path);
		free(data);
	}
	ar_check(a, archive_write_close(a), "close");
	*raw = archive_filter_bytes(a, 0);
	archive_entry_free(ae);
	archive_write_free(a);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* path escaped for a make rule */
static void put_dep(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '#' || *s == '\\')
			fputc('\\', f);
		if (*s == '$')
			fputc('$', f);
		fputc(*s, f);
	}
}

static void write_deps(const char *depfile, const char *out)
{
	char *buf = NULL;
	size_t len = 0, i, n = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		kp_die("out of memory");
	qsort(deps.v, deps.n, sizeof(*deps.v), str_cmp);
	for (i = 0; i < deps.n; i++)	/* unique */
		if (!n || strcmp(deps.v[i], deps.v[n - 1]))
			deps.v[n++] = deps.v[i];
		else
			free(deps.v[i]);
	deps.n = n;
	put_dep(f, out);
	fputc(':', f);
	for (i = 0; i < n; i++) {
		fputs(" \\\n ", f);
		put_dep(f, deps.v[i]);
	}
	fputs("\n", f);
	for (i = 0; i < n; i++) {	/* as gcc -MP: survive deleted files */
		fputc('\n', f);
		put_dep(f, deps.v[i]);
		fputs(":\n", f);
	}
	fclose(f);
	if (kp_write_file_atomic(depfile, buf, len, 0644))
		kp_die("cannot write '%s': %s; check that its directory is writable",
		       depfile, strerror(errno));
	free(buf);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "deps", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "keep", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *depfile = NULL;
	size_t nfile = 0, nlib = 0, ndir = 0;
	bool quiet = false, keep = false;
	char *img = NULL;
	size_t imglen = 0;
	int64_t raw = 0;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int c, lineno = 0;

	kp_set_prog(argv[0]);
	while ((c = getopt_long(argc, argv, "o:d:qkh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'd':
			depfile = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'k':
			keep = true;
			break;
		case 'h':
			usage();
		default:
			fprintf(stderr, "Try '%s --help'.\n", kp_prog());
			return 2;
		}
	}
	if (!out || optind != argc - 1) {
		kp_warn("%s; usage: %s -o OUT.cpio.gz [--deps DEPFILE] MANIFEST (see --help)",
			out ? "exactly one MANIFEST is needed" :
			"no output given (-o OUT.cpio.gz)", kp_prog());
		return 2;
	}
	manifest = argv[optind];
	f = fopen(manifest, "r");
	if (!f)
		kp_die("cannot open manifest '%s': %s", manifest,
		       strerror(errno));
	add_dep(manifest);
	while (getline(&line, &cap, f) >= 0)
		parse_line(line, ++lineno);
	if (ferror(f))
		kp_die("cannot read manifest '%s': %s", manifest,
		       strerror(errno));
	fclose(f);
	free(line);

	merge();
	share_libs();
	f = open_memstream(&img, &imglen);
	if (!f)
		kp_die("out of memory");
	write_image(f, &raw);
	fclose(f);
	if (depfile)
		write_deps(depfile, out);
	if ((keep ? kp_write_if_changed(out, img, imglen, 0644) :
		    kp_write_file_atomic(out, img, imglen, 0644)) < 0)
		kp_die("cannot write '%s': %s; check that its directory exists and is writable",
		       out, strerror(errno));
	for (size_t i = 0; i < nents; i++) {
		nlib += ents[i].lib;
		nfile += !ents[i].lib && ents[i].type == AE_IFREG;
		ndir += ents[i].type == AE_IFDIR;
	}
	if (!quiet)
		printf("%s: %s: %zu entries (%zu files, %zu libraries, %zu dirs), %lld bytes uncompressed, %zu bytes compressed\n",
		       kp_prog(), out, nents, nfile, nlib, ndir, (long long)raw,
		       imglen);
	if (!quiet && modules_line)
		printf("%s: %s: %zu modules to load, %zu built in\n",
		       kp_prog(), out, nmodules, nmodules_builtin);
	for (size_t i = 0; i < nents; i++)
		free_ent(&ents[i]);
	free(ents);
	free(img);
	sv_free(&deps);
	return 0;
}
