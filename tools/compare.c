// SPDX-License-Identifier: GPL-2.0
/*
 * kpgo-compare - the statistics of pgo-compare: reads the runs of an A/B
 * comparison from a directory, prints the table and the one-line verdict,
 * and writes compare.csv and the gnuplot data of the chart.
 *
 * Files in DIR (i from 1, side a or b):
 *   run-<i>-<side>.txt      line 1: the recipe's RESULT line; then key=value
 *                           lines (accel=, client_s=) from kpgo-vm --report
 *   measure-<i>-<side>.txt  key=value: ops=, op=, client_in= (the traffic
 *                           path: host or guest), and the plugin's figures
 *                           (kernel_cold_insns= when the plugin had the
 *                           kernel's cold ranges, kpgo-cold's)
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

/* what one comparison reads and writes */
struct cmp {
	const char *dir, *wl, *na, *nb, *csv, *prefix;
	int runs, meas;
	struct side side[2];
	double mval[2][NMETRICS][MAX_RUNS];
	double cold[2][MAX_RUNS], cshare[2][MAX_RUNS];	/* per op; share of kernel */
	int ncold[2];					/* runs with cold figures */
	double ops[2];
	char op[64];
	char client_in[16];		/* the traffic path: host or guest */
	FILE *fc, *fr, *fq;
	double ratio, clo, chi;
};

/* the client figures: run-<i>-<side>.txt */
static void read_client(struct cmp *c)
{
	char path[4400], unit[96], *text, *nl;
	double f;

	for (int i = 1; i <= c->runs; i++) {
		for (int s = 0; s < 2; s++) {
			struct side *sd = &c->side[s];

			snprintf(path, sizeof(path), "%s/run-%d-%c.txt", c->dir, i, 'a' + s);
			text = read_text(path, 1);
			nl = strchr(text, '\n');
			if (nl)
				*nl = '\0';
			f = figure_of(text, unit, sizeof(unit));
			if (f <= 0)
				kp_die("%s: no '<number> <unit>/s' figure in its first line '%s'", path, text);
			if (!sd->nfig)
				snprintf(sd->unit, sizeof(sd->unit), "%s", unit);
			if (nl)
				kv(nl + 1, "accel", sd->accel, sizeof(sd->accel));
			sd->fig[sd->nfig++] = f;
			fprintf(c->fc, "%s,%s,%s,client,%d,%c,%s,\"%s\",%.6g\n", c->wl, c->na,
				c->nb, i, 'A' + s, s ? c->nb : c->na, unit, f);
			free(text);
		}
	}
}

/* the plugin's figures of run i, side s: measure-<i>-<side>.txt */
static void read_measure(struct cmp *c, int i, int s)
{
	char path[4400], *text, cold[64];
	double kins, windows;

	snprintf(path, sizeof(path), "%s/measure-%d-%c.txt", c->dir, i, 'a' + s);
	text = read_text(path, 1);
	c->ops[s] = kv_num(text, "ops", path);
	if (c->ops[s] <= 0)
		kp_die("%s: ops=%g: the load did no operation", path, c->ops[s]);
	kv(text, "op", c->op, sizeof(c->op));
	if (kv(text, "client_in", c->client_in, sizeof(c->client_in)) ||
	    (strcmp(c->client_in, "host") && strcmp(c->client_in, "guest")))
		kp_die("%s: no client_in=host or client_in=guest line", path);
	windows = kv_num(text, "windows", path);
	if (windows != 1)
		kp_die("%s: the plugin saw %g load windows, not 1", path, windows);
	kins = kv_num(text, "kernel_insns", path);
	for (int k = 0; k < (int)NMETRICS; k++) {
		const struct metric *m = &metrics[k];
		double v = kv_num(text, m->key, path);

		v = m->mpki ? (kins > 0 ? 1000 * v / kins : 0) :
		    m->per_op ? v / c->ops[s] : v;
		c->mval[s][k][i - 1] = v;
		fprintf(c->fc, "%s,%s,%s,plugin,%d,%c,%s,\"%s%s%s\",%.6g\n", c->wl,
			c->na, c->nb, i, 'A' + s, s ? c->nb : c->na, m->label,
			m->per_op ? " per " : "", m->per_op ? c->op : "", v);
	}
	if (!kv(text, "kernel_cold_insns", cold, sizeof(cold))) {
		double v = kv_num(text, "kernel_cold_insns", path);

		if (v > kins)
			kp_die("%s: kernel_cold_insns=%g is more than kernel_insns=%g", path, v, kins);
		c->cold[s][c->ncold[s]] = v / c->ops[s];
		c->cshare[s][c->ncold[s]++] = kins > 0 ? 100 * v / kins : 0;
		fprintf(c->fc, "%s,%s,%s,plugin,%d,%c,%s,\"kernel instructions in cold code per %s\",%.6g\n"
			"%s,%s,%s,plugin,%d,%c,%s,\"percent of kernel instructions in cold code\",%.6g\n",
			c->wl, c->na, c->nb, i, 'A' + s, s ? c->nb : c->na, c->op, v / c->ops[s],
			c->wl, c->na, c->nb, i, 'A' + s, s ? c->nb : c->na, kins > 0 ? 100 * v / kins : 0);
	}
	free(text);
}

static void print_client(struct cmp *c)
{
	const struct side *a = &c->side[0], *b = &c->side[1];

	printf("\nclient figure, %d runs each, interleaved A B A B ..., under %s (higher is better)\n",
	       c->runs, a->accel[0] ? a->accel : "?");
	printf("  %-6s %16s %16s   (%s)\n", "run", "A", "B", a->unit);
	for (int i = 0; i < c->runs; i++) {
		printf("  %-6d %16.1f %16.1f\n", i + 1, a->fig[i], b->fig[i]);
		fprintf(c->fr, "%d %.6g %.6g\n", i + 1, a->fig[i], b->fig[i]);
	}
	printf("  %-6s %16.1f %16.1f\n", "median", median(a->fig, c->runs),
	       median(b->fig, c->runs));
	c->ratio = ratio_ci(b->fig, c->runs, a->fig, c->runs, &c->clo, &c->chi);
	printf("  ratio B/A of medians %.4f, 95%% CI %.4f-%.4f (percentile bootstrap, %d resamples)\n",
	       c->ratio, c->clo, c->chi, RESAMPLES);
	fprintf(c->fq, "\"client %s\" %.6g %.6g %.6g\n", a->unit, c->ratio, c->clo, c->chi);
}

/* metric k: the largest distance of a run from its side's median, in words */
static void spread_note(const struct cmp *c, int k, char *note, size_t size)
{
	double spread = 0;

	for (int s = 0; s < 2; s++) {
		const double *v = c->mval[s][k];
		double m = median(v, c->meas);

		for (int i = 0; i < c->meas; i++)
			if (m > 0 && fabs(v[i] - m) / m > spread)
				spread = fabs(v[i] - m) / m;
	}
	*note = '\0';
	if (c->meas > 1 && spread == 0)
		snprintf(note, size, "(runs identical)");
	else if (c->meas > 1)
		snprintf(note, size, "(runs within ±%.2f%%)", 100 * spread);
}

/*
 * The representativeness figure: kernel instructions run in code that the
 * kernel's profile placed cold, per operation and as a share of all its
 * kernel instructions (a side without cold ranges: "-").
 */
static void print_cold(const struct cmp *c)
{
	char v[2][2][32];

	if (!c->ncold[0] && !c->ncold[1])
		return;
	for (int s = 0; s < 2; s++) {
		if (c->ncold[s] != c->meas) {
			snprintf(v[s][0], sizeof(v[s][0]), "-");
			snprintf(v[s][1], sizeof(v[s][1]), "-");
			continue;
		}
		snprintf(v[s][0], sizeof(v[s][0]), "%.2f", median(c->cold[s], c->meas));
		snprintf(v[s][1], sizeof(v[s][1]), "%.2f %%", median(c->cshare[s], c->meas));
	}
	printf("  %-40s %14s %14s\n", "kernel instructions in cold code", v[0][0], v[1][0]);
	printf("  %-40s %14s %14s   (cold: .text.unlikely, *.cold)\n", "  share of kernel instructions", v[0][1], v[1][1]);
}

static void print_measure(const struct cmp *c)
{
	printf("\ndeterministic figures per %s (tcg -icount, kpgo-frontend plugin, %d run%s each,\n"
	       "%s; %.0f %ss a run; lower is better, ratio A/B of medians)\n",
	       c->op, c->meas, c->meas > 1 ? "s" : "",
	       strcmp(c->client_in, "guest") ? "the client on the host, over virtio-net" :
	       "the load in the guest, over loopback", c->ops[1], c->op);
	printf("  %-40s %14s %14s %8s %s\n", "metric", "A", "B", "A/B", "");
	for (int k = 0; k < (int)NMETRICS; k++) {
		const double *a = c->mval[0][k], *b = c->mval[1][k];
		double lo, hi, r;
		char note[64];

		spread_note(c, k, note, sizeof(note));
		r = ratio_ci(a, c->meas, b, c->meas, &lo, &hi);
		printf("  %-40s %14.2f %14.2f %8.4f %s\n", metrics[k].label,
		       median(a, c->meas), median(b, c->meas), r, note);
		fprintf(c->fq, "\"%s\" %.6g %.6g %.6g\n", metrics[k].label, r, lo, hi);
	}
	print_cold(c);
}

/* the image sizes, when both size-<side>.txt are there */
static void print_sizes(const struct cmp *c)
{
	char path[4400], *sz[2];

	for (int s = 0; s < 2; s++) {
		snprintf(path, sizeof(path), "%s/size-%c.txt", c->dir, 'a' + s);
		sz[s] = read_text(path, 0);
	}
	if (sz[0] && sz[1]) {
		printf("\nkernel image (bytes; smaller is not always better: hot/cold split)\n");
		for (int k = 0; k < 4; k++) {
			double v[2];

			for (int s = 0; s < 2; s++) {
				v[s] = kv_num(sz[s], sizes[k], s ? "size-b.txt" : "size-a.txt");
				fprintf(c->fc, "%s,%s,%s,size,0,%c,%s,%s,%.0f\n", c->wl, c->na,
					c->nb, 'A' + s, s ? c->nb : c->na, sizes[k], v[s]);
			}
			printf("  %-40s %14.0f %14.0f %8.4f\n", k == 3 ? "bzImage" : sizes[k],
			       v[0], v[1], v[1] / v[0]);
		}
	}
	free(sz[0]);
	free(sz[1]);
}

static void parse_args(struct cmp *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dir", 1, 0, 'd' }, { "workload", 1, 0, 'w' }, { "a", 1, 0, 'a' },
		{ "b", 1, 0, 'b' }, { "runs", 1, 0, 'n' }, { "measure", 1, 0, 'm' },
		{ "csv", 1, 0, 'c' }, { "chart-data", 1, 0, 'p' }, { "help", 0, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	int o;

	kp_set_prog(argv[0]);
	c->runs = -1;
	while ((o = kp_getopt(argc, argv, "", lo, usage)) != -1) {
		switch (o) {
		case 'd': c->dir = optarg; break;
		case 'w': c->wl = optarg; break;
		case 'a': c->na = optarg; break;
		case 'b': c->nb = optarg; break;
		case 'n': c->runs = atoi(optarg); break;
		case 'm': c->meas = atoi(optarg); break;
		case 'c': c->csv = optarg; break;
		case 'p': c->prefix = optarg; break;
		}
	}
	if (!c->dir || !c->wl || !c->na || !c->nb || c->runs < 0 || c->runs > MAX_RUNS ||
	    c->meas < 0 || c->meas > MAX_RUNS || c->runs + c->meas == 0) {
		usage(stderr);
		exit(2);
	}
	if (!c->csv)
		c->csv = kp_xasprintf("%s/compare.csv", c->dir);
	if (!c->prefix)
		c->prefix = kp_xasprintf("%s/chart", c->dir);
}

/* the chart's data files, PREFIX-runs.dat and PREFIX-ratios.dat */
static void open_chart(struct cmp *c)
{
	char *path = kp_xasprintf("%s-runs.dat", c->prefix);

	c->fr = fopen(path, "w");
	free(path);
	path = kp_xasprintf("%s-ratios.dat", c->prefix);
	c->fq = fopen(path, "w");
	free(path);
	if (!c->fr || !c->fq)
		kp_die("%s-*.dat: %s", c->prefix, strerror(errno));
	fprintf(c->fr, "# run A B (%s)\n", c->side[0].unit);
	fprintf(c->fq, "# metric ratio lo hi (above 1: B better)\n");
}

int main(int argc, char **argv)
{
	static struct cmp c = { .op = "operation" };
	char label[300];

	parse_args(&c, argc, argv);
	if (!strcmp(c.na, "baseline") && strcmp(c.nb, "baseline"))
		snprintf(label, sizeof(label), "%s: optimized/baseline", c.wl);
	else
		snprintf(label, sizeof(label), "%s: %s/%s", c.wl, c.nb, c.na);

	c.fc = fopen(c.csv, "w");
	if (!c.fc)
		kp_die("%s: %s", c.csv, strerror(errno));
	fprintf(c.fc, "workload,kernel_a,kernel_b,kind,run,side,kernel,metric,value\n");
	read_client(&c);
	for (int i = 1; i <= c.meas; i++)
		for (int s = 0; s < 2; s++)
			read_measure(&c, i, s);

	printf("%s: kernel A = %s, kernel B = %s\n", c.wl, c.na, c.nb);
	open_chart(&c);
	if (c.runs)
		print_client(&c);
	if (c.meas)
		print_measure(&c);
	print_sizes(&c);
	if (fclose(c.fc) || fclose(c.fr) || fclose(c.fq))
		kp_die("%s: write error", c.dir);
	printf("\n");
	if (c.runs)
		printf("%s = %.3f (N=%d each, 95%% CI %.3f–%.3f)\n", label, c.ratio, c.runs,
		       c.clo, c.chi);
	else
		printf("%s: no client runs (PGO_COMPARE_RUNS=0)\n", label);
	return 0;
}
