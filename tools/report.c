// SPDX-License-Identifier: GPL-2.0
/*
 * report.c - kpgo-report: what a workload ran in the kernel, from the
 * coverage data lcov made of its gcov profile (an lcov tracefile: SF:,
 * FN:, FNDA:, end_of_record lines).
 *
 *   kpgo-report top INFO [--top N] [--srctree S]
 *       functions and files executed, and the top N functions (by entry
 *       count) and files (by the sum of their functions' entry counts);
 *       S is taken off the file names
 *   kpgo-report diff A.info B.info [--hot PCT] [--top N] [--srctree S]
 *       the hot functions of each (the fewest functions that make PCT
 *       percent, default 90, of its entry counts), those they share with
 *       both shares, and the overlap: the sum over all functions of
 *       min(share in A, share in B), 1 for the same distribution, 0 for
 *       nothing in common
 */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fn {
	const char *file, *name;
	uint64_t count;
	double share;
};

struct info {
	struct fn *f;
	size_t n, files, files_run;
	uint64_t total;
	unsigned char *buf;
};

static int cmp_fn_name(const void *a, const void *b)
{
	const struct fn *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	return c ? c : strcmp(x->name, y->name);
}

static int cmp_fn_count(const void *a, const void *b)
{
	const struct fn *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : cmp_fn_name(a, b);
}

static const char *strip(const char *file, const char *srctree)
{
	size_t n = srctree ? strlen(srctree) : 0;

	if (n && !strncmp(file, srctree, n) && file[n] == '/')
		return file + n + 1;
	return file;
}

static void read_info(const char *path, struct info *in, const char *srctree)
{
	size_t len, cap = 0, lineno = 0, first = 0;
	char *s, *line, *save;
	const char *file = NULL;
	uint64_t file_sum = 0;

	memset(in, 0, sizeof(*in));
	if (kp_read_file(path, &in->buf, &len))
		kp_die("cannot read %s: %s", path, strerror(errno));
	for (s = (char *)in->buf; (line = strtok_r(s, "\n", &save)); s = NULL) {
		lineno++;
		if (!strncmp(line, "SF:", 3)) {
			file = strip(line + 3, srctree);
			first = in->n;
			file_sum = 0;
		} else if (!strncmp(line, "FNDA:", 5)) {
			char *comma = strchr(line + 5, ','), *end;
			uint64_t c;

			errno = 0;
			c = strtoull(line + 5, &end, 10);
			if (!file || !comma || end != comma || errno || !comma[1])
				kp_die("%s:%zu: expected 'FNDA:<count>,<function>' after an SF: line "
				       "(an lcov tracefile?)", path, lineno);
			/* one function twice in a file (inlined copies): summed */
			for (size_t i = first; i < in->n; i++)
				if (!strcmp(in->f[i].name, comma + 1)) {
					in->f[i].count += c;
					goto counted;
				}
			if (in->n == cap)
				in->f = kp_xrealloc(in->f, (cap = cap ? 2 * cap : 4096) * sizeof(*in->f));
			in->f[in->n++] = (struct fn){ file, comma + 1, c, 0 };
counted:
			in->total += c;
			file_sum += c;
		} else if (!strcmp(line, "end_of_record")) {
			if (!file)
				kp_die("%s:%zu: end_of_record without SF:", path, lineno);
			in->files++;
			in->files_run += file_sum != 0;
			file = NULL;
		}
	}
	if (!in->files)
		kp_die("%s: no SF: records: not an lcov tracefile", path);
	/* a header's function in several records (one per including object): one */
	qsort(in->f, in->n, sizeof(*in->f), cmp_fn_name);
	{
		size_t o = 0;

		for (size_t i = 0; i < in->n; i++) {
			if (o && !cmp_fn_name(&in->f[o - 1], &in->f[i]))
				in->f[o - 1].count += in->f[i].count;
			else
				in->f[o++] = in->f[i];
		}
		in->n = o;
	}
	for (size_t i = 0; i < in->n; i++)
		in->f[i].share = in->total ? (double)in->f[i].count / (double)in->total : 0;
}

static size_t executed(const struct info *in)
{
	size_t k = 0;

	for (size_t i = 0; i < in->n; i++)
		k += in->f[i].count != 0;
	return k;
}

static int do_top(const char *path, unsigned long top, const char *srctree)
{
	struct info in;
	struct fn *files;
	size_t nf = 0;

	read_info(path, &in, srctree);
	printf("%zu files, %zu run; %zu functions, %zu run; %" PRIu64 " function entries\n",
	       in.files, in.files_run, in.n, executed(&in), in.total);
	qsort(in.f, in.n, sizeof(*in.f), cmp_fn_name);
	files = kp_xcalloc(in.n ? in.n : 1, sizeof(*files));
	for (size_t i = 0; i < in.n; i++) {
		if (nf && !strcmp(files[nf - 1].file, in.f[i].file))
			files[nf - 1].count += in.f[i].count;
		else
			files[nf++] = (struct fn){ in.f[i].file, in.f[i].file, in.f[i].count, 0 };
	}
	qsort(in.f, in.n, sizeof(*in.f), cmp_fn_count);
	qsort(files, nf, sizeof(*files), cmp_fn_count);
	printf("top functions (entries):\n");
	for (size_t i = 0; i < top && i < in.n && in.f[i].count; i++)
		printf("  %12" PRIu64 " %6.2f%%  %s (%s)\n", in.f[i].count, 100 * in.f[i].share,
		       in.f[i].name, in.f[i].file);
	printf("top files (entries of their functions):\n");
	for (size_t i = 0; i < top && i < nf && files[i].count; i++)
		printf("  %12" PRIu64 " %6.2f%%  %s\n", files[i].count,
		       in.total ? 100.0 * (double)files[i].count / (double)in.total : 0.0, files[i].file);
	free(files);
	free(in.f);
	free(in.buf);
	return 0;
}

/* marks the hot functions: the fewest, by count, that reach pct of all */
static size_t mark_hot(struct info *in, double pct, char *hot)
{
	uint64_t acc = 0;
	size_t k = 0;

	qsort(in->f, in->n, sizeof(*in->f), cmp_fn_count);
	for (size_t i = 0; i < in->n && (double)acc * 100 < pct * (double)in->total &&
	     in->f[i].count; i++) {
		hot[i] = 1;
		acc += in->f[i].count;
		k++;
	}
	return k;
}

struct pair {
	const struct fn *a, *b;
	int hot_a, hot_b;
};

static int cmp_pair(const void *x, const void *y)
{
	const struct pair *p = x, *q = y;
	double u = p->a->share < p->b->share ? p->a->share : p->b->share;
	double v = q->a->share < q->b->share ? q->a->share : q->b->share;

	return u < v ? 1 : u > v ? -1 : strcmp(p->a->name, q->a->name);
}

static int do_diff(const char *pa, const char *pb, double pct, unsigned long top,
		   const char *srctree)
{
	struct info a, b;
	char *ha, *hb;
	size_t nha, nhb, np = 0, shared = 0;
	struct pair *pairs;
	double overlap = 0;

	read_info(pa, &a, srctree);
	read_info(pb, &b, srctree);
	if (!a.total || !b.total)
		kp_die("%s: no function ran: nothing to compare", !a.total ? pa : pb);
	ha = kp_xcalloc(a.n + 1, 1);
	hb = kp_xcalloc(b.n + 1, 1);
	nha = mark_hot(&a, pct, ha);
	nhb = mark_hot(&b, pct, hb);
	/* keep each function's hot mark with it while sorting by name */
	for (size_t i = 0; i < a.n; i++)
		a.f[i].share = ha[i] ? -a.f[i].share - 1 : a.f[i].share;
	for (size_t i = 0; i < b.n; i++)
		b.f[i].share = hb[i] ? -b.f[i].share - 1 : b.f[i].share;
	qsort(a.f, a.n, sizeof(*a.f), cmp_fn_name);
	qsort(b.f, b.n, sizeof(*b.f), cmp_fn_name);
	pairs = kp_xcalloc(a.n + 1, sizeof(*pairs));
	for (size_t i = 0, j = 0; i < a.n && j < b.n;) {
		int c = cmp_fn_name(&a.f[i], &b.f[j]);

		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			struct pair p = { &a.f[i], &b.f[j], a.f[i].share < 0, b.f[j].share < 0 };

			if (p.hot_a)
				a.f[i].share = -a.f[i].share - 1;
			if (p.hot_b)
				b.f[j].share = -b.f[j].share - 1;
			overlap += a.f[i].share < b.f[j].share ? a.f[i].share : b.f[j].share;
			if (p.hot_a && p.hot_b) {
				pairs[np++] = p;
				shared++;
			}
			i++;
			j++;
		}
	}
	qsort(pairs, np, sizeof(*pairs), cmp_pair);
	printf("hot functions (%g%% of the entries): %zu in %s, %zu in %s, %zu in both\n",
	       pct, nha, pa, nhb, pb, shared);
	printf("overlap of the two distributions: %.3f (1: the same, 0: nothing in common)\n",
	       overlap);
	printf("shared hot functions, by the smaller share:\n");
	printf("  %8s %8s  function (file)\n", "A", "B");
	for (size_t i = 0; i < top && i < np; i++)
		printf("  %7.2f%% %7.2f%%  %s (%s)\n", 100 * pairs[i].a->share,
		       100 * pairs[i].b->share, pairs[i].a->name, pairs[i].a->file);
	free(pairs);
	free(ha);
	free(hb);
	free(a.f);
	free(b.f);
	free(a.buf);
	free(b.buf);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: kpgo-report top INFO [--top N] [--srctree S]\n"
"       kpgo-report diff A.info B.info [--hot PCT] [--top N] [--srctree S]\n"
"\n"
"What a workload ran in the kernel, from lcov's tracefile of its gcov\n"
"profile: functions and files run, the top ones by entry count; for two,\n"
"the hot functions (the fewest that make PCT%%, default 90, of the entries)\n"
"they share and the overlap of their distributions.\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "top", required_argument, NULL, 'n' },
		{ "hot", required_argument, NULL, 'p' },
		{ "srctree", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long top = 10;
	double pct = 90;
	const char *srctree = NULL, *cmd;
	char *end;
	int o;

	cmd = kp_command(argc, argv, usage);
	while ((o = kp_getopt(argc, argv, "h", lo, usage)) != -1) {
		switch (o) {
		case 'n':
			top = kp_opt_count("top", optarg);
			break;
		case 'p':
			pct = strtod(optarg, &end);
			if (*end || end == optarg || pct <= 0 || pct > 100)
				kp_die("--hot %s: give a percentage above 0, up to 100", optarg);
			break;
		case 's': srctree = optarg; break;
		}
	}
	if (!strcmp(cmd, "top")) {
		if (optind != argc - 1)
			kp_die("top: give one tracefile");
		return do_top(argv[optind], top, srctree);
	}
	if (!strcmp(cmd, "diff")) {
		if (optind != argc - 2)
			kp_die("diff: give two tracefiles");
		return do_diff(argv[optind], argv[optind + 1], pct, top, srctree);
	}
	kp_die("unknown command '%s' (top or diff; see --help)", cmd);
}
