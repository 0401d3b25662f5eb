/*
 * Where the network client and the run's own peer run, asked and observed. On loopback the
 * round trip depends 5-6x on whether the two share a CPU (a context switch on one CPU
 * against a cross-CPU wake-up, an IPI, which a guest pays as VM exits), so a run fixes the
 * placement (--placement; by default client and peer on two different CPUs when there are
 * two) and every row records it with the CPUs its threads were seen on during the window
 * and their migrations. The choice of CPUs uses hwloc for cores and NUMA nodes; what the
 * threads did comes from threads reports (lib/netproto.h): read from /proc for the client
 * and a peer the run started (measure/peer/linux/net_threads.c), asked of a remote
 * `viobench serve` over the protocol.
 */
#include "net_linux.h"
#include "platform.h"

#include <errno.h>
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The PUs hwloc sees (OS numbers), with their core and NUMA node. */
struct pu {
    int cpu, core, node;
};

static int list_pus(struct pu *out, int max)
{
    hwloc_topology_t t;
    int n = 0, npu;

    if (hwloc_topology_init(&t) || hwloc_topology_load(t)) {
        hwloc_topology_destroy(t);
        return -ENODEV;
    }
    npu = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
    for (int i = 0; i < npu && n < max; i++) {
        hwloc_obj_t pu = hwloc_get_obj_by_type(t, HWLOC_OBJ_PU, (unsigned)i);
        hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_CORE, pu);
        out[n].cpu = (int)pu->os_index;
        out[n].core = core ? (int)core->logical_index : i;
        out[n].node = pu->nodeset ? hwloc_bitmap_first(pu->nodeset) : 0;
        n++;
    }
    hwloc_topology_destroy(t);
    return n;
}

int netl_place_resolve(const struct vb_opts *o, struct netl_place *pl, char *why, size_t len)
{
    struct pu pus[1024];
    const char *mode = o->placement;
    int n, me = -1;

    memset(pl, 0, sizeof(*pl));
    pl->client_cpu = o->cpu;
    pl->peer_cpu = o->peer_cpu;
    if (o->peer) {
        snprintf(pl->mode, sizeof(pl->mode), "remote");
        return 0;
    }
    if (!mode)
        mode = o->peer_cpu >= 0 ? "explicit" : pf_ncpus() >= 2 ? "cross-cpu" : "scheduler";
    snprintf(pl->mode, sizeof(pl->mode), "%s", mode);
    if (strcmp(mode, "scheduler") == 0 || strcmp(mode, "explicit") == 0)
        return 0;
    n = list_pus(pus, (int)(sizeof(pus) / sizeof(pus[0])));
    if (n <= 0) {
        snprintf(why, len, "--placement %s: hwloc cannot read the topology", mode);
        return 1;
    }
    if (pl->client_cpu < 0)
        pl->client_cpu = pus[0].cpu;
    for (int i = 0; i < n; i++)
        if (pus[i].cpu == pl->client_cpu)
            me = i;
    if (me < 0) {
        snprintf(why, len, "--placement %s: CPU %d is not in the topology", mode, pl->client_cpu);
        return 1;
    }
    if (pl->peer_cpu >= 0)
        return 0; /* --peer-cpu chose */
    if (strcmp(mode, "same-cpu") == 0) {
        pl->peer_cpu = pl->client_cpu;
        return 0;
    }
    for (int k = 1; k < n; k++) {
        const struct pu *p = &pus[(me + k) % n];
        if ((strcmp(mode, "cross-cpu") == 0 && p->cpu != pl->client_cpu) ||
            (strcmp(mode, "cross-core") == 0 && p->core != pus[me].core) ||
            (strcmp(mode, "cross-numa") == 0 && p->node != pus[me].node)) {
            pl->peer_cpu = p->cpu;
            return 0;
        }
    }
    snprintf(why, len, "--placement %s: no CPU on another %s than CPU %d here", mode,
             strcmp(mode, "cross-numa") == 0   ? "NUMA node"
             : strcmp(mode, "cross-core") == 0 ? "core"
                                               : "CPU",
             pl->client_cpu);
    return 1;
}

/* Note a threads report (net_threads.c, or a remote peer's) at the window's start or end. */
static void note(struct netl_watch *w, const struct np_threads *r, int end)
{
    for (unsigned k = 0; k < r->n; k++) {
        const struct np_thread *t = &r->t[k];
        int i, cpu = t->cpu == NP_CPU_UNKNOWN ? -1 : (int)t->cpu;
        for (i = 0; i < w->n && w->t[i].tid != (int)t->tid; i++)
            ;
        if (i == w->n) {
            if (w->n == NETL_WATCH_MAX)
                continue;
            w->n++; /* a thread born in the window counts from nothing */
            w->t[i].tid = (int)t->tid;
            w->t[i].cpu0 = -1;
            w->t[i].rt0 = 0;
            w->t[i].mig0 = 0;
        }
        if (!end) {
            w->t[i].cpu0 = cpu;
            w->t[i].rt0 = (double)t->runtime_ns / 1e6;
            w->t[i].mig0 = (long)t->migrations;
        } else {
            w->t[i].cpu1 = cpu;
            w->t[i].rt1 = (double)t->runtime_ns / 1e6;
            w->t[i].mig1 = (long)t->migrations;
            w->t[i].seen_end = 1;
        }
    }
}

void netl_watch_begin_report(struct netl_watch *w, const struct np_threads *r)
{
    memset(w, 0, sizeof(*w));
    if (r) {
        w->pid = -1;
        note(w, r, 0);
    }
}

void netl_watch_begin(struct netl_watch *w, int pid)
{
    struct np_threads r;
    memset(w, 0, sizeof(*w));
    w->pid = pid;
    if (pid > 0 && netl_threads_read(pid, &r) == 0)
        note(w, &r, 0);
}

json_t *netl_watch_end(struct netl_watch *w, long *migrations)
{
    struct np_threads r;
    *migrations = -1;
    if (w->pid <= 0)
        return json_array();
    if (netl_threads_read(w->pid, &r))
        r.n = 0;
    return netl_watch_end_report(w, &r, migrations);
}

json_t *netl_watch_end_report(struct netl_watch *w, const struct np_threads *r, long *migrations)
{
    double most = 0;
    int seen[1024] = {0};
    long mig = 0;
    int have_mig = 0;
    json_t *cpus = json_array();

    *migrations = -1;
    if (!w->pid || !cpus)
        return cpus;
    note(w, r, 1);
    for (int i = 0; i < w->n; i++)
        if (w->t[i].seen_end && w->t[i].rt1 - w->t[i].rt0 > most)
            most = w->t[i].rt1 - w->t[i].rt0;
    /* the threads that did the work: at least 5% of the busiest one's CPU time */
    for (int i = 0; i < w->n; i++) {
        const struct netl_watch_thread *t = &w->t[i];
        if (!t->seen_end || t->rt1 - t->rt0 < 0.05 * most || most <= 0)
            continue;
        if (t->cpu0 >= 0 && t->rt0 > 0 && t->cpu0 < 1024)
            seen[t->cpu0] = 1;
        if (t->cpu1 >= 0 && t->cpu1 < 1024)
            seen[t->cpu1] = 1;
        if (t->mig1 >= 0 && t->mig0 >= 0) {
            mig += t->mig1 - t->mig0;
            have_mig = 1;
        }
    }
    for (int c = 0; c < 1024; c++)
        if (seen[c])
            json_array_append_new(cpus, json_integer(c));
    if (have_mig)
        *migrations = mig;
    return cpus;
}
