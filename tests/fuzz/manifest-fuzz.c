// SPDX-License-Identifier: GPL-2.0
/*
 * manifest-fuzz.c - libFuzzer target for kpgo-profile's reading of a
 * profile from elsewhere (tools/profile.c): a MANIFEST's text
 * (manifest_parse) and an archive member's name, type and size
 * (member_check, and the set of names seen, which refuses duplicates).
 *
 * Built and run by tests/fuzz.mk.  tools/profile.c is included whole, its
 * main() renamed by -Dmain=kpgo_profile_main; nothing in it is changed.
 * An input is the bytes of a MANIFEST, parsed as check parses the file it
 * has read (a NUL after the text).  A rejected input is fine (the reason
 * is printed as "kpgo-manifest-fuzz: ..." on stderr, which -close_fd_mask=2
 * hides while fuzzing).  A MANIFEST that parses must hold printable values
 * without spaces around them, each equal to itself (value_eq), and
 * written again as "key: value" lines must parse to the same values.
 * The input up to its first NUL or newline is also an archive member's
 * name, checked as each type with several sizes: what member_check lets
 * through must be MANIFEST, gcda or gcda/ and a path kp_path_bad()
 * accepts, within the size limits, and is refused the second time it is
 * seen.  A failure of any of these aborts.
 */
#include "../../tools/profile.c"

#define FUZZ_NAME "manifest-fuzz"
#include "harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	harness_init();
	return 0;
}

static void check_values(const struct manifest *m)
{
	struct kp_buf b = { 0 };
	struct manifest again;
	char err[2 * ESC_SIZE];

	for (int k = 0; k < NKEYS; k++) {
		const char *v = m->val[k];
		size_t n;

		if (!v)
			continue;
		n = strlen(v);
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7f)
				finding("%s: a non-printable byte in the value", key_names[k]);
		if (n && (v[0] == ' ' || v[n - 1] == ' '))
			finding("%s: '%s' has spaces around it", key_names[k], v);
		if (!value_eq(v, v))
			finding("%s: '%s' differs from itself", key_names[k], v);
		for (int j = 0; j < NKEYS; j++)
			if (m->val[j] && value_eq(v, m->val[j]) != value_eq(m->val[j], v))
				finding("value_eq('%s', '%s') is not symmetric", v, m->val[j]);
		kp_buf_printf(&b, "%s: %s\n", key_names[k], v);
	}
	if (manifest_parse(b.p ? b.p : "", b.n, &again, err, sizeof(err)))
		finding("the values written again do not parse: %s", err);
	for (int k = 0; k < NKEYS; k++)
		if (!m->val[k] != !again.val[k] ||
		    (m->val[k] && strcmp(m->val[k], again.val[k])))
			finding("%s: '%s' written again reads '%s'", key_names[k],
				m->val[k] ? m->val[k] : "(none)",
				again.val[k] ? again.val[k] : "(none)");
	free(b.p);
}

static void check_member(const char *name)
{
	static const unsigned int types[] = {
		AE_IFREG, AE_IFDIR, AE_IFLNK, TYPE_HARDLINK, AE_IFIFO, AE_IFCHR,
	};
	static const int64_t sizes[] = {
		-1, 0, 1, KP_MAX_MANIFEST, KP_MAX_MANIFEST + 1, KP_MAX_GCDA,
		(int64_t)KP_MAX_GCDA + 1, INT64_MAX,
	};
	char buf[KP_PATH_MAX + 8];
	struct nameset ns = { 0 };

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
			enum member_kind kind = (enum member_kind)-1;
			const char *rel = NULL, *why;

			why = member_check(name, types[t], sizes[z], &kind, buf, &rel);
			if (why) {
				if (!*why)
					finding("'%s' refused without a reason", name);
				continue;
			}
			if (types[t] != AE_IFREG && types[t] != AE_IFDIR)
				finding("'%s' of type %u let through", name, types[t]);
			if (!rel || strlen(rel) > KP_PATH_MAX)
				finding("'%s' let through without its path", name);
			switch (kind) {
			case MEMBER_MANIFEST:
				if (strcmp(rel, "MANIFEST") || sizes[z] < 0 ||
				    sizes[z] > KP_MAX_MANIFEST)
					finding("'%s' (%" PRId64 " bytes) let through as the MANIFEST",
						name, sizes[z]);
				break;
			case MEMBER_GCDA_DIR:
				if (strcmp(rel, "gcda") || types[t] != AE_IFDIR)
					finding("'%s' let through as gcda/", name);
				break;
			case MEMBER_DIR:
			case MEMBER_GCDA:
				if (strncmp(rel, "gcda/", 5) ||
				    kp_path_bad(rel + 5, kind == MEMBER_GCDA ? ".gcda" : NULL) ||
				    (kind == MEMBER_GCDA && (types[t] != AE_IFREG ||
				     sizes[z] < 0 || sizes[z] > KP_MAX_GCDA)) ||
				    (kind == MEMBER_DIR && types[t] != AE_IFDIR))
					finding("'%s' (type %u, %" PRId64 " bytes) let through as %s",
						name, types[t], sizes[z], rel);
				break;
			case MEMBER_DATA:
				if ((strcmp(rel, "profile.proftext") && strcmp(rel, "profile.afdo")) ||
				    types[t] != AE_IFREG || sizes[z] < 0 || sizes[z] > KP_MAX_DATA)
					finding("'%s' (type %u, %" PRId64 " bytes) let through as %s",
						name, types[t], sizes[z], rel);
				break;
			default:
				finding("'%s' let through as kind %d", name, (int)kind);
			}
			nameset_add(&ns, rel);
			if (!nameset_add(&ns, rel))
				finding("'%s' not refused the second time", rel);
		}
	nameset_free(&ns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest m;
	char err[2 * ESC_SIZE];
	char *text = kp_xmalloc(size + 1), *name;

	memcpy(text, data, size);
	text[size] = '\0';
	name = kp_xstrdup(text);	/* up to the first NUL */
	name[strcspn(name, "\n")] = '\0';
	if (manifest_parse(text, size, &m, err, sizeof(err)))
		kp_warn("MANIFEST %s", err);
	else
		check_values(&m);
	check_member(name);
	free(name);
	free(text);
	return 0;
}
