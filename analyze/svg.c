/*
 * Line plots as inline SVG (svg.h) for `analyze report`: one page that a colleague opens
 * without anything else, so the pictures cannot come from gnuplot files beside it. The
 * layout is fixed and plain: wrapped title on top, data area, legend to its right (never
 * over the data), tick labels in units chosen per value, log axes that place ticks at
 * 1-2-5 steps when a decade is too coarse. Only what the report draws is here.
 */
#include "svg.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ser {
    char *label;
    int n;
    double *x, *y;
};
enum { MK_V, MK_H, MK_P };
struct mark {
    int kind, s;
    double x, y;
    char *label;
};
struct an_svg {
    char *title, *xlabel, *ylabel;
    enum an_svg_axis kx, ky;
    int logx, logy;
    char **cats;
    int ncats;
    struct ser *s;
    int ns;
    struct mark *m;
    int nm;
};

static const char *const colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                      "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};
#define NCOLOURS (int)(sizeof(colours) / sizeof(colours[0]))

static char *dup_s(const char *s)
{
    return strdup(s ? s : "");
}

struct an_svg *an_svg_new(const char *title, const char *xlabel, const char *ylabel)
{
    struct an_svg *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->title = dup_s(title);
    p->xlabel = dup_s(xlabel);
    p->ylabel = dup_s(ylabel);
    if (!p->title || !p->xlabel || !p->ylabel) {
        an_svg_free(p);
        return NULL;
    }
    return p;
}

void an_svg_free(struct an_svg *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->ns; i++) {
        free(p->s[i].label);
        free(p->s[i].x);
        free(p->s[i].y);
    }
    for (int i = 0; i < p->nm; i++)
        free(p->m[i].label);
    for (int i = 0; i < p->ncats; i++)
        free(p->cats[i]);
    free(p->cats);
    free(p->s);
    free(p->m);
    free(p->title);
    free(p->xlabel);
    free(p->ylabel);
    free(p);
}

void an_svg_axes(struct an_svg *p, enum an_svg_axis x, int logx, enum an_svg_axis y, int logy)
{
    p->kx = x;
    p->ky = y;
    p->logx = logx && x != AN_AX_NINES && x != AN_AX_CATS;
    p->logy = logy;
}

int an_svg_cats(struct an_svg *p, const char *const *labels, int n)
{
    if (!(p->cats = calloc((size_t)n + 1, sizeof(char *))))
        return -ENOMEM;
    for (int i = 0; i < n; i++)
        if (!(p->cats[p->ncats++] = dup_s(labels[i])))
            return -ENOMEM;
    return 0;
}

int an_svg_series(struct an_svg *p, const char *label, const double *x, const double *y, int n)
{
    struct ser *ns = realloc(p->s, sizeof(*ns) * (size_t)(p->ns + 1)), *s;
    if (!ns)
        return -ENOMEM;
    p->s = ns;
    s = &p->s[p->ns];
    memset(s, 0, sizeof(*s));
    s->label = dup_s(label);
    s->x = malloc(sizeof(double) * (size_t)(n ? n : 1));
    s->y = malloc(sizeof(double) * (size_t)(n ? n : 1));
    if (!s->label || !s->x || !s->y) {
        free(s->label);
        free(s->x);
        free(s->y);
        return -ENOMEM;
    }
    memcpy(s->x, x, sizeof(double) * (size_t)n);
    memcpy(s->y, y, sizeof(double) * (size_t)n);
    s->n = n;
    return p->ns++;
}

static int add_mark(struct an_svg *p, int kind, double x, double y, int s, const char *label)
{
    struct mark *nm = realloc(p->m, sizeof(*nm) * (size_t)(p->nm + 1));
    if (!nm)
        return -ENOMEM;
    p->m = nm;
    p->m[p->nm] = (struct mark){.kind = kind, .s = s, .x = x, .y = y, .label = dup_s(label)};
    if (!p->m[p->nm].label)
        return -ENOMEM;
    p->nm++;
    return 0;
}

int an_svg_vline(struct an_svg *p, double x, int s, const char *label)
{
    return add_mark(p, MK_V, x, NAN, s, label);
}

int an_svg_hline(struct an_svg *p, double y, const char *label)
{
    return add_mark(p, MK_H, NAN, y, -1, label);
}

int an_svg_mark(struct an_svg *p, double x, double y, int s, const char *label)
{
    return add_mark(p, MK_P, x, y, s, label);
}

void an_xml_text(FILE *f, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
                fputc(*s, f);
        }
}

const char *an_svg_fmt(enum an_svg_axis kind, double v, char *buf, size_t len)
{
    double a = fabs(v);
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else if (kind == AN_AX_NS)
        snprintf(buf, len,
                 a < 1e3   ? "%.3g ns"
                 : a < 1e6 ? "%.3g \xc2\xb5s"
                 : a < 1e9 ? "%.3g ms"
                           : "%.3g s",
                 a < 1e3   ? v
                 : a < 1e6 ? v / 1e3
                 : a < 1e9 ? v / 1e6
                           : v / 1e9);
    else if (kind == AN_AX_RATE)
        snprintf(buf, len,
                 a < 1e3   ? "%.3g/s"
                 : a < 1e6 ? "%.3gk/s"
                 : a < 1e9 ? "%.3gM/s"
                           : "%.3gG/s",
                 a < 1e3   ? v
                 : a < 1e6 ? v / 1e3
                 : a < 1e9 ? v / 1e6
                           : v / 1e9);
    else if (kind == AN_AX_NINES)
        snprintf(buf, len, "%.10g%%", 100 - 100 * pow(10, -v));
    else
        snprintf(buf, len, "%.4g", v);
    return buf;
}

/* ---- axes ---- */

struct axis {
    enum an_svg_axis kind;
    int log;
    double lo, hi; /* in plot space (log10 for log axes) */
    int nt;
    double t[64]; /* tick positions in plot space */
};

static int usable(int logscale, double v)
{
    return isfinite(v) && (!logscale || v > 0);
}

static double to_space(const struct axis *a, double v)
{
    return a->log ? log10(v) : v;
}

static void linear_ticks(struct axis *a)
{
    double span = a->hi - a->lo, raw = span / 6, mag = pow(10, floor(log10(raw))), step;
    step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
    a->lo = floor(a->lo / step) * step;
    a->hi = ceil(a->hi / step) * step;
    a->nt = 0;
    for (double t = a->lo; t <= a->hi + step / 2 && a->nt < 64; t += step)
        a->t[a->nt++] = fabs(t) < step * 1e-9 ? 0 : t;
}

static void log_ticks(struct axis *a)
{
    static const double m1[] = {1}, m3[] = {1, 2, 5}, m9[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    double span = a->hi - a->lo;
    const double *m = span > 3 ? m1 : span > 0.8 ? m3 : m9;
    int nm = span > 3 ? 1 : span > 0.8 ? 3 : 9;

    a->nt = 0;
    for (int d = (int)floor(a->lo); d <= (int)ceil(a->hi) && a->nt < 64; d++)
        for (int i = 0; i < nm && a->nt < 64; i++) {
            double t = d + log10(m[i]);
            if (t >= a->lo - 1e-9 && t <= a->hi + 1e-9)
                a->t[a->nt++] = t;
        }
    if (a->nt < 4) { /* a narrow range: ticks at round linear values instead */
        struct axis l = *a;
        l.lo = pow(10, a->lo);
        l.hi = pow(10, a->hi);
        linear_ticks(&l);
        a->nt = 0;
        for (int i = 0; i < l.nt; i++)
            if (l.t[i] > 0 && log10(l.t[i]) >= a->lo - 1e-9 && log10(l.t[i]) <= a->hi + 1e-9)
                a->t[a->nt++] = log10(l.t[i]);
    }
}

/* Range and ticks of an axis over the values (plot space). */
static void make_axis(struct axis *a, double mn, double mx, int ncats)
{
    if (a->kind == AN_AX_CATS) {
        int step = ncats > 15 ? (ncats + 14) / 15 : 1;
        a->lo = -0.5;
        a->hi = (ncats > 0 ? ncats : 1) - 0.5;
        a->nt = 0;
        for (int i = 0; i < ncats && a->nt < 64; i += step)
            a->t[a->nt++] = i;
        return;
    }
    if (a->kind == AN_AX_NINES) {
        a->lo = 0;
        a->hi = fmax(1, ceil(mx - 1e-9));
        a->nt = 0;
        a->t[a->nt++] = log10(2);
        for (int k = 1; k <= (int)a->hi && a->nt < 64; k++)
            a->t[a->nt++] = k;
        return;
    }
    if (!(mx >= mn)) {
        mn = a->log ? 1 : 0;
        mx = a->log ? 10 : 1;
    }
    if (a->log) {
        double l0 = log10(mn), l1 = log10(mx), pad = fmax(0.2, l1 - l0) * 0.06;
        if (l1 - l0 < 0.2) {
            double c = (l0 + l1) / 2;
            l0 = c - 0.1;
            l1 = c + 0.1;
        }
        a->lo = l0 - pad;
        a->hi = l1 + pad;
        log_ticks(a);
    } else {
        if (mx - mn < fabs(mx) * 1e-6 + 1e-12) {
            mn -= fabs(mn) * 0.1 + 0.5;
            mx += fabs(mx) * 0.1 + 0.5;
        }
        a->lo = mn;
        a->hi = mx;
        linear_ticks(a);
    }
}

/* ---- drawing ---- */

struct frame {
    double x0, x1, y0, y1; /* data area in pixels */
    struct axis ax, ay;
};

static double px(const struct frame *fr, double x)
{
    return fr->x0 +
           (to_space(&fr->ax, x) - fr->ax.lo) / (fr->ax.hi - fr->ax.lo) * (fr->x1 - fr->x0);
}

static double py(const struct frame *fr, double y)
{
    return fr->y1 -
           (to_space(&fr->ay, y) - fr->ay.lo) / (fr->ay.hi - fr->ay.lo) * (fr->y1 - fr->y0);
}

/* A text element; anchor start|middle|end, rot degrees (0 none); escaped. */
static void text_at(FILE *f, double x, double y, const char *anchor, int size, double rot,
                    const char *fill, const char *s)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\"", x, y, anchor,
            size);
    if (rot != 0)
        fprintf(f, " transform=\"rotate(%.0f %.1f %.1f)\"", rot, x, y);
    if (fill)
        fprintf(f, " fill=\"%s\"", fill);
    fputs(">", f);
    an_xml_text(f, s);
    fputs("</text>\n", f);
}

/* Lines of at most width characters, broken at blanks; returns how many (max 4). */
static int wrap(const char *s, int width, char lines[4][256])
{
    int n = 0;
    while (*s && n < 4) {
        int len = (int)strlen(s), cut = len;
        if (len > width) {
            cut = width;
            while (cut > width / 2 && s[cut] != ' ')
                cut--;
            if (s[cut] != ' ')
                cut = width;
        }
        if (cut > 255)
            cut = 255;
        snprintf(lines[n++], 256, "%.*s", cut, s);
        s += cut;
        while (*s == ' ')
            s++;
    }
    return n;
}

/* Text shortened to max characters (UTF-8 safe) with an ellipsis. */
static const char *shorten(const char *s, int max, char *buf, size_t len)
{
    int n = 0;
    size_t i = 0;
    for (; s[i] && n < max; i++)
        n += ((unsigned char)s[i] & 0xc0) != 0x80;
    if (!s[i] || n < max) {
        snprintf(buf, len, "%s", s);
        return buf;
    }
    while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
        i--;
    snprintf(buf, len, "%.*s\xe2\x80\xa6", (int)(i > 1 ? i - 1 : i), s);
    return buf;
}

static void data_range(const struct an_svg *p, struct frame *fr, double *x0, double *x1, double *y0,
                       double *y1)
{
    *x0 = *y0 = INFINITY;
    *x1 = *y1 = -INFINITY;
    for (int i = 0; i < p->ns; i++)
        for (int k = 0; k < p->s[i].n; k++) {
            double x = p->s[i].x[k], y = p->s[i].y[k];
            if (!usable(fr->ax.log, x) || !usable(fr->ay.log, y))
                continue;
            *x0 = fmin(*x0, x);
            *x1 = fmax(*x1, x);
            *y0 = fmin(*y0, y);
            *y1 = fmax(*y1, y);
        }
    for (int i = 0; i < p->nm; i++) {
        if (p->m[i].kind != MK_V && usable(fr->ay.log, p->m[i].y)) {
            *y0 = fmin(*y0, p->m[i].y);
            *y1 = fmax(*y1, p->m[i].y);
        }
        if (p->m[i].kind != MK_H && usable(fr->ax.log, p->m[i].x)) {
            *x0 = fmin(*x0, p->m[i].x);
            *x1 = fmax(*x1, p->m[i].x);
        }
    }
}

static void draw_legend(const struct an_svg *p, FILE *f, double x, double y, double w, double ymax)
{
    char buf[512];
    int maxc = (int)((w - 34) / 6.6), shown = 0;

    for (int i = 0; i < p->ns; i++, shown++) {
        const char *c = colours[i % NCOLOURS];
        if (y + 18 > ymax && i < p->ns - 1) {
            snprintf(buf, sizeof(buf), "… and %d more", p->ns - i);
            text_at(f, x, y + 4, "start", 11, 0, "#555", buf);
            return;
        }
        fputs("<g><title>", f);
        an_xml_text(f, p->s[i].label);
        fprintf(f,
                "</title><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"%s\" stroke-width=\"2.5\"/>\n",
                x, y, x + 22, y, c);
        {
            char two[4][256];
            int nl = wrap(p->s[i].label, maxc, two);
            text_at(f, x + 28, y + 4, "start", 11, 0, NULL, nl ? two[0] : "");
            if (nl > 1) {
                const char *rest = p->s[i].label + strlen(two[0]);
                while (*rest == ' ')
                    rest++;
                y += 13;
                text_at(f, x + 28, y + 4, "start", 11, 0, NULL,
                        shorten(rest, maxc, buf, sizeof(buf)));
            }
        }
        fputs("</g>\n", f);
        y += 17;
    }
    for (int i = 0; i < p->nm; i++) {
        const struct mark *m = &p->m[i];
        const char *c = m->s >= 0 ? colours[m->s % NCOLOURS] : "#cc0000";
        if (!m->label[0] || y + 18 > ymax)
            continue;
        if (m->kind == MK_P)
            fprintf(f,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"none\" stroke=\"%s\" "
                    "stroke-width=\"2\"/>\n",
                    x + 11, y, c);
        else
            fprintf(f,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-width=\"2\" stroke-dasharray=\"%s\"/>\n",
                    x, y, x + 22, y, c, m->kind == MK_V ? "6 4" : "2 3");
        text_at(f, x + 28, y + 4, "start", 11, 0, NULL, shorten(m->label, maxc, buf, sizeof(buf)));
        y += 17;
    }
}

int an_svg_write(const struct an_svg *p, FILE *f, int width, int height)
{
    char lines[4][256], buf[128];
    struct frame fr = {0};
    double mnx, mxx, mny, mxy, lw = fmin(330, width * 0.3);
    int nl = wrap(p->title, (int)((width - 20) / 7.6), lines), empty;

    fr.ax.kind = p->kx;
    fr.ax.log = p->logx;
    fr.ay.kind = p->ky;
    fr.ay.log = p->logy;
    data_range(p, &fr, &mnx, &mxx, &mny, &mxy);
    empty = !(mxx >= mnx);
    make_axis(&fr.ax, mnx, mxx, p->ncats);
    make_axis(&fr.ay, mny, mxy, 0);
    fr.x0 = 78;
    fr.x1 = width - lw - 16;
    fr.y0 = 14 + 17 * nl;
    fr.y1 = height - (p->kx == AN_AX_CATS ? 92 : 46);
    fprintf(f,
            "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 "
            "%d %d\" font-family=\"sans-serif\" role=\"img\">\n<title>",
            width, height, width, height);
    an_xml_text(f, p->title);
    fputs("</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n", f);
    for (int i = 0; i < nl; i++)
        text_at(f, width / 2.0, 18 + 17 * i, "middle", 14, 0, "#222", lines[i]);
    /* grid and ticks */
    for (int i = 0; i < fr.ay.nt; i++) {
        double y = fr.y1 - (fr.ay.t[i] - fr.ay.lo) / (fr.ay.hi - fr.ay.lo) * (fr.y1 - fr.y0);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>\n",
                fr.x0, y, fr.x1, y);
        an_svg_fmt(fr.ay.kind, fr.ay.log ? pow(10, fr.ay.t[i]) : fr.ay.t[i], buf, sizeof(buf));
        text_at(f, fr.x0 - 6, y + 4, "end", 11, 0, "#333", buf);
    }
    for (int i = 0; i < fr.ax.nt; i++) {
        double x = fr.x0 + (fr.ax.t[i] - fr.ax.lo) / (fr.ax.hi - fr.ax.lo) * (fr.x1 - fr.x0);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>\n",
                x, fr.y0, x, fr.y1);
        if (fr.ax.kind == AN_AX_CATS) {
            int k = (int)fr.ax.t[i];
            text_at(f, x, fr.y1 + 14, "end", 10, -35, "#333",
                    shorten(k < p->ncats ? p->cats[k] : "", 22, buf, sizeof(buf)));
        } else {
            an_svg_fmt(fr.ax.kind, fr.ax.log ? pow(10, fr.ax.t[i]) : fr.ax.t[i], buf, sizeof(buf));
            text_at(f, x, fr.y1 + 16, "middle", 11, 0, "#333", buf);
        }
    }
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
            "stroke=\"#888\"/>\n",
            fr.x0, fr.y0, fr.x1 - fr.x0, fr.y1 - fr.y0);
    text_at(f, (fr.x0 + fr.x1) / 2, height - 8, "middle", 12, 0, "#222", p->xlabel);
    text_at(f, 14, (fr.y0 + fr.y1) / 2, "middle", 12, -90, "#222", p->ylabel);
    if (empty)
        text_at(f, (fr.x0 + fr.x1) / 2, (fr.y0 + fr.y1) / 2, "middle", 14, 0, "#888", "no data");
    /* marks under the lines */
    for (int i = 0; i < p->nm; i++) {
        const struct mark *m = &p->m[i];
        const char *c = m->s >= 0 ? colours[m->s % NCOLOURS] : "#cc0000";
        if (m->kind == MK_V && usable(fr.ax.log, m->x)) {
            double x = px(&fr, m->x);
            fprintf(f,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
                    x, fr.y0, x, fr.y1, c);
        } else if (m->kind == MK_H && usable(fr.ay.log, m->y)) {
            double y = py(&fr, m->y);
            fprintf(f,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-width=\"2\" stroke-dasharray=\"2 3\"/>\n",
                    fr.x0, y, fr.x1, y, c);
        }
    }
    for (int i = 0; i < p->ns; i++) {
        const struct ser *s = &p->s[i];
        const char *c = colours[i % NCOLOURS];
        int pen = 0;
        fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"", c);
        for (int k = 0; k < s->n; k++) {
            if (!usable(fr.ax.log, s->x[k]) || !usable(fr.ay.log, s->y[k])) {
                pen = 0;
                continue;
            }
            fprintf(f, "%s%.1f %.1f ", pen ? "L" : "M", px(&fr, s->x[k]), py(&fr, s->y[k]));
            pen = 1;
        }
        fputs("\"/>\n", f);
        if (s->n <= 60)
            for (int k = 0; k < s->n; k++)
                if (usable(fr.ax.log, s->x[k]) && usable(fr.ay.log, s->y[k]))
                    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n",
                            px(&fr, s->x[k]), py(&fr, s->y[k]), c);
    }
    for (int i = 0; i < p->nm; i++) {
        const struct mark *m = &p->m[i];
        const char *c = m->s >= 0 ? colours[m->s % NCOLOURS] : "#cc0000";
        if (m->kind == MK_P && usable(fr.ax.log, m->x) && usable(fr.ay.log, m->y))
            fprintf(f,
                    "<circle class=\"knee\" cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" "
                    "stroke=\"%s\" stroke-width=\"2.5\"/>\n",
                    px(&fr, m->x), py(&fr, m->y), c);
    }
    draw_legend(p, f, fr.x1 + 18, fr.y0 + 8, lw, height - 10);
    fputs("</svg>\n", f);
    return ferror(f) ? -EIO : 0;
}
