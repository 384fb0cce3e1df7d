// SPDX-License-Identifier: GPL-2.0
/* util.c - see util.h */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
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
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		goto fail_nofd;
	if (kp_write_all(fd, buf, len) || close(fd)) {
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

int kp_elf_open(struct kp_elf *e, const char *path)
{
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *names;

	memset(e, 0, sizeof(*e));
	e->path = path;
	if (kp_read_file(path, &e->p, &e->len))
		return KP_ELF_UNREADABLE;
	eh = (const Elf64_Ehdr *)e->p;
	if (e->len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff > e->len ||
	    (e->len - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum ||
	    eh->e_shstrndx >= eh->e_shnum) {
		free(e->p);
		e->p = NULL;
		return KP_ELF_NOT_ELF;
	}
	e->sh = (const Elf64_Shdr *)(e->p + eh->e_shoff);
	e->nsh = eh->e_shnum;
	names = &e->sh[eh->e_shstrndx];
	if (names->sh_offset >= e->len || !names->sh_size ||
	    names->sh_size > e->len - names->sh_offset ||
	    e->p[names->sh_offset + names->sh_size - 1]) {
		free(e->p);
		e->p = NULL;
		return KP_ELF_BAD_NAMES;
	}
	e->shstr = (const char *)e->p + names->sh_offset;
	e->shstr_len = names->sh_size;
	return KP_ELF_OK;
}

const Elf64_Shdr *kp_elf_section(const struct kp_elf *e, const char *name)
{
	for (size_t i = 0; i < e->nsh; i++)
		if (e->sh[i].sh_name < e->shstr_len &&
		    !strcmp(e->shstr + e->sh[i].sh_name, name))
			return &e->sh[i];
	return NULL;
}

const unsigned char *kp_elf_bytes(const struct kp_elf *e, const Elf64_Shdr *s)
{
	if (s->sh_type == SHT_NOBITS || s->sh_offset > e->len ||
	    e->len - s->sh_offset < s->sh_size)
		kp_die("%s: section %s is not in the file", e->path,
		       s->sh_name < e->shstr_len ? e->shstr + s->sh_name : "(unnamed)");
	return e->p + s->sh_offset;
}
