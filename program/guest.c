/*
 * The guest build variant (make static): only the guest-side commands. The store and the
 * analyzer stay on the machine that collects results.
 */
#include "program.h"

const struct cli_cmd variant_cmds[] = {
    {NULL, NULL, NULL},
};
