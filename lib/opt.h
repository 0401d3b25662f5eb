/*
 * Command-line options from one table: the same `struct opt` rows drive parsing and the
 * `--help` text (USAGE, options, EXAMPLES), so the two cannot drift apart. Values are
 * parsed through units.h, so every option spells durations and sizes the same way.
 *
 * Accepted forms: --name VALUE, --name=VALUE, -x VALUE, -xVALUE, --flag, and "--" to end
 * options. Options and positional arguments may be mixed; positionals are returned in
 * order. Errors print one line naming the command and the option at fault.
 */
#ifndef VB_OPT_H
#define VB_OPT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

enum opt_kind {
    OPT_FLAG,     /* int: set to 1 */
    OPT_STR,      /* const char *: the argument */
    OPT_INT,      /* int: decimal, may be negative */
    OPT_COUNT,    /* uint64_t: units_parse_count */
    OPT_DURATION, /* double ns: units_parse_duration, bare number in seconds */
    OPT_SIZE,     /* uint64_t bytes: units_parse_size */
    OPT_PERCENT,  /* double percent: units_parse_percent */
    OPT_RATE,     /* double per second: units_parse_rate */
    OPT_LIST,     /* struct opt_list: repeatable, also comma-separated */
    OPT_FUNC,     /* custom: fn(arg, dest) returns 0 or -EINVAL */
};

/* Values of a repeatable option, in order. Free with opt_list_free. */
struct opt_list {
    int n;
    char **v;
};

struct opt {
    const char *name; /* long name without the dashes */
    char short_name;  /* 0 when none */
    enum opt_kind kind;
    void *dest;
    const char *metavar; /* shown after the option, e.g. "DIR"; NULL for flags */
    const char *help;    /* one line; say the default here */
    int (*fn)(const char *arg, void *dest);
    int split_commas; /* OPT_LIST only: "a,b" adds two values */
    unsigned flags;   /* OPT_F_*; name it: .flags = OPT_F_RESULT */
};

/* The option changes what a kernel measures (a CPU, a rate, a size, a time source ...), as
   opposed to what is done with the result (output, labels, thresholds): its value is
   recorded in context.json's options and result_options and in every row's info. */
#define OPT_F_RESULT 1u

struct cmd_help {
    const char *name;     /* "viobench run" */
    const char *usage;    /* after the name: "[OPTIONS] [PATTERN]" */
    const char *summary;  /* one paragraph */
    const char *examples; /* lines, each a full command */
    const char *more;     /* optional trailing paragraph (exit status, files) */
};

/*
 * Parse argv[1..argc-1] against a table ended by a row with name NULL.
 * Positional arguments go to pos (up to maxpos; more is an error).
 * Returns 0 on success, 1 when --help or --man was printed (exit 0), -EINVAL after printing
 * a one-line error (exit non-zero).
 */
int opt_parse(const struct opt *opts, const struct cmd_help *help, int argc, char **argv,
              const char **pos, int maxpos, int *npos);
/* Print the full help (USAGE, summary, OPTIONS, EXAMPLES) to f. */
void opt_help(FILE *f, const struct opt *opts, const struct cmd_help *help);
/* Print the same as a manual page in roff (lib/opt_man.c): `viobench COMMAND --man`. */
void opt_man(FILE *f, const struct opt *opts, const struct cmd_help *help);
/*
 * The values of the options whose flags include all of `flags` (0: every option), as a JSON
 * object (lib/opt_json.c): key the name with '-' as '_' (durations add "_s" and are in
 * seconds, percentages add "_pct"); flags become booleans, strings and sizes not given
 * (NULL, UINT64_MAX) null. NULL when out of memory.
 */
json_t *opt_values_json(const struct opt *opts, unsigned flags);
/* Free what OPT_LIST collected. */
void opt_list_free(struct opt_list *l);

#endif
