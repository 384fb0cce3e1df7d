// SPDX-License-Identifier: GPL-2.0
/*
 * cold.c - kpgo-cold: where a kernel's cold code lies in its vmlinux, for
 * kpgo's TCG plugin (tools/frontend.c, cold=FILE) to count the kernel
 * instructions a run spent in code its profile foresaw as unlikely.
 *
 *   kpgo-cold --vmlinux-o VMLINUX.O --vmlinux VMLINUX -o RANGES
 *
 * Cold code is what gcc put in .text.unlikely sections: with a profile, the
 * functions the training never ran and the parts ("foo.cold") of the
 * functions it ran that it never reached; without one, what gcc guessed
 * (__cold functions, paths to them).  vmlinux.o, the kernel linked
 * relocatable, still has these sections; the final link (the kernel's
 * TEXT_TEXT) places each whole, so a section's address in vmlinux is the
 * address of a symbol defined in it less the symbol's offset in it.  The
 * symbol is the first whose name vmlinux uses once: a global one, or else
 * a local one whose name is used once in vmlinux.o too.
 *
 * RANGES, written through a temporary: '#' comments, "sections=" and
 * "bytes=" lines, then one "START END" line (hex, END excluded) per range,
 * sorted, ranges that touch merged.  A section with no usable symbol is
 * an error (the figure would be short): nothing is written.  vmlinux.o
 * and vmlinux come from the build kpgo ran; they are read as regular files
 * of bounded size all the same, and every range is checked to lie in
 * vmlinux's .text.
 */
#define _GNU_SOURCE
#include "util.h"

#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sec {				/* a .text.unlikely section of vmlinux.o */
	size_t idx;
	uint64_t size;
};

struct name {				/* a symbol name of one file, with a count */
	const char *name;
	uint64_t addr;
	unsigned uses;
};

struct range {
	uint64_t start, end;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: kpgo-cold --vmlinux-o VMLINUX.O --vmlinux VMLINUX -o RANGES\n"
"\n"
"Write the address ranges of vmlinux's cold code (the .text.unlikely\n"
"sections of vmlinux.o, as the final link placed them) to RANGES, for\n"
"kpgo's TCG plugin (cold=RANGES), and print how much there is.\n");
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct name *)a)->name, ((const struct name *)b)->name);
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The code symbols of e with a name, sorted by name, each with its uses. */
static struct name *names_of(const struct kp_elf *e, size_t *n)
{
	size_t ns, k = 0;
	struct kp_elf_sym *s = kp_elf_symbols(e, &ns);
	struct name *v = kp_xcalloc(ns ? ns : 1, sizeof(*v));

	for (size_t i = 0; i < ns; i++) {
		int t = ELF64_ST_TYPE(s[i].s.st_info);

		if (!s[i].name || !*s[i].name || (t != STT_FUNC && t != STT_NOTYPE) ||
		    s[i].s.st_shndx == SHN_UNDEF || s[i].s.st_shndx >= SHN_LORESERVE)
			continue;
		v[k].name = s[i].name;
		v[k].addr = s[i].s.st_value;
		v[k].uses = 1;
		k++;
	}
	free(s);
	qsort(v, k, sizeof(*v), cmp_name);
	for (size_t i = 0; i < k;) {		/* count each name's uses */
		size_t j = i;

		while (j < k && !strcmp(v[j].name, v[i].name))
			j++;
		for (size_t m = i; m < j; m++)
			v[m].uses = (unsigned)(j - i);
		i = j;
	}
	*n = k;
	return v;
}

static const struct name *find(const struct name *v, size_t n, const char *name)
{
	struct name key = { .name = name };

	return bsearch(&key, v, n, sizeof(*v), cmp_name);
}

static int unlikely_name(const char *s)
{
	static const char p[] = ".text.unlikely";

	return s && !strncmp(s, p, sizeof(p) - 1) &&
	       (s[sizeof(p) - 1] == '\0' || s[sizeof(p) - 1] == '.');
}

/* The .text.unlikely sections of o */
static struct sec *cold_sections(const struct kp_elf *o, size_t *n)
{
	struct sec *v = kp_xcalloc(o->nsh ? o->nsh : 1, sizeof(*v));
	size_t k = 0;

	for (size_t i = 0; i < o->nsh; i++) {
		const Elf64_Shdr *h = &o->sh[i];

		if (h->sh_type != SHT_PROGBITS || !(h->sh_flags & SHF_EXECINSTR) ||
		    !h->sh_size || !unlikely_name(kp_elf_name(o, h)))
			continue;
		v[k].idx = i;
		v[k].size = h->sh_size;
		k++;
	}
	*n = k;
	return v;
}

/*
 * Where section c of o lies in vmlinux: through the first symbol defined
 * in it whose name vmlinux uses once (a global one first; a local one only
 * when its name is used once in o too).  0 and *anchor set, or -1.
 */
static int place(const struct kp_elf_sym *s, size_t ns, const struct sec *c,
		 const struct name *on, size_t onn, const struct name *vn, size_t vnn,
		 uint64_t *start, const char **anchor)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ns; i++) {
			int global = ELF64_ST_BIND(s[i].s.st_info) != STB_LOCAL;
			const struct name *o, *v;

			if (global != !pass || !s[i].name || !*s[i].name ||
			    s[i].s.st_shndx != c->idx)
				continue;
			o = find(on, onn, s[i].name);
			v = find(vn, vnn, s[i].name);
			if ((!global && (!o || o->uses != 1)) || !v || v->uses != 1 ||
			    v->addr < s[i].s.st_value)
				continue;
			*start = v->addr - s[i].s.st_value;
			*anchor = s[i].name;
			return 0;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "vmlinux-o", 1, 0, 'O' }, { "vmlinux", 1, 0, 'V' },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 }
	};
	const char *opath = NULL, *vpath = NULL, *out = NULL;
	struct kp_elf o, v;
	const Elf64_Shdr *text;
	struct name *on, *vn;
	struct kp_elf_sym *syms;
	size_t nsyms;
	struct sec *cs;
	struct range *r;
	size_t onn, vnn, ncs, nr = 0, unplaced = 0;
	uint64_t bytes = 0;
	struct kp_buf b = { 0 };
	int c;

	kp_set_prog(argv[0]);
	while ((c = kp_getopt(argc, argv, "o:h", lo, usage)) != -1) {
		switch (c) {
		case 'O': opath = optarg; break;
		case 'V': vpath = optarg; break;
		case 'o': out = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (!opath || !vpath || !out || optind != argc)
		kp_usage_error("--vmlinux-o, --vmlinux and -o are needed, and nothing else");
	if (kp_elf_open(&o, opath) != KP_ELF_OK)
		kp_die("%s: not a readable 64-bit ELF file (the kernel's vmlinux.o)", opath);
	if (kp_elf_open(&v, vpath) != KP_ELF_OK)
		kp_die("%s: not a readable 64-bit ELF file (the kernel's vmlinux)", vpath);
	text = kp_elf_section(&v, ".text");
	if (!text || !text->sh_addr)
		kp_die("%s: no .text section at an address: not a linked kernel", vpath);
	on = names_of(&o, &onn);
	vn = names_of(&v, &vnn);
	cs = cold_sections(&o, &ncs);
	syms = kp_elf_symbols(&o, &nsyms);
	r = kp_xcalloc(ncs ? ncs : 1, sizeof(*r));
	for (size_t i = 0; i < ncs; i++) {
		const char *anchor;
		uint64_t start;

		if (place(syms, nsyms, &cs[i], on, onn, vn, vnn, &start, &anchor)) {
			unplaced++;
			continue;
		}
		if (start < text->sh_addr || cs[i].size > text->sh_size ||
		    start - text->sh_addr > text->sh_size - cs[i].size)
			kp_die("%s: section %zu of %s (%s, placed by %s) would lie at %#" PRIx64
			       ", outside .text: vmlinux.o and vmlinux are not of one build",
			       vpath, cs[i].idx, opath, kp_elf_name(&o, &o.sh[cs[i].idx]),
			       anchor, start);
		r[nr].start = start;
		r[nr].end = start + cs[i].size;
		nr++;
		bytes += cs[i].size;
	}
	if (unplaced)
		kp_die("%zu of the %zu .text.unlikely sections of %s have no symbol whose name is "
		       "used once in %s: their place is unknown, so the cold code's would be short; "
		       "%s not written", unplaced, ncs, opath, vpath, out);
	qsort(r, nr, sizeof(*r), cmp_range);
	kp_buf_printf(&b, "# kpgo-cold: the .text.unlikely sections of %s, placed in %s\n"
		      "sections=%zu\nunplaced=%zu\nbytes=%" PRIu64 "\n", opath, vpath, ncs,
		      unplaced, bytes);
	for (size_t i = 0; i < nr;) {
		uint64_t s = r[i].start, e = r[i].end;

		for (i++; i < nr && r[i].start <= e; i++)
			if (r[i].end > e)
				e = r[i].end;
		kp_buf_printf(&b, "%" PRIx64 " %" PRIx64 "\n", s, e);
	}
	if (kp_write_if_changed(out, b.p, b.n, 0644) < 0)
		kp_die("%s: %s", out, strerror(errno));
	printf("%zu cold sections, %" PRIu64 " bytes (%.1f %% of .text), %zu unplaced\n",
	       ncs - unplaced, bytes, 100.0 * (double)bytes / (double)text->sh_size, unplaced);
	free(b.p);
	free(r);
	free(cs);
	free(syms);
	free(on);
	free(vn);
	kp_elf_close(&o);
	kp_elf_close(&v);
	return 0;
}
