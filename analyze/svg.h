/*
 * Line plots as inline SVG, written by our own code so that `analyze report` is one
 * self-contained page (no script, no font, no external file). A plot has series of
 * (x, y) points, optional log axes, axis values in units chosen per tick (ns, µs, ms, s for
 * latencies; k, M for rates), the legend outside the data (right of it), vertical marks
 * (change points), horizontal marks (budgets) and labelled points (the knee). Every text is
 * XML-escaped. See svg.c.
 */
#ifndef VB_ANALYZE_SVG_H
#define VB_ANALYZE_SVG_H

#include <stdio.h>

/* How the values of an axis are shown. */
enum an_svg_axis {
    AN_AX_PLAIN, /* numbers */
    AN_AX_NS,    /* durations in ns, labelled "812 ns", "12 µs", "4 ms" */
    AN_AX_RATE,  /* per second, labelled "500/s", "12k/s", "1.5M/s" */
    AN_AX_NINES, /* x = -log10(1 - p/100), labelled 50%, 90%, 99%, 99.9% ... */
    AN_AX_CATS   /* x = 0, 1, 2 ...: category labels given with an_svg_cats */
};

struct an_svg;

/* A new plot; title may be long (it is wrapped). NULL on ENOMEM. */
struct an_svg *an_svg_new(const char *title, const char *xlabel, const char *ylabel);
void an_svg_free(struct an_svg *p);
/* Axis kinds and log scales (a log axis drops values <= 0). */
void an_svg_axes(struct an_svg *p, enum an_svg_axis x, int logx, enum an_svg_axis y, int logy);
/* Category labels of an AN_AX_CATS x axis (copied). 0 or -ENOMEM. */
int an_svg_cats(struct an_svg *p, const char *const *labels, int n);
/* Add a series of n points (copied; NAN y breaks the line); its index or -ENOMEM. */
int an_svg_series(struct an_svg *p, const char *label, const double *x, const double *y, int n);
/* A dashed vertical line at x in the colour of series s (-1: red) with a short label. */
int an_svg_vline(struct an_svg *p, double x, int s, const char *label);
/* A dotted horizontal line at y (a budget) with a label. */
int an_svg_hline(struct an_svg *p, double y, const char *label);
/* A ringed point at (x, y) in the colour of series s with a label (the knee). */
int an_svg_mark(struct an_svg *p, double x, double y, int s, const char *label);
/* Write <svg> of width x height pixels (the data area leaves room for the legend on the
   right); an empty plot says "no data". 0 or -EIO. */
int an_svg_write(const struct an_svg *p, FILE *f, int width, int height);
/* Write s XML/HTML-escaped (& < > " '). */
void an_xml_text(FILE *f, const char *s);
/* A value for people with its unit chosen per value: "130 ns", "12.5 µs", "1.2M/s". */
const char *an_svg_fmt(enum an_svg_axis kind, double v, char *buf, size_t len);

#endif
