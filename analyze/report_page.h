/*
 * The pieces of `analyze report` (cmd_report.c) shared with its figure sections
 * (report_figs.c): the page's inputs, options and counters, and the helpers both use.
 * Nothing outside the report includes this.
 */
#ifndef VB_ANALYZE_REPORT_PAGE_H
#define VB_ANALYZE_REPORT_PAGE_H

#include "analyze.h"
#include "svg.h"

/* Plots per section at most (the rest is said). */
#define RP_MAX_FIGS 12

struct rp {
    struct an_ctx *c;
    const char *const *words; /* selector words and inputs */
    int nwords;
    const char *since, *until, *filter, *by, *gkeys;
    double budget; /* capacity p99 budget in ns, NAN none */
    struct an_groups *g;
    FILE *f; /* the page body */
    long nchange_points;
};

/* Call fn(arg) with stderr captured: returns fn's result, the first message it printed
   (without the program prefix) in msg ("" none). */
int rp_quiet(int (*fn)(void *), void *arg, char *msg, size_t len);
/* The group's label for people: "-g" key=value pairs, or the pairing identity. */
const char *rp_group_label(const struct rp *r, const struct an_group *g, char *buf, size_t len);
/* <h2> with an id, and a short paragraph saying the section has nothing to show. */
void rp_section(FILE *f, const char *id, const char *title);
void rp_empty(FILE *f, const char *why);

/* The figure sections (report_figs.c). Each writes its heading and content, or says why it
   has none. 0, or -1 on ENOMEM. */
int rp_trends(struct rp *r);
int rp_percentiles(struct rp *r);
int rp_capacity(struct rp *r);
/* Noise and placement notes, and how to reproduce (report_notes.c); argv: this command. */
int rp_notes_and_runs(struct rp *r, int argc, char **argv);

#endif
