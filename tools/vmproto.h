/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmproto.h - the protocol between kpgo-vm (the host, tools/vm.c) and
 * kpgo-agent (the guest's /init, tools/agent.c), defined once for both.
 *
 * The control channel is the guest's second serial port (/dev/ttyS1; on
 * the host, a Unix socket of QEMU's).  The guest writes lines
 * "KPGO <word>[ <argument>]\n", in this order:
 *
 *   HELLO <release>               the guest booted
 *   READY                         the server accepts connections
 *   OUT <line>                    a line of the guest-side load's output
 *   LOADED <status>               the load ended (exit status, 128+signal)
 *   COPIED <files> <bytes> <ms>   the profile data is on the share
 *   FAIL <reason>                 something went wrong (at any point)
 *   BYE                           powering off
 *
 * Other lines on the port are not the protocol's.  The host writes
 * "DONE\n" (the load is over: copy the data, power off) or "ABORT\n"
 * (power off); the guest ignores any other line.
 *
 * A word macro is the word alone; a line's format is its word and the
 * conversions of its argument (the _FMT macros, for printf).
 */
#ifndef KPGO_VMPROTO_H
#define KPGO_VMPROTO_H

#include <string.h>

#define VP_PREFIX	"KPGO "		/* every line of the guest's */

/* guest to host */
#define VP_HELLO	"HELLO"
#define VP_READY	"READY"
#define VP_OUT		"OUT"
#define VP_LOADED	"LOADED"
#define VP_COPIED	"COPIED"
#define VP_FAIL		"FAIL"
#define VP_BYE		"BYE"

#define VP_HELLO_FMT	VP_HELLO " %s"
#define VP_OUT_FMT	VP_OUT " %.*s"
#define VP_LOADED_FMT	VP_LOADED " %d"
#define VP_COPIED_FMT	VP_COPIED " %lu %llu %lld"
#define VP_FAIL_FMT	VP_FAIL " %s"

/* host to guest */
#define VP_DONE		"DONE"
#define VP_ABORT	"ABORT"

/* limits */
#define VP_LINE_MAX	600	/* a guest line with "KPGO " and '\n', + NUL */
#define VP_OUT_MAX	560	/* bytes of the load's output in one OUT */
#define VP_STATUS_MAX	255	/* LOADED: 0..255; anything else is a failure */
#define VP_HOST_LINE_MAX 512	/* a host line the guest reads whole */

/* the 9p share's mount tag, and the kernel parameter of the mode */
#define VP_SHARE_TAG	"kpgo"
#define VP_MODE_PARAM	"kpgo.mode="

/*
 * line (the words after "KPGO ") is WORD alone or WORD and an argument:
 * the argument ("" when none), else NULL.
 */
static inline const char *vp_arg(const char *line, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(line, word, n))
		return NULL;
	if (line[n] == ' ')
		return line + n + 1;
	return line[n] ? NULL : line + n;
}

#endif /* KPGO_VMPROTO_H */
