/* SPDX-License-Identifier: GPL-2.0 */
/*
 * profinst.h - installing a profile next to the objects of a kernel tree,
 * the one implementation kpgo-gcda (dir/obj.gcda) and kpgo-llvmprof
 * (dir/obj.proftext) share:
 *
 *   - every relative path is checked with kp_path_bad() (the project's one
 *     allow-list) before it names a file or goes into a make rule, and
 *     none may lead into the installed list's directory (kpgo's own, when
 *     it is inside the tree: its profiles are not an object's profile);
 *   - files are written beneath the tree without following a symbolic link
 *     anywhere below it, each first to a temporary ".<name>.kpgo-tmp"
 *     beside it, synced to disk; only when all are written are they
 *     renamed into place, so a run killed before leaves the installed
 *     profile as it was; its temporaries are removed by the next run;
 *   - a file is rewritten only when its bytes change, and with a threshold
 *     only when its profile moved by at least that many percent;
 *   - the installed list names every file a run may have written before the
 *     first is written (old + new), and exactly the installed ones after;
 *     files of the previous run that this one does not have are removed;
 *   - the deps file has one rule "dir/obj.o: dir/obj<suffix>" per file;
 *   - while the staged files are renamed into place (one rename each),
 *     "<list>.installing" exists: a run killed then leaves it, and the mix
 *     of old and new files, until the next install completes.
 *
 * Use: fill in the first fields, kp_inst_begin() with every path to be
 * installed, kp_inst_file() for each, kp_inst_end().  Errors die (kp_die).
 */
#ifndef KPGO_PROFINST_H
#define KPGO_PROFINST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * How far the installed profile (path, its bytes) is from the new one:
 * 100 * (1 - overlap) of their counter shares, 0 the same shape, 100
 * nothing in common; above 100 when they cannot be compared (other
 * functions): the file is then rewritten.
 */
typedef double kp_inst_change_fn(const char *path, const unsigned char *old,
				 size_t len, void *ctx);

struct kp_inst {
	const char *tree;	/* files go to tree/<rel> */
	const char *list;	/* installed list, or NULL */
	const char *deps;	/* make rules, or NULL */
	const char *suffix;	/* ".gcda", ".proftext" */
	double threshold;	/* percent; 0: any change rewrites */
	size_t updated, unchanged, kept, added, removed;
	/* private */
	char **old, **now, **staged;
	size_t nold, nnow, capnow, nstaged, capstaged;
	char *listbuf;
	int treefd;
	int own;		/* the list's directory (kpgo's) is known: */
	dev_t own_dev;		/* nothing is written beneath it */
	ino_t own_ino;
};

/* --threshold PCT: a percentage from 0 to 100 (else a usage error) */
double kp_inst_threshold(const char *arg);

/*
 * The measure of how far a profile moved, for a kp_inst_change_fn: the
 * same functions' counters in the installed and the new profile (c NULL:
 * all n zero; the caller checked that the functions and their n match).
 * Returns 100 * (1 - overlap), overlap the sum over the counters of
 * min(old / old sum, new / new sum) (gcov-tool's overlap, per object).
 */
struct kp_ctrs {
	const uint64_t *c;
	uint32_t n;
};
double kp_inst_shape_change(const struct kp_ctrs *old,
			    const struct kp_ctrs *new, size_t n);

void kp_inst_begin(struct kp_inst *in, char *const *rels, size_t n);
void kp_inst_file(struct kp_inst *in, const char *rel, const void *buf,
		  size_t len, kp_inst_change_fn *change, void *ctx);
void kp_inst_end(struct kp_inst *in);

#endif /* KPGO_PROFINST_H */
