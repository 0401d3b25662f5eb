/*
 * Units, option tables and name filters: every spelling the CLI accepts, every one it must
 * refuse, and the help text's required parts.
 */
#include "check.h"
#include "match.h"
#include "opt.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static void test_durations(void)
{
    static const struct {
        const char *s;
        double ns;
    } ok[] = {{"10s", 10e9},       {"250us", 250e3}, {"1.5ms", 1.5e6}, {"7ns", 7},
              {"2m", 120e9},       {"1h", 3600e9},   {"0.5", 0.5e9},   {" 3s ", 3e9},
              {"4\xc2\xb5s", 4e3}, {"1e3us", 1e6}};
    static const char *bad[] = {"", "s", "10x", "-1s", "ten", "0x10", "inf", "nan", "1s2", NULL};
    double ns;

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int r = units_parse_duration(ok[i].s, 1e9, &ns);
        CHECK(r == 0 && fabs(ns - ok[i].ns) < 1e-6 * ok[i].ns, "'%s' -> %d %g", ok[i].s, r, ns);
    }
    for (int i = 0; bad[i]; i++)
        CHECK(units_parse_duration(bad[i], 1e9, &ns) < 0, "'%s' accepted", bad[i]);
    CHECK(units_parse_duration(NULL, 1e9, &ns) == -EINVAL, "NULL accepted");
}

static void test_sizes(void)
{
    static const struct {
        const char *s;
        uint64_t b;
    } ok[] = {{"4k", 4096},      {"4K", 4096},       {"4KiB", 4096},       {"1M", 1 << 20},
              {"1.5M", 3 << 19}, {"1G", 1ull << 30}, {"2TiB", 2ull << 40}, {"512", 512},
              {"512B", 512},     {"64kB", 65536}};
    static const char *bad[] = {"", "4q", "-4k", "1.3", "0.1k", "4kk", NULL};
    uint64_t b;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        CHECK(units_parse_size(ok[i].s, &b) == 0 && b == ok[i].b, "'%s' -> %llu", ok[i].s,
              (unsigned long long)b);
    for (int i = 0; bad[i]; i++)
        CHECK(units_parse_size(bad[i], &b) < 0, "size '%s' accepted", bad[i]);
    CHECK(units_parse_size("99999999T", &b) == -ERANGE, "huge size not ERANGE");
}

static void test_counts_rates_pct(void)
{
    uint64_t n;
    double d;
    CHECK(units_parse_count("10k", &n) == 0 && n == 10000, "10k");
    CHECK(units_parse_count("3", &n) == 0 && n == 3, "3");
    CHECK(units_parse_count("1.5", &n) < 0, "fractional count accepted");
    CHECK(units_parse_rate("1000/s", &d) == 0 && d == 1000, "1000/s");
    CHECK(units_parse_rate("10k/s", &d) == 0 && d == 10000, "10k/s");
    CHECK(units_parse_rate("0.5/s", &d) == 0 && d == 0.5, "0.5/s");
    CHECK(units_parse_rate("5/m", &d) < 0 && units_parse_rate("0/s", &d) < 0, "bad rates");
    CHECK(units_parse_percent("5%", &d) == 0 && d == 5, "5%%");
    CHECK(units_parse_percent("2.5", &d) == 0 && d == 2.5, "2.5");
    CHECK(units_parse_percent("5%%", &d) < 0 && units_parse_percent("x", &d) < 0, "bad pct");
}

static void test_format(void)
{
    char b[32];
    CHECK(strcmp(units_fmt_duration(812, b, sizeof(b)), "812 ns") == 0, "%s", b);
    CHECK(strcmp(units_fmt_duration(12345, b, sizeof(b)), "12.3 us") == 0, "%s", b);
    CHECK(strcmp(units_fmt_duration(4.56e6, b, sizeof(b)), "4.56 ms") == 0, "%s", b);
    CHECK(strcmp(units_fmt_duration(1.2e9, b, sizeof(b)), "1.20 s") == 0, "%s", b);
    CHECK(strcmp(units_fmt_size(4096, b, sizeof(b)), "4 KiB") == 0, "%s", b);
    CHECK(strcmp(units_fmt_size(1.5 * 1048576, b, sizeof(b)), "1.50 MiB") == 0, "%s", b);
    {
        static const struct {
            uint64_t n;
            const char *s;
        } names[] = {{1, "1"},        {64, "64"},         {1000, "1000"}, {1024, "1k"},
                     {4096, "4k"},    {65536, "64k"},     {1536, "1536"}, {1048576, "1m"},
                     {3145728, "3m"}, {1049600, "1025k"}, {0, "0"}};
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            CHECK(strcmp(units_fmt_name_size(names[i].n, b, sizeof(b)), names[i].s) == 0,
                  "name size %llu: %s", (unsigned long long)names[i].n, b);
    }
    CHECK(strcmp(units_fmt_count(12345, b, sizeof(b)), "12.3k") == 0, "%s", b);
    CHECK(strcmp(units_fmt_count(512, b, sizeof(b)), "512") == 0, "%s", b);
}

static void test_match(void)
{
    CHECK(match_glob("timer/*", "timer/read/rdtsc"), "star spans slashes");
    CHECK(match_glob("exit/cpuid/leaf:0x[0-9]", "exit/cpuid/leaf:0x1"), "set");
    CHECK(!match_glob("exit/cpuid/leaf:0x[!0-9]", "exit/cpuid/leaf:0x1"), "negated set");
    CHECK(match_glob("a?c", "abc") && !match_glob("a?c", "ac"), "question mark");
    CHECK(!match_glob("timer/*", "exit/cpuid"), "no match");
    CHECK(match_filter(NULL, "x") && match_filter("", "x"), "empty filter selects all");
    CHECK(match_filter("cpuid", "exit/cpuid/leaf:0x0"), "component");
    CHECK(match_filter("exit", "exit/cpuid/leaf:0x0"), "leading component");
    CHECK(match_filter("bs:4k/qd:1", "storage/uring/randread/bs:4k/qd:1"), "trailing components");
    CHECK(!match_filter("qd:1", "storage/uring/randread/bs:4k/qd:16"), "qd:1 is not qd:16");
    {
        /* a filter item longer than any buffer is matched whole, not cut short */
        char item[700], name[700];
        item[0] = '*';
        memset(item + 1, 'a', 600);
        item[601] = 0;
        memset(name, 'a', 600);
        name[600] = 0;
        CHECK(match_filter(item, name), "a 601-character glob matches its 600 a's");
        name[510] = 0;
        CHECK(!match_filter(item, name), "a 601-character glob needs all 600 a's, not 510");
        memset(item, 'b', 600);
        item[600] = 0;
        CHECK(!match_filter(item, name) && match_filter(item, item),
              "a 600-character item matches itself whole");
    }
    CHECK(!match_filter("timer/read/monotonic", "timer/read/monotonic_raw"), "not a prefix");
    CHECK(!match_filter("cpu", "exit/cpuid/leaf:0x0"), "part of a component");
    CHECK(match_filter("*/monotonic*", "timer/read/monotonic_raw"), "glob for prefixes");
    CHECK(!match_filter("timer/*,-*coarse", "timer/read/monotonic_coarse"), "exclusion");
    CHECK(match_filter("timer/*,-*coarse", "timer/read/monotonic"), "kept");
    CHECK(match_filter("-exit/*", "timer/read/x") && !match_filter("-exit/*", "exit/x"),
          "exclusion only");
    CHECK(match_filter("nomatch,exit", "exit/vmcall"), "second pattern");
}

static int fn_seen;
static int opt_fn(const char *arg, void *dest)
{
    (void)dest;
    fn_seen = strcmp(arg, "v") == 0;
    return 0;
}

static void test_opt(void)
{
    int flag = 0, num = 0;
    const char *str = NULL;
    double dur = 0;
    uint64_t size = 0;
    struct opt_list list = {0};
    const struct opt opts[] = {
        {"flag", 'x', OPT_FLAG, &flag, NULL, "a flag"},
        {"num", 'n', OPT_INT, &num, "N", "a number"},
        {"str", 0, OPT_STR, &str, "S", "a string"},
        {"time", 't', OPT_DURATION, &dur, "T", "a duration"},
        {"size", 0, OPT_SIZE, &size, "B", "a size"},
        {"list", 'l', OPT_LIST, &list, "L", "a list", NULL, 1},
        {"fn", 0, OPT_FUNC, NULL, "F", "custom", opt_fn},
        {NULL},
    };
    const struct cmd_help help = {"test", "[OPTIONS] ARG", "summary", "  test --flag", NULL};
    char *argv1[] = {"test", "-x",  "--num=5",  "pos1", "--str", "s",  "-t250ms", "--size", "4k",
                     "-l",   "a,b", "--list=c", "--fn", "v",     "--", "--pos2",  NULL};
    const char *pos[4];
    int npos, r;
    FILE *f;
    char buf[4096];
    size_t n;

    r = opt_parse(opts, &help, 16, argv1, pos, 4, &npos);
    CHECK(r == 0, "parse returned %d", r);
    CHECK(flag == 1 && num == 5 && str && strcmp(str, "s") == 0, "values");
    CHECK(dur == 250e6 && size == 4096, "units %g %llu", dur, (unsigned long long)size);
    CHECK(list.n == 3 && strcmp(list.v[2], "c") == 0, "list %d", list.n);
    CHECK(fn_seen, "custom function");
    CHECK(npos == 2 && strcmp(pos[0], "pos1") == 0 && strcmp(pos[1], "--pos2") == 0, "positionals");
    opt_list_free(&list);

    {
        char *bad1[] = {"test", "--nope", NULL};
        char *bad2[] = {"test", "--num", NULL};
        char *bad3[] = {"test", "--time", "fast", NULL};
        char *bad4[] = {"test", "--flag=1", NULL};
        char *bad5[] = {"test", "a", "b", NULL};
        char *bad6[] = {"test", "--num", "5x", NULL};
        CHECK(opt_parse(opts, &help, 2, bad1, pos, 4, &npos) == -EINVAL, "unknown option");
        CHECK(opt_parse(opts, &help, 2, bad2, pos, 4, &npos) == -EINVAL, "missing value");
        CHECK(opt_parse(opts, &help, 3, bad3, pos, 4, &npos) == -EINVAL, "bad duration");
        CHECK(opt_parse(opts, &help, 2, bad4, pos, 4, &npos) == -EINVAL, "flag with value");
        CHECK(opt_parse(opts, &help, 3, bad5, pos, 1, &npos) == -EINVAL, "too many args");
        CHECK(opt_parse(opts, &help, 3, bad6, pos, 4, &npos) == -EINVAL, "bad int");
    }
    f = tmpfile();
    opt_help(f, opts, &help);
    rewind(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    fclose(f);
    CHECK(strstr(buf, "USAGE\n  test [OPTIONS] ARG") != NULL, "help has USAGE");
    CHECK(strstr(buf, "EXAMPLES\n  test --flag") != NULL, "help has EXAMPLES");
    CHECK(strstr(buf, "-t, --time T") != NULL && strstr(buf, "--size B") != NULL,
          "help lists options");
}

int main(void)
{
    test_durations();
    test_sizes();
    test_counts_rates_pct();
    test_format();
    test_match();
    test_opt();
    return check_done("test_units");
}
