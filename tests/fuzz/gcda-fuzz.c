// SPDX-License-Identifier: GPL-2.0
/*
 * gcda-fuzz.c - libFuzzer target for kpgo-gcda's .gcda parser.
 *
 * Built and run by tests/fuzz.mk (clang -fsanitize=fuzzer,address,undefined).
 * tools/gcda.c is included whole, its main() renamed by -Dmain=kpgo_gcda_main,
 * so that its static functions are reachable; nothing in it is changed.
 *
 * An input is the bytes of one .gcda file, parsed as load_gcda() parses a
 * file it has read.  Rejecting the input is fine: kp_die() prints why and
 * calls kp_die_hook, which longjmp()s back here.  A crash, a sanitizer
 * report or a leak is a finding.  An input that parses is also
 *   - serialized as kpgo-gcda merge writes it and parsed again, which must
 *     succeed and give the same functions and counters, and
 *   - merged with that copy at weight 2, which must succeed and make every
 *     counter c + 2c (saturated);
 * a failure of either aborts: a finding as well, told on the stderr the
 * fuzzer started with (-close_fd_mask=2 hides kp_die()'s messages).
 */
#include "../../tools/gcda.c"

#define FUZZ_NAME "gcda-fuzz"
#include "harness.h"

/*
 * The round trip writes every counter: an 8-byte all-zero record claims up
 * to 2^24 of them, so inputs with more than this many are only parsed.
 */
#define ROUNDTRIP_MAX_COUNTERS	(1u << 16)

/* All that lives across setjmp() is static, so longjmp() keeps its value. */
static struct gcda in, copy;
static struct kp_buf out;
static const char *step;	/* NULL while parsing the input */

/* load_gcda() without the file */
static void parse(const char *name, const unsigned char *p, size_t n,
		  struct gcda *g)
{
	struct reader r = { .path = name, .buf = p, .len = n };

	memset(g, 0, sizeof(*g));
	g->path = kp_xstrdup(name);
	parse_header(&r, g);
	parse_records(&r, g);
}

static uint64_t ctr(const struct fn *f, uint32_t j)
{
	return f->ctr ? f->ctr[j] : 0;
}

static void check_copy(uint32_t runs, uint32_t sum_max)
{
	if (copy.version != in.version || copy.stamp != in.stamp ||
	    copy.checksum != in.checksum || !copy.has_summary ||
	    copy.runs != runs || copy.sum_max != sum_max || copy.nfn != in.nfn)
		finding("the serialized data parse to another header, summary or number of functions (%zu, was %zu)",
			copy.nfn, in.nfn);
	for (size_t i = 0; i < in.nfn; i++) {
		const struct fn *a = &in.fn[i], *b = &copy.fn[i];

		if (a->ident != b->ident || a->lineno_sum != b->lineno_sum ||
		    a->cfg_sum != b->cfg_sum || a->n != b->n ||
		    a->placeholder != b->placeholder ||
		    a->has_arcs != b->has_arcs)
			finding("function %zu (ident %u) differs after serializing", i,
				a->ident);
		for (uint32_t j = 0; j < a->n; j++)
			if (ctr(a, j) != ctr(b, j))
				finding("function %zu counter %u differs after serializing",
					i, j);
	}
}

/* in was merged with copy at weight w: in = copy + w * copy */
static void check_merged(const struct weight *w)
{
	for (size_t i = 0; i < in.nfn; i++)
		for (uint32_t j = 0; j < in.fn[i].n; j++) {
			uint64_t c = ctr(&copy.fn[i], j);

			if (ctr(&in.fn[i], j) != sat_add(c, scale(c, w)))
				finding("function %zu counter %u: %" PRIu64 " merged at weight %" PRIu64 " gave %" PRIu64,
					i, j, c, w->num, ctr(&in.fn[i], j));
		}
}

static void release(void)
{
	free_gcda(&in);
	free_gcda(&copy);
	free(out.p);
	memset(&out, 0, sizeof(out));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	harness_init();
	kp_die_hook = die_hook;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct weight w = { 2, 1 };
	struct totals t = { 0 };
	size_t nctr = 0;
	uint32_t runs, sum_max;

	step = NULL;
	if (setjmp(die_jmp)) {
		if (step)
			finding("kp_die() while %s an input that parsed", step);
		release();
		return 0;
	}
	parse("input.gcda", data, size, &in);
	for (size_t i = 0; i < in.nfn; i++)
		nctr += in.fn[i].n;
	if (nctr <= ROUNDTRIP_MAX_COUNTERS) {
		add_totals(&t, &in);
		runs = in.has_summary && in.runs ? in.runs : 1;
		sum_max = t.max > UINT32_MAX ? UINT32_MAX : (uint32_t)t.max;
		step = "re-parsing the serialized data of";
		serialize(&in, runs, sum_max, &out);
		parse("serialized.gcda", (const unsigned char *)out.p, out.n, &copy);
		check_copy(runs, sum_max);
		step = "merging";
		merge_gcda(&in, &copy, &w);
		check_merged(&w);
	}
	release();
	return 0;
}
