// SPDX-License-Identifier: GPL-2.0
/*
 * kpgo-compare - the statistics of pgo-compare: reads the runs of an A/B
 * comparison from a directory, prints the table and the one-line verdict,
 * and writes compare.csv and the gnuplot data of the chart.
 *
 * Files in DIR (i from 1, side a or b):
 *   run-<i>-<side>.txt      line 1: the recipe's RESULT line; then key=value
 *                           lines (accel=, client_s=) from kpgo-vm --report
 *   measure-<i>-<side>.txt  key=value: ops=, op=, and the plugin's figures
 *   size-<side>.txt         key=value: text=, data=, bss=, image=
 *
 * The client's figure of a run is the geometric mean of every "<number>
 * <unit>/s" in its RESULT line (one figure for most recipes; memcached's
 * sets/s and gets/s, db_bench's six ops/s).  Higher is better.  The
 * plugin's figures are costs per operation: lower is better, so their
 * ratio is A/B, and a ratio above 1 always means B is better.
 *
 * The confidence interval of the ratio of medians is a percentile
 * bootstrap: 10,000 resamples of each side (with replacement, a fixed
 * seed, so the same runs give the same interval).
 */
#define _GNU_SOURCE
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RUNS 1000
#define RESAMPLES 10000

struct side {
	double fig[MAX_RUNS];		/* client figure per run */
	int nfig;
	char unit[96];			/* "requests/s" or "geomean of 2 .../s" */
	char accel[32];
};

struct metric {
	const char *key, *label;
	int per_op;			/* divide by ops */
	int mpki;			/* per 1000 kernel instructions */
};

static const struct metric metrics[] = {
	{ "insns", "guest instructions", 1, 0 },
	{ "kernel_insns", "kernel instructions", 1, 0 },
	{ "kernel_taken", "kernel taken branches", 1, 0 },
	{ "kernel_lines", "kernel I-cache line fetches", 1, 0 },
	{ "kernel_icache_misses", "kernel L1I misses", 1, 0 },
	{ "kernel_icache_misses", "kernel L1I misses per 1000 kernel insns", 0, 1 },
	{ "kernel_itlb_misses", "kernel ITLB misses", 1, 0 },
};
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

static const char *sizes[] = { "text", "data", "bss", "image" };

static uint64_t rng = 0x6b70676f2d636d70ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double *s = kp_xcalloc((size_t)n, sizeof(*s)), m;

	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

/* ratio of medians num/den and its 95 % percentile-bootstrap interval */
static double ratio_ci(const double *num, int nn, const double *den, int nd,
		       double *lo, double *hi)
{
	double *r = kp_xcalloc(RESAMPLES, sizeof(*r));
	double *a = kp_xcalloc((size_t)nn, sizeof(*a)), *b = kp_xcalloc((size_t)nd, sizeof(*b));
	double ratio = median(num, nn) / median(den, nd);
	int i, j;

	for (i = 0; i < RESAMPLES; i++) {
		for (j = 0; j < nn; j++)
			a[j] = num[next_rand() % (uint64_t)nn];
		for (j = 0; j < nd; j++)
			b[j] = den[next_rand() % (uint64_t)nd];
		r[i] = median(a, nn) / median(b, nd);
	}
	qsort(r, RESAMPLES, sizeof(*r), cmp_double);
	*lo = r[(int)(0.025 * RESAMPLES)];
	*hi = r[(int)(0.975 * RESAMPLES) - 1];
	free(r);
	free(a);
	free(b);
	return ratio;
}

static __attribute__((noinline)) char *read_text(const char *path, int must)
{
	unsigned char *buf = NULL;
	size_t len;

	if (kp_read_file(path, &buf, &len)) {
		if (must)
			kp_die("%s: %s (did the run finish?)", path, strerror(errno));
		return NULL;
	}
	return (char *)buf;
}

/* value of key= in text; -1 when missing */
static int kv(const char *text, const char *key, char *out, size_t size)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, "\n");

			if (n >= size)
				n = size - 1;
			memcpy(out, p + kl + 1, n);
			out[n] = '\0';
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static double kv_num(const char *text, const char *key, const char *file)
{
	char v[64], *end;
	double d;

	if (kv(text, key, v, sizeof(v)))
		kp_die("%s: no %s= line", file, key);
	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end)
		kp_die("%s: %s=%s is not a number", file, key, v);
	return d;
}

/*
 * The client's figure of a RESULT line: the geometric mean of each number
 * followed by a word ending in "/s".  0 when there is none.
 */
static double figure_of(const char *line, char *unit, size_t usize)
{
	const char *p = line;
	double logsum = 0;
	int n = 0;
	char first[48] = "";

	while (*p) {
		char *end;
		double v;

		if (!isdigit((unsigned char)*p) || (p > line && (isalnum((unsigned char)p[-1]) || p[-1] == '.'))) {
			p++;
			continue;
		}
		v = strtod(p, &end);
		p = end;
		while (*p == ' ')
			p++;
		{
			size_t w = strcspn(p, " ,;()\n");

			if (w > 2 && w < sizeof(first) && !strncmp(p + w - 2, "/s", 2) && v > 0) {
				if (!n)
					snprintf(first, sizeof(first), "%.*s", (int)w, p);
				logsum += log(v);
				n++;
			}
		}
	}
	if (!n)
		return 0;
	if (n == 1)
		snprintf(unit, usize, "%s", first);
	else
		snprintf(unit, usize, "geomean of %d figures, %s", n, first);
	return exp(logsum / n);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: kpgo-compare --dir DIR --workload W --a NAME --b NAME --runs N\n"
"                    [--measure M] [--csv FILE] [--chart-data PREFIX]\n"
"\n"
"Reads the runs of one A/B comparison from DIR (run-<i>-<a|b>.txt,\n"
"measure-<i>-<a|b>.txt, size-<a|b>.txt), prints the table and a last line\n"
"  W: B/A = RATIO (N=n each, 95%% CI LO-HI)\n"
"(\"optimized/baseline\" when A is baseline), where a ratio above 1 means B\n"
"is better.  Writes the CSV (default DIR/compare.csv) and PREFIX-runs.dat,\n"
"PREFIX-ratios.dat for the chart (default DIR/chart).\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dir", 1, 0, 'd' }, { "workload", 1, 0, 'w' }, { "a", 1, 0, 'a' },
		{ "b", 1, 0, 'b' }, { "runs", 1, 0, 'n' }, { "measure", 1, 0, 'm' },
		{ "csv", 1, 0, 'c' }, { "chart-data", 1, 0, 'p' }, { "help", 0, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	const char *dir = NULL, *wl = NULL, *na = NULL, *nb = NULL, *csv = NULL, *prefix = NULL;
	int runs = -1, meas = 0, c, i, s, k;
	static struct side side[2];
	double mval[2][NMETRICS][MAX_RUNS];
	double ops[2] = { 0, 0 };
	char op[64] = "operation", path[4400], *text;
	FILE *fc, *fr, *fq;
	double ratio = 0, clo = 0, chi = 0;
	char label[300], csvbuf[4096], prefbuf[4096];

	kp_set_prog(argv[0]);
	while ((c = kp_getopt(argc, argv, "", lo, usage)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'w': wl = optarg; break;
		case 'a': na = optarg; break;
		case 'b': nb = optarg; break;
		case 'n': runs = atoi(optarg); break;
		case 'm': meas = atoi(optarg); break;
		case 'c': csv = optarg; break;
		case 'p': prefix = optarg; break;
		}
	}
	if (!dir || !wl || !na || !nb || runs < 0 || runs > MAX_RUNS || meas < 0 ||
	    meas > MAX_RUNS || runs + meas == 0) {
		usage(stderr);
		return 2;
	}
	if (!csv) {
		snprintf(csvbuf, sizeof(csvbuf), "%s/compare.csv", dir);
		csv = csvbuf;
	}
	if (!prefix) {
		snprintf(prefbuf, sizeof(prefbuf), "%s/chart", dir);
		prefix = prefbuf;
	}
	if (!strcmp(na, "baseline") && strcmp(nb, "baseline"))
		snprintf(label, sizeof(label), "%s: optimized/baseline", wl);
	else
		snprintf(label, sizeof(label), "%s: %s/%s", wl, nb, na);

	fc = fopen(csv, "w");
	if (!fc)
		kp_die("%s: %s", csv, strerror(errno));
	fprintf(fc, "workload,kernel_a,kernel_b,kind,run,side,kernel,metric,value\n");

	/* client figures */
	for (i = 1; i <= runs; i++)
		for (s = 0; s < 2; s++) {
			char unit[96], *nl;
			double f;

			snprintf(path, sizeof(path), "%s/run-%d-%c.txt", dir, i, 'a' + s);
			text = read_text(path, 1);
			nl = strchr(text, '\n');
			if (nl)
				*nl = '\0';
			f = figure_of(text, unit, sizeof(unit));
			if (f <= 0)
				kp_die("%s: no '<number> <unit>/s' figure in its first line '%s'", path, text);
			if (!side[s].nfig)
				snprintf(side[s].unit, sizeof(side[s].unit), "%s", unit);
			if (nl)
				kv(nl + 1, "accel", side[s].accel, sizeof(side[s].accel));
			side[s].fig[side[s].nfig++] = f;
			fprintf(fc, "%s,%s,%s,client,%d,%c,%s,\"%s\",%.6g\n", wl, na, nb, i,
				'A' + s, s ? nb : na, unit, f);
			free(text);
		}
	/* plugin figures */
	for (i = 1; i <= meas; i++)
		for (s = 0; s < 2; s++) {
			double kins, windows;

			snprintf(path, sizeof(path), "%s/measure-%d-%c.txt", dir, i, 'a' + s);
			text = read_text(path, 1);
			ops[s] = kv_num(text, "ops", path);
			if (ops[s] <= 0)
				kp_die("%s: ops=%g: the load did no operation", path, ops[s]);
			kv(text, "op", op, sizeof(op));
			windows = kv_num(text, "windows", path);
			if (windows != 1)
				kp_die("%s: the plugin saw %g load windows, not 1", path, windows);
			kins = kv_num(text, "kernel_insns", path);
			for (k = 0; k < (int)NMETRICS; k++) {
				double v = kv_num(text, metrics[k].key, path);

				v = metrics[k].mpki ? (kins > 0 ? 1000 * v / kins : 0) :
				    metrics[k].per_op ? v / ops[s] : v;
				mval[s][k][i - 1] = v;
				fprintf(fc, "%s,%s,%s,plugin,%d,%c,%s,\"%s%s%s\",%.6g\n", wl, na, nb, i,
					'A' + s, s ? nb : na, metrics[k].label,
					metrics[k].per_op ? " per " : "", metrics[k].per_op ? op : "", v);
			}
			free(text);
		}

	printf("%s: kernel A = %s, kernel B = %s\n", wl, na, nb);
	snprintf(path, sizeof(path), "%s-runs.dat", prefix);
	fr = fopen(path, "w");
	snprintf(path, sizeof(path), "%s-ratios.dat", prefix);
	fq = fopen(path, "w");
	if (!fr || !fq)
		kp_die("%s-*.dat: %s", prefix, strerror(errno));
	fprintf(fr, "# run A B (%s)\n", side[0].unit);
	fprintf(fq, "# metric ratio lo hi (above 1: B better)\n");
	if (runs) {
		printf("\nclient figure, %d runs each, interleaved A B A B ..., under %s (higher is better)\n",
		       runs, side[0].accel[0] ? side[0].accel : "?");
		printf("  %-6s %16s %16s   (%s)\n", "run", "A", "B", side[0].unit);
		for (i = 0; i < runs; i++) {
			printf("  %-6d %16.1f %16.1f\n", i + 1, side[0].fig[i], side[1].fig[i]);
			fprintf(fr, "%d %.6g %.6g\n", i + 1, side[0].fig[i], side[1].fig[i]);
		}
		printf("  %-6s %16.1f %16.1f\n", "median", median(side[0].fig, runs),
		       median(side[1].fig, runs));
		ratio = ratio_ci(side[1].fig, runs, side[0].fig, runs, &clo, &chi);
		printf("  ratio B/A of medians %.4f, 95%% CI %.4f-%.4f (percentile bootstrap, %d resamples)\n",
		       ratio, clo, chi, RESAMPLES);
		fprintf(fq, "\"client %s\" %.6g %.6g %.6g\n", side[0].unit, ratio, clo, chi);
	}
	if (meas) {
		printf("\ndeterministic figures per %s (tcg -icount, kpgo-frontend plugin, %d run%s each,\n"
		       "client in the guest; %.0f %ss a run; lower is better, ratio A/B of medians)\n",
		       op, meas, meas > 1 ? "s" : "", ops[1], op);
		printf("  %-40s %14s %14s %8s %s\n", "metric", "A", "B", "A/B", "");
		for (k = 0; k < (int)NMETRICS; k++) {
			double lo2, hi2, r, spread = 0;
			char note[64] = "";

			/* the largest distance of a run from its side's median */
			for (s = 0; s < 2; s++) {
				double m = median(mval[s][k], meas);

				for (i = 0; i < meas; i++)
					if (m > 0 && fabs(mval[s][k][i] - m) / m > spread)
						spread = fabs(mval[s][k][i] - m) / m;
			}
			if (meas > 1 && spread == 0)
				snprintf(note, sizeof(note), "(runs identical)");
			else if (meas > 1)
				snprintf(note, sizeof(note), "(runs within ±%.2f%%)", 100 * spread);
			r = ratio_ci(mval[0][k], meas, mval[1][k], meas, &lo2, &hi2);
			printf("  %-40s %14.2f %14.2f %8.4f %s\n", metrics[k].label,
			       median(mval[0][k], meas), median(mval[1][k], meas), r, note);
			fprintf(fq, "\"%s\" %.6g %.6g %.6g\n", metrics[k].label, r, lo2, hi2);
		}
	}
	/* image sizes */
	{
		char *sz[2];

		snprintf(path, sizeof(path), "%s/size-a.txt", dir);
		sz[0] = read_text(path, 0);
		snprintf(path, sizeof(path), "%s/size-b.txt", dir);
		sz[1] = read_text(path, 0);
		if (sz[0] && sz[1]) {
			printf("\nkernel image (bytes; smaller is not always better: hot/cold split)\n");
			for (k = 0; k < 4; k++) {
				double v[2];

				for (s = 0; s < 2; s++) {
					v[s] = kv_num(sz[s], sizes[k], s ? "size-b.txt" : "size-a.txt");
					fprintf(fc, "%s,%s,%s,size,0,%c,%s,%s,%.0f\n", wl, na, nb,
						'A' + s, s ? nb : na, sizes[k], v[s]);
				}
				printf("  %-40s %14.0f %14.0f %8.4f\n", k == 3 ? "bzImage" : sizes[k],
				       v[0], v[1], v[1] / v[0]);
			}
		}
		free(sz[0]);
		free(sz[1]);
	}
	if (fclose(fc) || fclose(fr) || fclose(fq))
		kp_die("%s: write error", dir);
	printf("\n");
	if (runs)
		printf("%s = %.3f (N=%d each, 95%% CI %.3f–%.3f)\n", label, ratio, runs, clo, chi);
	else
		printf("%s: no client runs (PGO_COMPARE_RUNS=0)\n", label);
	return 0;
}
