/*
 * The collector's commands, registered in program/full.c (the full build only):
 * `viobench collect` (ingest inputs; `collect ls` lists stored runs) and `viobench export`.
 */
#ifndef VB_COLLECT_H
#define VB_COLLECT_H

/* viobench collect [PATH...] | collect ls [SELECTOR...]; returns the exit status. */
int cmd_collect(int argc, char **argv);
/* viobench export --run ID --format gbench-json|gbench-csv|csv|hdrlog|prometheus|bmf|
   otava-csv; returns the exit status. */
int cmd_export(int argc, char **argv);

#endif
