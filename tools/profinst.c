// SPDX-License-Identifier: GPL-2.0
/* profinst.c - see profinst.h */
#define _GNU_SOURCE
#include "profinst.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

double kp_inst_threshold(const char *arg)
{
	char *end;
	double t;

	errno = 0;
	t = strtod(arg, &end);
	if (errno || end == arg || *end || !(t >= 0 && t <= 100))
		kp_usage_error("bad --threshold '%s': give a percentage from 0 to 100",
			       arg);
	return t;
}

static uint64_t ctrs_sum(const struct kp_ctrs *v, size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++)
		for (uint32_t j = 0; v[i].c && j < v[i].n; j++)
			s = UINT64_MAX - s < v[i].c[j] ? UINT64_MAX : s + v[i].c[j];
	return s;
}

double kp_inst_shape_change(const struct kp_ctrs *old,
			    const struct kp_ctrs *new, size_t n)
{
	uint64_t so = ctrs_sum(old, n), sn = ctrs_sum(new, n);
	double overlap = 0;

	if (!so || !sn)
		return so == sn ? 0 : 100;
	for (size_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < new[i].n; j++) {
			double x = old[i].c ? (double)old[i].c[j] / (double)so : 0;
			double y = new[i].c ? (double)new[i].c[j] / (double)sn : 0;

			overlap += x < y ? x : y;
		}
	return overlap > 1 ? 0 : 100 * (1 - overlap);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_rel(const struct kp_inst *in, const char *rel,
		      const char *where)
{
	const char *why = kp_path_bad(rel, in->suffix);

	if (why)
		kp_die("%s: '%s' is not a path of an object's profile in the tree (%s); refused",
		       where, kp_xescape(rel), why);
}

/*
 * The directory of rel beneath the tree, opened without following a
 * symbolic link on the way (made when create is set); its last component
 * in *base.  -1 when a directory is missing and create is not set.
 */
static int dir_of(const struct kp_inst *in, const char *rel, int create,
		  const char **base)
{
	const char *p = rel, *slash;
	int fd = dup(in->treefd);

	if (fd < 0)
		kp_die("%s: %s", in->tree, strerror(errno));
	while ((slash = strchr(p, '/'))) {
		char *comp = kp_xasprintf("%.*s", (int)(slash - p), p);
		int nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (nfd < 0 && errno == ENOENT && create &&
		    (!mkdirat(fd, comp, 0755) || errno == EEXIST))
			nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && !create) {
			free(comp);
			close(fd);
			return -1;
		}
		if (nfd < 0)
			kp_die("%s/%.*s: %s: kpgo writes nothing through a symbolic link or a file in a directory's place",
			       in->tree, (int)(slash - rel), rel,
			       errno == ELOOP || errno == ENOTDIR ?
			       "not a directory" : strerror(errno));
		free(comp);
		close(fd);
		fd = nfd;
		p = slash + 1;
		if (in->own) {
			struct stat st;

			if (fstat(fd, &st))
				kp_die("%s/%.*s: %s", in->tree, (int)(slash - rel), rel,
				       strerror(errno));
			if (st.st_dev == in->own_dev && st.st_ino == in->own_ino)
				kp_die("profile: '%s' leads into kpgo's own directory (%.*s, where its profiles and state are); refused",
				       kp_xescape(rel), (int)(slash - rel), rel);
		}
	}
	*base = p;
	return fd;
}

static char *tmp_name(const char *base)
{
	return kp_xasprintf(".%s.kpgo-tmp", base);
}

/*
 * Stage rel's new bytes in a synced temporary beside it; kp_inst_end()
 * renames them all, so a run killed before that leaves every installed
 * file as it was (and the next run removes the temporaries).
 */
static void stage_at(const struct kp_inst *in, int dfd, const char *base,
		     const char *rel, const void *buf, size_t len)
{
	char *tmp = tmp_name(base);
	int fd;

	if (unlinkat(dfd, tmp, 0) && errno != ENOENT)
		kp_die("%s/%s: cannot remove an old temporary: %s", in->tree, rel,
		       strerror(errno));
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || kp_write_all(fd, buf, len) || fsync(fd) || close(fd)) {
		int e = errno;

		if (fd >= 0)
			unlinkat(dfd, tmp, 0);
		kp_die("%s/%s: cannot write: %s", in->tree, rel, strerror(e));
	}
	free(tmp);
}

static void push(char ***v, size_t *n, size_t *cap, char *s)
{
	if (*n == *cap)
		*v = kp_xrealloc(*v, (*cap = *cap ? 2 * *cap : 256) * sizeof(**v));
	(*v)[(*n)++] = s;
}

static void write_list(const struct kp_inst *in, char **v, size_t n)
{
	struct kp_buf b = { 0 };

	for (size_t i = 0; i < n; i++)
		if (!i || strcmp(v[i], v[i - 1]))
			kp_buf_printf(&b, "%s\n", v[i]);
	if (kp_write_if_changed(in->list, b.p ? b.p : "", b.n, 0644) < 0)
		kp_die("%s: cannot write: %s", in->list, strerror(errno));
	free(b.p);
}

static void read_list(struct kp_inst *in)
{
	unsigned char *data;
	const char *why;
	size_t len, cap = 0;
	int lineno = 0;

	if (kp_read_regular(in->list, KP_MAX_DATA, 0, &data, &len, &why)) {
		if (errno == ENOENT)
			return;
		kp_die("%s: cannot read: %s", in->list, why);
	}
	in->listbuf = (char *)data;
	if (memchr(data, '\0', len))
		kp_die("%s: contains a NUL byte: not a list of installed files; remove it",
		       in->list);
	for (char *s = in->listbuf, *l; *s; s = l) {
		char *nl = strchr(s, '\n');

		l = nl ? nl + 1 : s + strlen(s);
		if (nl)
			*nl = '\0';
		lineno++;
		if (!*s)
			continue;
		if (kp_path_bad(s, in->suffix))
			kp_die("%s: line %d: '%s' is not a relative path of an object's profile (%s): the list is corrupt; fix or remove it",
			       in->list, lineno, kp_xescape(s), kp_path_bad(s, in->suffix));
		push(&in->old, &in->nold, &cap, s);
	}
	qsort(in->old, in->nold, sizeof(*in->old), cmp_str);
}

void kp_inst_begin(struct kp_inst *in, char *const *rels, size_t n)
{
	char **all;
	size_t nall = 0;

	if (kp_mkdir_p(in->tree, 0755))
		kp_die("%s: cannot create: %s", in->tree, strerror(errno));
	in->treefd = open(in->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (in->treefd < 0)
		kp_die("%s: cannot open: %s", in->tree, strerror(errno));
	if (in->list) {
		char *dir = kp_xstrdup(in->list), *slash = strrchr(dir, '/');
		const char *d = slash ? (slash == dir ? "/" : dir) : ".";
		struct stat st, root;

		if (slash)
			*slash = '\0';
		if (kp_mkdir_p(d, 0755) || stat(d, &st) || fstat(in->treefd, &root))
			kp_die("%s: %s", d, strerror(errno));
		/* kpgo's directory is the tree itself: no profile path is safe */
		if (st.st_dev == root.st_dev && st.st_ino == root.st_ino)
			kp_die("%s: the installed list is in the tree's top directory %s: "
			       "give it a directory of its own (PGO_OUT)", in->list, in->tree);
		in->own = 1;
		in->own_dev = st.st_dev;
		in->own_ino = st.st_ino;
		free(dir);
		read_list(in);
	}
	all = kp_xcalloc(in->nold + n, sizeof(*all));
	for (size_t i = 0; i < n; i++) {
		check_rel(in, rels[i], "profile");
		all[nall++] = rels[i];
	}
	for (size_t i = 0; i < in->nold; i++)
		all[nall++] = in->old[i];
	qsort(all, nall, sizeof(*all), cmp_str);
	/* a killed run's temporaries */
	for (size_t i = 0; i < nall; i++) {
		const char *base;
		int dfd = dir_of(in, all[i], 0, &base);

		if (dfd >= 0) {
			char *tmp = tmp_name(base);

			unlinkat(dfd, tmp, 0);
			free(tmp);
			close(dfd);
		}
	}
	/* every file this run may write is listed before it is written */
	if (in->list)
		write_list(in, all, nall);
	free(all);
}

void kp_inst_file(struct kp_inst *in, const char *rel, const void *buf,
		  size_t len, kp_inst_change_fn *change, void *ctx)
{
	unsigned char *cur;
	const char *base, *why;
	size_t clen;
	int dfd, exists;

	check_rel(in, rel, "profile");
	dfd = dir_of(in, rel, 1, &base);
	exists = !kp_read_regular_at(dfd, base, KP_MAX_DATA, 0, &cur, &clen, &why);
	if (!exists && errno != ENOENT)
		kp_die("%s/%s: cannot read the installed file: %s", in->tree, rel, why);
	if (exists && clen == len && !memcmp(cur, buf, len)) {
		in->unchanged++;
	} else if (exists && in->threshold > 0 && change) {
		char *path = kp_xasprintf("%s/%s", in->tree, rel);

		if (change(path, cur, clen, ctx) < in->threshold) {
			in->kept++;
		} else {
			stage_at(in, dfd, base, rel, buf, len);
			push(&in->staged, &in->nstaged, &in->capstaged, kp_xstrdup(rel));
			in->updated++;
		}
		free(path);
	} else {
		stage_at(in, dfd, base, rel, buf, len);
		push(&in->staged, &in->nstaged, &in->capstaged, kp_xstrdup(rel));
		if (exists)
			in->updated++;
		else
			in->added++;
	}
	if (exists)
		free(cur);
	close(dfd);
	push(&in->now, &in->nnow, &in->capnow, kp_xstrdup(rel));
}

void kp_inst_end(struct kp_inst *in)
{
	struct kp_buf deps = { 0 };
	size_t sl = strlen(in->suffix);
	char *marker = NULL;

	/* rules in the order the files came; rel passed kp_path_bad, so it
	 * holds nothing make treats specially */
	for (size_t i = 0; i < in->nnow; i++)
		kp_buf_printf(&deps, "%.*s.o: %s\n", (int)(strlen(in->now[i]) - sl),
			      in->now[i], in->now[i]);
	/*
	 * the staged files take their places, one rename each: a run killed
	 * among them leaves a mix of old and new files, so the marker says
	 * so until the list and deps are written (make refuses to build with
	 * the installed profile while it is there; the next install removes
	 * it)
	 */
	if (in->list) {
		static const char msg[] = "an install of this profile was interrupted: "
			"some files are old, some new; install it again\n";

		marker = kp_xasprintf("%s.installing", in->list);
		if (kp_write_file_atomic(marker, msg, sizeof(msg) - 1, 0644))
			kp_die("%s: cannot write: %s", marker, strerror(errno));
	}
	for (size_t i = 0; i < in->nstaged; i++) {
		const char *base;
		int dfd = dir_of(in, in->staged[i], 0, &base);
		char *tmp = tmp_name(base);

		if (dfd < 0 || renameat(dfd, tmp, dfd, base))
			kp_die("%s/%s: cannot install: %s", in->tree, in->staged[i],
			       strerror(errno));
		free(tmp);
		free(in->staged[i]);
		close(dfd);
	}
	free(in->staged);
	in->staged = NULL;
	qsort(in->now, in->nnow, sizeof(*in->now), cmp_str);
	for (size_t i = 0; i < in->nold; i++) {
		const char *base;
		int dfd;

		if (bsearch(&in->old[i], in->now, in->nnow, sizeof(*in->now), cmp_str))
			continue;
		dfd = dir_of(in, in->old[i], 0, &base);
		if (dfd < 0)
			continue;
		if (!unlinkat(dfd, base, 0))
			in->removed++;
		else if (errno != ENOENT)
			kp_die("%s/%s: cannot remove: %s", in->tree, in->old[i], strerror(errno));
		close(dfd);
	}
	if (in->list)
		write_list(in, in->now, in->nnow);
	if (in->deps && kp_write_if_changed(in->deps, deps.p ? deps.p : "", deps.n, 0644) < 0)
		kp_die("%s: cannot write: %s", in->deps, strerror(errno));
	if (marker && unlink(marker))
		kp_die("%s: cannot remove: %s", marker, strerror(errno));
	free(marker);
	free(deps.p);
	for (size_t i = 0; i < in->nnow; i++)
		free(in->now[i]);
	free(in->now);
	free(in->old);
	free(in->listbuf);
	close(in->treefd);
	in->now = in->old = NULL;
	in->listbuf = NULL;
}
