/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h - the few routines every kpgo helper needs.
 *
 * Errors are printed as "<prog>: <message>" on stderr.  Nothing here keeps
 * global state beyond the program name set once by kp_set_prog() and
 * kp_die_hook, which only a test harness sets.
 */
#ifndef KPGO_UTIL_H
#define KPGO_UTIL_H

#include <elf.h>
#include <stddef.h>
#include <sys/types.h>

#define KP_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Set the name used as prefix of every message (argv[0]'s basename). */
void kp_set_prog(const char *argv0);
const char *kp_prog(void);

/* Print "<prog>: <msg>" and exit(1) / return. */
_Noreturn void kp_die(const char *fmt, ...) KP_PRINTF(1, 2);
/*
 * Called by kp_die after the message, before exit(1); NULL (the default)
 * in every helper.  A fuzz harness sets it to a function that longjmp()s
 * back, so that a parse error ends one input instead of the process.
 */
extern void (*kp_die_hook)(void);
void kp_warn(const char *fmt, ...) KP_PRINTF(1, 2);

/* Allocation that dies on failure. */
void *kp_xmalloc(size_t n);
void *kp_xcalloc(size_t n, size_t size);
void *kp_xrealloc(void *p, size_t n);
char *kp_xstrdup(const char *s);
/* printf into a fresh allocation. */
char *kp_xasprintf(const char *fmt, ...) KP_PRINTF(1, 2);

/* write(2) all of buf, retrying after EINTR: 0, or -1 with errno set. */
int kp_write_all(int fd, const void *buf, size_t len);

/* mkdir -p: returns 0, or -1 with errno set. */
int kp_mkdir_p(const char *path, mode_t mode);

/*
 * Read a whole file with read() until end of file (never trusts st_size:
 * debugfs reports 0 for gcov files).  On success returns 0 and a malloc'd
 * buffer (one extra NUL byte after the data); -1 with errno set otherwise.
 */
int kp_read_file(const char *path, unsigned char **buf, size_t *len);

/*
 * Write buf to path through a temporary file in the same directory and
 * rename(2), creating parent directories.  A reader never sees a half file.
 * Returns 0, or -1 with errno set (the temporary file is removed).
 */
int kp_write_file_atomic(const char *path, const void *buf, size_t len,
			 mode_t mode);

/*
 * Like kp_write_file_atomic, but leaves path (and its mtime) untouched when
 * it already holds exactly these bytes.  Returns 0 when unchanged, 1 when
 * written, -1 with errno set on error.
 */
int kp_write_if_changed(const char *path, const void *buf, size_t len,
			mode_t mode);

/*
 * A growing buffer: kp_buf_add appends bytes, kp_buf_printf formatted text
 * (kept NUL-terminated after it, the NUL not counted in n).  Start from
 * { 0 }; free(b.p) when done.
 */
struct kp_buf {
	char *p;
	size_t n, cap;
};
void kp_buf_add(struct kp_buf *b, const void *data, size_t n);
void kp_buf_printf(struct kp_buf *b, const char *fmt, ...) KP_PRINTF(2, 3);

/*
 * A 64-bit little-endian ELF file read whole: its section headers and
 * section name table checked to lie in the file (the names end in a NUL).
 * kp_elf_open returns KP_ELF_OK, or what is wrong (the buffer freed;
 * errno set for KP_ELF_UNREADABLE); the caller says it in its own words.
 */
struct kp_elf {
	const char *path;
	unsigned char *p;
	size_t len;
	const Elf64_Shdr *sh;
	size_t nsh;
	const char *shstr;
	size_t shstr_len;
};
enum { KP_ELF_OK, KP_ELF_UNREADABLE, KP_ELF_NOT_ELF, KP_ELF_BAD_NAMES };
int kp_elf_open(struct kp_elf *e, const char *path);
/* the section called name, NULL when there is none */
const Elf64_Shdr *kp_elf_section(const struct kp_elf *e, const char *name);
/* a section's bytes; dies when they are not in the file */
const unsigned char *kp_elf_bytes(const struct kp_elf *e, const Elf64_Shdr *s);

#endif /* KPGO_UTIL_H */
