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
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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
 * Input kpgo did not make (README "Threat model"): profile archives and
 * directories, MANIFEST files, whatever a guest writes or sends.
 *
 * kp_path_bad(rel, suffix): NULL when rel is a path such input may name:
 * relative, at most KP_PATH_MAX bytes, of components made of
 * [A-Za-z0-9_.+-] that are not empty, '.' or '..' and do not start with
 * '-', no directory starting with '.' (.git, kpgo's .kpgo: no kernel
 * object is in one), ending in suffix (NULL: any ending).  Otherwise what
 * is wrong, in
 * words.  Every helper checks an untrusted object path with this before
 * the path names a file or goes into a make rule.
 */
#define KP_PATH_MAX	1024
const char *kp_path_bad(const char *rel, const char *suffix);

/*
 * s (n bytes) for a message, as a terminal shows it: printable ASCII kept
 * (but a backslash), other bytes as \xNN; at most max bytes of s, then
 * "...".  out holds 4 * max + 4 bytes; returns it.  kp_xescape: all of s,
 * in a fresh allocation.
 */
char *kp_escape(char *out, const char *s, size_t n, size_t max);
char *kp_xescape(const char *s);

/* FNV-1a of n bytes: the helpers' hash tables of names */
uint64_t kp_fnv1a(const void *p, size_t n);

/* "<prog>: <msg>" and "Try '<prog> --help'." on stderr, exit(2) */
_Noreturn void kp_usage_error(const char *fmt, ...) KP_PRINTF(1, 2);

/*
 * The command line "prog [COMMAND] [--option [VALUE]]... [ARG]..." of a
 * helper whose usage(f) prints its usage text on f.
 *
 * kp_command: the program name set (kp_set_prog), then COMMAND, argv[1]:
 * --help or -h there prints the usage on stdout and exits 0, no command
 * prints it on stderr and exits 2.  Options are read from argv[2] on.
 *
 * kp_getopt: getopt_long(argc, argv, so, lo), returning each option's val
 * and -1 after the last (its ARGs from optind); --help (val 'h') prints
 * the usage on stdout and exits 0, an unknown option or one missing its
 * value (getopt has said which) prints it on stderr and exits 2.
 */
typedef void kp_usage_fn(FILE *f);
const char *kp_command(int argc, char **argv, kp_usage_fn *usage);
int kp_getopt(int argc, char **argv, const char *so,
	      const struct option *lo, kp_usage_fn *usage);
/* the value of --name ARG, a count: dies when ARG is not a number */
unsigned long kp_opt_count(const char *name, const char *arg);

/*
 * kp_read_regular: read a file of untrusted content: opened without
 * following a symbolic link and without blocking, it must be a regular
 * file (with KP_RD_ONE_LINK: not a hard link either) of at most max bytes.
 * Returns 0 and a malloc'd buffer (NUL after the data), or -1 with *why
 * set to what is wrong ("a symbolic link", "a FIFO", "larger than ...",
 * or strerror) and errno set.  The limits are the KP_MAX_* below.
 */
#define KP_RD_ONE_LINK	1
#define KP_MAX_GCDA	(64u << 20)	/* one .gcda (the kernel's largest: ~1 MB) */
#define KP_MAX_MANIFEST	(64u << 10)	/* a profile archive's MANIFEST */
#define KP_MAX_DATA	(1u << 30)	/* a text profile, counters, stacks, vmlinux */
int kp_read_regular(const char *path, size_t max, int flags,
		    unsigned char **buf, size_t *len, const char **why);
/* the same for path relative to the directory dirfd (openat(2)) */
int kp_read_regular_at(int dirfd, const char *path, size_t max, int flags,
		       unsigned char **buf, size_t *len, const char **why);

/*
 * Write buf to path through a temporary file in the same directory
 * (path.tmp.<pid>), synced to disk, then rename(2), creating parent
 * directories.  A reader never sees a half file, a crash never leaves one
 * under path; a temporary of path that a killed writer left (its process
 * gone) is removed.  Returns 0, or -1 with errno set (the temporary file is
 * removed).
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
 * section name table checked to lie in the file (the names end in a NUL);
 * a file without section headers (e_shoff and e_shnum 0) has no sections.
 * kp_elf_open returns KP_ELF_OK, or what is wrong (the buffer freed;
 * errno set for KP_ELF_UNREADABLE); the caller says it in its own words.
 */
struct kp_elf {
	const char *path;
	unsigned char *p;
	size_t len;
	Elf64_Shdr *sh;		/* a copy: the file's may be misaligned */
	size_t nsh;
	const char *shstr;
	size_t shstr_len;
	unsigned int machine;	/* e_machine */
	uint64_t phoff;		/* the program headers, not checked */
	size_t nph, phentsize;
};
enum {
	KP_ELF_OK, KP_ELF_UNREADABLE,
	KP_ELF_NOT_ELF,		/* no ELF magic number */
	KP_ELF_NOT_64,		/* not 64-bit little-endian */
	KP_ELF_BAD_SECTIONS,	/* section headers not in the file */
	KP_ELF_BAD_NAMES,	/* the section name table not in the file */
};
int kp_elf_open(struct kp_elf *e, const char *path);
/* the same on a malloc'd buffer, which e then owns (a fuzzer's input) */
int kp_elf_parse(struct kp_elf *e, const char *path, unsigned char *p,
		 size_t len);
/* a file's first len bytes: KP_ELF_OK and the header copied to eh, or why not */
int kp_elf_header(const unsigned char *p, size_t len, Elf64_Ehdr *eh);
void kp_elf_close(struct kp_elf *e);
/* size bytes at off of the file copied to dst: 0, or -1 when not in it */
int kp_elf_read(const struct kp_elf *e, uint64_t off, void *dst, size_t size);
/* program header i copied to ph: 0, or -1 when it is not in the file */
int kp_elf_phdr(const struct kp_elf *e, size_t i, Elf64_Phdr *ph);
/* the section called name, NULL when there is none */
const Elf64_Shdr *kp_elf_section(const struct kp_elf *e, const char *name);
/* a section's name, NULL when it is not in the section name table */
const char *kp_elf_name(const struct kp_elf *e, const Elf64_Shdr *s);
/* a section's bytes, NULL when they are not in the file */
const unsigned char *kp_elf_data(const struct kp_elf *e, const Elf64_Shdr *s);
/* the same, dying when they are not in the file */
const unsigned char *kp_elf_bytes(const struct kp_elf *e, const Elf64_Shdr *s);

/*
 * The symbols of every symbol table (SHT_SYMTAB) of e, copied (aligned),
 * each with its name in e's buffer (NULL when st_name is outside the
 * string table).  Dies, before it allocates, when a table or its string
 * table is not in the file or the string table does not end in a NUL.
 */
struct kp_elf_sym {
	Elf64_Sym s;
	const char *name;
};
struct kp_elf_sym *kp_elf_symbols(const struct kp_elf *e, size_t *n);

#endif /* KPGO_UTIL_H */
