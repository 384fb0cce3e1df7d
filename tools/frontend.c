// SPDX-License-Identifier: GPL-2.0
/*
 * frontend.c - kpgo's QEMU TCG plugin (libkpgo-frontend.so): deterministic
 * figures of what the guest kernel's code costs the CPU's front end.
 *
 * Loaded with
 *   qemu-system-x86_64 -icount shift=0,sleep=off \
 *     -plugin libkpgo-frontend.so,out=FILE[,l1i=KIB:WAYS:LINE][,itlb=N:WAYS][,cold=FILE]
 *             [,stacks=FILE[,period=N]]
 *             [,lbr=FILE[,lbr_period=N][,lbr_depth=N][,lbr_mmap=START:SIZE]][,model=0]
 *
 * The guest marks a window with two magic instructions (kpgo-agent runs
 * them around the load): "nopl 0x4b50a551(%rax)" opens it, "nopl
 * 0x4b50a5e0(%rax)" closes it and writes FILE (through FILE.tmp and a
 * rename).  On any x86-64 CPU both are plain NOPs.
 *
 * Within the window it counts, per translated block (TB) executed:
 *   insns, kernel_insns        guest instructions, all and in kernel mode
 *                              (code at an address with bit 63 set)
 *   kernel_taken               control transfers out of kernel code that
 *                              did not fall through to the next instruction:
 *                              taken branches, calls, returns, and
 *                              interrupts/exceptions that hit kernel code
 *   kernel_lines               64-byte instruction lines a kernel TB spans
 *   kernel_icache_misses       of those, misses in a simulated L1 I-cache
 *   icache_misses              misses of all code, user and kernel
 *   kernel_itlb_misses         misses of a simulated I-TLB of 4 KiB pages
 *   kernel_cold_insns          with cold=FILE: of kernel_insns, those in code
 *                              that FILE lists (kpgo-cold's ranges: what the
 *                              kernel's profile placed in .text.unlikely)
 *   insns_before               guest instructions from QEMU's start to the
 *                              first window (two runs whose boots went
 *                              alike have the same)
 *
 * The I-cache is set-associative with true LRU replacement, virtually
 * indexed and tagged, one per vCPU, shared by user and kernel code (as a
 * real L1I is).  Default 32 KiB, 8-way,
 * 64-byte lines; the I-TLB 64 entries, 4-way.  Outside the window nothing
 * is modelled (booting under the plugin stays fast): the caches start cold
 * when the window opens, on every kernel alike.
 *
 * A rep-prefixed string instruction (rep movs/stos/...) is one block that
 * TCG executes once per iteration: its repeats right after itself are not
 * counted again (one instruction, one fetch, no taken branch), as a CPU
 * retires it as one instruction.
 *
 * stacks=FILE: kernel call stacks sampled every period (default 20011)
 * guest instructions executed in kernel mode, in the window (with user=1,
 * every period instructions of either mode, a user-mode sample being its
 * block's address alone).  The plugin
 * keeps a shadow call stack per vCPU from the control transfers it sees: a
 * TB ending in a call pushes its return address when the next kernel TB
 * runs, a TB ending in a return pops to the frame whose return address is
 * where execution went (a return to no frame on the stack, as when an
 * interrupt comes right after it, a retpoline's return or a switch to
 * another task's stack, pops one), and entering
 * the kernel from user mode starts an empty stack.  An interrupt taken in
 * the kernel stacks the handler's frames on the interrupted ones, as perf
 * shows them.  FILE gets one line per distinct stack: "COUNT LEAF RA ..."
 * (hex; the TB's start address, then return addresses innermost first),
 * written when the window closes (kpgo-flame symbolizes and folds them).
 *
 * lbr=FILE: emulated last-branch records, what Intel's LBR gives
 * `perf record -b` on real hardware.  The plugin keeps, per vCPU, a ring of
 * the last lbr_depth (default 32, at most 64) taken control transfers that
 * leave or enter kernel code (from: the address of the block's last
 * instruction, the branch, call, return or the instruction an interrupt
 * followed; to: where execution went); every lbr_period (default 10007)
 * transfers out of kernel code it takes a sample of the ring.  With user=1
 * user mode is recorded and counted too.  FILE is the text that
 * `perf script -F ip,brstack --show-mmap-events` prints, which llvm-profgen
 * reads (--perfscript): with lbr_mmap=START:SIZE (hex) first a
 * PERF_RECORD_MMAP line of [kernel.kallsyms]_text at START, then one line
 * per distinct sample, "IP 0xFROM/0xTO/P/-/-/0 ..." newest first, after a
 * line with its count when it was taken more than once.  Written when the
 * window closes, through FILE.tmp.  At most lbr_max (default 262144)
 * distinct samples are kept; the samples of others are counted as
 * lbr_dropped.  A fault in the middle of a block is recorded from the
 * block's last instruction (the plugin sees blocks, not the instruction
 * that faulted): its range then counts instructions that did not run.
 *
 * model=0 leaves the I-cache and I-TLB out (their figures are not
 * written): the branch records of a collection need neither, and the
 * model is most of what the plugin costs.
 *
 * What the model does not capture: a TB is counted as fetched whole when
 * it starts (an exception in its middle over-counts the rest); no
 * prefetching, no L2, no branch predictor, no micro-op cache, no timing;
 * the kernel's 2 MiB text mappings are modelled as 4 KiB pages; the I-TLB
 * is not flushed on address-space switches.  Under -icount the figures
 * repeat exactly when nothing reaches the guest at moments the host
 * decides (kpgo-vm --icount --isolated: no network back end, virtio
 * notifications handled synchronously); a disk's completions, or a
 * client on the host, still do.
 * Use it with -icount (single-threaded TCG): its counters are not atomic.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MARK_OPEN	0x4b50a551u
#define MARK_CLOSE	0x4b50a5e0u
#define MAX_VCPUS	64

struct tb_info {
	uint64_t start, end;		/* [start, end) of its code */
	uint64_t last_pc;		/* its last instruction's address */
	uint32_t ninsns;
	uint8_t kernel, mark;		/* mark: 1 opens, 2 closes */
	uint8_t rep;			/* one rep-prefixed string instruction */
	uint8_t last;			/* its last instruction: LAST_* */
	uint8_t cold;			/* it starts in a cold range */
};

enum { LAST_OTHER, LAST_CALL, LAST_RET };

#define MAX_DEPTH	128
#define MAX_LBR		64

struct stack_rec {			/* one distinct sampled stack */
	uint64_t hash, count;
	uint32_t n;			/* frames: leaf, then return addresses */
	uint64_t *pc;
};

struct assoc {				/* a set-associative LRU array */
	unsigned sets, ways, shift;	/* shift: log2 of the block size */
	uint64_t *tag, *stamp, clock;
};

struct vcpu {
	const struct tb_info *prev;
	struct assoc l1i, itlb;
	uint64_t insns, kinsns, ktaken, klines, kmiss, miss, ktlbmiss, kcold;
	uint64_t ra[MAX_DEPTH];		/* shadow call stack, outermost first */
	unsigned depth;
	uint64_t hidden;		/* calls deeper than MAX_DEPTH, not kept */
	uint64_t to_sample;		/* kernel instructions to the next sample */
	uint64_t lbr[2 * MAX_LBR];	/* from, to of the last transfers: a ring */
	unsigned lbr_head, lbr_n;	/* next slot; entries held */
	uint64_t to_lbr;		/* kernel transfers to the next sample */
};

static struct vcpu cpus[MAX_VCPUS];
static const char *out_path;
static unsigned l1i_kib = 32, l1i_ways = 8, l1i_line = 64;
static unsigned itlb_entries = 64, itlb_ways = 4;
static bool counting;
static bool model = true;		/* model=0: no I-cache, no I-TLB */
static unsigned windows;
static uint64_t before;			/* guest instructions before the window */
static const char *cold_path;
static struct { uint64_t start, end; } *cold;	/* sorted, disjoint */
static size_t ncold;

#define MAX_COLD	(1u << 20)	/* ranges in cold=FILE */

/* cold=FILE: "START END" hex lines (kpgo-cold's); '#' and key= lines skipped */
static int read_cold(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	size_t cap = 0;
	unsigned long lineno = 0;

	if (!f) {
		fprintf(stderr, "kpgo-frontend: cold=%s: cannot open\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b;
		char end;

		lineno++;
		if (line[0] == '#' || strchr(line, '=')) {
			/* (a long comment: the rest of it) */
			while (!strchr(line, '\n') && fgets(line, sizeof(line), f))
				;
			continue;
		}
		if (sscanf(line, "%llx %llx%c", &a, &b, &end) != 3 || end != '\n' || a >= b ||
		    (ncold && a < cold[ncold - 1].end) || ncold == MAX_COLD) {
			fprintf(stderr, "kpgo-frontend: cold=%s:%lu: not a range after the last "
				"(START END, hex, sorted, at most %u)\n", path, lineno, MAX_COLD);
			fclose(f);
			return -1;
		}
		if (ncold == cap) {
			void *n = realloc(cold, (cap = cap ? 2 * cap : 64) * sizeof(*cold));

			if (!n) {
				fprintf(stderr, "kpgo-frontend: cold=%s: out of memory\n", path);
				fclose(f);
				return -1;
			}
			cold = n;
		}
		cold[ncold].start = a;
		cold[ncold].end = b;
		ncold++;
	}
	fclose(f);
	return 0;
}

static bool in_cold(uint64_t pc)
{
	size_t lo = 0, hi = ncold;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pc < cold[mid].start)
			hi = mid;
		else if (pc >= cold[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}
static const char *stacks_path;
static uint64_t period = 20011;
static bool sample_user;		/* user=1: user mode sampled too */
static struct stack_rec *recs;		/* open addressing, power-of-two size */
static size_t nrecs, caprecs;
static uint64_t samples, unwound, deep;	/* returns to no frame, pushes dropped */
static const char *lbr_path;
static uint64_t lbr_period = 10007;
static unsigned lbr_depth = 32;
static uint64_t mmap_start, mmap_size;	/* lbr_mmap=: the kernel's _text */
static uint64_t lbr_branches;		/* transfers recorded in the window */

static uint64_t stack_hash(const uint64_t *pc, uint32_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ pc[i]) * 0x100000001b3ull;
	return h ^ n;
}

static size_t rec_cap;			/* distinct records kept at most (0: no cap) */
static uint64_t rec_dropped;		/* samples of records past the cap */

static void record_stack(const uint64_t *pc, uint32_t n)
{
	uint64_t h = stack_hash(pc, n);
	size_t i;

	if (2 * (nrecs + 1) > caprecs) {
		struct stack_rec *old = recs;
		size_t oldcap = caprecs;

		caprecs = caprecs ? 2 * caprecs : 4096;
		recs = calloc(caprecs, sizeof(*recs));
		if (!recs) {
			recs = old;
			caprecs = oldcap;
			return;
		}
		for (size_t j = 0; j < oldcap; j++) {
			if (!old[j].count)
				continue;
			for (i = old[j].hash & (caprecs - 1); recs[i].count; i = (i + 1) & (caprecs - 1))
				;
			recs[i] = old[j];
		}
		free(old);
	}
	for (i = h & (caprecs - 1); recs[i].count; i = (i + 1) & (caprecs - 1))
		if (recs[i].hash == h && recs[i].n == n &&
		    !memcmp(recs[i].pc, pc, n * sizeof(*pc))) {
			recs[i].count++;
			return;
		}
	if (rec_cap && nrecs >= rec_cap) {
		rec_dropped++;
		return;
	}
	recs[i].pc = malloc(n * sizeof(*pc));
	if (!recs[i].pc)
		return;
	memcpy(recs[i].pc, pc, n * sizeof(*pc));
	recs[i].hash = h;
	recs[i].n = n;
	recs[i].count = 1;
	nrecs++;
}

/*
 * The plugin's files are written as PATH.tmp, renamed to PATH when whole:
 * out_open gives the stream (NULL, said, when it cannot), out_close
 * renames, or removes the temporary and says so.
 */
static FILE *out_open(const char *path, char *tmp, size_t n)
{
	FILE *f;

	snprintf(tmp, n, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		fprintf(stderr, "kpgo-frontend: %s: cannot write\n", tmp);
	return f;
}

static void out_close(FILE *f, const char *tmp, const char *path)
{
	if (ferror(f) | fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "kpgo-frontend: %s: cannot write\n", path);
		remove(tmp);
	}
}

static void write_stacks(void)
{
	char tmp[4096];
	FILE *f = out_open(stacks_path, tmp, sizeof(tmp));

	if (!f)
		return;
	fprintf(f, "# kpgo-frontend stacks: period=%" PRIu64 " %s instructions, "
		"samples=%" PRIu64 ", distinct=%zu, returns-to-no-frame=%" PRIu64
		", frames-dropped=%" PRIu64 "\n", period, sample_user ? "all" : "kernel",
		samples, nrecs, unwound, deep);
	for (size_t i = 0; i < caprecs; i++) {
		if (!recs[i].count)
			continue;
		fprintf(f, "%" PRIu64, recs[i].count);
		for (uint32_t j = 0; j < recs[i].n; j++)
			fprintf(f, " %" PRIx64, recs[i].pc[j]);
		fputc('\n', f);
	}
	out_close(f, tmp, stacks_path);
}

/* lbr=FILE: the distinct samples (recs), in perf script's brstack form */
static void write_lbr(void)
{
	char tmp[4096];
	FILE *f = out_open(lbr_path, tmp, sizeof(tmp));

	if (!f)
		return;
	if (mmap_size)
		fprintf(f, "PERF_RECORD_MMAP -1/0: [0x%" PRIx64 "(0x%" PRIx64 ") @ 0x%" PRIx64
			"]: x [kernel.kallsyms]_text\n", mmap_start, mmap_size, mmap_start);
	for (size_t i = 0; i < caprecs; i++) {
		const struct stack_rec *r = &recs[i];

		if (!r->count)
			continue;
		if (r->count > 1)
			fprintf(f, "%" PRIu64 "\n", r->count);
		/* the sampled IP: where the newest transfer went */
		fprintf(f, "%" PRIx64, r->pc[1]);
		for (uint32_t j = 0; j + 1 < r->n; j += 2)
			fprintf(f, " 0x%" PRIx64 "/0x%" PRIx64 "/P/-/-/0", r->pc[j], r->pc[j + 1]);
		fputc('\n', f);
	}
	out_close(f, tmp, lbr_path);
}

/* a transfer from p's last instruction to t: into the ring, maybe a sample */
static void record_branch(struct vcpu *c, const struct tb_info *p, const struct tb_info *t)
{
	uint64_t pc[2 * MAX_LBR];
	unsigned i, k;

	if (!sample_user && !p->kernel && !t->kernel)
		return;
	c->lbr[2 * c->lbr_head] = p->last_pc;
	c->lbr[2 * c->lbr_head + 1] = t->start;
	c->lbr_head = (c->lbr_head + 1) % lbr_depth;
	if (c->lbr_n < lbr_depth)
		c->lbr_n++;
	lbr_branches++;
	if (!sample_user && !p->kernel)	/* the period counts kernel branches */
		return;
	if (--c->to_lbr)
		return;
	c->to_lbr = lbr_period;
	for (i = 0, k = c->lbr_head; i < c->lbr_n; i++) {	/* newest first */
		k = (k + lbr_depth - 1) % lbr_depth;
		pc[2 * i] = c->lbr[2 * k];
		pc[2 * i + 1] = c->lbr[2 * k + 1];
	}
	record_stack(pc, 2 * c->lbr_n);
	samples++;
}

/* the shadow stack after the previous TB p, now that t runs */
static void track_stack(struct vcpu *c, const struct tb_info *p, const struct tb_info *t)
{
	if (!p || !p->kernel) {		/* kernel entered from user mode */
		c->depth = 0;
		c->hidden = 0;
		return;
	}
	if (p->last == LAST_CALL) {
		if (c->depth < MAX_DEPTH) {
			c->ra[c->depth++] = p->end;
		} else {
			c->hidden++;
			deep++;
		}
	} else if (p->last == LAST_RET) {
		unsigned d = c->depth;

		if (c->hidden) {
			c->hidden--;
			return;
		}
		while (d && c->ra[d - 1] != t->start)
			d--;
		if (d) {
			c->depth = d - 1;
		} else if (c->depth) {
			/*
			 * It returned where no frame says: an interrupt taken
			 * right after the return, a retpoline's ret to the real
			 * target, a switch to another task's stack.  The return
			 * did pop one frame.
			 */
			c->depth--;
			unwound++;
		}
	}
}

static void take_samples(struct vcpu *c, const struct tb_info *t)
{
	uint64_t pc[MAX_DEPTH + 1];
	uint32_t n = 0;

	while (c->to_sample <= t->ninsns) {
		if (!n) {
			pc[n++] = t->start;
			for (unsigned d = t->kernel ? c->depth : 0; d; d--)
				pc[n++] = c->ra[d - 1];
		}
		record_stack(pc, n);
		samples++;
		c->to_sample += period;
	}
	c->to_sample -= t->ninsns;
}

static int log2u(unsigned v)
{
	int n = 0;

	if (!v || (v & (v - 1)))
		return -1;
	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

static int assoc_init(struct assoc *a, unsigned blocks, unsigned ways,
		      unsigned block_size)
{
	int s = log2u(block_size);

	if (s < 0 || !ways || blocks % ways || log2u(blocks / ways) < 0)
		return -1;
	a->sets = blocks / ways;
	a->ways = ways;
	a->shift = (unsigned)s;
	a->tag = calloc((size_t)blocks, sizeof(*a->tag));
	a->stamp = calloc((size_t)blocks, sizeof(*a->stamp));
	return a->tag && a->stamp ? 0 : -1;
}

/* Look up block number b; 1 on a miss (then b replaces the LRU way). */
static int assoc_access(struct assoc *a, uint64_t b)
{
	uint64_t *tag = a->tag + (b & (a->sets - 1)) * a->ways;
	uint64_t *st = a->stamp + (b & (a->sets - 1)) * a->ways;
	unsigned w, lru = 0;

	a->clock++;
	for (w = 0; w < a->ways; w++) {
		if (st[w] && tag[w] == b) {
			st[w] = a->clock;
			return 0;
		}
		if (st[w] < st[lru])
			lru = w;
	}
	tag[lru] = b;
	st[lru] = a->clock;
	return 1;
}

static void write_figures(void)
{
	struct vcpu sum = { 0 };
	char tmp[4096];
	FILE *f;
	int i;

	for (i = 0; i < MAX_VCPUS; i++) {
		sum.insns += cpus[i].insns;
		sum.kinsns += cpus[i].kinsns;
		sum.ktaken += cpus[i].ktaken;
		sum.klines += cpus[i].klines;
		sum.kmiss += cpus[i].kmiss;
		sum.miss += cpus[i].miss;
		sum.ktlbmiss += cpus[i].ktlbmiss;
		sum.kcold += cpus[i].kcold;
	}
	f = out_open(out_path, tmp, sizeof(tmp));
	if (!f)
		return;
	fprintf(f, "# kpgo-frontend: guest front-end figures of one load window\n");
	if (model)
		fprintf(f, "model=L1I %u KiB %u-way %u-byte lines LRU; ITLB %u entries %u-way "
			"4 KiB pages\n", l1i_kib, l1i_ways, l1i_line, itlb_entries, itlb_ways);
	else
		fprintf(f, "model=none (model=0: no I-cache or I-TLB figures)\n");
	fprintf(f, "windows=%u\ninsns=%" PRIu64 "\nkernel_insns=%" PRIu64 "\n"
		"kernel_taken=%" PRIu64 "\n", windows, sum.insns, sum.kinsns, sum.ktaken);
	if (model)
		fprintf(f, "kernel_lines=%" PRIu64 "\nkernel_icache_misses=%" PRIu64 "\n"
			"icache_misses=%" PRIu64 "\nkernel_itlb_misses=%" PRIu64 "\n",
			sum.klines, sum.kmiss, sum.miss, sum.ktlbmiss);
	fprintf(f, "insns_before=%" PRIu64 "\n", before);
	if (cold_path)
		fprintf(f, "kernel_cold_insns=%" PRIu64 "\n", sum.kcold);
	if (lbr_path)
		fprintf(f, "lbr_period=%" PRIu64 "\nlbr_depth=%u\nlbr_branches=%" PRIu64
			"\nlbr_samples=%" PRIu64 "\nlbr_distinct=%zu\nlbr_dropped=%" PRIu64 "\n",
			lbr_period, lbr_depth, lbr_branches, samples, nrecs, rec_dropped);
	out_close(f, tmp, out_path);
}

static void tb_exec(unsigned int vcpu_index, void *udata)
{
	const struct tb_info *t = udata;
	struct vcpu *c = &cpus[vcpu_index % MAX_VCPUS];
	uint64_t l, last = (t->end - 1) >> c->l1i.shift;
	uint64_t p, plast = (t->end - 1) >> 12;

	if (t->mark == 1 && !counting) {
		int i;

		for (i = 0; i < MAX_VCPUS; i++) {
			cpus[i].insns = cpus[i].kinsns = cpus[i].ktaken = 0;
			cpus[i].klines = cpus[i].kmiss = cpus[i].miss = 0;
			cpus[i].ktlbmiss = cpus[i].kcold = 0;
			cpus[i].prev = NULL;
			cpus[i].depth = 0;
			cpus[i].hidden = 0;
			cpus[i].to_sample = period;
			cpus[i].lbr_head = cpus[i].lbr_n = 0;
			cpus[i].to_lbr = lbr_period;
			memset(cpus[i].l1i.stamp, 0, sizeof(uint64_t) * cpus[i].l1i.sets * cpus[i].l1i.ways);
			memset(cpus[i].itlb.stamp, 0, sizeof(uint64_t) * cpus[i].itlb.sets * cpus[i].itlb.ways);
		}
		/* each window's stacks are its own */
		for (size_t j = 0; j < caprecs; j++)
			free(recs[j].pc);
		free(recs);
		recs = NULL;
		nrecs = caprecs = 0;
		samples = unwound = deep = lbr_branches = rec_dropped = 0;
		counting = true;
	}
	if (!counting) {	/* boot and shutdown are not modelled */
		if (!windows)
			before += t->ninsns;
		return;
	}
	if (t->rep && c->prev == t)	/* the next iteration of a rep string op */
		return;
	if (c->prev && t->start != c->prev->end) {
		if (c->prev->kernel)
			c->ktaken++;
		if (lbr_path)
			record_branch(c, c->prev, t);
	}
	if (stacks_path && t->kernel) {
		track_stack(c, c->prev, t);
		take_samples(c, t);
	} else if (stacks_path && sample_user) {
		take_samples(c, t);	/* the user block alone: no stack */
	}
	c->prev = t;
	for (l = t->start >> c->l1i.shift; model && l <= last; l++) {
		int m = assoc_access(&c->l1i, l);

		c->miss += m;
		if (t->kernel) {
			c->klines++;
			c->kmiss += m;
		}
	}
	for (p = t->start >> 12; model && p <= plast; p++) {
		int m = assoc_access(&c->itlb, p);

		if (t->kernel)
			c->ktlbmiss += m;
	}
	c->insns += t->ninsns;
	if (t->kernel) {
		c->kinsns += t->ninsns;
		if (t->cold)
			c->kcold += t->ninsns;
	}
	if (t->mark == 2) {
		counting = false;
		windows++;
		if (out_path)
			write_figures();
		if (stacks_path)
			write_stacks();
		if (lbr_path)
			write_lbr();
	}
}

/*
 * The index of insn's opcode byte (n when it is all prefixes): legacy
 * prefixes and REX skipped; *rep set when one of them is rep/repne.
 */
static size_t insn_opcode(const uint8_t *d, size_t n, int *rep)
{
	size_t i;

	*rep = 0;
	for (i = 0; i < n; i++) {
		uint8_t b = d[i];

		if (b == 0xf2 || b == 0xf3)
			*rep = 1;
		else if (!(b == 0x66 || b == 0x67 || b == 0x2e || b == 0x3e || b == 0x26 ||
			   b == 0x64 || b == 0x65 || b == 0x36 || b == 0xf0 || (b >= 0x40 && b <= 0x4f)))
			break;
	}
	return i;
}

/* 1 when insn is a rep/repne-prefixed string instruction */
static int insn_rep_string(const struct qemu_plugin_insn *insn)
{
	const uint8_t *d = qemu_plugin_insn_data(insn);
	size_t n = qemu_plugin_insn_size(insn);
	int rep;
	size_t i = insn_opcode(d, n, &rep);

	if (!rep || i >= n)
		return 0;
	return (d[i] >= 0xa4 && d[i] <= 0xa7) || (d[i] >= 0xaa && d[i] <= 0xaf) ||
	       (d[i] >= 0x6c && d[i] <= 0x6f);
}

/* LAST_CALL, LAST_RET or LAST_OTHER: what the instruction does to the stack */
static uint8_t insn_kind(const struct qemu_plugin_insn *insn)
{
	const uint8_t *d = qemu_plugin_insn_data(insn);
	size_t n = qemu_plugin_insn_size(insn);
	int rep;
	size_t i = insn_opcode(d, n, &rep);

	if (i >= n)
		return LAST_OTHER;
	if (d[i] == 0xe8 || (d[i] == 0xff && i + 1 < n && ((d[i + 1] >> 3) & 7) == 2))
		return LAST_CALL;
	if (d[i] == 0xc3 || d[i] == 0xc2)
		return LAST_RET;
	return LAST_OTHER;
}

static unsigned insn_mark(const struct qemu_plugin_insn *insn)
{
	const uint8_t *d = qemu_plugin_insn_data(insn);
	uint32_t disp;

	if (qemu_plugin_insn_size(insn) != 7 || d[0] != 0x0f || d[1] != 0x1f || d[2] != 0x80)
		return 0;
	memcpy(&disp, d + 3, 4);	/* x86 is little-endian, as is the host */
	return disp == MARK_OPEN ? 1 : disp == MARK_CLOSE ? 2 : 0;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), i;
	struct tb_info *t;
	struct qemu_plugin_insn *last;

	if (!n)
		return;
	t = calloc(1, sizeof(*t));	/* lives as long as QEMU: TBs are */
	if (!t)				/* retranslated rarely */
		return;
	last = qemu_plugin_tb_get_insn(tb, n - 1);
	t->start = qemu_plugin_tb_vaddr(tb);
	t->last_pc = qemu_plugin_insn_vaddr(last);
	t->end = t->last_pc + qemu_plugin_insn_size(last);
	t->ninsns = (uint32_t)n;
	t->kernel = t->start >> 63;
	t->rep = n == 1 && insn_rep_string(qemu_plugin_tb_get_insn(tb, 0));
	t->last = insn_kind(last);
	t->cold = t->kernel && ncold && in_cold(t->start);
	for (i = 0; i < n && !t->mark; i++)
		t->mark = (uint8_t)insn_mark(qemu_plugin_tb_get_insn(tb, i));
	qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS, t);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	if (!windows)
		fprintf(stderr, "kpgo-frontend: the guest closed no load window: %s not written\n",
			out_path ? out_path : stacks_path ? stacks_path : lbr_path);
}

static int parse_triple(const char *v, unsigned *a, unsigned *b, unsigned *c)
{
	char end;
	int n = c ? sscanf(v, "%u:%u:%u%c", a, b, c, &end) : sscanf(v, "%u:%u%c", a, b, &end);

	return n == (c ? 3 : 2) ? 0 : -1;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "out=", 4) && a[4]) {
			out_path = a + 4;
		} else if (!strncmp(a, "l1i=", 4)) {
			if (parse_triple(a + 4, &l1i_kib, &l1i_ways, &l1i_line))
				goto bad;
		} else if (!strncmp(a, "stacks=", 7) && a[7]) {
			stacks_path = a + 7;
		} else if (!strncmp(a, "cold=", 5) && a[5]) {
			if (cold_path)
				goto bad;	/* one set of ranges */
			cold_path = a + 5;
			if (read_cold(cold_path))
				return -1;
		} else if (!strncmp(a, "lbr=", 4) && a[4]) {
			lbr_path = a + 4;
		} else if (!strncmp(a, "lbr_period=", 11)) {
			char *end;

			lbr_period = strtoull(a + 11, &end, 10);
			if (*end || !lbr_period)
				goto bad;
		} else if (!strncmp(a, "lbr_max=", 8)) {
			char *end;

			rec_cap = strtoull(a + 8, &end, 10);
			if (*end || !rec_cap)
				goto bad;
		} else if (!strncmp(a, "lbr_depth=", 10)) {
			char *end;
			unsigned long d = strtoul(a + 10, &end, 10);

			if (*end || !d || d > MAX_LBR)
				goto bad;
			lbr_depth = (unsigned)d;
		} else if (!strncmp(a, "lbr_mmap=", 9)) {
			unsigned long long st, sz;
			char end;

			if (sscanf(a + 9, "%llx:%llx%c", &st, &sz, &end) != 2 || !sz)
				goto bad;
			mmap_start = st;
			mmap_size = sz;
		} else if (!strcmp(a, "model=0")) {
			model = false;
		} else if (!strcmp(a, "user=1")) {
			sample_user = true;
		} else if (!strncmp(a, "period=", 7)) {
			char *end;

			period = strtoull(a + 7, &end, 10);
			if (*end || !period)
				goto bad;
		} else if (!strncmp(a, "itlb=", 5)) {
			if (parse_triple(a + 5, &itlb_entries, &itlb_ways, NULL))
				goto bad;
		} else {
			goto bad;
		}
	}
	if (!out_path && !stacks_path && !lbr_path) {
		fprintf(stderr, "kpgo-frontend: out=FILE, stacks=FILE or lbr=FILE is required\n");
		return -1;
	}
	if (lbr_path && !rec_cap)
		rec_cap = 262144;	/* ~140 MiB of records, ~340 MiB of text */
	if (stacks_path && lbr_path) {	/* one table of samples */
		fprintf(stderr, "kpgo-frontend: stacks= and lbr= cannot be given together\n");
		return -1;
	}
	for (i = 0; i < MAX_VCPUS; i++)
		if (assoc_init(&cpus[i].l1i, l1i_kib * 1024 / (l1i_line ? l1i_line : 1),
			       l1i_ways, l1i_line) ||
		    assoc_init(&cpus[i].itlb, itlb_entries, itlb_ways, 4096)) {
			fprintf(stderr, "kpgo-frontend: l1i=%u:%u:%u itlb=%u:%u: sizes, ways and "
				"sets must be powers of two\n", l1i_kib, l1i_ways, l1i_line,
				itlb_entries, itlb_ways);
			return -1;
		}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
bad:
	fprintf(stderr, "kpgo-frontend: unknown or malformed argument '%s' "
		"(known: out=FILE, l1i=KIB:WAYS:LINE, itlb=ENTRIES:WAYS, cold=FILE, stacks=FILE, period=N, user=1, "
		"lbr=FILE, lbr_period=N, lbr_depth=1..64, lbr_mmap=START:SIZE, lbr_max=N, model=0)\n", argv[i]);
	return -1;
}
