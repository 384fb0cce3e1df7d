// SPDX-License-Identifier: GPL-2.0
/*
 * gcda.c - kpgo-gcda: check, merge and install the kernel's gcov data.
 *
 * The kernel's debugfs gcov files carry no object summary record, so gcc
 * sees runs=0 and sum_max=0 and makes poor hot/cold decisions.  This tool
 * merges trees of .gcda files, writes a kernel-wide summary into every file
 * and installs the result, touching only files whose bytes change.
 *
 * Only the gcc >= 12 format is read: little-endian 32-bit words, record
 * lengths in bytes, arc counters only.  See --help.
 */
#define _GNU_SOURCE
#include "profinst.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GCDA_MAGIC	0x67636461u	/* "gcda" */
#define GCNO_MAGIC	0x67636e6fu	/* "gcno" */
#define TAG_SUMMARY	0xa1000000u
#define TAG_FUNCTION	0x01000000u
#define TAG_COUNTER	0x01a10000u	/* + (type << 17) */
#define HDR_SIZE	16u
#define FN_LEN		12u
#define SUMMARY_LEN	8u
#define MAX_COUNTERS	(1u << 24)	/* per record; more means corrupt */
#define CTR_MAX		((uint64_t)INT64_MAX)	/* gcov_type is signed */

static const char help_text[] =
"Usage: kpgo-gcda merge -o OUTDIR [--installed LIST] [--deps FILE]\n"
"                       [--normalize] [--threshold PCT] [--quiet]\n"
"                       INDIR[:WEIGHT]...\n"
"       kpgo-gcda stat [--top K] [--notes NOTESDIR] DIR...\n"
"       kpgo-gcda dump FILE\n"
"\n"
"Check, merge and install Linux kernel gcov data (.gcda, gcc >= 12 format,\n"
"arc counters only) for gcc -fprofile-use.  The kernel's files lack the\n"
"object summary record, so gcc would see runs=0 and sum_max=0.\n"
"\n"
"Commands:\n"
"  merge   Union the INDIR trees by relative path (kernel/fork.gcda is the\n"
"          profile of kernel/fork.o); merge files found in several INDIRs\n"
"          function by function (by ident and checksums), adding the arc\n"
"          counters times the INDIR's WEIGHT (positive integer, default 1).\n"
"          Every output file gets the summary runs = sum over the INDIRs\n"
"          of their runs (their files' largest summary runs; a file without\n"
"          summary is one run) and sum_max = the largest merged counter of\n"
"          all files (both saturated at 2^32-1).  All inputs are validated\n"
"          before anything is written; a file is rewritten (atomically)\n"
"          only when its bytes change.  Prints one summary line.\n"
"  stat    Validate each DIR; print objects (and how many have non-zero\n"
"          counters), functions, arc counters, their sum and maximum, and\n"
"          how many files have a summary record.\n"
"  dump    Print FILE's header, summary, functions and counters.\n"
"\n"
"Options:\n"
"  -o, --output OUTDIR  merge: write OUTDIR/<relative path>.  Required.\n"
"  --installed LIST     merge: LIST holds the relative paths a previous\n"
"                       merge wrote into OUTDIR, one a line; those not\n"
"                       written now are removed and LIST is updated.  A\n"
"                       missing LIST is empty.\n"
"  --deps FILE          merge: write make rules 'dir/x.o: dir/x.gcda'\n"
"                       (relative to OUTDIR) for all output files.\n"
"  --normalize          merge: first scale each INDIR so that the sum of\n"
"                       all its counters equals the largest INDIR's sum\n"
"                       (a long run does not drown a short one); WEIGHT\n"
"                       then says how many times an INDIR counts.\n"
"  --threshold PCT      merge: keep an installed OUTDIR file (do not\n"
"                       rewrite it) when its object's profile moved by less\n"
"                       than PCT percent: 100 * (1 - overlap), overlap being\n"
"                       the sum over its arc counters of min(old/old sum,\n"
"                       new/new sum).  Files whose functions differ are\n"
"                       always rewritten.  0 (default): any change.\n"
"  -q, --quiet          merge: no summary line.\n"
"  --notes NOTESDIR     stat: each DIR/x.gcda must hold exactly the\n"
"                       functions (idents and checksums, in order) of\n"
"                       NOTESDIR/x.gcno (gcc -ftest-coverage's notes, in\n"
"                       the instrumented build): a file cut short at a\n"
"                       record boundary or of another build is refused.\n"
"  --top K              stat: also list the K objects with the largest\n"
"                       counter sums: '  <sum> <share%> <relpath>'.\n"
"  -h, --help           Print this help.\n"
"An INDIR whose name contains ':' must be given as INDIR:1.\n"
"\n"
"Exit status: 0 success, 1 bad data or I/O error (merge then writes\n"
"nothing for bad input), 2 usage error.\n";

struct fn {
	uint32_t ident, lineno_sum, cfg_sum;
	uint32_t n;		/* arc counters */
	uint64_t *ctr;		/* n counters; NULL while all are zero */
	size_t off;		/* byte offset of the function record */
	size_t ctr_off;		/* byte offset of its counter record */
	unsigned char placeholder;	/* length 0: no data in this object */
	unsigned char has_arcs;		/* an arc counter record follows */
	unsigned char matched;		/* merge scratch */
};

struct gcda {
	char *path;		/* the (first) file read, for messages */
	uint32_t version, stamp, checksum;
	int has_summary;
	size_t summary_off;
	uint32_t runs, sum_max;
	size_t nfn, cap;
	struct fn *fn;
};

struct reader {
	const char *path;
	const unsigned char *buf;
	size_t len, off;
};

/* A WEIGHT is num/den so that decimal weights only need a new parser. */
struct weight {
	uint64_t num, den;
};

struct input {
	char *dir;
	struct weight w;
	uint32_t runs;		/* largest runs of its files */
};

struct entry {
	char *rel;		/* path relative to its input */
	size_t in;		/* index of the input */
};

struct elist {
	struct entry *v;
	size_t n, cap;
};

struct merge_opts {
	const char *outdir, *installed, *deps;
	int quiet, normalize;
	double threshold;	/* --threshold, percent; 0: off */
};

struct counts {
	size_t updated, unchanged, kept, added, removed;
};

struct totals {
	size_t fns, ctrs;	/* functions with data, arc counters */
	uint64_t sum, max;	/* of the counters */
};

/* ---- small helpers ----------------------------------------------------- */

_Noreturn static void bad_option(char **argv, int c)
{
	if (c == ':')
		kp_usage_error("%s: option '%s' needs an argument", argv[0],
			    argv[optind - 1]);
	kp_usage_error("%s: unknown option '%s'", argv[0], argv[optind - 1]);
}

/* "<file>: offset <n>: <what is wrong>", exit 1 */
_Noreturn static void bad(const struct reader *r, size_t off,
			  const char *fmt, ...) KP_PRINTF(3, 4);
static void bad(const struct reader *r, size_t off, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kp_die("%s: offset %zu: %s", r->path, off, msg);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put32(struct kp_buf *b, uint32_t v)
{
	unsigned char w[4] = { v, v >> 8, v >> 16, v >> 24 };

	kp_buf_add(b, w, 4);
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > CTR_MAX - b ? CTR_MAX : a + b;
}

static uint64_t scale(uint64_t c, const struct weight *w)
{
	unsigned __int128 r;

	if (w->num == w->den)
		return c;
	r = (unsigned __int128)c * w->num / w->den;
	return r > CTR_MAX ? CTR_MAX : (uint64_t)r;
}

/* Parse a decimal integer in [1, max]; returns 0 or -1. */
static int parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end || *v == 0 || *v > max ? -1 : 0;
}

static int parse_weight(const char *s, struct weight *w)
{
	w->den = 1;
	return parse_uint(s, 1000000, &w->num);
}

/* ---- parsing ----------------------------------------------------------- */

/* gcc's version word: 'B','2','2','*' is gcc 12.2; returns major or -1. */
static int gcc_major(uint32_t v, int *minor)
{
	int c3 = v >> 24, c2 = (v >> 16) & 0xff, c1 = (v >> 8) & 0xff;

	if (c2 < '0' || c2 > '9' || c1 < '0' || c1 > '9')
		return -1;
	*minor = c1 - '0';
	if (c3 >= '0' && c3 <= '9')	/* pre-gcc-5 encoding, e.g. "407*" */
		return c3 - '0';
	if (c3 >= 'A' && c3 <= 'Z')
		return (c3 - 'A') * 10 + c2 - '0';
	return -1;
}

static void version_str(uint32_t v, char s[5])
{
	for (int i = 0; i < 4; i++) {
		int c = (v >> (24 - 8 * i)) & 0xff;

		s[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	s[4] = '\0';
}

static void parse_header(struct reader *r, struct gcda *g)
{
	uint32_t magic;
	int major, minor;
	char vs[5];

	if (r->len < HDR_SIZE)
		bad(r, 0, "file is %zu bytes, shorter than the 16-byte gcda header: it is truncated or empty; copy it again",
		    r->len);
	magic = get32(r->buf);
	if (magic == GCNO_MAGIC)
		bad(r, 0, "this is a .gcno notes file, not .gcda data");
	if (magic == __builtin_bswap32(GCDA_MAGIC))
		bad(r, 0, "byte-swapped gcda (big-endian host): only little-endian data is supported");
	if (magic != GCDA_MAGIC)
		bad(r, 0, "bad magic 0x%08x (expected 0x%08x 'gcda'): not a gcov data file; remove it from the input",
		    magic, GCDA_MAGIC);
	g->version = get32(r->buf + 4);
	g->stamp = get32(r->buf + 8);
	g->checksum = get32(r->buf + 12);
	version_str(g->version, vs);
	major = gcc_major(g->version, &minor);
	if (major < 0)
		bad(r, 4, "bad version word 0x%08x '%s': not a gcov data file",
		    g->version, vs);
	if (major < 12)
		bad(r, 4, "data of gcc %d.%d (version '%s') uses the pre-gcc-12 format (lengths in words), which is not supported; build the kernel with gcc 12 or newer",
		    major, minor, vs);
	r->off = HDR_SIZE;
}

static void parse_summary(struct reader *r, struct gcda *g, uint32_t len)
{
	if (len != SUMMARY_LEN)
		bad(r, r->off, "object summary record of length %u (expected %u): the file is corrupt",
		    len, SUMMARY_LEN);
	if (g->has_summary)
		bad(r, r->off, "second object summary record: the file is corrupt");
	g->has_summary = 1;
	g->summary_off = r->off;
	g->runs = get32(r->buf + r->off + 8);
	g->sum_max = get32(r->buf + r->off + 12);
	r->off += 8 + SUMMARY_LEN;
}

static struct fn *new_fn(struct gcda *g)
{
	if (g->nfn == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 16;
		g->fn = kp_xrealloc(g->fn, g->cap * sizeof(*g->fn));
	}
	memset(&g->fn[g->nfn], 0, sizeof(g->fn[0]));
	return &g->fn[g->nfn++];
}

static struct fn *parse_function(struct reader *r, struct gcda *g,
				 uint32_t len)
{
	const unsigned char *p = r->buf + r->off + 8;
	struct fn *f;

	if (len != 0 && len != FN_LEN)
		bad(r, r->off, "function record of length %u (expected %u, or 0 for a placeholder): the file is corrupt",
		    len, FN_LEN);
	f = new_fn(g);
	f->off = r->off;
	f->placeholder = !len;
	if (len) {
		f->ident = get32(p);
		f->lineno_sum = get32(p + 4);
		f->cfg_sum = get32(p + 8);
	}
	r->off += 8 + len;
	return f;
}

static void read_counters(struct reader *r, struct fn *f)
{
	const unsigned char *p = r->buf + r->off + 8;
	int nonzero = 0;

	f->ctr = kp_xcalloc(f->n ? f->n : 1, sizeof(*f->ctr));
	for (uint32_t i = 0; i < f->n; i++, p += 8) {
		uint64_t v = get32(p) | (uint64_t)get32(p + 4) << 32;

		if (v > CTR_MAX)
			bad(r, (size_t)(p - r->buf), "arc counter %u of function ident %u is negative (%" PRId64 "): the file is corrupt",
			    i, f->ident, (int64_t)v);
		f->ctr[i] = v;
		nonzero |= v != 0;
	}
	if (!nonzero) {
		free(f->ctr);
		f->ctr = NULL;
	}
}

/* gcc 12 writes an all-zero record with length -(n * 8) and no payload */
static void parse_counters(struct reader *r, struct fn *f, uint32_t tag,
			   int64_t slen)
{
	uint32_t type = (tag - TAG_COUNTER) >> 17;
	uint64_t bytes = slen < 0 ? (uint64_t)-slen : (uint64_t)slen;

	if (type)
		bad(r, r->off, "counter record of type %u (tag 0x%08x): only arc counters (type 0, -fprofile-arcs) are supported; profile without -fprofile-values/-fprofile-generate",
		    type, tag);
	if (!f || f->placeholder)
		bad(r, r->off, "arc counter record without a function record before it: the file is corrupt");
	if (f->has_arcs)
		bad(r, r->off, "second arc counter record for function ident %u: the file is corrupt",
		    f->ident);
	if (bytes % 8 || bytes / 8 > MAX_COUNTERS)
		bad(r, r->off, "arc counter record of length %" PRId64 " (not a multiple of 8 or over %u counters): the file is corrupt",
		    slen, MAX_COUNTERS);
	f->has_arcs = 1;
	f->ctr_off = r->off;
	f->n = (uint32_t)(bytes / 8);
	if (slen > 0)
		read_counters(r, f);
	r->off += 8 + (slen > 0 ? bytes : 0);
}

static int is_counter_tag(uint32_t tag)
{
	return tag >= TAG_COUNTER && tag < TAG_COUNTER + (32u << 17) &&
	       !((tag - TAG_COUNTER) & 0x1ffff);
}

static void parse_records(struct reader *r, struct gcda *g)
{
	struct fn *cur = NULL;

	while (r->len - r->off >= 4) {
		uint32_t tag = get32(r->buf + r->off), len;
		size_t left;

		if (!tag)	/* end marker; libgcov may leave stale bytes */
			return;
		if (r->len - r->off < 8)
			bad(r, r->off, "record 0x%08x has no length word: the file is truncated; copy it again",
			    tag);
		if (tag != TAG_SUMMARY && tag != TAG_FUNCTION &&
		    !is_counter_tag(tag))
			bad(r, r->off, "unknown record tag 0x%08x: not gcc >= 12 gcda data, or corrupt",
			    tag);
		len = get32(r->buf + r->off + 4);
		left = r->len - r->off - 8;
		if (len < 0x80000000u && len > left)
			bad(r, r->off, "record 0x%08x of %u bytes runs past the end of the file (%zu bytes left): it is truncated; copy it again",
			    tag, len, left);
		if (tag == TAG_SUMMARY)
			parse_summary(r, g, len);
		else if (tag == TAG_FUNCTION)
			cur = parse_function(r, g, len);
		else
			parse_counters(r, cur, tag, (int64_t)len -
				       (len < 0x80000000u ? 0 : 0x100000000));
	}
	if (r->off != r->len)
		bad(r, r->off, "%zu stray bytes at the end (not a whole record): the file is truncated; copy it again",
		    r->len - r->off);
}

static void free_gcda(struct gcda *g)
{
	for (size_t i = 0; i < g->nfn; i++)
		free(g->fn[i].ctr);
	free(g->fn);
	free(g->path);
	memset(g, 0, sizeof(*g));
}

/* Read and validate one file; dies with a message on any error. */
static void load_gcda(const char *path, struct gcda *g)
{
	struct reader r = { .path = path };
	unsigned char *data;
	const char *why;

	if (kp_read_regular(path, KP_MAX_GCDA, KP_RD_ONE_LINK, &data, &r.len, &why))
		kp_die("%s: cannot read: %s", path, why);
	r.buf = data;
	memset(g, 0, sizeof(*g));
	g->path = kp_xstrdup(path);
	parse_header(&r, g);
	parse_records(&r, g);
	free(data);
}

/* ---- directory trees ---------------------------------------------------- */

static void elist_add(struct elist *l, char *rel, size_t in)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->v = kp_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].rel = rel;
	l->v[l->n++].in = in;
}

/* An entry of a profile tree that kpgo will not read: said by its name. */
_Noreturn static void refuse(const char *root, char *sub, const char *why)
{
	static char *name;	/* static: still reachable at exit */

	name = kp_xescape(sub);
	free(sub);

	kp_die("%s: '%s' is %s: a profile holds only directories and regular .gcda files named like the kernel's objects; refused (remove it, or use a profile made by kpgo)",
	       root, name, why);
}

/*
 * Add the .gcda files under root/rel.  The tree is untrusted (a guest's
 * share, a downloaded profile): symbolic links, FIFOs, devices and names
 * that kp_path_bad() refuses stop the scan.
 */
static void scan_dir(const char *root, const char *rel, size_t in,
		     struct elist *l)
{
	char *dir = *rel ? kp_xasprintf("%s/%s", root, rel) : kp_xstrdup(root);
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		kp_die("%s: cannot open directory: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		char *sub, *path;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = *rel ? kp_xasprintf("%s/%s", rel, de->d_name) :
			     kp_xstrdup(de->d_name);
		path = kp_xasprintf("%s/%s", root, sub);
		if (lstat(path, &st))
			kp_die("%s: cannot stat: %s", path, strerror(errno));
		free(path);
		if (S_ISDIR(st.st_mode)) {
			scan_dir(root, sub, in, l);
			free(sub);
		} else if (!S_ISREG(st.st_mode)) {
			refuse(root, sub, S_ISLNK(st.st_mode) ? "a symbolic link" :
			       S_ISFIFO(st.st_mode) ? "a FIFO" :
			       S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ?
			       "a device node" : "not a regular file");
		} else if (has_suffix(sub, ".gcda")) {
			if (kp_path_bad(sub, ".gcda"))
				refuse(root, sub, kp_path_bad(sub, ".gcda"));
			elist_add(l, sub, in);
		} else {
			free(sub);
		}
	}
	closedir(d);
	free(dir);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->rel, y->rel);

	return c ? c : (x->in > y->in) - (x->in < y->in);
}

/* All .gcda files of one tree; dies when there is none. */
static void scan_tree(char *root, size_t in, struct elist *l)
{
	size_t before = l->n, len = strlen(root);

	while (len > 1 && root[len - 1] == '/')
		root[--len] = '\0';
	scan_dir(root, "", in, l);
	if (l->n == before)
		kp_die("no .gcda files in %s: give the directory holding the gcov data (e.g. a copy of /sys/kernel/debug/gcov)",
		       root);
}

static void elist_free(struct elist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].rel);
	free(l->v);
}

/* ---- merging ------------------------------------------------------------ */

static void scale_gcda(struct gcda *g, const struct weight *w)
{
	for (size_t i = 0; i < g->nfn; i++)
		for (uint32_t j = 0; g->fn[i].ctr && j < g->fn[i].n; j++)
			g->fn[i].ctr[j] = scale(g->fn[i].ctr[j], w);
}

static struct fn *find_fn(struct gcda *out, size_t hint, const struct fn *f)
{
	if (hint < out->nfn && !out->fn[hint].placeholder &&
	    !out->fn[hint].matched && out->fn[hint].ident == f->ident)
		return &out->fn[hint];
	for (size_t i = 0; i < out->nfn; i++)
		if (!out->fn[i].placeholder && !out->fn[i].matched &&
		    out->fn[i].ident == f->ident)
			return &out->fn[i];
	return NULL;
}

static void add_fn(struct fn *dst, const struct fn *src,
		   const struct weight *w, const char *p1, const char *p2)
{
	if (dst->lineno_sum != src->lineno_sum || dst->cfg_sum != src->cfg_sum ||
	    dst->n != src->n)
		kp_die("function ident %u differs between %s (offset %zu: checksums 0x%08x/0x%08x, %u counters) and %s (offset %zu: 0x%08x/0x%08x, %u counters): they come from different builds; merge only profiles of the same kernel build",
		       dst->ident, p1, dst->off, dst->lineno_sum, dst->cfg_sum,
		       dst->n, p2, src->off, src->lineno_sum, src->cfg_sum,
		       src->n);
	dst->matched = 1;
	dst->has_arcs |= src->has_arcs;
	if (!src->ctr)
		return;
	if (!dst->ctr)
		dst->ctr = kp_xcalloc(dst->n, sizeof(*dst->ctr));
	for (uint32_t j = 0; j < dst->n; j++)
		dst->ctr[j] = sat_add(dst->ctr[j], scale(src->ctr[j], w));
}

_Noreturn static void missing_fn(const struct fn *f, const char *has,
				 const char *lacks)
{
	kp_die("function ident %u of %s (offset %zu) is not in %s: they come from different builds; merge only profiles of the same kernel build",
	       f->ident, has, f->off, lacks);
}

static void merge_gcda(struct gcda *out, const struct gcda *g,
		       const struct weight *w)
{
	if (out->version != g->version)
		kp_die("%s (version 0x%08x) and %s (version 0x%08x) were written by different gcc versions; merge only profiles of the same kernel build",
		       out->path, out->version, g->path, g->version);
	for (size_t i = 0; i < out->nfn; i++)
		out->fn[i].matched = 0;
	for (size_t i = 0; i < g->nfn; i++) {
		const struct fn *f = &g->fn[i];
		struct fn *dst;

		if (f->placeholder)
			continue;
		dst = find_fn(out, i, f);
		if (!dst)
			missing_fn(f, g->path, out->path);
		add_fn(dst, f, w, out->path, g->path);
	}
	for (size_t i = 0; i < out->nfn; i++)
		if (!out->fn[i].placeholder && !out->fn[i].matched)
			missing_fn(&out->fn[i], out->path, g->path);
}

struct obj {
	const char *rel;
	struct gcda g;
};

/* Read, validate and merge every file of every input; writes nothing. */
static struct obj *merge_all(struct input *in, const struct elist *l,
			     size_t *nobj)
{
	struct obj *o = kp_xcalloc(l->n, sizeof(*o));
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct entry *e = &l->v[i];
		struct input *ip = &in[e->in];
		char *path = kp_xasprintf("%s/%s", ip->dir, e->rel);
		struct gcda g;
		uint32_t runs;

		load_gcda(path, &g);
		free(path);
		runs = g.has_summary && g.runs ? g.runs : 1;
		ip->runs = runs > ip->runs ? runs : ip->runs;
		if (!n || strcmp(o[n - 1].rel, e->rel)) {
			o[n].rel = e->rel;
			o[n].g = g;
			scale_gcda(&o[n++].g, &ip->w);
			continue;
		}
		merge_gcda(&o[n - 1].g, &g, &ip->w);
		free_gcda(&g);
	}
	*nobj = n;
	return o;
}

static void add_totals(struct totals *t, const struct gcda *g)
{
	for (size_t i = 0; i < g->nfn; i++) {
		const struct fn *f = &g->fn[i];

		t->fns += !f->placeholder;
		t->ctrs += f->n;
		for (uint32_t j = 0; f->ctr && j < f->n; j++) {
			t->sum = sat_add(t->sum, f->ctr[j]);
			t->max = f->ctr[j] > t->max ? f->ctr[j] : t->max;
		}
	}
}

/* header, summary, functions with explicit counters, end marker */
static void serialize(const struct gcda *g, uint32_t runs, uint32_t sum_max,
		      struct kp_buf *b)
{
	b->n = 0;
	put32(b, GCDA_MAGIC);
	put32(b, g->version);
	put32(b, g->stamp);
	put32(b, g->checksum);
	put32(b, TAG_SUMMARY);
	put32(b, SUMMARY_LEN);
	put32(b, runs);
	put32(b, sum_max);
	for (size_t i = 0; i < g->nfn; i++) {
		const struct fn *f = &g->fn[i];

		put32(b, TAG_FUNCTION);
		put32(b, f->placeholder ? 0 : FN_LEN);
		if (f->placeholder)
			continue;
		put32(b, f->ident);
		put32(b, f->lineno_sum);
		put32(b, f->cfg_sum);
		if (!f->has_arcs)
			continue;
		put32(b, TAG_COUNTER);
		put32(b, f->n * 8);
		for (uint32_t j = 0; j < f->n; j++) {
			uint64_t v = f->ctr ? f->ctr[j] : 0;

			put32(b, (uint32_t)v);
			put32(b, (uint32_t)(v >> 32));
		}
	}
	put32(b, 0);
}

/*
 * How much an object's profile moved between the installed file and the
 * new one, in percent (kp_inst_shape_change); above 100 when the two
 * cannot be compared (other functions or checksums).
 */
static double profile_change(const struct gcda *old, const struct gcda *new)
{
	struct kp_ctrs *a, *b;
	double change;

	if (old->version != new->version || old->nfn != new->nfn)
		return 200;
	for (size_t i = 0; i < new->nfn; i++) {
		const struct fn *x = &old->fn[i], *y = &new->fn[i];

		if (x->placeholder != y->placeholder || x->ident != y->ident ||
		    x->cfg_sum != y->cfg_sum || x->lineno_sum != y->lineno_sum ||
		    x->n != y->n)
			return 200;
	}
	a = kp_xcalloc(new->nfn + 1, sizeof(*a));
	b = kp_xcalloc(new->nfn + 1, sizeof(*b));
	for (size_t i = 0; i < new->nfn; i++) {
		a[i] = (struct kp_ctrs){ old->fn[i].ctr, old->fn[i].n };
		b[i] = (struct kp_ctrs){ new->fn[i].ctr, new->fn[i].n };
	}
	change = kp_inst_shape_change(a, b, new->nfn);
	free(a);
	free(b);
	return change;
}

/* profinst's measure of how far an installed file moved (percent) */
static double installed_change(const char *path, const unsigned char *cur,
			       size_t len, void *ctx)
{
	struct gcda old;
	double change;

	load_gcda(path, &old);
	change = profile_change(&old, ctx);
	free_gcda(&old);
	return change;
}

static void write_objs(const struct merge_opts *mo, struct obj *o, size_t n,
		       uint32_t runs, uint32_t sum_max, struct counts *c)
{
	struct kp_inst in = {
		.tree = mo->outdir, .list = mo->installed, .deps = mo->deps,
		.suffix = ".gcda", .threshold = mo->threshold,
	};
	char **rels = kp_xcalloc(n, sizeof(*rels));
	struct kp_buf b = { 0 };

	for (size_t i = 0; i < n; i++)
		rels[i] = (char *)o[i].rel;
	kp_inst_begin(&in, rels, n);
	for (size_t i = 0; i < n; i++) {
		serialize(&o[i].g, runs, sum_max, &b);
		kp_inst_file(&in, o[i].rel, b.p, b.n, installed_change, &o[i].g);
	}
	kp_inst_end(&in);
	*c = (struct counts){ in.updated, in.unchanged, in.kept, in.added, in.removed };
	free(b.p);
	free(rels);
}

/* ---- subcommands -------------------------------------------------------- */

static void parse_indir(const char *arg, struct input *in)
{
	const char *colon = strrchr(arg, ':');

	in->w = (struct weight){ 1, 1 };
	in->runs = 0;
	if (!colon) {
		in->dir = kp_xstrdup(arg);
		return;
	}
	if (parse_weight(colon + 1, &in->w))
		kp_usage_error("bad weight '%s' in '%s': give a positive integer up to 1000000",
			    colon + 1, arg);
	in->dir = kp_xasprintf("%.*s", (int)(colon - arg), arg);
	if (!*in->dir)
		kp_usage_error("empty directory name in '%s'", arg);
}

static void print_merge(const struct merge_opts *mo, size_t n,
			const struct counts *c, const struct totals *t,
			uint64_t runs, uint64_t max)
{
	char kept[64] = "";

	if (mo->threshold > 0)
		snprintf(kept, sizeof(kept), ", kept %zu (moved < %g%%)",
			 c->kept, mo->threshold);
	printf("%s: %zu objects (updated %zu, unchanged %zu%s, added %zu, removed %zu), %zu functions, %zu arc counters, runs %" PRIu64 ", sum_max %" PRIu64 "\n",
	       kp_prog(), n, c->updated, c->unchanged, kept, c->added,
	       c->removed, t->fns, t->ctrs, runs, max);
}

/* The sum of every counter of input i (its files in l). */
static uint64_t input_sum(const struct input *in, size_t i,
			  const struct elist *l)
{
	uint64_t sum = 0;

	for (size_t k = 0; k < l->n; k++) {
		char *path;
		struct gcda g;

		if (l->v[k].in != i)
			continue;
		path = kp_xasprintf("%s/%s", in[i].dir, l->v[k].rel);
		load_gcda(path, &g);
		free(path);
		for (size_t f = 0; f < g.nfn; f++)
			for (uint32_t j = 0; g.fn[f].ctr && j < g.fn[f].n; j++)
				sum = sat_add(sum, g.fn[f].ctr[j]);
		free_gcda(&g);
	}
	return sum;
}

/*
 * --normalize: weight_i * max_sum / sum_i for every input, so each counts
 * as much as the largest before its own weight (sums shifted down
 * together while the product would not fit).
 */
static void normalize(struct input *in, size_t nin, const struct elist *l)
{
	uint64_t *sum = kp_xcalloc(nin, sizeof(*sum)), ref = 0;

	for (size_t i = 0; i < nin; i++) {
		sum[i] = input_sum(in, i, l);
		if (!sum[i])
			kp_die("%s: every counter is 0: nothing to normalize (collect the profile again, or merge without --normalize)",
			       in[i].dir);
		ref = sum[i] > ref ? sum[i] : ref;
	}
	for (size_t i = 0; i < nin; i++) {
		uint64_t r = ref, s = sum[i], num;

		while (__builtin_mul_overflow(in[i].w.num, r, &num) || s > UINT64_MAX / in[i].w.den) {
			r >>= 1;
			s = s >> 1 ? s >> 1 : 1;
		}
		in[i].w = (struct weight){ num, in[i].w.den * s };
	}
	free(sum);
}

static void do_merge(const struct merge_opts *mo, struct input *in, size_t nin)
{
	struct elist l = { 0 };
	struct counts c = { 0 };
	struct totals t = { 0 };
	uint64_t runs = 0, max;
	struct obj *o;
	size_t n;

	for (size_t i = 0; i < nin; i++)
		scan_tree(in[i].dir, i, &l);
	qsort(l.v, l.n, sizeof(*l.v), cmp_entry);
	if (mo->normalize)
		normalize(in, nin, &l);
	o = merge_all(in, &l, &n);
	for (size_t i = 0; i < nin; i++)
		runs += in[i].runs;
	runs = runs > UINT32_MAX ? UINT32_MAX : runs;
	for (size_t i = 0; i < n; i++)
		add_totals(&t, &o[i].g);
	max = t.max > UINT32_MAX ? UINT32_MAX : t.max;

	write_objs(mo, o, n, (uint32_t)runs, (uint32_t)max, &c);
	if (!mo->quiet)
		print_merge(mo, n, &c, &t, runs, max);
	for (size_t i = 0; i < n; i++)
		free_gcda(&o[i].g);
	free(o);
	elist_free(&l);
}

static int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "installed", required_argument, NULL, 'I' },
		{ "deps", required_argument, NULL, 'D' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "normalize", no_argument, NULL, 'N' },
		{ "threshold", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct merge_opts mo = { 0 };
	struct input *in;
	int c, nin;

	while ((c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			mo.outdir = optarg;
			break;
		case 'I':
			mo.installed = optarg;
			break;
		case 'D':
			mo.deps = optarg;
			break;
		case 'q':
			mo.quiet = 1;
			break;
		case 'N':
			mo.normalize = 1;
			break;
		case 'T':
			mo.threshold = kp_inst_threshold(optarg);
			break;
		case 'h':
			fputs(help_text, stdout);
			return 0;
		default:
			bad_option(argv, c);
		}
	}
	if (!mo.outdir)
		kp_usage_error("merge: -o OUTDIR is required");
	nin = argc - optind;
	if (nin < 1)
		kp_usage_error("merge: give at least one INDIR");
	in = kp_xcalloc(nin, sizeof(*in));
	for (int i = 0; i < nin; i++)
		parse_indir(argv[optind + i], &in[i]);
	do_merge(&mo, in, nin);
	for (int i = 0; i < nin; i++)
		free(in[i].dir);
	free(in);
	return 0;
}

struct ostat {
	const char *rel;
	uint64_t sum;
};

static int cmp_ostat(const void *a, const void *b)
{
	const struct ostat *x = a, *y = b;

	if (x->sum != y->sum)
		return x->sum < y->sum ? 1 : -1;
	return strcmp(x->rel, y->rel);
}

/*
 * --notes: the functions of the object's .gcno (ident and checksums of
 * each function record, in order) must be exactly the .gcda's: a file cut
 * at a record boundary, or from another build, is refused.  gcc >= 12
 * notes: the 16-byte header, the working directory (a byte length and the
 * bytes), a flag word, then records (tag, byte length, payload).
 */
static void check_notes(const char *notes, const char *rel, const struct gcda *g)
{
	char *path = kp_xasprintf("%s/%.*sgcno", notes, (int)strlen(rel) - 4, rel);
	struct reader r = { .path = path };
	unsigned char *data;
	const char *why;
	size_t k = 0, off;

	if (kp_read_regular(path, KP_MAX_DATA, 0, &data, &r.len, &why))
		kp_die("%s: cannot read the notes of %s: %s (is this the instrumented kernel's object tree?)",
		       path, rel, why);
	r.buf = data;
	if (r.len < HDR_SIZE + 4 || get32(data) != GCNO_MAGIC)
		bad(&r, 0, "not a gcc notes file");
	if (get32(data + 4) != g->version)
		bad(&r, 4, "notes of another gcc version than %s's data", rel);
	off = HDR_SIZE + 4 + get32(data + HDR_SIZE) + 4;
	while (off <= r.len && r.len - off >= 8) {
		uint32_t tag = get32(data + off), len = get32(data + off + 4);

		if (len > r.len - off - 8)
			bad(&r, off, "record of %u bytes runs past the end", len);
		if (tag == TAG_FUNCTION && len >= FN_LEN) {
			const unsigned char *p = data + off + 8;
			const struct fn *f;

			while (k < g->nfn && g->fn[k].placeholder)
				k++;
			f = k < g->nfn ? &g->fn[k] : NULL;
			if (!f)
				kp_die("%s: function ident %u of the notes (offset %zu) is not in the data: the data is incomplete (cut short?) or of another build; collect it again",
				       rel, get32(p), off);
			if (f->ident != get32(p) || f->lineno_sum != get32(p + 4) ||
			    f->cfg_sum != get32(p + 8))
				kp_die("%s: function %zu is ident %u (checksums 0x%08x/0x%08x) in the data but ident %u (0x%08x/0x%08x) in the notes %s: the data is of another build; collect it again",
				       rel, k, f->ident, f->lineno_sum, f->cfg_sum, get32(p),
				       get32(p + 4), get32(p + 8), path);
			k++;
		}
		off += 8 + len;
	}
	while (k < g->nfn && g->fn[k].placeholder)
		k++;
	if (k < g->nfn)
		kp_die("%s: function ident %u of the data is not in the notes %s: the data is of another build",
		       rel, g->fn[k].ident, path);
	free(data);
	free(path);
}

static void stat_dir(char *dir, long top, const char *notes)
{
	struct elist l = { 0 };
	struct totals t = { 0 };
	struct ostat *os;
	size_t nonzero = 0, summ = 0;

	scan_tree(dir, 0, &l);
	qsort(l.v, l.n, sizeof(*l.v), cmp_entry);
	os = kp_xcalloc(l.n, sizeof(*os));
	for (size_t i = 0; i < l.n; i++) {
		char *path = kp_xasprintf("%s/%s", dir, l.v[i].rel);
		struct totals ot = { 0 };
		struct gcda g;

		load_gcda(path, &g);
		free(path);
		if (notes)
			check_notes(notes, l.v[i].rel, &g);
		add_totals(&ot, &g);
		add_totals(&t, &g);
		os[i] = (struct ostat){ l.v[i].rel, ot.sum };
		nonzero += ot.sum != 0;
		summ += g.has_summary;
		free_gcda(&g);
	}
	printf("%s: %zu objects (%zu with non-zero counters), %zu functions, %zu arc counters, sum %" PRIu64 ", max %" PRIu64 ", with summary: %zu\n",
	       dir, l.n, nonzero, t.fns, t.ctrs, t.sum, t.max, summ);
	qsort(os, l.n, sizeof(*os), cmp_ostat);
	for (size_t i = 0; i < l.n && (long)i < top; i++)
		printf("  %" PRIu64 " %.2f%% %s\n", os[i].sum,
		       t.sum ? 100.0 * (double)os[i].sum / (double)t.sum : 0.0,
		       os[i].rel);
	free(os);
	elist_free(&l);
}

static int cmd_stat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "top", required_argument, NULL, 't' },
		{ "notes", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *notes = NULL;
	uint64_t top = 0;
	int c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(help_text, stdout);
			return 0;
		}
		if (c == 'n') {
			notes = optarg;
			continue;
		}
		if (c != 't')
			bad_option(argv, c);
		if (parse_uint(optarg, 1000000, &top))
			kp_usage_error("bad --top '%s': give a positive integer",
				    optarg);
	}
	if (optind >= argc)
		kp_usage_error("stat: give at least one DIR");
	for (int i = optind; i < argc; i++)
		stat_dir(argv[i], (long)top, notes);
	return 0;
}

static void dump_fn(const struct fn *f)
{
	if (f->placeholder) {
		printf("offset %zu: function placeholder (no data)\n", f->off);
		return;
	}
	printf("offset %zu: function ident %u, lineno_checksum 0x%08x, cfg_checksum 0x%08x\n",
	       f->off, f->ident, f->lineno_sum, f->cfg_sum);
	if (!f->has_arcs)
		return;
	printf("offset %zu:   arcs: %u counters", f->ctr_off, f->n);
	for (uint32_t j = 0; j < f->n; j++) {
		if (!(j % 8))
			printf("\n    %8u:", j);
		printf(" %" PRIu64, f->ctr ? f->ctr[j] : 0);
	}
	printf("\n");
}

static int cmd_dump(int argc, char **argv)
{
	struct gcda g;
	char vs[5];
	int minor, major;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(help_text, stdout);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-')
		kp_usage_error("dump: give exactly one FILE");
	load_gcda(argv[1], &g);
	version_str(g.version, vs);
	major = gcc_major(g.version, &minor);
	printf("%s: magic 0x%08x 'gcda', version 0x%08x '%s' (gcc %d.%d), stamp 0x%08x, checksum 0x%08x\n",
	       g.path, GCDA_MAGIC, g.version, vs, major, minor, g.stamp,
	       g.checksum);
	if (g.has_summary)
		printf("offset %zu: summary: runs %u, sum_max %u\n",
		       g.summary_off, g.runs, g.sum_max);
	else
		printf("no summary record\n");
	for (size_t i = 0; i < g.nfn; i++)
		dump_fn(&g.fn[i]);
	free_gcda(&g);
	return 0;
}

int main(int argc, char **argv)
{
	kp_set_prog(argv[0]);
	/* a file size limit (ulimit -f) fails the write with EFBIG, said
	 * as an error, instead of killing the process */
	signal(SIGXFSZ, SIG_IGN);
	opterr = 0;
	if (argc < 2)
		kp_usage_error("give a command: merge, stat or dump");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		fputs(help_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "merge"))
		return cmd_merge(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stat"))
		return cmd_stat(argc - 1, argv + 1);
	if (!strcmp(argv[1], "dump"))
		return cmd_dump(argc - 1, argv + 1);
	kp_usage_error("unknown command '%s' (merge, stat or dump)", argv[1]);
}
