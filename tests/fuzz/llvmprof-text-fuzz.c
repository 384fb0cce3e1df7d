// SPDX-License-Identifier: GPL-2.0
/*
 * llvmprof-text-fuzz.c - libFuzzer target for kpgo-llvmprof's reader of
 * text profiles (tools/llvmprof.c read_prof, what merge reads).
 *
 * Built and run by tests/fuzz.mk.  tools/llvmprof.c is included whole, its
 * main() renamed by -Dmain=kpgo_llvmprof_main; nothing in it is changed.
 * read_prof() reads a file: an input is written to a file in a temporary
 * directory (/dev/shm when there is one) and read from there.  Rejecting
 * it is fine (kp_die() longjmp()s back here).  An input that reads is
 * written again as extract writes a profile (prof_header, write_func) and
 * read again, which must succeed and give the same functions, objects,
 * hashes and counters; otherwise the harness aborts.  Memory is freed
 * between inputs (free_owned too).
 */
#include "../../tools/llvmprof.c"

#define FUZZ_NAME "llvmprof-text-fuzz"
#include "harness.h"

static char tmp[64], in_path[96], out_path[96];
static struct prof p, q;
static struct kp_buf out;
static const char *step;

static void cleanup(void)
{
	unlink(in_path);
	unlink(out_path);
	rmdir(tmp);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	harness_init();
	harness_tmpdir(tmp, sizeof(tmp));
	snprintf(in_path, sizeof(in_path), "%s/input.proftext", tmp);
	snprintf(out_path, sizeof(out_path), "%s/written.proftext", tmp);
	atexit(cleanup);
	kp_die_hook = die_hook;
	return 0;
}

static void release(void)
{
	free(p.f);
	free(q.f);
	free(out.p);
	memset(&p, 0, sizeof(p));
	memset(&q, 0, sizeof(q));
	memset(&out, 0, sizeof(out));
	free_owned();
	memset(&owned, 0, sizeof(owned));
}

static void check_copy(void)
{
	if (q.n != p.n)
		finding("%zu functions written, %zu read back", p.n, q.n);
	for (size_t i = 0; i < p.n; i++) {
		const struct func *a = &p.f[i], *b = &q.f[i];

		if (strcmp(a->name, b->name) || a->hash != b->hash || a->n != b->n ||
		    !a->obj != !b->obj || (a->obj && strcmp(a->obj, b->obj)))
			finding("function %zu ('%s') differs after writing it", i, a->name);
		for (uint32_t j = 0; j < a->n; j++)
			if (a->c[j] != b->c[j])
				finding("function %zu ('%s') counter %u: %" PRIu64
					" written, %" PRIu64 " read", i, a->name, j,
					a->c[j], b->c[j]);
	}
}

/*
 * prof_add() starts a profile at 4096 functions: 160 KB, which ASan maps
 * and unmaps on every input (a tenth of the speed).  The harness starts
 * its profiles smaller; prof_add() grows them as it grows its own.
 */
static void prof_start(struct prof *x)
{
	x->cap = 16;
	x->f = kp_xmalloc(x->cap * sizeof(*x->f));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	step = NULL;
	prof_start(&p);
	prof_start(&q);
	if (setjmp(die_jmp)) {
		if (step)
			finding("kp_die() while %s", step);
		release();
		return 0;
	}
	harness_put(in_path, data, size);
	read_prof(in_path, &p);
	step = "reading the written profile of an input that read";
	kp_buf_printf(&out, "%s", prof_header);
	for (size_t i = 0; i < p.n; i++)
		write_func(&out, &p.f[i]);
	harness_put(out_path, out.p, out.n);
	read_prof(out_path, &q);
	check_copy();
	release();
	return 0;
}
