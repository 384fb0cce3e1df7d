// SPDX-License-Identifier: GPL-2.0
/*
 * conf-fuzz.c - libFuzzer target for the guest agent's guest.conf parser
 * (tools/agent.c conf_parse, what kpgo-agent --check-conf runs).
 *
 * Built and run by tests/fuzz.mk.  tools/agent.c is included whole, its
 * main() renamed by -Dmain=kpgo_agent_main (the harness never starts the
 * guest side).  An input is the bytes of a guest.conf, handled as
 * conf_load() handles a file it has read: a NUL byte rejects it, else
 * conf_parse() runs on a NUL-terminated copy.  A rejected input is fine
 * (the reason is printed as "kpgo-conf-fuzz: NAME:LINE: why" on stderr,
 * which -close_fd_mask=2 hides while fuzzing).  An input that parses is
 * printed as --check-conf prints it, and that text must parse again to
 * the same settings (printed the same); otherwise the harness aborts.
 */
#include "../../tools/agent.c"

#define FUZZ_NAME "conf-fuzz"
#include "harness.h"

/* the agent never frees its settings (PID 1 keeps them); the harness must */
static void conf_free(struct conf *c)
{
	for (size_t i = 0; i < c->nsetup; i++)
		free(c->setup[i]);
	for (size_t i = 0; i < c->nprepare; i++)
		free(c->prepare[i]);
	free(c->setup);
	free(c->prepare);
	free(c->server);
	free(c->load);
	free(c->disk);
	free(c->ready_cmd);
	memset(c, 0, sizeof(*c));
}

/* conf_print into a malloc'd string */
static char *printed(const struct conf *c)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (!f)
		finding("open_memstream: %s", strerror(errno));
	conf_print(c, f);
	if (fclose(f))
		finding("open_memstream: %s", strerror(errno));
	return s;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	harness_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c, again;
	char err[600];
	char *text, *out, *out2;

	if (memchr(data, '\0', size)) {		/* conf_load: not a text file */
		kp_warn("input: not a text file");
		return 0;
	}
	text = kp_xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	conf_init(&c);
	if (conf_parse(&c, text, "input", err, sizeof(err))) {
		if (strncmp(err, "input:", 6))
			finding("an error message not naming the file: '%s'", err);
		kp_warn("%s", err);
		conf_free(&c);
		free(text);
		return 0;
	}
	free(text);
	out = printed(&c);
	conf_init(&again);
	if (conf_parse(&again, out, "printed", err, sizeof(err)))
		finding("the printed settings do not parse: %s", err);
	free(out);
	out = printed(&c);
	out2 = printed(&again);
	if (strcmp(out, out2))
		finding("the printed settings parse to other ones:\n%s---\n%s", out, out2);
	if (c.nsetup != again.nsetup || c.nprepare != again.nprepare ||
	    !c.server != !again.server || !c.load != !again.load)
		finding("setup, prepare, server or load lost after printing");
	free(out);
	free(out2);
	conf_free(&c);
	conf_free(&again);
	return 0;
}
