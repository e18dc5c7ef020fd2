#ifndef CELLTRACE_CJEMALLOC_SETTINGS_H
#define CELLTRACE_CJEMALLOC_SETTINGS_H

/// The options the command-line tool and the benchmark give jemalloc at start-up, as jemalloc
/// reads them (`malloc_conf`): linking this target into an executable is what sets them.
const char *celltrace_jemalloc_settings(void);

#endif
