#include "CJemallocSettings.h"

// jemalloc reads this string once, when the process starts (its `malloc_conf` option source).
//
// dirty_decay_ms:-1 keeps the pages a process freed for its own later allocations instead of
// returning them to the system over the following ten seconds. An import of a stream of EPCIS
// documents frees one document's events, drafts and index rows (hundreds of megabytes) while it
// builds the next one's, and every page returned in between is faulted in and zeroed again: with
// the default, a stream of ten documents of 10,000 events takes about 160,000 page faults, with
// this setting about 95,000 — the first touch of the heap at its peak, which stays as flat as
// before (Docs/PERFORMANCE.md, the eighteenth round). The tool is a short-lived process, so memory
// it keeps is given back when it exits.
const char *malloc_conf = "dirty_decay_ms:-1";

const char *celltrace_jemalloc_settings(void) {
    return malloc_conf;
}
