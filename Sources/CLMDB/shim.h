#ifndef CELLTRACE_CLMDB_SHIM_H
#define CELLTRACE_CLMDB_SHIM_H

// LMDB's C API imports into Swift as it is; this header only names it for the module map.
#include <lmdb.h>

#endif
