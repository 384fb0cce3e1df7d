// SPDX-License-Identifier: GPL-2.0
/*
 * llvmprof.c - kpgo-llvmprof: clang IR PGO profiles of a kernel, without a
 * kernel-side profile runtime.
 *
 * A kernel compiled with clang -fprofile-generate carries three sections:
 * __llvm_prf_cnts (the counters, u64 each, written by the running code),
 * __llvm_prf_data (one record per function: MD5 of its name, its CFG hash,
 * where its counters are, how many) and __llvm_prf_names (the names).  kpgo
 * links the counters outside the init region (mk/instrument.mk), the guest
 * agent reads them through /proc/kcore before and after the load, and this
 * tool turns the difference into llvm-profdata's text format.
 *
 *   range VMLINUX
 *       "ADDR,SIZE FUNCTIONS COUNTERS": the counter section (for the
 *       kernel command line kpgo.prf=ADDR,SIZE); fails when it lies in the
 *       kernel's init region, which is freed after boot.
 *   extract --vmlinux V --counters C --objtree O --srctree S [--prefix P]
 *           -o OUT
 *       the text profile (OUT, ":ir" format) of the counters C (the
 *       agent's file: SIZE bytes); each function is followed by a comment
 *       "# kpgo-object: dir/obj.o" (the object of O it was compiled in,
 *       found from that object's own __llvm_prf_data), and the source path
 *       of a static function's name loses P (how the build spelled the
 *       source tree), so the profile does not depend on where it was built.
 *       Prints the profile's figures on stdout.
 *   merge -o OUT [--prefix P] [--objtree DIR --installed LIST --deps FILE]
 *           [--threshold PCT] [--normalize] [--drop-zero] IN[:WEIGHT]...
 *       IN (extract's text profiles) weighted and summed into OUT, with P
 *       put back in front of static functions' source paths (the tree that
 *       will use it).  With --objtree, each object's share is written to
 *       DIR/dir/obj.proftext (rewritten only when it moved by PCT percent
 *       or more) and FILE gets "dir/obj.o: dir/obj.proftext" lines, so Kbuild
 *       recompiles exactly the objects whose profile changed.  --normalize
 *       scales each IN to the largest counter sum first; --drop-zero leaves
 *       out functions that never ran (compiled as without profile).
 */
#define _GNU_SOURCE
#include "profinst.h"
#include "util.h"

#include <elf.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- MD5 (RFC 1321): llvm names a function by its name's MD5 ----------- */

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
	0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
	0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
	0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
	0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};
static const unsigned char md5_r[64] = {
	7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
	5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
	4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
	6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

static void md5_block(uint32_t h[4], const unsigned char *p)
{
	uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		       (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	for (int i = 0; i < 64; i++) {
		uint32_t f, t;
		int g;

		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
		}
		t = d;
		d = c;
		c = b;
		f += a + md5_k[i] + w[g];
		b += f << md5_r[i] | f >> (32 - md5_r[i]);
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
}

/* the low 64 bits of MD5(s), little endian: llvm's IndexedInstrProf hash */
static uint64_t md5_low64(const char *s, size_t n)
{
	uint32_t h[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
	unsigned char blk[64];
	uint64_t bits = (uint64_t)n * 8;
	size_t i = 0;

	for (; n - i >= 64; i += 64)
		md5_block(h, (const unsigned char *)s + i);
	memset(blk, 0, sizeof(blk));
	memcpy(blk, s + i, n - i);
	blk[n - i] = 0x80;
	if (n - i >= 56) {
		md5_block(h, blk);
		memset(blk, 0, sizeof(blk));
	}
	for (int j = 0; j < 8; j++)
		blk[56 + j] = (unsigned char)(bits >> (8 * j));
	md5_block(h, blk);
	return (uint64_t)h[0] | (uint64_t)h[1] << 32;
}

/* ---- memory kept until the command ends ------------------------------------ */

static struct {
	void **v;
	size_t n, cap;
} owned;

static void *own(void *p)
{
	if (owned.n == owned.cap) {
		owned.cap = owned.cap ? 2 * owned.cap : 1024;
		owned.v = kp_xrealloc(owned.v, owned.cap * sizeof(*owned.v));
	}
	owned.v[owned.n++] = p;
	return p;
}

static void free_owned(void)
{
	for (size_t i = 0; i < owned.n; i++)
		free(owned.v[i]);
	free(owned.v);
}

/* ---- a u64 -> pointer table (open addressing) ----------------------------- */

struct table {
	uint64_t *key;
	void **val;
	size_t cap, n;
};

static void **table_slot(struct table *t, uint64_t k)
{
	size_t i;

	if (2 * (t->n + 1) > t->cap) {
		struct table old = *t;

		t->cap = t->cap ? 2 * t->cap : 1024;
		t->key = kp_xcalloc(t->cap, sizeof(*t->key));
		t->val = kp_xcalloc(t->cap, sizeof(*t->val));
		t->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.val[i])
				*table_slot(t, old.key[i]) = old.val[i];
		free(old.key);
		free(old.val);
	}
	for (i = (size_t)(k * 0x9e3779b97f4a7c15ull) & (t->cap - 1);
	     t->val[i] && t->key[i] != k; i = (i + 1) & (t->cap - 1))
		;
	if (!t->val[i]) {
		t->key[i] = k;
		t->n++;
	}
	return &t->val[i];
}

static void table_free(struct table *t)
{
	free(t->key);
	free(t->val);
}

static void *table_get(const struct table *t, uint64_t k)
{
	if (!t->cap)
		return NULL;
	for (size_t i = (size_t)(k * 0x9e3779b97f4a7c15ull) & (t->cap - 1);
	     t->val[i]; i = (i + 1) & (t->cap - 1))
		if (t->key[i] == k)
			return t->val[i];
	return NULL;
}

/* ---- ELF ------------------------------------------------------------------- */

/* kp_elf_open, dying (must) or returning -1 on any problem */
static int elf_open(struct kp_elf *e, const char *path, int must)
{
	int r = kp_elf_open(e, path);

	if (r == KP_ELF_OK)
		return 0;
	if (!must)
		return -1;
	if (r == KP_ELF_UNREADABLE)
		kp_die("cannot read %s: %s", path, strerror(errno));
	if (r == KP_ELF_BAD_NAMES)
		kp_die("%s: bad section name table", path);
	kp_die("%s: not a 64-bit little-endian ELF file", path);
}

/* the value of symbol name (0 when absent) */
static uint64_t elf_symbol(const struct kp_elf *e, const char *name)
{
	size_t n;
	struct kp_elf_sym *sym = kp_elf_symbols(e, &n);
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		if (sym[i].name && !strcmp(sym[i].name, name)) {
			v = sym[i].s.st_value;
			break;
		}
	}
	free(sym);
	return v;
}

static const Elf64_Shdr *need_section(const struct kp_elf *e, const char *name)
{
	const Elf64_Shdr *s = kp_elf_section(e, name);

	if (!s || !s->sh_size)
		kp_die("%s: no %s section: not a kernel built with clang "
		       "-fprofile-generate (make LLVM=1 pgo-instrument)",
		       e->path, name);
	return s;
}

/* ---- the records of __llvm_prf_data ---------------------------------------- */

/*
 * A record is 64 bytes since LLVM 18 (bitmap pointer and bytes for MC/DC),
 * 48 before.  Both start NameRef, FuncHash, CounterPtr (relative to the
 * record); NumCounters is at 48 or 40.
 */
struct layout {
	size_t size, ncnt;
};
static const struct layout layouts[] = { { 64, 48 }, { 48, 40 } };

static uint64_t rd64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

struct func {
	char *name;		/* as in the profile (canonical or use form) */
	const char *obj;	/* dir/obj.o, or NULL when unknown */
	uint64_t hash;
	uint32_t n;
	uint64_t *c;
};

struct prof {
	struct func *f;
	size_t n, cap;
};

static struct func *prof_add(struct prof *p)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 4096;
		p->f = kp_xrealloc(p->f, p->cap * sizeof(*p->f));
	}
	memset(&p->f[p->n], 0, sizeof(p->f[0]));
	return &p->f[p->n++];
}

/* ---- range -------------------------------------------------------------- */

struct kernel {
	struct kp_elf e;
	const Elf64_Shdr *cnts, *data, *names;
	struct layout l;
};

static void kernel_open(struct kernel *k, const char *path)
{
	elf_open(&k->e, path, 1);
	k->cnts = need_section(&k->e, "__llvm_prf_cnts");
	k->data = need_section(&k->e, "__llvm_prf_data");
	k->names = need_section(&k->e, "__llvm_prf_names");
	k->l.size = 0;
}

/* ---- extract ------------------------------------------------------------ */

static uint64_t uleb(const unsigned char **p, const unsigned char *end)
{
	uint64_t v = 0;
	int sh = 0;

	while (*p < end && sh < 64) {
		unsigned char b = *(*p)++;

		v |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80))
			return v;
		sh += 7;
	}
	kp_die("__llvm_prf_names: truncated length");
}

/* every name of __llvm_prf_names, by MD5 */
static void read_names(const struct kernel *k, struct table *names)
{
	const unsigned char *p = kp_elf_bytes(&k->e, k->names);
	const unsigned char *end = p + k->names->sh_size;

	while (p < end) {
		uint64_t ulen, clen;
		const unsigned char *s, *e;

		if (!*p) {	/* padding between objects' name blobs */
			p++;
			continue;
		}
		ulen = uleb(&p, end);
		clen = uleb(&p, end);
		if (clen)
			kp_die("%s: compressed function names: instrument with clang "
			       "-mllvm -enable-name-compression=false (make "
			       "pgo-instrument does)", k->e.path);
		if (ulen > (uint64_t)(end - p))
			kp_die("%s: __llvm_prf_names: a name list runs past the end",
			       k->e.path);
		for (s = p, e = p + ulen; s < e;) {
			const unsigned char *x = memchr(s, 1, (size_t)(e - s));
			size_t n = (size_t)((x ? x : e) - s);
			void **slot = table_slot(names, md5_low64((const char *)s, n));

			if (!*slot)
				*slot = own(kp_xasprintf("%.*s", (int)n, (const char *)s));
			s += n + (x != NULL);
		}
		p = e;
	}
}

/* a layout under which every record is sane, or die */
static void pick_layout(struct kernel *k, const struct table *names)
{
	const unsigned char *d = kp_elf_bytes(&k->e, k->data);
	uint64_t ca = k->cnts->sh_addr, cz = ca + k->cnts->sh_size;

	for (size_t li = 0; li < sizeof(layouts) / sizeof(layouts[0]); li++) {
		const struct layout *l = &layouts[li];
		size_t i, n = k->data->sh_size / l->size;

		if (k->data->sh_size % l->size)
			continue;
		for (i = 0; i < n; i++) {
			const unsigned char *r = d + i * l->size;
			uint64_t at = k->data->sh_addr + i * l->size + rd64(r + 16);
			uint32_t nc = rd32(r + l->ncnt);

			if (!nc || at < ca || at > cz || at % 8 || (cz - at) / 8 < nc ||
			    !table_get(names, rd64(r)))
				break;
		}
		if (i == n) {
			k->l = *l;
			return;
		}
	}
	kp_die("%s: __llvm_prf_data records of an unknown layout (known: LLVM 13-19)",
	       k->e.path);
}

/* the kernel's profile sections, its names by MD5, its record layout */
static void kernel_load(struct kernel *k, const char *path, struct table *names)
{
	kernel_open(k, path);
	read_names(k, names);
	pick_layout(k, names);
}

static int do_range(const char *vmlinux)
{
	struct kernel k;
	uint64_t ib, ie, a, z;

	struct table names = { 0 };

	kernel_load(&k, vmlinux, &names);
	a = k.cnts->sh_addr;
	z = a + k.cnts->sh_size;
	ib = elf_symbol(&k.e, "__init_begin");
	ie = elf_symbol(&k.e, "__init_end");
	if (ib && ie && a < ie && z > ib)
		kp_die("%s: the counters (__llvm_prf_cnts, 0x%" PRIx64 "-0x%" PRIx64
		       ") lie in the init region (0x%" PRIx64 "-0x%" PRIx64 "), which the "
		       "kernel frees after boot: link with kpgo's section script (make "
		       "pgo-instrument does)", vmlinux, a, z, ib, ie);
	if (k.cnts->sh_size % 8)
		kp_die("%s: __llvm_prf_cnts is %" PRIu64 " bytes, not a multiple of 8 "
		       "(single-byte coverage counters are not supported)",
		       vmlinux, (uint64_t)k.cnts->sh_size);
	printf("0x%" PRIx64 ",%" PRIu64 " %" PRIu64 " %" PRIu64 "\n", a,
	       (uint64_t)k.cnts->sh_size, (uint64_t)(k.data->sh_size / k.l.size),
	       (uint64_t)k.cnts->sh_size / 8);
	table_free(&names);
	kp_elf_close(&k.e);
	return 0;
}

/* extract's object scan */
static struct scan {
	const char *objtree, *srctree;
	size_t rec;
	struct table *obj_of;	/* NameRef -> dir/obj.o */
	size_t objects;
} sc;

static int scan_obj(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	size_t n = strlen(path), rl = strlen(sc.objtree);
	struct kp_elf e;
	char *src, *rel;

	if (type != FTW_F || n < 3 || strcmp(path + n - 2, ".o") ||
	    strncmp(path, sc.objtree, rl) || path[rl] != '/')
		return 0;
	rel = own(kp_xstrdup(path + rl + 1));
	src = kp_xasprintf("%s/%.*s.c", sc.srctree, (int)strlen(rel) - 2, rel);
	if (access(src, F_OK) || elf_open(&e, path, 0)) {
		free(src);
		return 0;
	}
	free(src);
	/* one __llvm_prf_data per function (each in its function's group) */
	for (size_t k = 0, found = 0; k < e.nsh; k++) {
		const char *name = kp_elf_name(&e, &e.sh[k]);
		const unsigned char *d = kp_elf_data(&e, &e.sh[k]);

		if (!d || !name || strcmp(name, "__llvm_prf_data"))
			continue;
		for (size_t i = 0; i + sc.rec <= e.sh[k].sh_size; i += sc.rec) {
			void **slot = table_slot(sc.obj_of, rd64(d + i));

			/* a name in several objects: the first in path order */
			if (!*slot || strcmp(rel, *slot) < 0)
				*slot = rel;
		}
		sc.objects += !found++;
	}
	kp_elf_close(&e);
	return 0;
}

/* the source path of a static function's name ("path;name"), or 0 */
static size_t local_prefix_len(const char *name)
{
	const char *x = strchr(name, ';');	/* clang 18 and newer */

	if (!x) {			/* before: "path:name", path a source */
		x = strrchr(name, ':');
		if (x && !(x - name > 2 && x[-2] == '.' && (x[-1] == 'c' || x[-1] == 'h')))
			x = NULL;
	}
	return x ? (size_t)(x - name) : 0;
}

static int cmp_func(const void *a, const void *b)
{
	const struct func *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->hash < y->hash ? -1 : x->hash > y->hash;
}

static void write_func(struct kp_buf *b, const struct func *f)
{
	kp_buf_printf(b, "%s\n", f->name);
	if (f->obj)
		kp_buf_printf(b, "# kpgo-object: %s\n", f->obj);
	kp_buf_printf(b, "# Func Hash:\n%" PRIu64 "\n# Num Counters:\n%" PRIu32
		"\n# Counter Values:\n", f->hash, f->n);
	for (uint32_t i = 0; i < f->n; i++)
		kp_buf_printf(b, "%" PRIu64 "\n", f->c[i]);
	kp_buf_printf(b, "\n");
}

static const char prof_header[] = "# IR level Instrumentation Flag\n:ir\n";

static void write_prof(const char *path, const struct prof *p)
{
	struct kp_buf b = { 0 };

	kp_buf_printf(&b, "%s", prof_header);
	for (size_t i = 0; i < p->n; i++)
		write_func(&b, &p->f[i]);
	if (kp_write_file_atomic(path, b.p, b.n, 0644))
		kp_die("cannot write %s: %s", path, strerror(errno));
	free(b.p);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint64_t func_sum(const struct func *f)
{
	uint64_t s = 0;

	for (uint32_t i = 0; i < f->n; i++)
		s = sat_add(s, f->c[i]);
	return s;
}

static int cmp_sum_desc(const void *a, const void *b)
{
	uint64_t x = func_sum(*(struct func *const *)a);
	uint64_t y = func_sum(*(struct func *const *)b);

	return x < y ? 1 : x > y ? -1 : 0;
}

/* profile.info: one line of figures, then the top functions */
static void print_stat(const char *what, const struct prof *p, size_t top)
{
	size_t live = 0, ctrs = 0, objs = 0;
	uint64_t sum = 0, max = 0;
	struct func **v = kp_xcalloc(p->n ? p->n : 1, sizeof(*v));
	struct table seen = { 0 };

	for (size_t i = 0; i < p->n; i++) {
		uint64_t s = func_sum(&p->f[i]);

		v[i] = &p->f[i];
		live += s != 0;
		ctrs += p->f[i].n;
		sum = sat_add(sum, s);
		for (uint32_t j = 0; j < p->f[i].n; j++)
			max = p->f[i].c[j] > max ? p->f[i].c[j] : max;
		if (p->f[i].obj) {
			void **slot = table_slot(&seen, md5_low64(p->f[i].obj,
								  strlen(p->f[i].obj)));
			if (!*slot) {
				*slot = (void *)p->f[i].obj;
				objs++;
			}
		}
	}
	printf("%s: %zu functions (%zu with non-zero counters), %zu objects, "
	       "%zu counters, sum %" PRIu64 ", max %" PRIu64 "\n",
	       what, p->n, live, objs, ctrs, sum, max);
	qsort(v, p->n, sizeof(*v), cmp_sum_desc);
	for (size_t i = 0; i < top && i < p->n && func_sum(v[i]); i++)
		printf("  %" PRIu64 " %.2f%% %s (%s)\n", func_sum(v[i]),
		       sum ? 100.0 * (double)func_sum(v[i]) / (double)sum : 0.0,
		       v[i]->name, v[i]->obj ? v[i]->obj : "?");
	free(v);
	free(seen.key);
	free(seen.val);
}

static int do_extract(const char *vmlinux, const char *counters,
		      const char *objtree, const char *srctree,
		      const char *prefix, const char *out)
{
	struct kernel k;
	struct table names = { 0 }, obj_of = { 0 };
	struct prof p = { 0 };
	unsigned char *cnt;
	char *real;
	const unsigned char *d;
	size_t clen, nrec, plen = prefix ? strlen(prefix) : 0, unknown = 0;
	const char *why;

	kernel_load(&k, vmlinux, &names);
	/* from the guest: a regular file, no larger than the section */
	if (kp_read_regular(counters, k.cnts->sh_size, KP_RD_ONE_LINK, &cnt, &clen, &why))
		kp_die("cannot read %s: %s", counters, why);
	if (clen != k.cnts->sh_size)
		kp_die("%s: %zu bytes, but %s's counter section is %" PRIu64
		       " bytes: the counters come from another kernel (collect "
		       "again with this instrumented kernel)", counters, clen,
		       vmlinux, (uint64_t)k.cnts->sh_size);
	real = realpath(objtree, NULL);
	if (!real)
		kp_die("%s: %s", objtree, strerror(errno));
	sc = (struct scan){ real, srctree, k.l.size, &obj_of, 0 };
	if (nftw(real, scan_obj, 32, FTW_PHYS))
		kp_die("cannot walk %s: %s", objtree, strerror(errno));
	if (!sc.objects)
		kp_die("%s: no object with __llvm_prf_data: not the object tree "
		       "of %s", objtree, vmlinux);

	d = kp_elf_bytes(&k.e, k.data);
	nrec = k.data->sh_size / k.l.size;
	for (size_t i = 0; i < nrec; i++) {
		const unsigned char *r = d + i * k.l.size;
		uint64_t at = k.data->sh_addr + i * k.l.size + rd64(r + 16);
		const char *name = table_get(&names, rd64(r));
		size_t lp = local_prefix_len(name);
		struct func *f = prof_add(&p);

		f->name = own(kp_xstrdup(name + (lp && plen && !strncmp(name, prefix, plen) ? plen : 0)));
		f->obj = table_get(&obj_of, rd64(r));
		unknown += !f->obj;
		f->hash = rd64(r + 8);
		f->n = rd32(r + k.l.ncnt);
		f->c = own(kp_xmalloc(f->n * sizeof(*f->c)));
		memcpy(f->c, cnt + (at - k.cnts->sh_addr), f->n * sizeof(*f->c));
	}
	qsort(p.f, p.n, sizeof(*p.f), cmp_func);
	write_prof(out, &p);
	print_stat("llvm", &p, 5);
	if (unknown)
		printf("  %zu functions of no object in %s\n", unknown, objtree);
	free(cnt);
	free(real);
	free(p.f);
	table_free(&names);
	table_free(&obj_of);
	kp_elf_close(&k.e);
	return 0;
}

/* ---- reading text profiles ------------------------------------------------ */

static char *next_line(char **s, int *lineno)
{
	char *l = *s, *e;

	if (!*l)
		return NULL;
	e = strchr(l, '\n');
	if (e) {
		*e = 0;
		*s = e + 1;
	} else {
		*s = l + strlen(l);
	}
	++*lineno;
	return l;
}

/* the next line that is neither empty nor a comment ("# kpgo-object:" kept) */
static char *data_line(char **s, int *lineno, const char **obj)
{
	char *l;

	while ((l = next_line(s, lineno))) {
		if (obj && !strncmp(l, "# kpgo-object: ", 15))
			*obj = l + 15;
		else if (*l && *l != '#')
			return l;
	}
	return NULL;
}

static uint64_t number(const char *path, int lineno, const char *l, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(l, &end, 10);
	if (*l < '0' || *l > '9' || errno || *end || v > max)
		kp_die("%s:%d: '%s' is not a number up to %" PRIu64 " (a text "
		       "profile of kpgo-llvmprof extract?)", path, lineno, l, max);
	return v;
}

/* a text profile (":ir"), appended to p; buffer kept for the names */
static void read_prof(const char *path, struct prof *p)
{
	unsigned char *buf;
	size_t len;
	char *s, *l;
	int lineno = 0;

	const char *why;

	if (kp_read_regular(path, KP_MAX_DATA, KP_RD_ONE_LINK, &buf, &len, &why))
		kp_die("cannot read %s: %s", path, why);
	own(buf);
	if (memchr(buf, 0, len))
		kp_die("%s: contains a NUL byte: not a text profile", path);
	s = (char *)buf;
	l = data_line(&s, &lineno, NULL);
	if (!l || strcmp(l, ":ir"))
		kp_die("%s:%d: expected ':ir' (an IR-level text profile, as "
		       "kpgo-llvmprof extract writes)", path, lineno);
	for (;;) {
		const char *obj = NULL;
		struct func *f;

		l = data_line(&s, &lineno, &obj);
		if (!l)
			break;
		f = prof_add(p);
		f->name = l;
		f->obj = NULL;
		l = data_line(&s, &lineno, &obj);
		if (!l)
			kp_die("%s:%d: function %s has no hash", path, lineno, f->name);
		f->hash = number(path, lineno, l, UINT64_MAX);
		l = data_line(&s, &lineno, &obj);
		if (!l)
			kp_die("%s:%d: function %s has no counter count", path, lineno, f->name);
		f->n = (uint32_t)number(path, lineno, l, 1u << 24);
		f->c = own(kp_xmalloc((f->n ? f->n : 1) * sizeof(*f->c)));
		for (uint32_t i = 0; i < f->n; i++) {
			l = data_line(&s, &lineno, &obj);
			if (!l)
				kp_die("%s:%d: function %s: %" PRIu32 " of %" PRIu32
				       " counters", path, lineno, f->name, i, f->n);
			f->c[i] = number(path, lineno, l, UINT64_MAX);
		}
		if (obj && kp_path_bad(obj, ".o"))
			kp_die("%s:%d: '# kpgo-object: %s' is not an object path "
			       "inside the tree (%s); refused", path, lineno,
			       (char *)own(kp_xescape(obj)), kp_path_bad(obj, ".o"));
		f->obj = obj;
	}
}

/* ---- merge ------------------------------------------------------------------- */

struct mopts {
	const char *out, *prefix, *objtree, *installed, *deps;
	double threshold;
	int normalize, drop_zero;
};

struct input {
	const char *path;
	uint64_t weight;
	struct prof p;
	double scale;
};

/* how much an object's slice moved, in percent (kp_inst_shape_change);
 * above 100 when the functions differ */
static double slice_change(const struct func *a, size_t na,
			   const struct func *b, size_t nb)
{
	struct kp_ctrs *x, *y;
	double change;

	if (na != nb)
		return 200;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i].name, b[i].name) || a[i].hash != b[i].hash ||
		    a[i].n != b[i].n)
			return 200;
	x = kp_xcalloc(na + 1, sizeof(*x));
	y = kp_xcalloc(na + 1, sizeof(*y));
	for (size_t i = 0; i < na; i++) {
		x[i] = (struct kp_ctrs){ a[i].c, a[i].n };
		y[i] = (struct kp_ctrs){ b[i].c, b[i].n };
	}
	change = kp_inst_shape_change(x, y, na);
	free(x);
	free(y);
	return change;
}

struct slice {
	struct func *f;
	size_t n;
};

/* profinst's measure of how far an installed slice moved (percent) */
static double slice_installed_change(const char *path, const unsigned char *cur,
				     size_t len, void *ctx)
{
	const struct slice *s = ctx;
	struct prof cp = { 0 };
	double change;

	read_prof(path, &cp);
	change = slice_change(cp.f, cp.n, s->f, s->n);
	free(cp.f);
	return change;
}

static int cmp_obj(const void *a, const void *b)
{
	const struct func *x = a, *y = b;
	int c = strcmp(x->obj ? x->obj : "", y->obj ? y->obj : "");

	return c ? c : cmp_func(a, b);
}

/* the inputs read, each weighted (and normalized), appended to all */
static void read_inputs(const struct mopts *mo, struct input *in, size_t nin,
			struct prof *all)
{
	uint64_t ref = 0;

	for (size_t i = 0; i < nin; i++) {
		uint64_t s = 0;

		read_prof(in[i].path, &in[i].p);
		for (size_t j = 0; j < in[i].p.n; j++)
			s = sat_add(s, func_sum(&in[i].p.f[j]));
		if (mo->normalize && !s)
			kp_die("%s: every counter is 0: nothing to normalize (collect "
			       "the profile again, or merge without --normalize)",
			       in[i].path);
		in[i].scale = (double)s;
		ref = s > ref ? s : ref;
	}
	for (size_t i = 0; i < nin; i++) {
		in[i].scale = (double)in[i].weight *
			      (mo->normalize ? (double)ref / in[i].scale : 1.0);
		for (size_t j = 0; j < in[i].p.n; j++) {
			struct func *f = prof_add(all);

			*f = in[i].p.f[j];
			for (uint32_t k = 0; k < f->n; k++) {
				double v = (double)f->c[k] * in[i].scale + 0.5;

				f->c[k] = v >= 0x1p64 ? UINT64_MAX : (uint64_t)v;
			}
		}
	}
}

/* the functions all[i..) of f's name and hash added to f; the next i */
static size_t sum_same(struct func *f, const struct prof *all, size_t i)
{
	for (i++; i < all->n && !cmp_func(&all->f[i], f); i++) {
		const struct func *g = &all->f[i];

		if (g->n != f->n)
			kp_die("function %s (hash %" PRIu64 ") has %" PRIu32 " counters in "
			       "one profile and %" PRIu32 " in another: they come from "
			       "different instrumented kernels", f->name, f->hash,
			       f->n, g->n);
		for (uint32_t k = 0; k < f->n; k++)
			f->c[k] = sat_add(f->c[k], g->c[k]);
		if (!f->obj)
			f->obj = g->obj;
	}
	return i;
}

/* one record per (name, hash) of all in out: the inputs summed */
static size_t sum_inputs(const struct mopts *mo, struct prof *all, struct prof *out)
{
	size_t plen = mo->prefix ? strlen(mo->prefix) : 0, dropped = 0;

	qsort(all->f, all->n, sizeof(*all->f), cmp_func);
	for (size_t i = 0; i < all->n;) {
		struct func *f = prof_add(out);

		*f = all->f[i];
		i = sum_same(f, all, i);
		if (mo->drop_zero && !func_sum(f)) {
			out->n--;
			dropped++;
			continue;
		}
		if (plen && local_prefix_len(f->name) && f->name[0] != '/')
			f->name = own(kp_xasprintf("%s%s", mo->prefix, f->name));
	}
	return dropped;
}

/* out's functions by object: each object's slice and its .proftext */
static size_t split_by_object(struct prof *out, struct slice **sl, char ***rels)
{
	size_t nobj = 0;

	*sl = NULL;
	*rels = NULL;
	qsort(out->f, out->n, sizeof(*out->f), cmp_obj);
	for (size_t i = 0, j; i < out->n; i = j) {
		const char *o = out->f[i].obj;

		for (j = i; j < out->n && (out->f[j].obj == o || (o && out->f[j].obj &&
		     !strcmp(out->f[j].obj, o))); j++)
			;
		if (!o)
			continue;
		*sl = kp_xrealloc(*sl, (nobj + 1) * sizeof(**sl));
		*rels = kp_xrealloc(*rels, (nobj + 1) * sizeof(**rels));
		(*rels)[nobj] = own(kp_xasprintf("%.*sproftext", (int)strlen(o) - 1, o));
		(*sl)[nobj++] = (struct slice){ out->f + i, j - i };
	}
	return nobj;
}

/* per object: its slice, written when it moved enough; the object count */
static size_t install_slices(const struct mopts *mo, struct prof *out,
			     struct kp_inst *inst)
{
	struct slice *sl;
	char **rels;
	size_t nobj = split_by_object(out, &sl, &rels);

	*inst = (struct kp_inst){
		.tree = mo->objtree, .list = mo->installed, .deps = mo->deps,
		.suffix = ".proftext", .threshold = mo->threshold,
	};
	kp_inst_begin(inst, rels, nobj);
	for (size_t k = 0; k < nobj; k++) {
		struct kp_buf b = { 0 };

		kp_buf_printf(&b, "%s", prof_header);
		for (size_t f = 0; f < sl[k].n; f++)
			write_func(&b, &sl[k].f[f]);
		kp_inst_file(inst, rels[k], b.p, b.n, slice_installed_change, &sl[k]);
		free(b.p);
	}
	kp_inst_end(inst);
	free(sl);
	free(rels);
	return nobj;
}

static void print_merge(const struct mopts *mo, size_t nin, const struct prof *out,
			size_t dropped, size_t nobj, const struct kp_inst *inst)
{
	size_t live = 0, ctrs = 0;

	for (size_t i = 0; i < out->n; i++) {
		live += func_sum(&out->f[i]) != 0;
		ctrs += out->f[i].n;
	}
	printf("kpgo-llvmprof: %zu profile%s merged%s: %zu functions (%zu with "
	       "non-zero counters%s), %zu counters",
	       nin, nin == 1 ? "" : "s", mo->normalize ? " (normalized)" : "",
	       out->n, live, dropped ? (char *)own(kp_xasprintf(", %zu never run left out",
							  dropped)) : "", ctrs);
	if (mo->objtree)
		printf("; %zu objects: %zu slices written, %zu unchanged, %zu moved "
		       "less than %g%% (kept), %zu removed", nobj,
		       inst->updated + inst->added, inst->unchanged, inst->kept,
		       mo->threshold, inst->removed);
	printf("\n");
}

static int do_merge(const struct mopts *mo, struct input *in, size_t nin)
{
	struct prof all = { 0 }, out = { 0 };
	struct kp_inst inst = { 0 };
	size_t dropped, nobj = 0;

	read_inputs(mo, in, nin, &all);
	dropped = sum_inputs(mo, &all, &out);
	write_prof(mo->out, &out);
	if (mo->objtree)
		nobj = install_slices(mo, &out, &inst);
	print_merge(mo, nin, &out, dropped, nobj, &inst);
	for (size_t i = 0; i < nin; i++)
		free(in[i].p.f);
	free(all.f);
	free(out.f);
	return 0;
}

/* merge's arguments IN[:WEIGHT]..., then the merge */
static int cmd_merge(const struct mopts *mo, char **arg, size_t nin)
{
	struct input *in;

	if (!mo->out || !nin)
		kp_die("merge: needs -o OUT and at least one input profile (see --help)");
	if ((mo->installed || mo->deps) && !mo->objtree)
		kp_die("merge: --installed and --deps need --objtree");
	in = own(kp_xcalloc(nin, sizeof(*in)));
	for (size_t i = 0; i < nin; i++) {
		char *a = own(kp_xstrdup(arg[i])), *c = strrchr(a, ':'), *end;

		in[i].path = a;
		in[i].weight = 1;
		if (!c)
			continue;
		*c = 0;
		errno = 0;
		in[i].weight = strtoull(c + 1, &end, 10);
		if (errno || *end || !in[i].weight || in[i].weight > 999999)
			kp_die("%s: bad weight '%s' (a positive integer up to 999999)",
			       arg[i], c + 1);
	}
	return do_merge(mo, in, nin);
}

/* ---- main ------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: kpgo-llvmprof range VMLINUX\n"
"       kpgo-llvmprof extract --vmlinux V --counters C --objtree O --srctree S\n"
"                             [--prefix P] -o OUT\n"
"       kpgo-llvmprof merge -o OUT [--prefix P] [--objtree DIR] [--installed LIST]\n"
"                           [--deps FILE] [--threshold PCT] [--normalize]\n"
"                           [--drop-zero] IN[:WEIGHT]...\n"
"\n"
"clang IR PGO profiles of a kernel built with -fprofile-generate, read from\n"
"its counter section without a kernel-side runtime.\n"
"\n"
"  range       the counter section: \"ADDR,SIZE FUNCTIONS COUNTERS\"; fails\n"
"              when it lies in the init region (freed after boot)\n"
"  extract     the counters C (SIZE bytes, one u64 each, as the guest agent\n"
"              writes them) as a text profile (llvm-profdata's ':ir' text\n"
"              format), each function with its object of O; the prefix P\n"
"              (how that build spelled the source tree) is taken off static\n"
"              functions' source paths; figures on stdout\n"
"  merge       text profiles summed with integer WEIGHTs (default 1) into\n"
"              OUT, P put in front of static functions' relative paths;\n"
"              with --objtree each object's functions also go to\n"
"              DIR/dir/obj.proftext, and --deps FILE lists\n"
"              \"dir/obj.o: dir/obj.proftext\"\n"
"  --threshold PCT  keep an installed slice unless its counters' shares\n"
"              moved by PCT percent (100 * (1 - overlap)) or more\n"
"  --normalize      scale each input to the largest counter sum first\n"
"  --drop-zero      leave out functions whose counters are all 0\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "vmlinux", required_argument, NULL, 'v' },
		{ "counters", required_argument, NULL, 'c' },
		{ "objtree", required_argument, NULL, 'O' },
		{ "srctree", required_argument, NULL, 'S' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "installed", required_argument, NULL, 'I' },
		{ "deps", required_argument, NULL, 'D' },
		{ "threshold", required_argument, NULL, 't' },
		{ "normalize", no_argument, NULL, 'N' },
		{ "drop-zero", no_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *vml = NULL, *cnt = NULL, *srctree = NULL;
	struct mopts mo = { 0 };
	const char *cmd;
	int o;

	signal(SIGXFSZ, SIG_IGN);	/* ulimit -f: EFBIG, said as an error */
	cmd = kp_command(argc, argv, usage);
	while ((o = kp_getopt(argc, argv, "o:h", lo, usage)) != -1) {
		switch (o) {
		case 'v': vml = optarg; break;
		case 'c': cnt = optarg; break;
		case 'O': mo.objtree = optarg; break;
		case 'S': srctree = optarg; break;
		case 'p': mo.prefix = optarg; break;
		case 'I': mo.installed = optarg; break;
		case 'D': mo.deps = optarg; break;
		case 'o': mo.out = optarg; break;
		case 'N': mo.normalize = 1; break;
		case 'z': mo.drop_zero = 1; break;
		case 't':
			mo.threshold = kp_inst_threshold(optarg);
			break;
		}
	}
	if (!strcmp(cmd, "range")) {
		if (optind != argc - 1)
			kp_die("range: give one VMLINUX");
		o = do_range(argv[optind]);
	} else if (!strcmp(cmd, "extract")) {
		if (!vml || !cnt || !mo.objtree || !srctree || !mo.out || optind != argc)
			kp_die("extract: needs --vmlinux, --counters, --objtree, --srctree and -o (see --help)");
		o = do_extract(vml, cnt, mo.objtree, srctree, mo.prefix, mo.out);
	} else if (!strcmp(cmd, "merge")) {
		o = cmd_merge(&mo, argv + optind, (size_t)(argc - optind));
	} else {
		kp_die("unknown command '%s' (range, extract or merge; see --help)", cmd);
	}
	free_owned();
	return o;
}
