/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - what every libFuzzer harness in tests/fuzz/ shares.
 *
 * A harness includes its tool's C file whole, then defines FUZZ_NAME, its
 * name without "kpgo-" (#define FUZZ_NAME "gcda-fuzz"), and includes this
 * file.  Its LLVMFuzzerInitialize() starts with harness_init(); it may
 * then do its own setting up, which may still kp_die() (an error setting
 * up ends the fuzzer).
 *
 * Two kinds of failure are told apart (tests/fuzz.mk relies on both):
 *   - an input the tool rejects is fine: kp_die() or kp_warn() prints
 *     "kpgo-FUZZ_NAME: why" on stderr, which libFuzzer's -close_fd_mask=2
 *     hides while fuzzing;
 *   - what the harness checks and finds wrong is a finding: finding()
 *     prints "FUZZ_NAME: what" on the stderr the fuzzer started with and
 *     aborts, which libFuzzer reports as a crash and saves the input.
 *
 * Everything here is static, for the one harness that includes it.
 */
#ifndef KPGO_FUZZ_HARNESS_H
#define KPGO_FUZZ_HARNESS_H

#ifndef FUZZ_NAME
#error "define FUZZ_NAME (\"NAME-fuzz\") before including harness.h"
#endif

#include "../../tools/util.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* libFuzzer's entry points (no header declares them) */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* stderr as it was before libFuzzer's -close_fd_mask=2 */
static int report_fd = 2;

/*
 * A finding: print "FUZZ_NAME: <fmt ...>" on report_fd and abort().
 */
_Noreturn static inline void finding(const char *fmt, ...) KP_PRINTF(1, 2);
static inline void finding(const char *fmt, ...)
{
	va_list ap;

	dprintf(report_fd, FUZZ_NAME ": ");
	va_start(ap, fmt);
	vdprintf(report_fd, fmt, ap);
	va_end(ap);
	dprintf(report_fd, "\n");
	abort();
}

/*
 * An input rejected by kp_die() ends that input, not the fuzzer: a harness
 * whose tool may die on its input sets kp_die_hook = die_hook at the end
 * of LLVMFuzzerInitialize() (not before: an error setting up must still
 * exit), and LLVMFuzzerTestOneInput() calls setjmp(die_jmp) first, freeing
 * what the input held when it returns again.  All that the harness uses
 * across setjmp() must be static, so that longjmp() keeps its value.
 */
static jmp_buf die_jmp;

static inline void die_hook(void)
{
	longjmp(die_jmp, 1);
}

/*
 * The start of every LLVMFuzzerInitialize(): keep stderr as report_fd
 * (libFuzzer closes it after this) and name the messages
 * "kpgo-FUZZ_NAME: ...".
 */
static inline void harness_init(void)
{
	int fd = dup(2);

	if (fd >= 0)
		report_fd = fd;
	kp_set_prog("kpgo-" FUZZ_NAME);
}

/*
 * A fresh directory "kpgo-FUZZ_NAME.XXXXXX" for the files a harness writes,
 * in /dev/shm when it is writable (every input goes through it: memory,
 * not a disk), else in /tmp; its path in tmp[size].  Dies on failure.
 * The harness removes it at exit (atexit).
 */
static inline void harness_tmpdir(char *tmp, size_t size)
{
	snprintf(tmp, size, "%s/kpgo-" FUZZ_NAME ".XXXXXX",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
	if (!mkdtemp(tmp))
		kp_die("mkdtemp %s: %s", tmp, strerror(errno));
}

/* Write b[0..n) to path, created or truncated; a failure is a finding. */
static inline void harness_put(const char *path, const void *b, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || kp_write_all(fd, b, n) || close(fd))
		finding("%s: %s", path, strerror(errno));
}

#endif /* KPGO_FUZZ_HARNESS_H */
