// SPDX-License-Identifier: GPL-2.0
/* util.c - see util.h */
#define _GNU_SOURCE
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *prog = "kpgo";

void (*kp_die_hook)(void);

void kp_set_prog(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;

	if (argv0)
		prog = slash ? slash + 1 : argv0;
}

const char *kp_prog(void)
{
	return prog;
}

static void vmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void kp_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	if (kp_die_hook)
		kp_die_hook();
	exit(1);
}

void kp_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void *kp_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		kp_die("out of memory (%zu bytes)", n);
	return p;
}

void *kp_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		kp_die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *kp_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		kp_die("out of memory (%zu bytes)", n);
	return p;
}

char *kp_xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		kp_die("out of memory");
	return d;
}

char *kp_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		kp_die("out of memory");
	return s;
}

int kp_mkdir_p(const char *path, mode_t mode)
{
	char *p = kp_xstrdup(path);
	char *s;
	int ret = 0;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, mode) && errno != EEXIST) {
			ret = -1;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

int kp_read_file(const char *path, unsigned char **buf, size_t *len)
{
	size_t cap = 16384, n = 0;
	unsigned char *b;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	b = kp_xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (cap - n < 4096) {
			cap *= 2;
			b = kp_xrealloc(b, cap);
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;

			close(fd);
			free(b);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

const char *kp_path_bad(const char *rel, const char *suffix)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-";
	size_t n = strlen(rel);

	if (!n)
		return "an empty path";
	if (n > KP_PATH_MAX)
		return "a path longer than 1024 bytes";
	if (*rel == '/')
		return "an absolute path";
	if (suffix && (n <= strlen(suffix) || strcmp(rel + n - strlen(suffix), suffix)))
		return !strcmp(suffix, ".gcda") ?
		       "a name not ending in .gcda" : "a name with the wrong ending";
	for (const char *p = rel;;) {
		size_t c = strcspn(p, "/");

		if (!c)
			return "an empty path component ('//' or a trailing '/')";
		if ((c == 1 && p[0] == '.') || (c == 2 && p[0] == '.' && p[1] == '.'))
			return "a '.' or '..' component";
		if (*p == '-')
			return "a component starting with '-'";
		/* no object of a kernel tree is in one: .git, kpgo's .kpgo ... */
		if (*p == '.' && p[c])
			return "a directory starting with '.'";
		if (strspn(p, ok) < c)
			return "a character outside A-Z a-z 0-9 _ . + -";
		if (!p[c])
			return NULL;
		p += c + 1;
	}
}

char *kp_escape(char *out, const char *s, size_t n, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;

	for (size_t i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			*o++ = (char)c;
		} else {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	if (n > max) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = 0;
	return out;
}

char *kp_xescape(const char *s)
{
	size_t n = strlen(s);

	return kp_escape(kp_xmalloc(4 * n + 4), s, n, n);
}

uint64_t kp_fnv1a(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return h;
}

void kp_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	exit(2);
}

const char *kp_command(int argc, char **argv, kp_usage_fn *usage)
{
	kp_set_prog(argv[0]);
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		exit(0);
	}
	if (argc < 2) {
		usage(stderr);
		exit(2);
	}
	optind = 2;
	return argv[1];
}

int kp_getopt(int argc, char **argv, const char *so,
	      const struct option *lo, kp_usage_fn *usage)
{
	int c = getopt_long(argc, argv, so, lo, NULL);

	if (c == 'h') {
		usage(stdout);
		exit(0);
	}
	if (c == '?' || c == ':') {
		usage(stderr);
		exit(2);
	}
	return c;
}

unsigned long kp_opt_count(const char *name, const char *arg)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (*end || end == arg)
		kp_die("--%s %s: give a number", name, arg);
	return v;
}

int kp_read_regular(const char *path, size_t max, int flags,
		    unsigned char **buf, size_t *len, const char **why)
{
	return kp_read_regular_at(AT_FDCWD, path, max, flags, buf, len, why);
}

int kp_read_regular_at(int dirfd, const char *path, size_t max, int flags,
		       unsigned char **buf, size_t *len, const char **why)
{
	static char toobig[64];
	struct stat st;
	unsigned char *b;
	size_t n = 0;
	int fd, e;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		e = errno;
		*why = e == ELOOP ? "a symbolic link (only regular files are read)" : strerror(e);
		errno = e;
		return -1;
	}
	if (fstat(fd, &st)) {
		e = errno;
		*why = strerror(e);
		goto fail;
	}
	e = EINVAL;
	if (!S_ISREG(st.st_mode)) {
		*why = S_ISFIFO(st.st_mode) ? "a FIFO (only regular files are read)" :
		       S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ?
		       "a device node (only regular files are read)" :
		       S_ISDIR(st.st_mode) ? "a directory" :
		       "not a regular file (only regular files are read)";
		goto fail;
	}
	if ((flags & KP_RD_ONE_LINK) && st.st_nlink > 1) {
		*why = "a hard link (only files with one name are read)";
		goto fail;
	}
	e = EFBIG;
	snprintf(toobig, sizeof(toobig), "larger than the limit of %zu bytes", max);
	if ((uintmax_t)st.st_size > max) {
		*why = toobig;
		goto fail;
	}
	b = kp_xmalloc((size_t)st.st_size + 2);
	for (;;) {	/* up to one byte past st_size: a file that grew is caught */
		ssize_t r = read(fd, b + n, (size_t)st.st_size + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			*why = strerror(e);
			free(b);
			goto fail;
		}
		if (!r || (n += (size_t)r) > (size_t)st.st_size)
			break;
	}
	if (n != (size_t)st.st_size) {
		free(b);
		e = EIO;
		*why = "changed while it was read";
		goto fail;
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
fail:
	close(fd);
	errno = e;
	return -1;
}

int kp_write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Remove the temporaries "<base>.tmp.<pid>" that a killed writer left in
 * dir: those whose process is gone.
 */
static void remove_dead_tmps(const char *dir, const char *base)
{
	size_t bl = strlen(base);
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *p = de->d_name + bl + 5;
		char *end;
		long pid;

		if (strncmp(de->d_name, base, bl) || strncmp(de->d_name + bl, ".tmp.", 5) ||
		    *p < '0' || *p > '9')
			continue;
		pid = strtol(p, &end, 10);
		if (!*end && pid > 0 && kill((pid_t)pid, 0) && errno == ESRCH)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

int kp_write_file_atomic(const char *path, const void *buf, size_t len,
			 mode_t mode)
{
	char *tmp = kp_xasprintf("%s.tmp.%ld", path, (long)getpid());
	char *dir = kp_xstrdup(path);
	char *slash = strrchr(dir, '/');
	int fd, e;

	if (slash && slash != dir) {
		*slash = '\0';
		if (kp_mkdir_p(dir, 0755))
			goto fail_nofd;
	}
	remove_dead_tmps(slash ? (slash == dir ? "/" : dir) : ".", slash ? slash + 1 : path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		goto fail_nofd;
	if (kp_write_all(fd, buf, len) || fsync(fd) || close(fd)) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		goto fail_nofd;
	}
	if (rename(tmp, path)) {
		e = errno;
		unlink(tmp);
		errno = e;
		goto fail_nofd;
	}
	free(tmp);
	free(dir);
	return 0;
fail_nofd:
	e = errno;
	free(tmp);
	free(dir);
	errno = e;
	return -1;
}

int kp_write_if_changed(const char *path, const void *buf, size_t len,
			mode_t mode)
{
	unsigned char *old;
	size_t oldlen;

	if (!kp_read_file(path, &old, &oldlen)) {
		int same = oldlen == len && !memcmp(old, buf, len);

		free(old);
		if (same)
			return 0;
	}
	return kp_write_file_atomic(path, buf, len, mode) ? -1 : 1;
}

void kp_buf_add(struct kp_buf *b, const void *data, size_t n)
{
	if (!b->p || b->cap - b->n < n + 1) {
		b->cap = 2 * b->cap + n + 4096;
		b->p = kp_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
	b->p[b->n] = 0;
}

void kp_buf_printf(struct kp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			kp_die("cannot format output: %s", strerror(errno));
		if (b->p && (size_t)n < b->cap - b->n)
			break;
		b->cap = 2 * b->cap + (size_t)n + 4096;
		b->p = kp_xrealloc(b->p, b->cap);
	}
	b->n += (size_t)n;
}

int kp_elf_header(const unsigned char *p, size_t len, Elf64_Ehdr *eh)
{
	if (len < sizeof(*eh))
		return KP_ELF_NOT_ELF;
	memcpy(eh, p, sizeof(*eh));	/* structures copied: no unaligned access */
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return KP_ELF_NOT_ELF;
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return KP_ELF_NOT_64;
	return KP_ELF_OK;
}

/* the section headers and their names of a file whose header is eh */
static int elf_sections(struct kp_elf *e, const Elf64_Ehdr *eh)
{
	const Elf64_Shdr *names;

	if (!eh->e_shoff && !eh->e_shnum)
		return KP_ELF_OK;
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > e->len ||
	    (e->len - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum ||
	    eh->e_shstrndx >= eh->e_shnum)
		return KP_ELF_BAD_SECTIONS;
	e->nsh = eh->e_shnum;
	e->sh = kp_xcalloc(e->nsh, sizeof(*e->sh));
	memcpy(e->sh, e->p + eh->e_shoff, e->nsh * sizeof(*e->sh));
	names = &e->sh[eh->e_shstrndx];
	if (names->sh_offset >= e->len || !names->sh_size ||
	    names->sh_size > e->len - names->sh_offset ||
	    e->p[names->sh_offset + names->sh_size - 1])
		return KP_ELF_BAD_NAMES;
	e->shstr = (const char *)e->p + names->sh_offset;
	e->shstr_len = names->sh_size;
	return KP_ELF_OK;
}

int kp_elf_parse(struct kp_elf *e, const char *path, unsigned char *p,
		 size_t len)
{
	Elf64_Ehdr eh;
	int r;

	memset(e, 0, sizeof(*e));
	e->path = path;
	e->p = p;
	e->len = len;
	r = kp_elf_header(p, len, &eh);
	if (r == KP_ELF_OK)
		r = elf_sections(e, &eh);
	if (r != KP_ELF_OK) {
		kp_elf_close(e);
		return r;
	}
	e->machine = eh.e_machine;
	e->phoff = eh.e_phoff;
	e->nph = eh.e_phnum;
	e->phentsize = eh.e_phentsize;
	return KP_ELF_OK;
}

int kp_elf_open(struct kp_elf *e, const char *path)
{
	unsigned char *p;
	size_t len;
	const char *why;

	memset(e, 0, sizeof(*e));
	e->path = path;
	if (kp_read_regular(path, KP_MAX_DATA, 0, &p, &len, &why))
		return KP_ELF_UNREADABLE;
	return kp_elf_parse(e, path, p, len);
}

void kp_elf_close(struct kp_elf *e)
{
	free(e->p);
	free(e->sh);
	e->p = NULL;
	e->sh = NULL;
	e->nsh = 0;
}

int kp_elf_read(const struct kp_elf *e, uint64_t off, void *dst, size_t size)
{
	if (off > e->len || size > e->len - off)
		return -1;
	memcpy(dst, e->p + off, size);
	return 0;
}

int kp_elf_phdr(const struct kp_elf *e, size_t i, Elf64_Phdr *ph)
{
	if (i >= e->nph || e->phentsize < sizeof(*ph) ||
	    e->phoff > e->len || (e->len - e->phoff) / e->phentsize <= i)
		return -1;
	return kp_elf_read(e, e->phoff + i * e->phentsize, ph, sizeof(*ph));
}

const char *kp_elf_name(const struct kp_elf *e, const Elf64_Shdr *s)
{
	return s->sh_name < e->shstr_len ? e->shstr + s->sh_name : NULL;
}

const Elf64_Shdr *kp_elf_section(const struct kp_elf *e, const char *name)
{
	for (size_t i = 0; i < e->nsh; i++) {
		const char *n = kp_elf_name(e, &e->sh[i]);

		if (n && !strcmp(n, name))
			return &e->sh[i];
	}
	return NULL;
}

const unsigned char *kp_elf_data(const struct kp_elf *e, const Elf64_Shdr *s)
{
	if (s->sh_type == SHT_NOBITS || s->sh_offset > e->len ||
	    e->len - s->sh_offset < s->sh_size)
		return NULL;
	return e->p + s->sh_offset;
}

const unsigned char *kp_elf_bytes(const struct kp_elf *e, const Elf64_Shdr *s)
{
	const unsigned char *p = kp_elf_data(e, s);
	const char *name = kp_elf_name(e, s);

	if (!p)
		kp_die("%s: section %s is not in the file", e->path,
		       name ? name : "(unnamed)");
	return p;
}

/* section i's symbol count when it is a symbol table (checked), or 0 */
static size_t elf_symtab(const struct kp_elf *e, size_t i)
{
	const Elf64_Shdr *s = &e->sh[i], *str;
	const unsigned char *names;

	if (s->sh_type != SHT_SYMTAB || s->sh_link >= e->nsh)
		return 0;
	str = &e->sh[s->sh_link];
	names = kp_elf_data(e, str);
	if (!kp_elf_data(e, s) || !names || !str->sh_size ||
	    names[str->sh_size - 1])
		kp_die("%s: bad symbol table", e->path);
	return s->sh_size / sizeof(Elf64_Sym);
}

/* symbol table s's n symbols, named, to o; the end of o */
static struct kp_elf_sym *elf_copy_symtab(const struct kp_elf *e, const Elf64_Shdr *s,
					  size_t n, struct kp_elf_sym *o)
{
	const Elf64_Shdr *str;

	if (!n)		/* not a symbol table: its sh_link means nothing */
		return o;
	str = &e->sh[s->sh_link];
	for (size_t j = 0; j < n; j++, o++) {
		/* copied: the file's symbols may be misaligned */
		memcpy(&o->s, e->p + s->sh_offset + j * sizeof(o->s), sizeof(o->s));
		if (o->s.st_name < str->sh_size)
			o->name = (const char *)e->p + str->sh_offset + o->s.st_name;
	}
	return o;
}

struct kp_elf_sym *kp_elf_symbols(const struct kp_elf *e, size_t *n)
{
	struct kp_elf_sym *v, *o;

	*n = 0;
	for (size_t i = 0; i < e->nsh; i++)
		*n += elf_symtab(e, i);
	o = v = kp_xcalloc(*n, sizeof(*v));
	for (size_t i = 0; i < e->nsh; i++)
		o = elf_copy_symtab(e, &e->sh[i], elf_symtab(e, i), o);
	return v;
}
