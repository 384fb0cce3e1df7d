// SPDX-License-Identifier: GPL-2.0
/*
 * vmctl-fuzz.c - libFuzzer target for kpgo-vm's reader of the guest's
 * control channel (tools/vm.c take_line, which next_event() runs on the
 * bytes read from the socket, and the arguments the callers take out of
 * a line: vp_arg of tools/vmproto.h, take_copied, take_status).
 *
 * Built and run by tests/fuzz.mk.  tools/vm.c is included whole, its main()
 * renamed by -Dmain=kpgo_vm_main.  An input is the bytes a guest writes on
 * its control port.  They are fed to take_line() in reads of varying sizes
 * (at most the free space of the buffer, as next_event() reads), taking
 * every line out after each read.  The lines must be the same as those of
 * a simple model of the stream, whatever the read sizes: each '\n'-ended
 * piece loses its first 4096*k bytes (a full buffer without a newline is
 * dropped), pieces starting "KPGO " give their rest, up to a NUL byte and
 * 1023 bytes, without one trailing '\r', bytes outside printable ASCII
 * made '?'.  A difference aborts.
 */
#include "../../tools/vm.c"

#define FUZZ_NAME "vmctl-fuzz"
#include "harness.h"

#define LINE_SIZE CTL_LINE_SIZE	/* main()'s line */

/* the next line of the model, from the piece p[0..n) (no '\n' in it) */
static int model_line(const uint8_t *p, size_t n, char *line)
{
	size_t keep = n % sizeof(((struct guest *)0)->buf), l;

	p += n - keep;
	if (keep < 5 || memcmp(p, "KPGO ", 5))
		return 0;
	p += 5;
	keep -= 5;
	for (l = 0; l < keep && l < LINE_SIZE - 1 && p[l]; l++)
		line[l] = (char)p[l];
	if (l && line[l - 1] == '\r')
		l--;
	line[l] = '\0';
	for (size_t i = 0; i < l; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] >= 0x7f)
			line[i] = '?';
	return 1;
}

/* what the callers take out of a line (boot, run_guest_load, finish) */
static void interpret(struct guest *g, const char *line)
{
	static const char *const words[] = {
		VP_HELLO, VP_READY, VP_OUT, VP_LOADED, VP_COPIED, VP_FAIL, VP_BYE,
	};
	size_t n = strlen(line);
	const char *a;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		a = vp_arg(line, words[i]);
		if (a && (a < line + strlen(words[i]) || a > line + n))
			finding("vp_arg('%s', %s) points outside the line", line, words[i]);
	}
	a = vp_arg(line, VP_COPIED);
	if (a)
		take_copied(g, a);
	a = vp_arg(line, VP_LOADED);
	if (a && take_status(a) > VP_STATUS_MAX + 1)
		finding("LOADED '%s' gives a status above %d", a, VP_STATUS_MAX + 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	harness_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest g;
	char line[LINE_SIZE], want[LINE_SIZE];
	size_t at = 0, m = 0, piece = 0, nlines = 0;
	uint32_t rnd = (uint32_t)size * 2654435761u + 1;

	memset(&g, 0, sizeof(g));
	g.ctl = -1;
	for (;;) {
		size_t room, r;

		while (take_line(&g, line, sizeof(line))) {
			/* the model's next line */
			int got = 0;

			while (!got) {
				const uint8_t *nl = m < size ? memchr(data + m, '\n', size - m) : NULL;

				if (!nl)
					finding("line %zu ('%s') is not in the model", nlines, line);
				piece = (size_t)(nl - data) - m;
				got = model_line(data + m, piece, want);
				m += piece + 1;
			}
			if (strcmp(line, want))
				finding("line %zu is '%s', the model says '%s'", nlines, line, want);
			if (g.len > sizeof(g.buf))
				finding("%zu bytes in a buffer of %zu", g.len, sizeof(g.buf));
			nlines++;
			interpret(&g, line);
		}
		if (at == size)
			break;
		room = sizeof(g.buf) - g.len;
		if (!room)
			finding("take_line left a full buffer");
		rnd = rnd * 1103515245u + 12345u;	/* a read of 1..room bytes */
		r = 1 + (rnd >> 8) % (rnd & 0x80 ? room : 64);
		if (r > room)
			r = room;
		if (r > size - at)
			r = size - at;
		memcpy(g.buf + g.len, data + at, r);
		g.len += r;
		at += r;
	}
	/* the model has no line left either */
	while (m < size) {
		const uint8_t *nl = memchr(data + m, '\n', size - m);

		if (!nl)
			break;
		piece = (size_t)(nl - data) - m;
		if (model_line(data + m, piece, want))
			finding("the model's line '%s' was not read", want);
		m += piece + 1;
	}
	return 0;
}
