/*
 * Plots through gnuplot (a runtime dependency): the analyzer writes the data (NAME.dat) and
 * a complete script (NAME.gp) into the output directory and runs `gnuplot NAME.gp` there,
 * so the picture (NAME.png or NAME.svg) has both beside it and a user can restyle and
 * re-run it by hand. Every plot has a title, axis labels with units and a legend.
 */
#include "analyze.h"
#include "log.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int an_have_gnuplot(void)
{
    const char *path = getenv("PATH");
    char buf[4096];

    if (!path)
        return 0;
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(buf, sizeof(buf), "%.*s/gnuplot", (int)n, n ? path : ".");
        if (access(buf, X_OK) == 0)
            return 1;
        path += n + (path[n] == ':');
    }
    return 0;
}

static int mkdirs(const char *dir)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", dir);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0755) && errno != EEXIST)
                return -errno;
            *p = '/';
        }
    if (mkdir(buf, 0755) && errno != EEXIST)
        return -errno;
    return 0;
}

FILE *an_plot_data(const char *cmd, const struct an_plot *p)
{
    char path[4096];
    FILE *f;
    int ret = mkdirs(p->dir);

    if (ret) {
        vb_err("%s: --out %s: %s", cmd, p->dir, strerror(-ret));
        return NULL;
    }
    snprintf(path, sizeof(path), "%s/%s.dat", p->dir, p->name);
    if (!(f = fopen(path, "w")))
        vb_err("%s: %s: %s", cmd, path, strerror(errno));
    return f;
}

/* A gnuplot string literal: double quotes and backslashes escaped, a line break written as
   \n (gnuplot breaks the line there), and a break added at a blank once a line is longer
   than wrap characters (0: never). */
static void gp_str_wrap(FILE *f, const char *s, int wrap)
{
    int col = 0;
    fputc('"', f);
    for (; *s; s++, col++) {
        if (*s == '\n' || (wrap && col >= wrap && *s == ' ')) {
            fputs("\\n", f);
            col = -1;
            continue;
        }
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void gp_str(FILE *f, const char *s)
{
    gp_str_wrap(f, s, 0);
}

/* Tick labels with the unit chosen per value (gnuplot's %s mantissa and %c SI prefix). */
static void gp_units(FILE *f, char axis, int unit, int logscale)
{
    static const char *const fmt[] = {NULL, " %cs", "%c/s", " %cB/s"};
    if (unit > AN_PU_PLAIN && unit <= AN_PU_BYTERATE)
        fprintf(f, "set format %c '%%.%ds%s'\n", axis, logscale || unit == AN_PU_RATE ? 0 : 1,
                fmt[unit]);
}

static int write_script(const char *cmd, const struct an_plot *p, const char *clause)
{
    char path[4096];
    FILE *f;
    int svg = strcmp(p->format, "svg") == 0;

    snprintf(path, sizeof(path), "%s/%s.gp", p->dir, p->name);
    if (!(f = fopen(path, "w"))) {
        vb_err("%s: %s: %s", cmd, path, strerror(errno));
        return -1;
    }
    fprintf(f,
            "# viobench plot: data in %s.dat. Restyle here and run `gnuplot %s.gp` in this "
            "directory.\n",
            p->name, p->name);
    if (svg)
        fprintf(f, "set terminal svg size 1400,700 dynamic enhanced font 'sans,12' background "
                   "'white'\n");
    else
        fprintf(f, "set terminal pngcairo size 1400,700 enhanced font 'sans,10'\n");
    fprintf(f, "set output '%s.%s'\nset title ", p->name, svg ? "svg" : "png");
    gp_str_wrap(f, p->title, 70);
    fprintf(f, " noenhanced\nset xlabel ");
    gp_str(f, p->xlabel);
    fprintf(f, " noenhanced\nset ylabel ");
    gp_str(f, p->ylabel);
    fprintf(f, " noenhanced\nset grid xtics ytics mxtics mytics lc rgb '#dddddd'\n"
               "# twelve distinct colours (a plot draws at most 12 lines)\n"
               "set linetype 1 lc rgb '#1f77b4'\nset linetype 2 lc rgb '#d62728'\n"
               "set linetype 3 lc rgb '#2ca02c'\nset linetype 4 lc rgb '#ff7f0e'\n"
               "set linetype 5 lc rgb '#9467bd'\nset linetype 6 lc rgb '#8c564b'\n"
               "set linetype 7 lc rgb '#e377c2'\nset linetype 8 lc rgb '#17becf'\n"
               "set linetype 9 lc rgb '#7f7f7f'\nset linetype 10 lc rgb '#bcbd22'\n"
               "set linetype 11 lc rgb '#000080'\nset linetype 12 lc rgb '#808000'\n"
               "# the legend right of the data, never over it\n"
               "set key outside right top vertical Left reverse box noenhanced width 2\n"
               "set border 3\nset tics nomirror\n");

    if (p->logx)
        fprintf(f, "set logscale x\n");
    if (p->logy)
        fprintf(f, "set logscale y\n");
    gp_units(f, 'x', p->xunit, p->logx);
    gp_units(f, 'y', p->yunit, p->logy);
    if (p->nines)
        fprintf(f,
                "# x = -log10(1 - percentile/100): each tick is one more nine\n"
                "# (tic labels are formats: %%%% prints one %%)\n"
                "set xtics ('50%%%%' 0.30103, '90%%%%' 1, '99%%%%' 2, '99.9%%%%' 3, "
                "'99.99%%%%' 4, '99.999%%%%' 5, '99.9999%%%%' 6)\nset xrange [0:%d]\n",
                (int)ceil(p->xmax > 1 ? p->xmax - 1e-9 : 1));
    if (p->extra)
        fprintf(f, "%s\n", p->extra);
    fprintf(f, "plot %s\n", clause);
    if (fclose(f)) {
        vb_err("%s: %s: write failed", cmd, path);
        return -1;
    }
    return 0;
}

int an_plot_render(const char *cmd, const struct an_plot *p, const char *clause)
{
    char gp[512], pic[4096], errpath[4096], line[512] = "";
    struct stat sb;
    pid_t pid;
    int status, fd;

    if (!an_have_gnuplot()) {
        vb_err("%s: gnuplot not found on PATH (install it: apt-get install gnuplot-nox)", cmd);
        return -1;
    }
    if (write_script(cmd, p, clause))
        return -1;
    snprintf(gp, sizeof(gp), "%s.gp", p->name);
    snprintf(errpath, sizeof(errpath), "%s/.%s.gnuplot-err", p->dir, p->name);
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        vb_err("%s: fork: %s", cmd, strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (chdir(p->dir))
            _exit(127);
        fd = open(strrchr(errpath, '/') + 1, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 2);
            dup2(fd, 1);
            close(fd);
        }
        execlp("gnuplot", "gnuplot", gp, (char *)NULL);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0) {
        vb_err("%s: waitpid: %s", cmd, strerror(errno));
        return -1;
    }
    {
        FILE *ef = fopen(errpath, "r");
        char l[512];
        while (ef && fgets(l, sizeof(l), ef))
            if (strstr(l, "rror") || strstr(l, "warning")) {
                snprintf(line, sizeof(line), "%s", l);
                line[strcspn(line, "\n")] = 0;
                if (strstr(l, "rror"))
                    break;
            }
        if (ef)
            fclose(ef);
        unlink(errpath);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        vb_err("%s: gnuplot failed on %s/%s%s%s", cmd, p->dir, gp, line[0] ? ": " : "", line);
        return -1;
    }
    snprintf(pic, sizeof(pic), "%s/%s.%s", p->dir, p->name, p->format);
    if (stat(pic, &sb) || sb.st_size == 0) {
        vb_err("%s: gnuplot wrote no picture %s", cmd, pic);
        return -1;
    }
    printf("plot: %s (data %s/%s.dat, script %s/%s.gp)\n", pic, p->dir, p->name, p->dir, p->name);
    return 0;
}
