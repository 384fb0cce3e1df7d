// SPDX-License-Identifier: GPL-2.0
/*
 * flame-fuzz.c - libFuzzer target for kpgo-flame's reader of the TCG
 * plugin's stack samples (tools/flame.c parse_stacks, what --stacks reads)
 * and what follows it: symbolizing, folding, the folded file read back,
 * the perf.data writer.
 *
 * Built and run by tests/fuzz.mk.  tools/flame.c is included whole, its
 * main() renamed by -Dmain=kpgo_flame_main.  The symbols come once from a
 * small program linked at the kernel's addresses: $FLAME_FUZZ_VMLINUX, by
 * default the fuzzer's own path with ".vmlinux" appended (the make rule
 * links it there), else the fuzzer itself.  An input is the bytes of a
 * stacks file; rejecting it is fine (kp_die() longjmp()s back here).  An
 * input that reads must give counts summing to the total, each stack
 * folded to one frame per address; the folded stacks written as --folded
 * writes them must read back (read_folded) to the same stacks and counts;
 * the perf.data is written too (to a temporary directory).  Otherwise the
 * harness aborts.
 */
#define _GNU_SOURCE
#include "../../tools/util.h"

#include <stdlib.h>
#include <string.h>

/*
 * parse_stacks() grows its vectors with kp_xrealloc and may die with them
 * held: while it runs, the harness keeps the live blocks, to free them
 * after a kp_die().
 */
static void **held;
static size_t nheld, heldcap;
static int tracking;

static void *fuzz_xrealloc(void *p, size_t n)
{
	void *q = kp_xrealloc(p, n);
	size_t i;

	if (!tracking)
		return q;
	for (i = nheld; p && i > 0 && held[i - 1] != p; i--)
		;
	if (p && i > 0) {
		held[i - 1] = q;
		return q;
	}
	if (nheld == heldcap)
		held = kp_xrealloc(held, (heldcap = heldcap ? 2 * heldcap : 1024) *
				   sizeof(*held));
	held[nheld++] = q;
	return q;
}
#define kp_xrealloc fuzz_xrealloc

#include "../../tools/flame.c"

#define FUZZ_NAME "flame-fuzz"
#include "harness.h"

/* a perf record holds up to 65535 bytes: deeper stacks are refused there */
#define PERF_MAX_DEPTH	8000

static char tmp[64], folded_path[96], perf_path[96];
static struct stack *st;
static size_t nst;
static struct frec *fr, *back;
static size_t nback;
static char *text;
static const char *step;

static void cleanup(void)
{
	unlink(folded_path);
	unlink(perf_path);
	rmdir(tmp);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *vml = getenv("FLAME_FUZZ_VMLINUX");
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 10);

	harness_init();
	if (n <= 0)
		kp_die("/proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	if (!vml) {
		strcat(self, ".vmlinux");
		vml = access(self, R_OK) ? "/proc/self/exe" : self;
	}
	read_symbols(vml);
	harness_tmpdir(tmp, sizeof(tmp));
	snprintf(folded_path, sizeof(folded_path), "%s/f.folded", tmp);
	snprintf(perf_path, sizeof(perf_path), "%s/perf.data", tmp);
	atexit(cleanup);
	kp_die_hook = die_hook;
	return 0;
}

static void release(void)
{
	if (tracking)		/* parse_stacks() died: what it held */
		for (size_t i = 0; i < nheld; i++)
			free(held[i]);
	tracking = 0;
	nheld = 0;
	for (size_t i = 0; st && i < nst; i++) {
		free(st[i].pc);
		free(st[i].folded);
	}
	free(st);
	free(fr);
	for (size_t i = 0; back && i < nback; i++)
		free(back[i].stack);
	free(back);
	free(text);
	st = NULL;
	fr = back = NULL;
	text = NULL;
	nst = nback = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t total, sum = 0;
	size_t nf, depth = 0;

	step = NULL;
	if (setjmp(die_jmp)) {
		if (step)
			finding("kp_die() while %s", step);
		release();
		return 0;
	}
	period = 1;
	all_modes = 0;
	text = kp_xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	tracking = 1;
	st = parse_stacks("input", text, &nst, &total);
	tracking = 0;
	nheld = 0;

	step = "folding the stacks of an input that read";
	fr = kp_xcalloc(nst, sizeof(*fr));
	for (size_t i = 0; i < nst; i++) {
		size_t semis = 0;

		if (!st[i].n || !st[i].count)
			finding("stack %zu: %u addresses, count %" PRIu64, i, st[i].n,
				st[i].count);
		sum += st[i].count;
		depth = st[i].n > depth ? st[i].n : depth;
		fold(&st[i]);
		for (const char *c = st[i].folded; *c; c++)
			semis += *c == ';';
		if (semis < st[i].n - 1)
			finding("stack %zu: %u addresses folded to '%s'", i, st[i].n,
				st[i].folded);
		fr[i] = (struct frec){ st[i].folded, st[i].count };
	}
	if (sum != total)
		finding("counts sum to %" PRIu64 ", the total is %" PRIu64, sum, total);
	nf = merge_frecs(fr, nst);

	step = "reading back the folded stacks of an input that read";
	write_folded(folded_path, fr, nf);
	back = read_folded(folded_path, &nback);
	if (nback != nf)
		finding("%zu folded stacks written, %zu read back", nf, nback);
	for (size_t i = 0; i < nf; i++)
		if (strcmp(fr[i].stack, back[i].stack) || fr[i].count != back[i].count)
			finding("folded stack %zu '%s' %" PRIu64 " read back as '%s' %" PRIu64,
				i, fr[i].stack, fr[i].count, back[i].stack, back[i].count);

	if (depth <= PERF_MAX_DEPTH) {
		step = "writing the perf.data of an input that read";
		write_perf(perf_path, st, nst);
	}
	step = NULL;
	release();
	return 0;
}
