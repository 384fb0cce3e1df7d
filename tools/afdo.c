// SPDX-License-Identifier: GPL-2.0
/*
 * afdo.c - kpgo-afdo: the figures of an AutoFDO (sample) profile that
 * llvm-profgen made from the branch records of kpgo's TCG plugin.
 *
 *   kpgo-afdo stat [--plugin FIGURES] [--profgen-log LOG] [--top N] PROFILE.TXT
 *   kpgo-afdo install --objtree DIR --srctree SRC [--objects TREE]
 *             --installed LIST --deps DEPS [--threshold PCT] PROFILE.TXT
 *   kpgo-afdo weights [--normalize] [--stage DIR] PROFILE:WEIGHT ...
 *   kpgo-afdo bolt BRANCHES -o PREAGGREGATED
 *   kpgo-afdo bolt-prep VMLINUX -o SKIP -r RESERVED
 *   kpgo-afdo bolt-check VMLINUX BOLTED
 *
 * PROFILE.TXT is the profile in LLVM's text sample format (llvm-profdata
 * merge --sample --text): a line "NAME:TOTAL:HEAD" starts each top-level
 * function, indented lines are its body (line offsets, inlined callees).
 * The first line printed is the summary pgo-collect shows:
 *   kpgo-afdo: N functions with samples (H with head samples), T samples;
 *   hottest: F (x %), ...
 * then, with --plugin (its out= file: lbr_* lines), how the records were
 * taken, and with --profgen-log, llvm-profgen's warnings (the share of
 * records it could not match to the code on disk), one line each.
 *
 * install: the compiler reads the whole profile (one file for the kernel,
 * -fprofile-sample-use), but an object's code depends on the profiles of the
 * functions it defines (the callees inlined into them are nested in
 * theirs).  Each object compiled from C in TREE (default DIR; kpgo's
 * profiling kernel, built from the same sources and .config) gets its
 * share, the text of those functions' profiles (empty when none has
 * samples), installed as DIR/dir/obj.afdo through tools/profinst.h: written
 * when its bytes change and, with --threshold, only when its counts moved
 * by at least PCT percent (or its functions or lines differ).  DEPS gets
 * "dir/obj.o: dir/obj.afdo": Kbuild recompiles an object whose share
 * changed, and no other.  What the profile's summary changes for all
 * (its hot and cold thresholds) is not followed: an object whose own
 * share kept still is not recompiled for it.
 *
 * All inputs are read as regular files of bounded size; names are printed
 * escaped.
 */
#define _GNU_SOURCE
#include "profinst.h"
#include "util.h"

#include <elf.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct func {
	char *name;
	uint64_t total, head;
	const char *text;		/* install: its block of lines */
	size_t len;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: kpgo-afdo stat [--plugin FIGURES] [--profgen-log LOG] [--top N] PROFILE.TXT\n"
"       kpgo-afdo install --objtree DIR --srctree SRC [--objects TREE]\n"
"                 --installed LIST --deps DEPS [--threshold PCT] PROFILE.TXT\n"
"       kpgo-afdo weights [--normalize] [--stage DIR] PROFILE:WEIGHT ...\n"
"       kpgo-afdo bolt BRANCHES -o PREAGGREGATED\n"
"       kpgo-afdo bolt-prep VMLINUX -o SKIP -r RESERVED\n"
"       kpgo-afdo bolt-check VMLINUX BOLTED\n"
"\n"
"stat: the figures of a sample profile in LLVM's text format: functions\n"
"with samples, samples in all, the hottest functions; with --plugin, the\n"
"plugin's branch-record figures; with --profgen-log, llvm-profgen's\n"
"warnings.\n"
"install: each object's share of the profile (the profiles of the\n"
"functions it defines) as DIR/dir/obj.afdo, rewritten only when it\n"
"changed (moved by PCT percent), and DEPS, make rules dir/obj.o: dir/obj.afdo.\n"
"weights: llvm-profdata merge --sample's --weighted-input arguments; with\n"
"--normalize each weight scaled to the profile's samples (profile.txt beside it);\n"
"with --stage each profile (one regular file, of bounded size) copied into\n"
"DIR as in-N.afdo, and the copies named.\n"
"bolt: the plugin's branch records as BOLT's pre-aggregated profile\n"
"(perf2bolt --pa): B and F lines of the kernel's text.\n"
"bolt-prep: for llvm-bolt on VMLINUX, SKIP, the functions it must leave\n"
"alone (entry stubs, runtime constants), and RESERVED, the room after the\n"
"last function of .text (START END, offsets in .text).\n"
"bolt-check: BOLTED keeps the layout and what the kernel patches at boot.\n");
}

/* "NAME:TOTAL:HEAD": 0 and the fields, or -1 */
static int top_line(char *l, struct func *f)
{
	char *c2 = strrchr(l, ':'), *c1, *end;

	if (!c2 || c2 == l)
		return -1;
	*c2 = '\0';
	c1 = strrchr(l, ':');
	if (!c1 || c1 == l)
		return -1;
	*c1 = '\0';
	errno = 0;
	f->total = strtoull(c1 + 1, &end, 10);
	if (*end || c1[1] < '0' || c1[1] > '9' || errno)
		return -1;
	f->head = strtoull(c2 + 1, &end, 10);
	if ((*end && *end != '\r') || c2[1] < '0' || c2[1] > '9' || errno)
		return -1;
	f->name = l;
	return 0;
}

static int cmp_total(const void *a, const void *b)
{
	const struct func *x = a, *y = b;

	return x->total < y->total ? 1 : x->total > y->total ? -1 : strcmp(x->name, y->name);
}

/* the value of "key=N" in the plugin's figures, or -1 */
static long long figure(const char *text, const char *key)
{
	size_t k = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, k) && l[k] == '=')
			return strtoll(l + k + 1, NULL, 10);
	return -1;
}

static void free_profile(struct func *fs, size_t n, unsigned char *buf)
{
	for (size_t i = 0; i < n; i++)
		free(fs[i].name);
	free(fs);
	free(buf);
}

/* a name for a message: escaped into out (4 * 200 + 4 bytes) */
static const char *shown(char *out, const char *s)
{
	return kp_escape(out, s, strlen(s), 200);
}

/* the top-level functions of a text sample profile, each with its block */
static struct func *read_profile(const char *path, size_t *np, unsigned char **bufp)
{
	unsigned char *buf;
	size_t len, n = 0, cap = 0;
	const char *why;
	struct func *fs = NULL;
	unsigned long lineno = 0;
	char *s, *l;

	if (kp_read_regular(path, KP_MAX_DATA, KP_RD_ONE_LINK, &buf, &len, &why))
		kp_die("%s: cannot read: %s", path, why);
	for (s = (char *)buf; s < (char *)buf + len; ) {
		char *nl = memchr(s, '\n', (size_t)((char *)buf + len - s));
		struct func f;

		l = s;
		s = nl ? nl + 1 : (char *)buf + len;
		lineno++;
		if (*l == ' ' || *l == '\t') {
			if (n)
				fs[n - 1].len = (size_t)(s - fs[n - 1].text);
			continue;
		}
		if (*l == '\n')
			continue;
		if (nl)
			*nl = '\0';
		{
			char *copy = kp_xstrdup(l);

			if (top_line(copy, &f)) {
				free(copy);
				kp_die("%s:%lu: not a function's line (NAME:TOTAL:HEAD): is it a text "
				       "sample profile (llvm-profdata merge --sample --text)?", path, lineno);
			}
		}
		if (nl)
			*nl = '\n';
		f.text = l;
		f.len = (size_t)(s - l);
		if (n == cap)
			fs = kp_xrealloc(fs, (cap = cap ? 2 * cap : 1024) * sizeof(*fs));
		fs[n++] = f;
	}
	*np = n;
	*bufp = buf;
	return fs;
}

static int do_stat(const char *path, const char *plugin, const char *log, unsigned long top)
{
	unsigned char *buf;
	size_t n, heads = 0;
	const char *why;
	struct func *fs = read_profile(path, &n, &buf);
	uint64_t sum = 0;
	char *s, *l, esc[4 * 200 + 4];

	for (size_t i = 0; i < n; i++) {
		if (sum + fs[i].total < sum)
			kp_die("%s: samples overflow 64 bits", path);
		sum += fs[i].total;
		heads += fs[i].head > 0;
	}
	qsort(fs, n, sizeof(*fs), cmp_total);
	printf("kpgo-afdo: %zu functions with samples (%zu with head samples), %" PRIu64 " samples",
	       n, heads, sum);
	for (size_t i = 0; i < n && i < top; i++)
		printf("%s %s (%.1f %%)", i ? "," : "; hottest:", shown(esc, fs[i].name),
		       sum ? 100.0 * (double)fs[i].total / (double)sum : 0.0);
	putchar('\n');
	if (plugin) {
		unsigned char *pb;
		size_t pl;

		if (kp_read_regular(plugin, 1u << 16, 0, &pb, &pl, &why))
			kp_die("%s: cannot read: %s", plugin, why);
		printf("records: %lld samples (%lld distinct) of the last %lld branches, one every %lld "
		       "of %lld kernel branches; %lld kernel instructions in the window",
		       figure((char *)pb, "lbr_samples"), figure((char *)pb, "lbr_distinct"),
		       figure((char *)pb, "lbr_depth"), figure((char *)pb, "lbr_period"),
		       figure((char *)pb, "kernel_taken"), figure((char *)pb, "kernel_insns"));
		if (figure((char *)pb, "lbr_dropped") > 0)
			printf("; %lld samples dropped (distinct records past the plugin's lbr_max)",
			       figure((char *)pb, "lbr_dropped"));
		putchar('\n');
		free(pb);
	}
	if (log) {
		unsigned char *lb;
		size_t ll;
		unsigned warnings = 0;

		if (kp_read_regular(log, KP_MAX_DATA, 0, &lb, &ll, &why))
			kp_die("%s: cannot read: %s", log, why);
		for (s = (char *)lb; (l = strsep(&s, "\n")); ) {
			if (strncmp(l, "warning: ", 9))
				continue;
			if (++warnings <= 8)
				printf("llvm-profgen: %s\n", shown(esc, l + 9));
		}
		if (warnings > 8)
			printf("llvm-profgen: %u warnings more in %s\n", warnings - 8, log);
		if (!warnings)
			printf("llvm-profgen: no warning\n");
		free(lb);
	}
	free_profile(fs, n, buf);
	return 0;
}

/* --- install -------------------------------------------------------------- */

static struct {				/* the profile's functions by name */
	struct func *f;
	size_t n, cap;			/* cap: slots, a power of two */
	size_t *slot;			/* index + 1; 0 empty */
} names;

static void names_build(struct func *f, size_t n)
{
	names.f = f;
	names.n = n;
	for (names.cap = 1024; names.cap < 2 * n; names.cap *= 2)
		;
	names.slot = kp_xcalloc(names.cap, sizeof(*names.slot));
	for (size_t i = 0; i < n; i++) {
		size_t k = kp_fnv1a(f[i].name, strlen(f[i].name)) & (names.cap - 1);

		while (names.slot[k])
			k = (k + 1) & (names.cap - 1);
		names.slot[k] = i + 1;
	}
}

/* the function of that name (its first n bytes), or -1 */
static long names_find(const char *name, size_t n)
{
	size_t k = kp_fnv1a(name, n) & (names.cap - 1);

	for (; names.slot[k]; k = (k + 1) & (names.cap - 1)) {
		const char *f = names.f[names.slot[k] - 1].name;

		if (!strncmp(f, name, n) && !f[n])
			return (long)names.slot[k] - 1;
	}
	return -1;
}

static struct {				/* install's options, for the walk */
	const char *srctree;
	size_t rootlen;
	char **rels;			/* dir/obj.afdo */
	size_t **funcs;			/* each object's functions, ascending */
	size_t *nfuncs;
	size_t nobj, cap;
	size_t unreadable;
} walk;

static int cmp_name(const void *a, const void *b)
{
	return strcmp(names.f[*(const size_t *)a].name, names.f[*(const size_t *)b].name);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* an object's functions that the profile has (a name's ".suffix" of a
 * clone or a split part, "foo.cold", "foo.isra.0", is looked up as foo) */
static size_t object_funcs(const char *path, size_t **out)
{
	struct kp_elf e;
	struct kp_elf_sym *sy;
	size_t ns, n = 0;

	*out = NULL;
	if (kp_elf_open(&e, path) != KP_ELF_OK) {
		walk.unreadable++;
		return 0;
	}
	sy = kp_elf_symbols(&e, &ns);
	*out = kp_xcalloc(ns + 1, sizeof(**out));
	for (size_t i = 0; i < ns; i++) {
		const char *nm = sy[i].name, *dot;
		long f;

		if (!nm || ELF64_ST_TYPE(sy[i].s.st_info) != STT_FUNC ||
		    sy[i].s.st_shndx == SHN_UNDEF)
			continue;
		f = names_find(nm, strlen(nm));
		if (f < 0 && (dot = strchr(nm, '.')) && dot > nm)
			f = names_find(nm, (size_t)(dot - nm));
		if (f >= 0)
			(*out)[n++] = (size_t)f;
	}
	qsort(*out, n, sizeof(**out), cmp_size);
	{
		size_t m = 0;

		for (size_t i = 0; i < n; i++)
			if (!m || (*out)[m - 1] != (*out)[i])
				(*out)[m++] = (*out)[i];
		n = m;
	}
	/* by name: the profile's order is by samples, which a new profile
	 * reshuffles; a share's shape must not change with it */
	qsort(*out, n, sizeof(**out), cmp_name);
	free(sy);
	kp_elf_close(&e);
	return n;
}

/* nftw: each .o compiled from a .c of the source tree (not below a
 * directory starting with '.', nor the host programs of scripts/, tools/) */
static int scan_obj(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *rel = path + walk.rootlen, *base = path + ftw->base;
	size_t rl = strlen(rel);
	char *src;

	(void)st;
	if (type == FTW_D && ftw->level > 0 &&
	    (base[0] == '.' || (ftw->level == 1 && (!strcmp(base, "scripts") ||
						     !strcmp(base, "tools")))))
		return FTW_SKIP_SUBTREE;
	if (type != FTW_F || rl < 3 || strcmp(rel + rl - 2, ".o") || kp_path_bad(rel, ".o"))
		return FTW_CONTINUE;
	src = kp_xasprintf("%s/%.*s.c", walk.srctree, (int)(rl - 2), rel);
	if (access(src, F_OK)) {
		free(src);
		return FTW_CONTINUE;
	}
	free(src);
	if (walk.nobj == walk.cap) {
		walk.cap = walk.cap ? 2 * walk.cap : 4096;
		walk.rels = kp_xrealloc(walk.rels, walk.cap * sizeof(*walk.rels));
		walk.funcs = kp_xrealloc(walk.funcs, walk.cap * sizeof(*walk.funcs));
		walk.nfuncs = kp_xrealloc(walk.nfuncs, walk.cap * sizeof(*walk.nfuncs));
	}
	walk.rels[walk.nobj] = kp_xasprintf("%.*s.afdo", (int)(rl - 2), rel);
	walk.nfuncs[walk.nobj] = object_funcs(path, &walk.funcs[walk.nobj]);
	walk.nobj++;
	return FTW_CONTINUE;
}

/*
 * A share's counts and its shape: every count of its lines (a function's
 * total and head samples, a line's samples, a call target's) in order into
 * v, and the text with each count as '#' into shape.
 */
static void share_counts(const char *t, size_t len, struct kp_buf *shape,
			 uint64_t **v, uint32_t *n)
{
	size_t cap = 0;

	*v = NULL;
	*n = 0;
	for (size_t i = 0; i < len; ) {
		/* a count: digits after ':' or ' ' and before ' ', ':', '\n' or the end */
		if (t[i] >= '0' && t[i] <= '9' && i && (t[i - 1] == ':' || t[i - 1] == ' ')) {
			size_t j = i;
			uint64_t c = 0;

			while (j < len && t[j] >= '0' && t[j] <= '9' && c < UINT64_MAX / 10)
				c = c * 10 + (uint64_t)(t[j++] - '0');
			if (j == len || t[j] == ' ' || t[j] == '\n' || t[j] == ':') {
				if (t[j] == ':' && !(j + 1 < len && t[j + 1] >= '0' && t[j + 1] <= '9')) {
					/* "12: ..." is a line offset, not a count */
				} else {
					if (*n == cap)
						*v = kp_xrealloc(*v, (cap = cap ? 2 * cap : 64) * sizeof(**v));
					(*v)[(*n)++] = c;
					kp_buf_add(shape, "#", 1);
					i = j;
					continue;
				}
			}
		}
		kp_buf_add(shape, t + i, 1);
		i++;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A function's block into a share, each line's call targets ("name:count"
 * after the line's count) sorted by name: llvm-profdata orders them by
 * count, which a new profile reshuffles, and the share's shape must not
 * change with it (the profile means the same either way).
 */
static void add_canon(struct kp_buf *b, const char *t, size_t len)
{
	while (len) {
		const char *nl = memchr(t, '\n', len);
		size_t n = nl ? (size_t)(nl - t) + 1 : len;
		char *line = kp_xasprintf("%.*s", (int)(nl ? n - 1 : n), t);
		char *tok[256], *save, *w;
		size_t k = 0, lead = strspn(line, " ");

		for (w = strtok_r(line + lead, " ", &save); w && k < 256; w = strtok_r(NULL, " ", &save))
			tok[k++] = w;
		if (lead && k > 3 && k < 256 && strspn(tok[1], "0123456789") == strlen(tok[1])) {
			qsort(tok + 2, k - 2, sizeof(*tok), cmp_str);
			kp_buf_add(b, t, lead);
			for (size_t i = 0; i < k; i++)
				kp_buf_printf(b, "%s%s", i ? " " : "", tok[i]);
			if (nl)
				kp_buf_add(b, "\n", 1);
		} else {
			kp_buf_add(b, t, n);
		}
		free(line);
		t += n;
		len -= n;
	}
}

/* profinst's measure of how far an installed share moved (percent) */
static double share_change(const char *path, const unsigned char *cur, size_t len, void *ctx)
{
	const struct kp_buf *new = ctx;
	struct kp_buf so = { 0 }, sn = { 0 };
	uint64_t *vo, *vn;
	uint32_t no, nn;
	double change = 200;

	(void)path;
	share_counts((const char *)cur, len, &so, &vo, &no);
	share_counts(new->p, new->n, &sn, &vn, &nn);
	if (so.n == sn.n && !memcmp(so.p, sn.p, so.n) && no == nn) {
		struct kp_ctrs a = { vo, no }, b = { vn, nn };

		change = kp_inst_shape_change(&a, &b, 1);
	}
	free(so.p);
	free(sn.p);
	free(vo);
	free(vn);
	return change;
}

static int do_install(const char *path, const char *objtree, const char *srctree,
		      const char *objects, const char *list, const char *deps, double threshold)
{
	unsigned char *buf;
	size_t n, with = 0, placed = 0;
	struct func *fs = read_profile(path, &n, &buf);
	char *real = realpath(objects, NULL);
	struct kp_inst inst = {
		.tree = objtree, .list = list, .deps = deps, .suffix = ".afdo",
		.threshold = threshold,
	};
	unsigned char *used = kp_xcalloc(n + 1, 1);
	char unreadable[32] = "";

	if (!real)
		kp_die("%s: %s", objects, strerror(errno));
	names_build(fs, n);
	walk.srctree = srctree;
	walk.rootlen = strlen(real) + 1;
	if (nftw(real, scan_obj, 32, FTW_PHYS | FTW_ACTIONRETVAL))
		kp_die("%s: cannot walk the object tree", real);
	kp_inst_begin(&inst, walk.rels, walk.nobj);
	for (size_t k = 0; k < walk.nobj; k++) {
		struct kp_buf b = { 0 };

		for (size_t i = 0; i < walk.nfuncs[k]; i++) {
			const struct func *f = &fs[walk.funcs[k][i]];

			add_canon(&b, f->text, f->len);
			placed += !used[walk.funcs[k][i]];
			used[walk.funcs[k][i]] = 1;
		}
		with += walk.nfuncs[k] > 0;
		kp_inst_file(&inst, walk.rels[k], b.p ? b.p : "", b.n, share_change, &b);
		free(b.p);
	}
	kp_inst_end(&inst);
	if (walk.unreadable)
		snprintf(unreadable, sizeof(unreadable), "; %zu", walk.unreadable);
	printf("kpgo-afdo: %zu functions with samples, %zu of them defined in the %zu objects "
	       "compiled from C of %s (%zu objects with samples); shares: %zu written, %zu unchanged, "
	       "%zu moved less than %g%% (kept), %zu removed%s%s\n",
	       n, placed, walk.nobj, objects, with, inst.updated + inst.added, inst.unchanged,
	       inst.kept, threshold, inst.removed,
	       unreadable, walk.unreadable ? " objects not 64-bit ELF (boot code: no function read)" : "");
	for (size_t k = 0; k < walk.nobj; k++) {
		free(walk.rels[k]);
		free(walk.funcs[k]);
	}
	free(walk.rels);
	free(walk.funcs);
	free(walk.nfuncs);
	free(names.slot);
	free_profile(fs, n, buf);
	free(used);
	free(real);
	return 0;
}

/* --- weights ---------------------------------------------------------------- */

/*
 * llvm-profdata merge --sample's inputs for PROFILE:WEIGHT ...: with
 * normalize, each weight is scaled by 100 * (the largest profile's samples)
 * / (this profile's), its samples read from profile.txt beside it, so
 * that a weight counts as often whatever the length of the workload's run.
 */
static int do_weights(char **arg, int n, int normalize, const char *stage)
{
	uint64_t *tot = kp_xcalloc((size_t)n + 1, sizeof(*tot)), max = 0;
	unsigned long *w = kp_xcalloc((size_t)n + 1, sizeof(*w));
	char **file = kp_xcalloc((size_t)n + 1, sizeof(*file));

	for (int i = 0; i < n; i++) {
		char *c = strrchr(arg[i], ':'), *end;

		if (!c || c == arg[i])
			kp_usage_error("'%s' is not PROFILE:WEIGHT", kp_xescape(arg[i]));
		errno = 0;
		w[i] = strtoul(c + 1, &end, 10);
		if (*end || !w[i] || w[i] > 999999 || errno)
			kp_usage_error("'%s': the weight is a whole number from 1 to 999999",
				       kp_xescape(arg[i]));
		file[i] = kp_xasprintf("%.*s", (int)(c - arg[i]), arg[i]);
		if (stage) {
			/* a profile kpgo may not have made: one regular file of
			 * bounded size, copied as read, and that copy is merged */
			unsigned char *pb;
			size_t pl;
			const char *why;
			char *to = kp_xasprintf("%s/in-%d.afdo", stage, i);

			if (kp_read_regular(file[i], KP_MAX_DATA, KP_RD_ONE_LINK, &pb, &pl, &why))
				kp_die("%s: cannot read: %s", file[i], why);
			if (kp_mkdir_p(stage, 0755) || kp_write_file_atomic(to, pb, pl, 0644))
				kp_die("%s: cannot write: %s", to, strerror(errno));
			free(pb);
			free(to);
		}
		if (normalize) {
			const char *slash = strrchr(file[i], '/');
			char *txt = slash ? kp_xasprintf("%.*s/profile.txt", (int)(slash - file[i]), file[i])
					  : kp_xstrdup("profile.txt");
			unsigned char *buf;
			size_t nf;
			struct func *fs = read_profile(txt, &nf, &buf);

			for (size_t j = 0; j < nf; j++)
				tot[i] += fs[j].total;
			if (!tot[i])
				kp_die("%s: no samples: it cannot be normalized", txt);
			max = tot[i] > max ? tot[i] : max;
			free_profile(fs, nf, buf);
			free(txt);
		}
	}
	for (int i = 0; i < n; i++) {
		double x = normalize ? (double)w[i] * 100.0 * (double)max / (double)tot[i] : (double)w[i];
		/* (llvm-profdata's weights are 64-bit; far beyond any real ratio) */
		unsigned long long k = x < 1 ? 1 : x > 1e15 ? 1000000000000000ull : (unsigned long long)(x + 0.5);

		if (stage)
			printf("%s--weighted-input=%llu,%s/in-%d.afdo", i ? " " : "", k, stage, i);
		else
			printf("%s--weighted-input=%llu,%s", i ? " " : "", k, file[i]);
		free(file[i]);
	}
	putchar('\n');
	free(file);
	free(w);
	free(tot);
	return 0;
}

/* --- bolt ------------------------------------------------------------------- */

/*
 * BOLT's pre-aggregated profile (perf2bolt --pa; BOLT 19 reads B and F
 * lines only) from the plugin's branch records: each record of a sample,
 * counted as often as the sample was taken, is a taken branch
 * "B FROM TO COUNT 0" (the plugin has no misprediction: 0); between two
 * consecutive records the code ran straight from the older one's target to
 * the newer one's source: "F START END COUNT".  Only what lies in the
 * kernel's text mapping (the PERF_RECORD_MMAP line) is kept: user-space
 * ends are dropped, as is a range that runs backwards.
 */
struct pair {
	uint64_t a, b, n;
};

static struct ptab {
	struct pair *p;
	size_t n, cap;			/* cap: a power of two */
} btab, ftab;

static void ptab_add(struct ptab *t, uint64_t a, uint64_t b, uint64_t n)
{
	size_t k;

	if (2 * (t->n + 1) > t->cap) {
		struct ptab big = { kp_xcalloc(t->cap ? 2 * t->cap : 4096, sizeof(struct pair)), 0,
				    t->cap ? 2 * t->cap : 4096 };

		for (size_t i = 0; i < t->cap; i++)
			if (t->p[i].n)
				ptab_add(&big, t->p[i].a, t->p[i].b, t->p[i].n);
		free(t->p);
		*t = big;
	}
	k = (size_t)((a * 0x9e3779b97f4a7c15ull) ^ (b * 0xc2b2ae3d27d4eb4full)) & (t->cap - 1);
	for (; t->p[k].n; k = (k + 1) & (t->cap - 1))
		if (t->p[k].a == a && t->p[k].b == b) {
			t->p[k].n = t->p[k].n + n < n ? UINT64_MAX : t->p[k].n + n;
			return;
		}
	t->p[k] = (struct pair){ a, b, n };
	t->n++;
}

static int cmp_pair(const void *x, const void *y)
{
	const struct pair *a = x, *b = y;

	return a->a != b->a ? (a->a < b->a ? -1 : 1) : a->b != b->b ? (a->b < b->b ? -1 : 1) : 0;
}

static void ptab_print(FILE *f, struct ptab *t, char kind, uint64_t *lines, uint64_t *sum)
{
	size_t m = 0;

	for (size_t i = 0; i < t->cap; i++)
		if (t->p[i].n)
			t->p[m++] = t->p[i];
	qsort(t->p, m, sizeof(*t->p), cmp_pair);
	for (size_t i = 0; i < m; i++) {
		fprintf(f, kind == 'B' ? "B %" PRIx64 " %" PRIx64 " %" PRIu64 " 0\n" :
			"F %" PRIx64 " %" PRIx64 " %" PRIu64 "\n", t->p[i].a, t->p[i].b, t->p[i].n);
		*sum += t->p[i].n;
	}
	*lines = m;
	free(t->p);
	*t = (struct ptab){ 0 };
}

static int do_bolt(const char *path, const char *out)
{
	unsigned char *buf;
	size_t len;
	const char *why;
	uint64_t lo = 0, hi = 0, weight = 1, samples = 0, outside = 0, backwards = 0;
	uint64_t bl = 0, bs = 0, fl = 0, fs = 0;
	unsigned long lineno = 0;
	char *s, *l, *tmp;
	FILE *f;

	if (kp_read_regular(path, KP_MAX_DATA, 0, &buf, &len, &why))
		kp_die("%s: cannot read: %s", path, why);
	for (s = (char *)buf; (l = strsep(&s, "\n")); ) {
		uint64_t from[64], to[64];
		unsigned n = 0;
		char *tok, *end;

		lineno++;
		if (!*l)
			continue;
		if (strstr(l, "PERF_RECORD_MMAP")) {
			unsigned long long a, z;
			const char *br = strchr(l, '[');

			if (!br || sscanf(br, "[0x%llx(0x%llx)", &a, &z) != 2 || a + z < a)
				kp_die("%s:%lu: a PERF_RECORD_MMAP line kpgo cannot read", path, lineno);
			lo = a;
			hi = a + z;
			continue;
		}
		if (strspn(l, "0123456789") == strlen(l)) {	/* the next sample's count */
			errno = 0;
			weight = strtoull(l, &end, 10);
			if (errno || !weight)
				kp_die("%s:%lu: a bad count", path, lineno);
			continue;
		}
		if (!hi)
			kp_die("%s:%lu: a sample before the PERF_RECORD_MMAP line of the kernel's text "
			       "(the plugin writes it with lbr_mmap=)", path, lineno);
		strtok(l, " ");			/* the sampled IP */
		while ((tok = strtok(NULL, " "))) {
			unsigned long long a, b;

			if (n == 64 || sscanf(tok, "0x%llx/0x%llx", &a, &b) != 2)
				kp_die("%s:%lu: not a record 0xFROM/0xTO (at most 64 a sample)", path, lineno);
			from[n] = a;
			to[n++] = b;
		}
		for (unsigned i = 0; i < n; i++) {
			int fin = from[i] >= lo && from[i] < hi, tin = to[i] >= lo && to[i] < hi;

			if (fin && tin)
				ptab_add(&btab, from[i], to[i], weight);
			else
				outside += weight;
			/* newest first: record i happened before record i - 1 */
			if (!i)
				continue;
			if (!(tin && from[i - 1] >= lo && from[i - 1] < hi))
				continue;
			if (to[i] > from[i - 1])
				backwards++;
			else
				ptab_add(&ftab, to[i], from[i - 1], weight);
		}
		samples += weight;
		weight = 1;
	}
	free(buf);
	tmp = kp_xasprintf("%s.tmp", out);
	f = fopen(tmp, "w");
	if (!f)
		kp_die("%s: %s", tmp, strerror(errno));
	ptab_print(f, &btab, 'B', &bl, &bs);
	ptab_print(f, &ftab, 'F', &fl, &fs);
	if (ferror(f) | fflush(f) | fsync(fileno(f)) | fclose(f) || rename(tmp, out)) {
		int e = errno;

		unlink(tmp);
		kp_die("%s: cannot write: %s", out, strerror(e));
	}
	free(tmp);
	printf("kpgo-afdo: %" PRIu64 " samples: %" PRIu64 " branch lines (%" PRIu64 " taken), %" PRIu64
	       " fall-through lines (%" PRIu64 " runs); %" PRIu64 " records outside the kernel's text, %"
	       PRIu64 " ranges backwards: left out\n", samples, bl, bs, fl, fs, outside, backwards);
	return 0;
}

/*
 * BOLT on the profiling kernel (mk/bolt.mk).  llvm-bolt rewrites a
 * function's code in place and, with --split-functions, moves its cold
 * part to reserved space.  What the kernel patches at boot by address must
 * not move:
 *  - the entry stubs (irq_entries_start and spurious_entries_start, arrays
 *    the IDT points into; __entry_text_start, as BOLT's OptimizingLinux.md
 *    says);
 *  - Linux 6.11's runtime constants: sections runtime_ptr_<sym> and
 *    runtime_shift_<sym> hold 32-bit offsets (from the entry) to the
 *    immediate of a "movabs $0x0123456789abcdef" or of a shift, which
 *    runtime_const_init() overwrites; BOLT 19 does not know them.  Every
 *    function that holds such a site is left alone.
 * The tables of return thunks, retpolines and call depth tracking
 * (.return_sites, .retpoline_sites, .call_sites) are of the same kind and
 * BOLT 19 does not know them either: a vmlinux that has them is refused,
 * as is one with relocations (CONFIG_RELOCATABLE: its relocation table is
 * made from the vmlinux before BOLT).  The reserved space is the padding
 * between the last function of .text and its end (the kernel aligns
 * _etext to 2 MiB), checked to be padding.
 */
static const char *const bolt_stubs[] = { "__entry_text_start", "irq_entries_start",
					  "spurious_entries_start" };
#define NSTUBS (sizeof(bolt_stubs) / sizeof(bolt_stubs[0]))
static const char *const bolt_refused[] = { ".return_sites", ".retpoline_sites", ".call_sites" };

struct site {
	uint64_t at;
	unsigned len;		/* the bytes the kernel patches: 8 or 1 */
};

struct code {
	uint64_t start, end;
	const char *name;
};

static int cmp_code(const void *a, const void *b)
{
	const struct code *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* the named symbols inside section text, sorted by address: all, or
 * (funcs) the functions with a size */
static struct code *text_symbols(const struct kp_elf *e, size_t text, int funcs, size_t *n)
{
	size_t ns, k = 0;
	struct kp_elf_sym *s = kp_elf_symbols(e, &ns);
	struct code *v = kp_xcalloc(ns ? ns : 1, sizeof(*v));
	uint64_t lo = e->sh[text].sh_addr, size = e->sh[text].sh_size;

	for (size_t i = 0; i < ns; i++) {
		uint64_t a = s[i].s.st_value, z = s[i].s.st_size;

		if (s[i].s.st_shndx != text || !s[i].name || !*s[i].name || a < lo || a - lo > size ||
		    z > size - (a - lo) ||
		    (funcs && (!z || ELF64_ST_TYPE(s[i].s.st_info) != STT_FUNC)))
			continue;
		v[k].start = a;
		v[k].end = a + z;
		v[k++].name = s[i].name;
	}
	free(s);
	qsort(v, k, sizeof(*v), cmp_code);
	*n = k;
	return v;
}

/* the function whose code holds address a, NULL when none */
static const struct code *code_at(const struct code *v, size_t n, uint64_t a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {			/* past the last start <= a */
		size_t m = lo + (hi - lo) / 2;

		if (v[m].start <= a)
			lo = m + 1;
		else
			hi = m;
	}
	for (size_t i = lo; i-- > 0 && i + 64 >= lo; )	/* (a few may overlap) */
		if (a < v[i].end)
			return &v[i];
	return NULL;
}

static void open_vmlinux(struct kp_elf *e, const char *path, const Elf64_Shdr **text)
{
	int r = kp_elf_open(e, path);

	if (r == KP_ELF_UNREADABLE)
		kp_die("%s: cannot read: %s", path, strerror(errno));
	if (r != KP_ELF_OK)
		kp_die("%s: not a 64-bit ELF file with sound section headers (a kernel's vmlinux)", path);
	*text = kp_elf_section(e, ".text");
	if (!*text || !(*text)->sh_addr || (*text)->sh_type != SHT_PROGBITS || (*text)->sh_size < 8192 ||
	    (*text)->sh_addr + (*text)->sh_size < (*text)->sh_addr)
		kp_die("%s: no .text section at an address: not a linked kernel", path);
	kp_elf_bytes(e, *text);
}

static int is_rc_section(const char *name, unsigned *len)
{
	if (name && !strncmp(name, "runtime_ptr_", 12))
		*len = 8;
	else if (name && !strncmp(name, "runtime_shift_", 14))
		*len = 1;
	else
		return 0;
	return 1;
}

/* the runtime-constant sites of e, each checked to lie in .text */
static struct site *rc_sites(const struct kp_elf *e, const Elf64_Shdr *text, size_t *n,
			     size_t *nsec)
{
	struct site *v = NULL;
	size_t k = 0, cap = 0;

	*nsec = 0;
	for (size_t i = 0; i < e->nsh; i++) {
		const char *name = kp_elf_name(e, &e->sh[i]);
		const unsigned char *d;
		unsigned len;

		if (!is_rc_section(name, &len))
			continue;
		if (e->sh[i].sh_size % 4 || e->sh[i].sh_type != SHT_PROGBITS)
			kp_die("%s: section %s: not an array of 32-bit offsets", e->path, kp_xescape(name));
		d = kp_elf_bytes(e, &e->sh[i]);
		(*nsec)++;
		for (uint64_t o = 0; o < e->sh[i].sh_size; o += 4) {
			int32_t rel;
			uint64_t at;

			memcpy(&rel, d + o, 4);
			at = e->sh[i].sh_addr + o + (uint64_t)(int64_t)rel;
			if (at < text->sh_addr || at - text->sh_addr < 2 ||
			    at - text->sh_addr > text->sh_size - len)
				kp_die("%s: section %s, entry %" PRIu64 ": site %#" PRIx64 " is not in .text",
				       e->path, kp_xescape(name), o / 4, at);
			if (k == cap)
				v = kp_xrealloc(v, (cap = cap ? 2 * cap : 256) * sizeof(*v));
			v[k++] = (struct site){ at, len };
		}
	}
	*n = k;
	return v;
}

/* a name as BOLT's --skip-funcs-file reads it: an anchored regular
 * expression, with BOLT's "/N" of a local function */
static void skip_line(struct kp_buf *b, const char *path, const char *name)
{
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") != strlen(name))
		kp_die("%s: function '%s' must be left alone, and BOLT's list cannot name it", path,
		       kp_xescape(name));
	for (const char *c = name; *c; c++)
		kp_buf_printf(b, *c == '.' ? "\\." : "%c", *c);
	kp_buf_printf(b, "(/[0-9]+)?\n");
}

static void write_text(const char *path, struct kp_buf *b)
{
	if (kp_write_file_atomic(path, b->p ? b->p : "", b->n, 0644))
		kp_die("%s: cannot write: %s", path, strerror(errno));
	free(b->p);
	*b = (struct kp_buf){ 0 };
}

static int do_bolt_prep(const char *path, const char *skip, const char *reserved)
{
	struct kp_elf e;
	const Elf64_Shdr *text;
	struct code *fn;
	struct site *st;
	size_t nfn, nst, nsec, nn = 0, nskip = 0;
	const char **names;
	uint64_t last = 0, start, end;
	const unsigned char *d;
	struct kp_buf b = { 0 };

	open_vmlinux(&e, path, &text);
	for (size_t i = 0; i < e.nsh; i++) {
		const char *name = kp_elf_name(&e, &e.sh[i]);

		if (e.sh[i].sh_type == SHT_RELA || e.sh[i].sh_type == SHT_REL)
			kp_die("%s: it has relocations (%s; CONFIG_RELOCATABLE): the kernel's relocation "
			       "table would not match BOLT's code", path, name ? kp_xescape(name) : "?");
		for (size_t k = 0; name && k < sizeof(bolt_refused) / sizeof(bolt_refused[0]); k++)
			if (!strcmp(name, bolt_refused[k]) && e.sh[i].sh_size)
				kp_die("%s: it has %s (%" PRIu64 " entries), sites the kernel patches at boot "
				       "that BOLT 19 would move: build the profiling kernel without "
				       "CONFIG_MITIGATION_RETHUNK, _RETPOLINE and _CALL_DEPTH_TRACKING", path,
				       name, (uint64_t)e.sh[i].sh_size / 4);
	}
	fn = text_symbols(&e, (size_t)(text - e.sh), 1, &nfn);
	if (!nfn)
		kp_die("%s: no function symbols in .text (BOLT needs the symbol table)", path);
	st = rc_sites(&e, text, &nst, &nsec);
	names = kp_xcalloc(nst + 1, sizeof(*names));
	for (size_t i = 0; i < nst; i++) {
		const struct code *c = code_at(fn, nfn, st[i].at);

		if (!c)
			kp_die("%s: the runtime constant at %#" PRIx64 " is in no function: BOLT could not "
			       "be told to leave it alone", path, st[i].at);
		names[nn++] = c->name;
	}
	qsort(names, nn, sizeof(*names), cmp_str);
	for (size_t i = 0; i < NSTUBS; i++)
		skip_line(&b, path, bolt_stubs[i]);
	for (size_t i = 0; i < nn; i++) {
		if (i && !strcmp(names[i], names[i - 1]))
			continue;
		skip_line(&b, path, names[i]);
		nskip++;
	}
	for (size_t i = 0; i < nfn; i++)
		if (fn[i].end > last)
			last = fn[i].end;
	start = (last - text->sh_addr + 4095) & ~(uint64_t)4095;
	end = (text->sh_size & ~(uint64_t)4095) - 4096;
	if (end < start || end - start < 65536)
		kp_die("%s: .text has %" PRIu64 " bytes after its last function: BOLT needs 64 KiB there "
		       "for the parts it moves", path, text->sh_addr + text->sh_size - last);
	d = kp_elf_bytes(&e, text);
	for (uint64_t o = last - text->sh_addr; o < text->sh_size; o++)
		if (d[o] != 0xcc && d[o] != 0x90 && d[o])
			kp_die("%s: .text+%#" PRIx64 " is code after the last function: no room for BOLT",
			       path, o);
	write_text(skip, &b);
	kp_buf_printf(&b, "%#" PRIx64 " %#" PRIx64 "\n", start, end);
	write_text(reserved, &b);
	printf("kpgo-afdo: BOLT leaves %zu functions alone: %zu entry stubs, %zu holding the %zu "
	       "runtime-constant sites of %zu sections; reserved space .text+%#" PRIx64 "..%#" PRIx64
	       ", %" PRIu64 " KiB\n", NSTUBS + nskip, NSTUBS, nskip, nst, nsec, start, end,
	       (end - start) / 1024);
	free(names);
	free(st);
	free(fn);
	kp_elf_close(&e);
	return 0;
}

/* the runtime-constant sections of n are those of o, byte for byte */
static size_t rc_tables_differ(const struct kp_elf *o, const struct kp_elf *n, const char *npath)
{
	size_t bad = 0;
	unsigned len;

	for (size_t i = 0; i < o->nsh; i++) {
		const char *name = kp_elf_name(o, &o->sh[i]);
		const Elf64_Shdr *t;

		if (!is_rc_section(name, &len))
			continue;
		t = kp_elf_section(n, name);
		if (!t || t->sh_type != o->sh[i].sh_type || t->sh_addr != o->sh[i].sh_addr ||
		    t->sh_size != o->sh[i].sh_size ||
		    memcmp(kp_elf_bytes(o, &o->sh[i]), kp_elf_bytes(n, t), t->sh_size)) {
			kp_warn("%s: its section %s differs", npath, kp_xescape(name));
			bad++;
		}
	}
	return bad;
}

/*
 * bolt-check: what BOLT wrote keeps what the kernel patches at boot, and
 * its layout: the entry point, the program headers, the runtime-constant
 * tables and the bytes at each of their sites (the two before it, an
 * opcode, and the patched ones), and the entry stubs' code.  A kernel that
 * fails this would not boot.
 */
static int do_bolt_check(const char *opath, const char *npath)
{
	struct kp_elf o, n;
	const Elf64_Shdr *ot, *nt;
	Elf64_Ehdr oh, nh;
	struct code *fn;
	struct site *st;
	size_t nfn, nst, nsec, bad;
	const unsigned char *od, *nd;

	open_vmlinux(&o, opath, &ot);
	open_vmlinux(&n, npath, &nt);
	if (kp_elf_header(o.p, o.len, &oh) || kp_elf_header(n.p, n.len, &nh) || oh.e_entry != nh.e_entry ||
	    o.nph != n.nph || ot->sh_addr != nt->sh_addr)
		kp_die("%s: its entry point, program headers or .text differ from %s's", npath, opath);
	for (size_t i = 0; i < o.nph; i++) {
		Elf64_Phdr a, c;

		if (kp_elf_phdr(&o, i, &a) || kp_elf_phdr(&n, i, &c) || a.p_type != c.p_type ||
		    a.p_vaddr != c.p_vaddr || a.p_paddr != c.p_paddr || a.p_memsz != c.p_memsz)
			kp_die("%s: program header %zu differs from %s's", npath, i, opath);
	}
	od = kp_elf_bytes(&o, ot);
	nd = kp_elf_bytes(&n, nt);
	bad = rc_tables_differ(&o, &n, npath);
	st = rc_sites(&o, ot, &nst, &nsec);
	for (size_t i = 0; i < nst; i++) {
		uint64_t off = st[i].at - ot->sh_addr - 2;

		if (2 + st[i].len > nt->sh_size || off > nt->sh_size - 2 - st[i].len ||
		    memcmp(od + off, nd + off, 2 + st[i].len)) {
			kp_warn("%s: the runtime constant at %#" PRIx64 " moved", npath, st[i].at);
			bad++;
		}
	}
	fn = text_symbols(&o, (size_t)(ot - o.sh), 0, &nfn);
	for (size_t k = 0; k < NSTUBS; k++) {
		size_t i = 0, j;
		uint64_t off, len;

		while (i < nfn && strcmp(fn[i].name, bolt_stubs[k]))
			i++;
		if (i == nfn) {
			if (k)		/* (__entry_text_start: a mark, not code of its own) */
				kp_die("%s: no symbol %s: not a kernel bolt-check knows", opath, bolt_stubs[k]);
			continue;
		}
		for (j = i; j < nfn && fn[j].start == fn[i].start; j++)
			;
		off = fn[i].start - ot->sh_addr;	/* up to the next symbol */
		len = (j < nfn ? fn[j].start : ot->sh_addr + ot->sh_size) - fn[i].start;
		if (off > nt->sh_size || len > nt->sh_size - off || memcmp(od + off, nd + off, len)) {
			kp_warn("%s: the entry stubs at %s (%" PRIu64 " bytes) were rewritten", npath,
				bolt_stubs[k], len);
			bad++;
		}
	}
	if (bad)
		kp_die("%s: %zu place%s the kernel patches at boot changed: it would not boot", npath, bad,
		       bad == 1 ? "" : "s");
	printf("kpgo-afdo: %s keeps the entry point, %zu program headers, the %zu runtime-constant sites "
	       "and the entry stubs of %s\n", npath, o.nph, nst, opath);
	free(st);
	free(fn);
	kp_elf_close(&o);
	kp_elf_close(&n);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "plugin", 1, 0, 'p' }, { "profgen-log", 1, 0, 'l' }, { "top", 1, 0, 't' },
		{ "objtree", 1, 0, 'o' }, { "srctree", 1, 0, 's' }, { "objects", 1, 0, 'O' },
		{ "installed", 1, 0, 'i' }, { "deps", 1, 0, 'd' }, { "threshold", 1, 0, 'T' },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 }
	};
	const char *cmd = kp_command(argc, argv, usage), *plugin = NULL, *log = NULL;
	const char *objtree = NULL, *srctree = NULL, *objects = NULL, *list = NULL, *deps = NULL;
	unsigned long top = 3;
	double threshold = 0;
	int c;

	if (!strcmp(cmd, "bolt")) {
		if (argc != 5 || strcmp(argv[3], "-o"))
			kp_usage_error("bolt needs BRANCHES -o OUT");
		return do_bolt(argv[2], argv[4]);
	}
	if (!strcmp(cmd, "bolt-prep")) {
		if (argc != 7 || strcmp(argv[3], "-o") || strcmp(argv[5], "-r"))
			kp_usage_error("bolt-prep needs VMLINUX -o SKIP -r RESERVED");
		return do_bolt_prep(argv[2], argv[4], argv[6]);
	}
	if (!strcmp(cmd, "bolt-check")) {
		if (argc != 4)
			kp_usage_error("bolt-check needs VMLINUX BOLTED");
		return do_bolt_check(argv[2], argv[3]);
	}
	if (!strcmp(cmd, "weights")) {
		int i = 2, normalize = 0;
		const char *stage = NULL;

		for (; i < argc && argv[i][0] == '-'; i++) {
			if (!strcmp(argv[i], "--normalize"))
				normalize = 1;
			else if (!strcmp(argv[i], "--stage") && i + 1 < argc)
				stage = argv[++i];
			else
				kp_usage_error("weights: unknown option '%s'", kp_xescape(argv[i]));
		}
		if (i == argc)
			kp_usage_error("weights needs PROFILE:WEIGHT ...");
		return do_weights(argv + i, argc - i, normalize, stage);
	}
	if (strcmp(cmd, "stat") && strcmp(cmd, "install")) {
		usage(stderr);
		kp_die("unknown command '%s'", kp_xescape(cmd));
	}
	while ((c = kp_getopt(argc, argv, "", lo, usage)) != -1) {
		switch (c) {
		case 'p': plugin = optarg; break;
		case 'l': log = optarg; break;
		case 't': top = kp_opt_count("--top", optarg); break;
		case 'o': objtree = optarg; break;
		case 's': srctree = optarg; break;
		case 'O': objects = optarg; break;
		case 'i': list = optarg; break;
		case 'd': deps = optarg; break;
		case 'T': threshold = kp_inst_threshold(optarg); break;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(cmd, "stat"))
		return do_stat(argv[optind], plugin, log, top);
	if (!objtree || !srctree || !list || !deps)
		kp_usage_error("install needs --objtree, --srctree, --installed and --deps");
	return do_install(argv[optind], objtree, srctree, objects ? objects : objtree, list, deps,
			  threshold);
}
