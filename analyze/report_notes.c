/*
 * The last sections of `analyze report` (cmd_report.c): noise and placement notes, and how
 * to reproduce. One more pass over the selected runs reads what the groups do not keep:
 * each run's context (the command that measured it, its tool version, its result-changing
 * options) and each row's info and counters (noisy repetitions and their steal, a run
 * stopped early, the CPU placement and migrations of network rows); the distinct modes of
 * repetitions come from an_rep_modes over the groups.
 */
#include "match.h"
#include "report_page.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NOTES 80
#define MAX_RUNS  60

/* ---- notes and reproduction: one more pass over the runs, for contexts and row info ---- */

struct runs_pass {
    char **runs;  /* one HTML-ready line each: fields separated by \x1f */
    char **notes; /* run \x1f benchmark \x1f note */
    int nruns, nnotes, more_runs, more_notes;
};

static int push(char ***v, int *n, int max, int *more, const char *s)
{
    char **nv;
    if (*n >= max) {
        (*more)++;
        return 0;
    }
    if (!(nv = realloc(*v, sizeof(char *) * (size_t)(*n + 1))) || !(nv[*n] = strdup(s))) {
        if (nv)
            *v = nv;
        return -1;
    }
    *v = nv;
    (*n)++;
    return 0;
}

static int on_run(const struct store_run_info *ri, struct vb_run *run, struct an_rowhists *h,
                  void *arg)
{
    struct runs_pass *rp = arg;
    const json_t *cl = json_object_get(run->context, "command_line");
    char line[4096], opts[512], cmd[2048] = "";
    size_t i;
    (void)h;

    for (i = 0; json_is_array(cl) && i < json_array_size(cl); i++) {
        const char *w = json_string_value(json_array_get(cl, i));
        size_t l = strlen(cmd);
        int plain = w &&
                    w[strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789_./:=,@%+-")] == 0 &&
                    *w;
        snprintf(cmd + l, sizeof(cmd) - l, plain ? "%s%s" : "%s'%s'", i ? " " : "", w ? w : "");
    }
    an_options_sig(run->context, opts, sizeof(opts));
    {
        /* a run directory has no store description: its context says the tool and host */
        const json_t *tool = json_object_get(run->context, "tool");
        const char *tn = ri->tool[0] ? ri->tool : json_string_value(json_object_get(tool, "name"));
        const char *tv = ri->tool_version[0] ? ri->tool_version
                                             : json_string_value(json_object_get(tool, "version"));
        const char *host =
            ri->host[0] ? ri->host : json_string_value(json_object_get(run->context, "host_name"));
        snprintf(line, sizeof(line), "%s\x1f%s\x1f%s\x1f%s %s\x1f%s\x1f%s%s", ri->run_id, ri->start,
                 host ? host : "", tn ? tn : "", tv ? tv : "", opts[0] ? opts : "-",
                 cmd[0] && strncmp(cmd, "viobench", 8) && tn && strcmp(tn, "viobench") == 0
                     ? "viobench "
                     : "",
                 cmd[0] ? cmd : "-");
    }
    if (push(&rp->runs, &rp->nruns, MAX_RUNS, &rp->more_runs, line))
        return -1;
    /* one note per benchmark of the run, over all its repetitions (they are interleaved) */
    for (i = 0; i < run->nrows; i++) {
        const struct vb_row *w = &run->rows[i], *first = NULL;
        int reps = 0, noisy = 0, incomplete = 0, seen = 0;
        long long mig = 0;
        double steal = 0;
        char note[1024] = "";
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(run->rows[k].run_name, w->run_name) == 0;
        if (seen)
            continue;
        for (size_t j = i; j < run->nrows; j++) {
            const struct vb_row *x = &run->rows[j];
            const json_t *m;
            if (x->run_type != VB_ITERATION || strcmp(x->run_name, w->run_name))
                continue;
            reps++;
            if (!first)
                first = x;
            if (vb_row_counter(x, "noisy") > 0) {
                noisy++;
                steal = fmax(steal, vb_row_counter(x, "steal_pct"));
            }
            incomplete |= json_is_true(json_object_get(x->info, "incomplete"));
            if (json_is_integer(m = json_object_get(x->info, "client_migrations")))
                mig += json_integer_value(m);
        }
        if (noisy)
            snprintf(note, sizeof(note), "%d of %d repetitions noisy (steal up to %.1f%%)", noisy,
                     reps, steal);
        if (incomplete)
            snprintf(note + strlen(note), sizeof(note) - strlen(note),
                     "%sincomplete: stopped before all its repetitions", note[0] ? "; " : "");
        if (first && json_is_string(json_object_get(first->info, "placement"))) {
            char *cpus = json_dumps(json_object_get(first->info, "client_cpus"), JSON_ENCODE_ANY);
            snprintf(note + strlen(note), sizeof(note) - strlen(note),
                     "%splacement %s, client CPUs %s (first repetition), %lld client migrations "
                     "over %d repetitions",
                     note[0] ? "; " : "",
                     json_string_value(json_object_get(first->info, "placement")),
                     cpus ? cpus : "?", mig, reps);
            free(cpus);
        }
        if (note[0]) {
            snprintf(line, sizeof(line), "%s\x1f%s\x1f%s", ri->run_id, w->run_name, note);
            if (push(&rp->notes, &rp->nnotes, MAX_NOTES, &rp->more_notes, line))
                return -1;
        }
    }
    return 0;
}

/* Cells of a \x1f-separated line as <td>s. */
static void cells(FILE *f, const char *s)
{
    while (1) {
        size_t n = strcspn(s, "\x1f");
        char buf[2048];
        snprintf(buf, sizeof(buf), "%.*s", (int)n, s);
        fputs("<td>", f);
        an_xml_text(f, buf);
        fputs("</td>", f);
        if (!s[n])
            break;
        s += n + 1;
    }
}

int rp_notes_and_runs(struct rp *r, int argc, char **argv)
{
    struct runs_pass rp = {0};
    char msg[256], buf[256];
    int ret = -1, modes = 0;

    rp_section(r->f, "notes", "Noise and placement notes");
    if (an_each_input(r->c, r->words, r->nwords, r->since, r->until, 0, on_run, &rp))
        goto out;
    fputs("<ul>\n", r->f);
    for (int i = 0; i < r->g->n; i++)
        for (size_t k = 0; k < r->g->g[i].set.n; k++) {
            const struct an_bench *b = &r->g->g[i].set.b[k];
            double v[256];
            int m = b->hist ? AM_P50 : AM_REAL, nv = an_bench_reps(b, m, v, 256);
            char label[1024];
            if ((r->filter && !match_filter(r->filter, b->name)) ||
                !an_rep_modes(v, nv, m, msg, sizeof(msg)))
                continue;
            fputs("<li>", r->f);
            an_xml_text(r->f, rp_group_label(r, &r->g->g[i], label, sizeof(label)));
            fputs(": ", r->f);
            an_xml_text(r->f, b->name);
            fputs(": ", r->f);
            an_xml_text(r->f, msg);
            fputs("</li>\n", r->f);
            modes++;
        }
    fputs("</ul>\n", r->f);
    if (!modes)
        rp_empty(r->f, "No benchmark's repetitions fall into distinct modes.");
    if (rp.nnotes) {
        fputs("<table><tr><th>run</th><th>benchmark</th><th>note</th></tr>\n", r->f);
        for (int i = 0; i < rp.nnotes; i++) {
            fputs("<tr>", r->f);
            cells(r->f, rp.notes[i]);
            fputs("</tr>\n", r->f);
        }
        fputs("</table>\n", r->f);
        if (rp.more_notes)
            fprintf(r->f, "<p class=\"empty\">%d more notes not shown.</p>\n", rp.more_notes);
    } else {
        rp_empty(r->f, "No row was flagged noisy or incomplete, and none records a CPU "
                       "placement.");
    }
    rp_section(r->f, "reproduce", "How to reproduce");
    fputs("<p>This page:</p>\n<pre>", r->f);
    for (int i = 0; i < argc; i++) {
        int plain = argv[i][strspn(argv[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789_./:=,@%+-")] == 0 &&
                    argv[i][0];
        fputs(i ? " " : "viobench analyze ", r->f);
        if (!plain)
            fputs("'", r->f);
        an_xml_text(r->f, argv[i]);
        if (!plain)
            fputs("'", r->f);
    }
    fprintf(r->f,
            "</pre>\n<p>Written by viobench %s (git %s). The runs, with the command that "
            "measured each and its result-changing options:</p>\n",
            VB_VERSION, VB_GITREV);
    fputs("<table><tr><th>run</th><th>start</th><th>host</th><th>tool</th><th>options</th>"
          "<th>command</th></tr>\n",
          r->f);
    for (int i = 0; i < rp.nruns; i++) {
        fputs("<tr>", r->f);
        cells(r->f, rp.runs[i]);
        fputs("</tr>\n", r->f);
    }
    fputs("</table>\n", r->f);
    if (rp.more_runs)
        fprintf(r->f, "<p class=\"empty\">%d more runs not listed.</p>\n", rp.more_runs);
    snprintf(buf, sizeof(buf), "Statistics: %s; see docs/verdicts.md.", AN_AGGREGATION);
    rp_empty(r->f, buf);
    ret = 0;
out:
    for (int i = 0; i < rp.nruns; i++)
        free(rp.runs[i]);
    for (int i = 0; i < rp.nnotes; i++)
        free(rp.notes[i]);
    free(rp.runs);
    free(rp.notes);
    return ret;
}
