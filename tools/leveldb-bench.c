// SPDX-License-Identifier: GPL-2.0
/*
 * leveldb-bench.c - kpgo-leveldb-bench: a small db_bench for the guest.
 *
 * Drives leveldb through its C API the way leveldb's db_bench does with one
 * thread: 16-byte "%016d" keys, values sliced from a fixed half-compressible
 * buffer, one op per write, default options.  Every benchmark restarts the
 * key generator from the same seed, as db_bench does, so readrandom after
 * fillrandom looks up exactly the keys that were written.  fillseq and
 * fillrandom start from a destroyed database; the others use what is there.
 *
 * Needs nothing but libc, libleveldb and util.c.  See --help.
 */
#define _GNU_SOURCE	/* strchrnul */
#include <errno.h>
#include <getopt.h>
#include <leveldb/c.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define PROG_NAME	"kpgo-leveldb-bench"
#define KEY_SIZE	16
#define SEED		1000u		/* db_bench's seed for thread 0 */
#define POOL_MIN	(1u << 20)	/* value pool, like db_bench's 1 MiB */
#define VALUE_MAX	(64u << 20)
#define DEFAULT_BENCH	"fillseq,fillrandom,readseq,readrandom," \
			"deleteseq,deleterandom"

static const char usage_line[] =
"usage: " PROG_NAME " --db DIR [--num N] [--value-size BYTES]"
" [--benchmarks LIST]\n";

static const char help_text[] =
"Run db_bench-like benchmarks, in LIST's order, on the leveldb database DIR.\n"
"  --db DIR            database directory (required)\n"
"  --num N             keys per benchmark (default 100000)\n"
"  --value-size BYTES  value size (default 100)\n"
"  --benchmarks LIST   default " DEFAULT_BENCH "\n"
"fillseq and fillrandom destroy DIR first.  Prints one db_bench line per\n"
"benchmark, then '" PROG_NAME ": B benchmarks, N ops in S s' (S: the\n"
"whole run, opening and destroying DIR included).\n"
"Exit status: 0 success, 1 leveldb error, 2 usage error.\n";

struct ctx {
	const char *dir;
	int num;
	size_t value_size;
	const char *name;		/* running benchmark, for errors */
	leveldb_t *db;
	leveldb_options_t *opts;
	leveldb_readoptions_t *ropts;
	leveldb_writeoptions_t *wopts;
	char *pool;			/* value bytes */
	size_t pool_len, pool_pos;
};

struct stats {
	long long ops, bytes;
	long long found;		/* -1: not a lookup benchmark */
};

enum op { OP_PUT, OP_GET, OP_DEL, OP_SCAN };

struct bench {
	const char *name;
	bool fresh;		/* destroy the database first */
	enum op op;
	bool random;		/* keys drawn from [0, num), else 0..num-1 */
};

/* ---- helpers ----------------------------------------------------------- */

/* A bad command line: "<prog>: <message>", the usage line, exit 2 */
_Noreturn static void usage_error(const char *fmt, ...) KP_PRINTF(1, 2);
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage_line);
	exit(2);
}

/* splitmix64 */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int rng_uniform(uint64_t *state, int n)
{
	return (int)(rng_next(state) % (uint64_t)n);
}

/* "%016d" without snprintf; key has room for KEY_SIZE + 1 bytes */
static void make_key(char *key, int k)
{
	for (int i = KEY_SIZE - 1; i >= 0; i--, k /= 10)
		key[i] = (char)('0' + k % 10);
	key[KEY_SIZE] = '\0';
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * Printable random bytes, each 100-byte piece repeating its first half, so
 * snappy compresses values to about half as db_bench's generator does.
 */
static void pool_init(struct ctx *c)
{
	uint64_t r = SEED;

	c->pool_len = c->value_size > POOL_MIN ? c->value_size : POOL_MIN;
	c->pool = kp_xcalloc(c->pool_len, 1);
	for (size_t i = 0; i < c->pool_len; i++)
		c->pool[i] = i % 100 < 50 ? (char)(' ' + rng_next(&r) % 95) :
					    c->pool[i - 50];
}

static const char *next_value(struct ctx *c)
{
	if (c->pool_pos + c->value_size > c->pool_len)
		c->pool_pos = 0;
	c->pool_pos += c->value_size;
	return c->pool + c->pool_pos - c->value_size;
}

/* "<prog>: <benchmark>: <what> [<arg>]: <leveldb message>", exit 1 */
static void check(const struct ctx *c, char *err, const char *what,
		  const char *arg)
{
	char msg[1024];

	if (!err)
		return;
	snprintf(msg, sizeof(msg), "%s", err);
	leveldb_free(err);
	kp_die("%s: %s%s%s: %s", c->name, what, arg ? " " : "",
	    arg ? arg : "", msg);
}

static void db_close(struct ctx *c)
{
	if (c->db)
		leveldb_close(c->db);
	c->db = NULL;
}

static void db_open(struct ctx *c, bool fresh)
{
	char *err = NULL;

	db_close(c);
	if (fresh) {
		leveldb_destroy_db(c->opts, c->dir, &err);
		check(c, err, "destroy", c->dir);
	}
	c->db = leveldb_open(c->opts, c->dir, &err);
	check(c, err, "open", c->dir);
}

/* ---- benchmarks -------------------------------------------------------- */

static void scan(struct ctx *c, struct stats *st)
{
	leveldb_iterator_t *it = leveldb_create_iterator(c->db, c->ropts);
	char *err = NULL;
	size_t klen, vlen;

	for (leveldb_iter_seek_to_first(it); leveldb_iter_valid(it);
	     leveldb_iter_next(it)) {
		leveldb_iter_key(it, &klen);
		leveldb_iter_value(it, &vlen);
		st->bytes += (long long)(klen + vlen);
		st->ops++;
	}
	leveldb_iter_get_error(it, &err);
	leveldb_iter_destroy(it);
	check(c, err, "iterate", NULL);
}

static void key_op(struct ctx *c, struct stats *st, enum op op, int k)
{
	static const char *const what[] = { "put", "get", "delete" };
	char key[KEY_SIZE + 1], *err = NULL, *val;
	size_t vlen;

	make_key(key, k);
	switch (op) {
	case OP_PUT:
		leveldb_put(c->db, c->wopts, key, KEY_SIZE, next_value(c),
			    c->value_size, &err);
		st->bytes += (long long)(KEY_SIZE + c->value_size);
		break;
	case OP_GET:
		val = leveldb_get(c->db, c->ropts, key, KEY_SIZE, &vlen, &err);
		st->found += val != NULL;
		leveldb_free(val);
		break;
	default:
		leveldb_delete(c->db, c->wopts, key, KEY_SIZE, &err);
	}
	check(c, err, what[op], key);
}

/* num ops on keys 0..num-1, or on num keys drawn from [0, num) */
static void run_keys(struct ctx *c, struct stats *st, const struct bench *b)
{
	uint64_t r = SEED;

	c->pool_pos = 0;
	if (b->op == OP_GET)
		st->found = 0;
	for (int i = 0; i < c->num; i++)
		key_op(c, st, b->op, b->random ? rng_uniform(&r, c->num) : i);
	st->ops = c->num;
}

static const struct bench benches[] = {
	{ "fillseq",      true,  OP_PUT,  false },
	{ "fillrandom",   true,  OP_PUT,  true },
	{ "readseq",      false, OP_SCAN, false },
	{ "readrandom",   false, OP_GET,  true },
	{ "deleteseq",    false, OP_DEL,  false },
	{ "deleterandom", false, OP_DEL,  true },
};
#define NR_BENCHES	(sizeof(benches) / sizeof(benches[0]))

/* ---- driver ------------------------------------------------------------ */

static void report(const struct ctx *c, const struct stats *st, double secs)
{
	double ops = st->ops ? (double)st->ops : 1.0;

	if (secs <= 0)
		secs = 1e-9;
	printf("%-12s : %11.3f micros/op; %8.0f ops/s;", c->name,
	       secs * 1e6 / ops, (double)st->ops / secs);
	if (st->bytes)
		printf(" %6.1f MB/s", (double)st->bytes / 1048576.0 / secs);
	if (st->found >= 0)
		printf(" (%lld of %d found)", st->found, c->num);
	putchar('\n');
	fflush(stdout);
}

static long long run_one(struct ctx *c, const struct bench *b)
{
	struct stats st = { .found = -1 };
	double t0;

	c->name = b->name;
	if (b->fresh || !c->db)
		db_open(c, b->fresh);
	t0 = now();
	if (b->op == OP_SCAN)
		scan(c, &st);
	else
		run_keys(c, &st, b);
	report(c, &st, now() - t0);
	return st.ops;
}

static const struct bench *find_bench(const char *name, size_t len)
{
	for (size_t i = 0; i < NR_BENCHES; i++)
		if (!strncmp(benches[i].name, name, len) && !benches[i].name[len])
			return &benches[i];
	usage_error("unknown benchmark '%.*s' (known: %s)", (int)len, name,
	    DEFAULT_BENCH);
}

/* Split LIST at commas into benchmarks; every name must be known. */
static size_t parse_list(const char *list, const struct bench ***out)
{
	size_t n = 1, i = 0;
	const char *p, *end;

	for (p = list; *p; p++)
		n += *p == ',';
	*out = kp_xcalloc(n, sizeof(**out));
	for (p = list; i < n; p = end + 1) {
		end = strchrnul(p, ',');
		(*out)[i++] = find_bench(p, (size_t)(end - p));
	}
	return n;
}

static long parse_num(const char *s, const char *opt, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || errno || *end || v < min || v > max)
		usage_error("bad %s '%s': give an integer from %ld to %ld",
		    opt, s, min, max);
	return v;
}

static void parse_args(int argc, char **argv, struct ctx *c, const char **list)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "num", required_argument, NULL, 'n' },
		{ "value-size", required_argument, NULL, 'v' },
		{ "benchmarks", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int o;

	opterr = 0;
	while ((o = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			c->dir = optarg;
			break;
		case 'n':
			c->num = (int)parse_num(optarg, "--num", 1, INT_MAX);
			break;
		case 'v':
			c->value_size = (size_t)parse_num(optarg, "--value-size",
							  0, VALUE_MAX);
			break;
		case 'b':
			*list = optarg;
			break;
		case 'h':
			printf("%s%s", usage_line, help_text);
			exit(0);
		case ':':
			usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!c->dir || !*c->dir)
		usage_error("--db DIR is required");
}

int main(int argc, char **argv)
{
	struct ctx c = { .num = 100000, .value_size = 100 };
	const char *list = DEFAULT_BENCH;
	const struct bench **todo;
	long long ops = 0;
	size_t n;
	double t0;

	kp_set_prog(PROG_NAME);
	parse_args(argc, argv, &c, &list);
	n = parse_list(list, &todo);
	pool_init(&c);
	c.opts = leveldb_options_create();
	leveldb_options_set_create_if_missing(c.opts, 1);
	c.ropts = leveldb_readoptions_create();
	c.wopts = leveldb_writeoptions_create();
	t0 = now();
	for (size_t i = 0; i < n; i++)
		ops += run_one(&c, todo[i]);
	db_close(&c);
	printf("%s: %zu benchmarks, %lld ops in %.3f s\n", PROG_NAME, n, ops,
	       now() - t0);
	leveldb_writeoptions_destroy(c.wopts);
	leveldb_readoptions_destroy(c.ropts);
	leveldb_options_destroy(c.opts);
	free(c.pool);
	free(todo);
	return 0;
}
