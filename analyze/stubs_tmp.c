#include "analyze.h"
int an_cmd_plot(int argc, char **argv) { (void)argc; (void)argv; return 2; }
