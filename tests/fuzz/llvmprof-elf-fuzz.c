// SPDX-License-Identifier: GPL-2.0
/*
 * llvmprof-elf-fuzz.c - libFuzzer target for kpgo-llvmprof's reading of
 * an ELF file's clang profile sections (tools/llvmprof.c).
 *
 * Built and run by tests/fuzz.mk.  tools/llvmprof.c is included whole, its
 * main() renamed by -Dmain=kpgo_llvmprof_main; nothing in it is changed.
 * An input is the bytes of an ELF file, read both ways llvmprof reads one:
 *   - as an object of the tree (extract's scan_obj, through a file in a
 *     temporary directory: it names the functions' objects), then
 *   - as the kernel (kp_elf_parse on the bytes, then what kernel_load()
 *     does: the three __llvm_prf_* sections, read_names, pick_layout; and
 *     range's elf_symbol for __init_begin/__init_end).
 * Rejecting the input is fine (kp_die() longjmp()s back here).  When the
 * kernel side accepts it, every record must be what extract relies on for
 * its memcpy: a known name and counters inside __llvm_prf_cnts; otherwise
 * the harness aborts.  Memory is freed between inputs (free_owned too).
 */
#define _GNU_SOURCE
#include "../../tools/util.h"

#include <stdlib.h>

#include "../../tools/llvmprof.c"

#define FUZZ_NAME "llvmprof-elf-fuzz"
#include "harness.h"

static char tmp[64], objdir[96], srcdir[96], objpath[128];
static struct kernel k;
static struct table names, obj_of;
static const char *step;

static void cleanup(void)
{
	char *p = kp_xasprintf("rm -rf '%s'", tmp);

	if (system(p))
		dprintf(report_fd, FUZZ_NAME ": cannot remove %s\n", tmp);
	free(p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *src;

	harness_init();
	harness_tmpdir(tmp, sizeof(tmp));
	atexit(cleanup);
	snprintf(objdir, sizeof(objdir), "%s/obj", tmp);
	snprintf(srcdir, sizeof(srcdir), "%s/src", tmp);
	src = kp_xasprintf("%s/dir/t.c", srcdir);
	snprintf(objpath, sizeof(objpath), "%s/dir", objdir);
	if (kp_mkdir_p(objpath, 0755) ||
	    kp_write_file_atomic(src, "", 0, 0644))
		kp_die("%s: %s", tmp, strerror(errno));
	free(src);
	snprintf(objpath, sizeof(objpath), "%s/dir/t.o", objdir);
	kp_die_hook = die_hook;
	return 0;
}

static void release(void)
{
	kp_elf_close(&k.e);
	table_free(&names);
	table_free(&obj_of);
	memset(&names, 0, sizeof(names));
	memset(&obj_of, 0, sizeof(obj_of));
	free_owned();
	memset(&owned, 0, sizeof(owned));
}

/* extract's scan of one object (the input, in objpath) of the tree */
static void scan(size_t rec)
{
	struct stat st = { 0 };

	step = "scanning the input as an object";
	sc = (struct scan){ objdir, srcdir, rec, &obj_of, 0 };
	scan_obj(objpath, &st, FTW_F, NULL);
	if (sc.objects > 1)
		finding("one object counted %zu times", sc.objects);
	step = NULL;
}

/* what extract's loop over the records relies on */
static void check_records(void)
{
	const unsigned char *d = kp_elf_bytes(&k.e, k.data);
	uint64_t ca = k.cnts->sh_addr;
	size_t n = k.data->sh_size / k.l.size;

	if (k.l.size != 64 && k.l.size != 48)
		finding("a record layout of %zu bytes", k.l.size);
	for (size_t i = 0; i < n; i++) {
		const unsigned char *r = d + i * k.l.size;
		uint64_t at = k.data->sh_addr + i * k.l.size + rd64(r + 16);
		uint32_t nc = rd32(r + k.l.ncnt);

		if (!table_get(&names, rd64(r)))
			finding("record %zu: no name", i);
		if (at < ca || at - ca > k.cnts->sh_size ||
		    k.cnts->sh_size - (at - ca) < (uint64_t)nc * 8)
			finding("record %zu: %u counters at 0x%" PRIx64 " outside "
				"__llvm_prf_cnts 0x%" PRIx64 "+%" PRIu64, i, nc, at, ca,
				(uint64_t)k.cnts->sh_size);
		local_prefix_len(table_get(&names, rd64(r)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *copy;

	step = NULL;
	memset(&k, 0, sizeof(k));
	if (setjmp(die_jmp)) {
		if (step)
			finding("kp_die() while %s", step);
		release();
		return 0;
	}
	harness_put(objpath, data, size);
	scan(64);
	scan(48);
	table_free(&obj_of);
	memset(&obj_of, 0, sizeof(obj_of));

	copy = kp_xmalloc(size ? size : 1);
	memcpy(copy, data, size);
	if (kp_elf_parse(&k.e, "input", copy, size) != KP_ELF_OK) {
		release();
		return 0;
	}
	k.cnts = need_section(&k.e, "__llvm_prf_cnts");
	k.data = need_section(&k.e, "__llvm_prf_data");
	k.names = need_section(&k.e, "__llvm_prf_names");
	k.l.size = 0;
	elf_symbol(&k.e, "__init_begin");
	elf_symbol(&k.e, "__init_end");
	read_names(&k, &names);
	pick_layout(&k, &names);
	step = "checking records pick_layout() accepted";
	check_records();
	step = NULL;
	release();
	return 0;
}
