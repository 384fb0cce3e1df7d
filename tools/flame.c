// SPDX-License-Identifier: GPL-2.0
/*
 * flame.c - kpgo-flame: the guest kernel's sampled call stacks (kpgo's TCG
 * plugin, tools/frontend.c, stacks=FILE) made readable.
 *
 *   kpgo-flame --vmlinux V --stacks S [--folded F] [--html H] [--perf P]
 *              [--kallsyms K] [--title T] [--top N]
 *       symbolizes every sampled address against V's symbol table and
 *       writes: F, the folded stacks ("outer;...;leaf COUNT", the format
 *       every flamegraph tool reads); H, a flamegraph in one HTML file (an
 *       SVG drawn by its own script from the folded data: hover shows a
 *       function and its share, a click zooms, nothing is fetched); P, the
 *       samples as a perf.data file (one kernel-mode sample per distinct
 *       stack, its count times the period as the sample's period, with the
 *       call chain) that `perf script -i P --kallsyms K` and `perf report`
 *       read, K being a kallsyms-format symbol list written from V.  Prints
 *       the samples, the top functions (self) and the top stacks.
 *   kpgo-flame --base A.folded --folded B.folded --html H [--title T]
 *       a differential flamegraph: B's stacks, each frame red when its
 *       share of the samples grew from A to B, blue when it shrank.
 *
 * Every file is written through a temporary name and renamed.
 */
#define _GNU_SOURCE
#include "util.h"

#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void save(const char *path, const struct kp_buf *b)
{
	if (kp_write_file_atomic(path, b->p ? b->p : "", b->n, 0644))
		kp_die("cannot write %s: %s", path, strerror(errno));
}

/* ---- symbols of vmlinux -------------------------------------------------- */

struct sym {
	uint64_t addr, size;
	const char *name;
	int rank;		/* among symbols at one address, the highest names it */
};

static struct sym *syms;
static size_t nsyms;
static unsigned char *elf_buf;

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return strcmp(x->name, y->name);
}

/*
 * The kernel's text, found once with the symbols: [_text, _etext), else
 * from the first to the last symbol; has_text_sym when _text is one.
 */
static uint64_t text_start, text_end;
static int has_text_sym;

static void find_kernel_text(void)
{
	for (size_t i = 0; i < nsyms; i++) {
		if (!strcmp(syms[i].name, "_text")) {
			text_start = syms[i].addr;
			has_text_sym = 1;
		}
		if (!strcmp(syms[i].name, "_etext"))
			text_end = syms[i].addr;
	}
	if (!text_start)
		text_start = syms[0].addr;
	if (text_end <= text_start)
		text_end = syms[nsyms - 1].addr + syms[nsyms - 1].size + 4096;
}

/* s a function (or code label) of e? */
static int is_code(const struct kp_elf *e, const struct kp_elf_sym *s)
{
	unsigned int type = ELF64_ST_TYPE(s->s.st_info);

	return (type == STT_FUNC || type == STT_NOTYPE) && s->s.st_value &&
	       s->s.st_shndx != SHN_UNDEF && s->s.st_shndx < e->nsh &&
	       (e->sh[s->s.st_shndx].sh_flags & SHF_EXECINSTR) && s->name;
}

/* the functions (and code labels) of V's symbol table */
static void read_symbols(const char *path)
{
	struct kp_elf e;
	struct kp_elf_sym *s;
	size_t ns, cap = 0;
	int r = kp_elf_open(&e, path);

	if (r == KP_ELF_UNREADABLE)
		kp_die("cannot read %s: %s", path, strerror(errno));
	if (r != KP_ELF_OK)
		kp_die("%s: not a 64-bit ELF file (give the kernel's vmlinux)", path);
	s = kp_elf_symbols(&e, &ns);
	for (size_t j = 0; j < ns; j++) {
		if (!is_code(&e, &s[j]))
			continue;
		if (nsyms == cap)
			syms = kp_xrealloc(syms, (cap = cap ? 2 * cap : 65536) * sizeof(*syms));
		/* a sized function names its address before a label or a
		 * section marker (__sched_text_start, _text) */
		syms[nsyms++] = (struct sym){ s[j].s.st_value, s[j].s.st_size, s[j].name,
			(ELF64_ST_TYPE(s[j].s.st_info) == STT_FUNC) * 2 + (s[j].s.st_size != 0) };
	}
	free(s);
	elf_buf = e.p;	/* the names stay in it */
	free(e.sh);
	if (!nsyms)
		kp_die("%s: no function symbols (a stripped image? give the vmlinux of the "
		       "object tree the kernel was built in)", path);
	qsort(syms, nsyms, sizeof(*syms), cmp_sym);
	find_kernel_text();
}

/* the function holding address a ("[unknown]" outside every one; "[user]"
 * for an address in the lower half, user space on x86-64) */
static const char *symbolize(uint64_t a)
{
	size_t lo = 0, hi = nsyms;

	if (!(a >> 63) && syms[0].addr >> 63)
		return "[user]";

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (syms[mid].addr <= a)
			lo = mid;
		else
			hi = mid;
	}
	/* a sized symbol ends at its size; an unsized one at the next symbol */
	if (syms[lo].addr > a || (syms[lo].size && a - syms[lo].addr >= syms[lo].size))
		return "[unknown]";
	return syms[lo].name;
}

/* ---- the plugin's stacks --------------------------------------------------- */

struct stack {
	uint64_t count;
	uint32_t n;
	uint64_t *pc;			/* leaf, then return addresses */
	char *folded;			/* outer;...;leaf */
};

static uint64_t period = 1;
static int all_modes;		/* user mode sampled too */

/* the stacks of text (NUL-terminated, cut into pieces), read from path */
static struct stack *parse_stacks(const char *path, char *text, size_t *n,
				  uint64_t *total)
{
	size_t cap = 0, lineno = 0;
	struct stack *v = NULL;
	char *s, *line, *save;

	*n = 0;
	*total = 0;
	for (s = text; (line = strtok_r(s, "\n", &save)); s = NULL) {
		struct stack st = { 0 };
		char *tok, *end, *save2;
		size_t pcap = 0;

		lineno++;
		if (*line == '#') {
			const char *p = strstr(line, "period=");

			if (p) {
				char *e;

				/* the plugin's header comes first: each sample's
				 * count times the period is checked against it */
				if (*n)
					kp_die("%s:%zu: a period= header after samples",
					       path, lineno);
				period = strtoull(p + 7, &e, 10);
				all_modes = !strncmp(e, " all ", 5);
			}
			continue;
		}
		tok = strtok_r(line, " ", &save2);
		errno = 0;
		st.count = tok ? strtoull(tok, &end, 10) : 0;
		if (!tok || errno || *end || !st.count)
			kp_die("%s:%zu: expected 'COUNT LEAF [RA ...]' (the plugin's stacks= file)",
			       path, lineno);
		while ((tok = strtok_r(NULL, " ", &save2))) {
			uint64_t a = strtoull(tok, &end, 16);

			if (*end || end == tok)
				kp_die("%s:%zu: '%s' is not a hex address", path, lineno, tok);
			if (st.n == pcap)
				st.pc = kp_xrealloc(st.pc, (pcap = pcap ? 2 * pcap : 16) * sizeof(*st.pc));
			st.pc[st.n++] = a;
		}
		if (!st.n)
			kp_die("%s:%zu: a stack without addresses", path, lineno);
		if (*n == cap)
			v = kp_xrealloc(v, (cap = cap ? 2 * cap : 1024) * sizeof(*v));
		v[(*n)++] = st;
		if (*total + st.count < *total || st.count > UINT64_MAX / (period ? period : 1))
			kp_die("%s:%zu: sample counts overflow", path, lineno);
		*total += st.count;
	}
	if (!*n)
		kp_die("%s: no samples (did the load run in the window?)", path);
	return v;
}

static struct stack *read_stacks(const char *path, size_t *n, uint64_t *total)
{
	unsigned char *buf;
	size_t len;
	struct stack *v;
	const char *why;

	if (kp_read_regular(path, KP_MAX_DATA, 0, &buf, &len, &why))
		kp_die("cannot read %s: %s", path, why);
	v = parse_stacks(path, (char *)buf, n, total);
	free(buf);
	return v;
}

static void fold(struct stack *st)
{
	struct kp_buf b = { 0 };

	for (uint32_t i = st->n; i > 1; i--)	/* outermost return address first */
		kp_buf_printf(&b, "%s;", symbolize(st->pc[i - 1] - 1));
	kp_buf_printf(&b, "%s", symbolize(st->pc[0]));
	st->folded = b.p;
}

/* ---- folded stacks: "a;b;c COUNT" ------------------------------------------ */

struct frec {
	char *stack;
	uint64_t count;
};

static int cmp_frec(const void *a, const void *b)
{
	return strcmp(((const struct frec *)a)->stack, ((const struct frec *)b)->stack);
}

static int cmp_frec_count(const void *a, const void *b)
{
	const struct frec *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->stack, y->stack);
}

/* sorted, one record per distinct stack */
static size_t merge_frecs(struct frec *f, size_t n)
{
	size_t o = 0;

	qsort(f, n, sizeof(*f), cmp_frec);
	for (size_t i = 0; i < n; i++) {
		if (o && !strcmp(f[o - 1].stack, f[i].stack)) {
			if (f[o - 1].count + f[i].count < f[o - 1].count)
				kp_die("sample counts of %s overflow", f[i].stack);
			f[o - 1].count += f[i].count;
		} else
			f[o++] = f[i];
	}
	return o;
}

static struct frec *read_folded(const char *path, size_t *n)
{
	unsigned char *buf;
	size_t len, cap = 0, lineno = 0;
	struct frec *v = NULL;
	char *s, *line, *save;
	const char *why;

	if (kp_read_regular(path, KP_MAX_DATA, 0, &buf, &len, &why))
		kp_die("cannot read %s: %s", path, why);
	*n = 0;
	for (s = (char *)buf; (line = strtok_r(s, "\n", &save)); s = NULL) {
		char *sp = strrchr(line, ' '), *end;
		uint64_t c;

		lineno++;
		errno = 0;
		c = sp ? strtoull(sp + 1, &end, 10) : 0;
		if (!sp || sp == line || errno || *end || !c)
			kp_die("%s:%zu: expected 'frame;frame;... COUNT' (folded stacks)", path, lineno);
		*sp = 0;
		if (*n == cap)
			v = kp_xrealloc(v, (cap = cap ? 2 * cap : 1024) * sizeof(*v));
		v[(*n)++] = (struct frec){ kp_xstrdup(line), c };
	}
	free(buf);
	if (!*n)
		kp_die("%s: no stacks", path);
	*n = merge_frecs(v, *n);
	return v;
}

/* ---- the HTML flamegraph ------------------------------------------------- */

static void json_string(struct kp_buf *b, const char *s)
{
	kp_buf_printf(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			kp_buf_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == '<' || *s == '>' || *s == '&')
			kp_buf_printf(b, "\\u%04x", (unsigned char)*s);
		else
			kp_buf_printf(b, "%c", *s);
	}
	kp_buf_printf(b, "\"");
}

static const char html_head[] =
"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title>\n"
"<style>body{font:12px sans-serif;margin:8px}#fg rect{stroke:#fff;stroke-width:.5}"
"#fg text{font:11px monospace;pointer-events:none}#details{height:1.4em;font:12px monospace}"
"#fg g{cursor:pointer}</style></head>\n<body>\n<h3 id=\"title\">%s</h3>\n"
"<div id=\"details\">hover a frame: function, samples, share; click: zoom; "
"<a href=\"#\" id=\"reset\">reset zoom</a></div>\n"
"<svg id=\"fg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"1200\"></svg>\n<script>\n";

/* the page draws itself from the data: no library, nothing fetched */
static const char html_script[] =
"(function () {\n"
"  var W = 1200, H = 17, svgns = 'http://www.w3.org/2000/svg';\n"
"  var root = { name: 'all', value: 0, base: 0, kids: Object.create(null) };\n"
"  function add(stack, count, field) {\n"
"    var node = root; node[field] += count;\n"
"    stack.split(';').forEach(function (f) {\n"
"      if (!node.kids[f]) node.kids[f] = { name: f, value: 0, base: 0, kids: Object.create(null), parent: node };\n"
"      node = node.kids[f]; node[field] += count;\n"
"    });\n"
"  }\n"
"  DATA.forEach(function (d) { add(d[0], d[1], 'value'); });\n"
"  if (BASE) BASE.forEach(function (d) { add(d[0], d[1], 'base'); });\n"
"  function depth(n) { var d = 0; for (var k in n.kids) d = Math.max(d, depth(n.kids[k])); return d + 1; }\n"
"  var svg = document.getElementById('fg'), details = document.getElementById('details');\n"
"  var rows = depth(root), zoomed = root;\n"
"  svg.setAttribute('height', rows * H + 4);\n"
"  function color(n) {\n"
"    if (BASE) {\n"
"      var a = root.base ? n.base / root.base : 0, b = n.value / root.value, d = b - a;\n"
"      var t = Math.min(1, Math.abs(d) * 20), c = Math.round(255 - 170 * t);\n"
"      return d > 0 ? 'rgb(255,' + c + ',' + c + ')' : 'rgb(' + c + ',' + c + ',255)';\n"
"    }\n"
"    var h = 0; for (var i = 0; i < n.name.length; i++) h = (h * 31 + n.name.charCodeAt(i)) >>> 0;\n"
"    return 'rgb(' + (205 + h % 50) + ',' + (80 + (h >> 8) % 120) + ',' + ((h >> 16) % 55) + ')';\n"
"  }\n"
"  function label(n) {\n"
"    var s = n.name + ': ' + n.value + ' samples (' + (100 * n.value / root.value).toFixed(2) + '%)';\n"
"    if (BASE) s += ', before ' + (root.base ? (100 * n.base / root.base).toFixed(2) : '0.00') + '%';\n"
"    return s;\n"
"  }\n"
"  function draw(n, x, w, level) {\n"
"    if (w < 0.5) return;\n"
"    var g = document.createElementNS(svgns, 'g');\n"
"    var t = document.createElementNS(svgns, 'title'); t.textContent = label(n); g.appendChild(t);\n"
"    var r = document.createElementNS(svgns, 'rect');\n"
"    var y = (rows - level - 1) * H;\n"
"    r.setAttribute('x', x); r.setAttribute('y', y); r.setAttribute('width', w);\n"
"    r.setAttribute('height', H - 1); r.setAttribute('fill', color(n)); g.appendChild(r);\n"
"    if (w > 30) {\n"
"      var tx = document.createElementNS(svgns, 'text');\n"
"      tx.setAttribute('x', x + 3); tx.setAttribute('y', y + H - 5);\n"
"      var chars = Math.floor((w - 6) / 7);\n"
"      tx.textContent = n.name.length > chars ? n.name.slice(0, Math.max(0, chars - 2)) + '..' : n.name;\n"
"      g.appendChild(tx);\n"
"    }\n"
"    g.addEventListener('mouseover', function () { details.textContent = label(n); });\n"
"    g.addEventListener('click', function () { zoomed = n; render(); });\n"
"    svg.appendChild(g);\n"
"    var kx = x, names = Object.keys(n.kids).sort();\n"
"    names.forEach(function (k) { var c = n.kids[k]; var cw = w * c.value / n.value;\n"
"      draw(c, kx, cw, level + 1); kx += cw; });\n"
"  }\n"
"  function render() {\n"
"    while (svg.firstChild) svg.removeChild(svg.firstChild);\n"
"    var level = 0; for (var p = zoomed.parent; p; p = p.parent) level++;\n"
"    draw(zoomed, 0, W, level);\n"
"  }\n"
"  document.getElementById('reset').addEventListener('click', function (e) {\n"
"    e.preventDefault(); zoomed = root; render(); });\n"
"  render();\n"
"})();\n</script>\n</body></html>\n";

static void write_html(const char *path, const char *title, const struct frec *f, size_t n,
		       const struct frec *base, size_t nbase)
{
	struct kp_buf b = { 0 }, t = { 0 };

	kp_buf_add(&t, "", 0);
	for (const char *s = title; *s; s++) {	/* title as HTML text */
		if (*s == '<')
			kp_buf_printf(&t, "&lt;");
		else if (*s == '>')
			kp_buf_printf(&t, "&gt;");
		else if (*s == '&')
			kp_buf_printf(&t, "&amp;");
		else
			kp_buf_printf(&t, "%c", *s);
	}
	kp_buf_printf(&b, html_head, t.p, t.p);
	kp_buf_printf(&b, "var DATA = [\n");
	for (size_t i = 0; i < n; i++) {
		kp_buf_printf(&b, "[");
		json_string(&b, f[i].stack);
		kp_buf_printf(&b, ",%" PRIu64 "],\n", f[i].count);
	}
	kp_buf_printf(&b, "];\nvar BASE = ");
	if (base) {
		kp_buf_printf(&b, "[\n");
		for (size_t i = 0; i < nbase; i++) {
			kp_buf_printf(&b, "[");
			json_string(&b, base[i].stack);
			kp_buf_printf(&b, ",%" PRIu64 "],\n", base[i].count);
		}
		kp_buf_printf(&b, "]");
	} else {
		kp_buf_printf(&b, "null");
	}
	kp_buf_printf(&b, ";\n%s", html_script);
	save(path, &b);
	free(b.p);
	free(t.p);
}

/* ---- perf.data --------------------------------------------------------------- */

#define PERF_RECORD_MMAP	1
#define PERF_RECORD_COMM	3
#define PERF_RECORD_SAMPLE	9
#define PERF_RECORD_MISC_KERNEL	1
#define PERF_RECORD_MISC_USER	2
#define PERF_CONTEXT_KERNEL	((uint64_t)-128)
#define PERF_CONTEXT_USER	((uint64_t)-512)
/* IP | TID | TIME | CALLCHAIN | CPU | PERIOD */
#define SAMPLE_TYPE		((1u << 0) | (1u << 1) | (1u << 2) | (1u << 5) | (1u << 7) | (1u << 8))

static void put64(struct kp_buf *b, uint64_t v) { kp_buf_add(b, &v, 8); }
static void put32(struct kp_buf *b, uint32_t v) { kp_buf_add(b, &v, 4); }
static void put16(struct kp_buf *b, uint16_t v) { kp_buf_add(b, &v, 2); }

static void rec_header(struct kp_buf *b, uint32_t type, uint16_t misc, size_t size)
{
	if (size > 0xffff)
		kp_die("a perf record of %zu bytes (too deep a stack)", size);
	put32(b, type);
	put16(b, misc);
	put16(b, (uint16_t)size);
}

static void put_name(struct kp_buf *b, const char *s)
{
	size_t n = strlen(s) + 1, pad = (8 - n % 8) % 8;

	kp_buf_add(b, s, n);
	while (pad--)
		kp_buf_add(b, "", 1);
}

static size_t name_size(const char *s)
{
	size_t n = strlen(s) + 1;

	return n + (8 - n % 8) % 8;
}

static void write_perf(const char *path, const struct stack *st, size_t n)
{
	int user = 0;
	static const char kname[] = "[kernel.kallsyms]_text", comm[] = "kpgo-guest";
	struct kp_buf d = { 0 }, f = { 0 };
	uint64_t text = text_start, etext = text_end;

	for (size_t i = 0; i < n; i++)
		user |= !(st[i].pc[0] >> 63);
	/* the kernel's map, then the one "thread" all samples belong to */
	rec_header(&d, PERF_RECORD_MMAP, PERF_RECORD_MISC_KERNEL, 8 + 8 + 24 + name_size(kname));
	put32(&d, (uint32_t)-1);
	put32(&d, 0);
	put64(&d, text);
	put64(&d, etext - text);
	put64(&d, text);
	put_name(&d, kname);
	rec_header(&d, PERF_RECORD_COMM, 0, 8 + 8 + name_size(comm));
	put32(&d, 0);
	put32(&d, 0);
	put_name(&d, comm);
	for (size_t i = 0; i < n; i++) {
		size_t size = 8 + 8 + 8 + 8 + 8 + 8 + 8 + 8 * (1 + (size_t)st[i].n);

		rec_header(&d, PERF_RECORD_SAMPLE, st[i].pc[0] >> 63 ? PERF_RECORD_MISC_KERNEL :
			   PERF_RECORD_MISC_USER, size);
		put64(&d, st[i].pc[0]);			/* IP */
		put32(&d, 0);				/* TID: pid, tid */
		put32(&d, 0);
		put64(&d, (uint64_t)(i + 1) * 1000);	/* TIME */
		put32(&d, 0);				/* CPU */
		put32(&d, 0);
		put64(&d, st[i].count * period);	/* PERIOD */
		put64(&d, 1 + (uint64_t)st[i].n);	/* CALLCHAIN */
		put64(&d, st[i].pc[0] >> 63 ? PERF_CONTEXT_KERNEL : PERF_CONTEXT_USER);
		for (uint32_t j = 0; j < st[i].n; j++)
			put64(&d, st[i].pc[j]);
	}
	/* file header, one attr (PERF_ATTR_SIZE_VER0), the data */
	put64(&f, 0x32454c4946524550ull);		/* "PERFILE2" */
	put64(&f, 104);
	put64(&f, 64 + 16);
	put64(&f, 104);					/* attrs */
	put64(&f, 64 + 16);
	put64(&f, 104 + 80);				/* data */
	put64(&f, d.n);
	put64(&f, 0);					/* event types */
	put64(&f, 0);
	for (int i = 0; i < 4; i++)			/* no feature sections */
		put64(&f, 0);
	put32(&f, 0);					/* type: PERF_TYPE_HARDWARE */
	put32(&f, 64);					/* size */
	put64(&f, 1);					/* config: instructions */
	put64(&f, period);				/* sample_period */
	put64(&f, SAMPLE_TYPE);
	put64(&f, 0);					/* read_format */
	put64(&f, (user ? 0 : 1u << 4) | (1u << 8) | (1u << 9));	/* [exclude_user,] mmap, comm */
	put32(&f, 0);					/* wakeup_events */
	put32(&f, 0);					/* bp_type */
	put64(&f, 0);					/* config1 (VER0 ends) */
	put64(&f, 0);					/* ids: none */
	put64(&f, 0);
	kp_buf_add(&f, d.p, d.n);
	save(path, &f);
	free(d.p);
	free(f.p);
}

/*
 * kallsyms format ("ADDR t NAME") for perf script --kallsyms; perf relocates
 * the kernel map by "_text", so there is one (the map's start) even when
 * the symbol table has none in its text.
 */
static void write_kallsyms(const char *path)
{
	struct kp_buf b = { 0 };

	if (!has_text_sym)
		kp_buf_printf(&b, "%016" PRIx64 " T _text\n", text_start);
	for (size_t i = 0; i < nsyms; i++)
		kp_buf_printf(&b, "%016" PRIx64 " t %s\n", syms[i].addr, syms[i].name);
	save(path, &b);
	free(b.p);
}

/* ---- main -------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: kpgo-flame --vmlinux V --stacks S [--folded F] [--html H] [--perf P]\n"
"                  [--kallsyms K] [--title T] [--top N]\n"
"       kpgo-flame --base A.folded --folded B.folded --html H [--title T]\n"
"\n"
"The guest kernel's call stacks sampled by kpgo's TCG plugin (stacks=S),\n"
"symbolized against V: folded stacks (F), an HTML flamegraph that draws\n"
"itself (H: hover for function and share, click to zoom), perf.data (P)\n"
"for perf script/report with --kallsyms K; the top functions and stacks on\n"
"stdout.  With --base: B drawn with each frame's share against A's (red:\n"
"grew, blue: shrank).\n");
}

/* --base: B drawn against A */
static int do_base(const char *base, const char *folded, const char *html,
		   const char *title)
{
	struct frec *a, *fr;
	size_t na, nf;

	a = read_folded(base, &na);
	fr = read_folded(folded, &nf);
	write_html(html, title, fr, nf, a, na);
	printf("kpgo-flame: %s against %s: %zu and %zu distinct stacks\n", folded, base, nf, na);
	for (size_t i = 0; i < na; i++)
		free(a[i].stack);
	for (size_t i = 0; i < nf; i++)
		free(fr[i].stack);
	free(a);
	free(fr);
	return 0;
}

static void write_folded(const char *path, const struct frec *fr, size_t nf)
{
	struct kp_buf b = { 0 };

	for (size_t i = 0; i < nf; i++)
		kp_buf_printf(&b, "%s %" PRIu64 "\n", fr[i].stack, fr[i].count);
	save(path, &b);
	free(b.p);
}

/* the top 2 * top functions by self (the leaf of each stack), top stacks */
static void print_top(struct frec *fr, size_t nf, uint64_t total, unsigned long top)
{
	struct frec *self = kp_xcalloc(nf, sizeof(*self));
	size_t ns;

	for (size_t i = 0; i < nf; i++) {
		const char *leaf = strrchr(fr[i].stack, ';');

		self[i] = (struct frec){ (char *)(leaf ? leaf + 1 : fr[i].stack), fr[i].count };
	}
	ns = merge_frecs(self, nf);
	qsort(self, ns, sizeof(*self), cmp_frec_count);
	printf("top functions (self):\n");
	for (size_t i = 0; i < top * 2 && i < ns; i++)
		printf("  %6.2f%% %s\n", 100.0 * (double)self[i].count / (double)total,
		       self[i].stack);
	free(self);
	qsort(fr, nf, sizeof(*fr), cmp_frec_count);
	printf("top stacks:\n");
	for (size_t i = 0; i < top && i < nf; i++)
		printf("  %6.2f%% %s\n", 100.0 * (double)fr[i].count / (double)total, fr[i].stack);
}

struct fopts {
	const char *vml, *stacks, *folded, *html, *perf, *kall, *title, *base;
	unsigned long top;
};

/* the stacks S symbolized against V, folded, written, summed up */
static int do_stacks(const struct fopts *fo)
{
	struct stack *st;
	struct frec *fr;
	size_t n, nf;
	uint64_t total;

	read_symbols(fo->vml);
	st = read_stacks(fo->stacks, &n, &total);
	fr = kp_xcalloc(n, sizeof(*fr));
	for (size_t i = 0; i < n; i++) {
		fold(&st[i]);
		fr[i] = (struct frec){ st[i].folded, st[i].count };
	}
	nf = merge_frecs(fr, n);
	if (fo->folded)
		write_folded(fo->folded, fr, nf);
	if (fo->html)
		write_html(fo->html, fo->title, fr, nf, NULL, 0);
	if (fo->perf)
		write_perf(fo->perf, st, n);
	if (fo->kall)
		write_kallsyms(fo->kall);
	printf("%" PRIu64 " samples (every %" PRIu64 " %sinstructions), %zu distinct "
	       "stacks, %zu after symbolizing\n", total, period, all_modes ? "" : "kernel ",
	       n, nf);
	print_top(fr, nf, total, fo->top);
	for (size_t i = 0; i < n; i++) {
		free(st[i].pc);
		free(st[i].folded);
	}
	free(st);
	free(fr);
	free(syms);
	free(elf_buf);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "vmlinux", required_argument, NULL, 'v' },
		{ "stacks", required_argument, NULL, 's' },
		{ "folded", required_argument, NULL, 'f' },
		{ "html", required_argument, NULL, 'H' },
		{ "perf", required_argument, NULL, 'p' },
		{ "kallsyms", required_argument, NULL, 'k' },
		{ "title", required_argument, NULL, 't' },
		{ "top", required_argument, NULL, 'n' },
		{ "base", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fopts fo = { .title = "kernel flamegraph", .top = 5 };
	int o;

	kp_set_prog(argv[0]);
	while ((o = kp_getopt(argc, argv, "h", lo, usage)) != -1) {
		switch (o) {
		case 'v': fo.vml = optarg; break;
		case 's': fo.stacks = optarg; break;
		case 'f': fo.folded = optarg; break;
		case 'H': fo.html = optarg; break;
		case 'p': fo.perf = optarg; break;
		case 'k': fo.kall = optarg; break;
		case 't': fo.title = optarg; break;
		case 'b': fo.base = optarg; break;
		case 'n': fo.top = kp_opt_count("top", optarg); break;
		}
	}
	if (optind != argc)
		kp_die("unexpected argument '%s' (see --help)", argv[optind]);
	if (fo.base) {
		if (!fo.folded || !fo.html || fo.stacks)
			kp_die("--base needs --folded (B) and --html, and no --stacks");
		return do_base(fo.base, fo.folded, fo.html, fo.title);
	}
	if (!fo.vml || !fo.stacks)
		kp_die("give --vmlinux and --stacks (or --base; see --help)");
	return do_stacks(&fo);
}
