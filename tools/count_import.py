#!/usr/bin/env python3
"""Counts what the import benchmark does, per event: the instructions within about 0.5 % from run
to run, the runtime calls exactly.

On a shared two-core machine the clock cannot see a change of a few per cent: the same binary
gives 75 to 130 µs of CPU per event from one run to the next. Instruction and call counts can.
This runs `celltrace-bench --only import --runs 1 --import-documents 1` (one document of 10,000
TransformationEvents, imported one call at a time and as a stream: 20,000 events) under
valgrind's callgrind, and prints the instructions per event and the calls per event of the
runtime functions that dominate the import: reference counting, allocation and String hashing.

Usage: tools/count_import.py [BENCH_BINARY] [--keep FILE] [--own-event-ids] [--scattered-lot-ids]

The last two are passed on to the benchmark, which then writes its documents so.

Then, per event, the instructions of each stage of the import: the inclusive cost of every call
into the function that does it (parsing, reading with the hash ID, activity members, sealing, the
rules), found by its demangled name (`swift demangle`, from the toolchain).

Under valgrind SHA-256 runs without the CPU's SHA instructions, so libcrypto's share of the
instructions is larger than its share of the time. Compare two builds with each other, not with
a clock.
"""

import collections
import os
import re
import subprocess
import sys
import tempfile

EVENTS = 20_000

# Runtime entry points whose call counts are reported, with what they stand for.
WATCHED = [
    ("swift_retain", "swift_retain (all strong retains)"),
    ("swift_bridgeObjectRetain", "  of which strings', arrays' and dictionaries' storage"),
    ("swift_release", "swift_release (all strong releases)"),
    ("malloc", "malloc"),
    ("$sSS4hash4intoys6HasherVz_tF", "String.hash(into:) (dictionary look-ups by string)"),
]

# The functions that do each stage of an import, by demangled name (`specialized` dropped), with
# what they stand for; indented rows are part of the row above.
STAGES = [
    ("static JSONValue.parsing<A>(_:ranges:maxDepth:spareTopLevelMembers:exactNumbers:)", "parsing the events"),
    ("static EPCISEvent.read(_:index:namespaces:sink:hashing:scratch:newInput:refused:)", "reading, with the hash ID and its SHA-256"),
    ("static EventHashID.writePreHash(of:namespaces:ignoring:into:)", "  of which the hash ID's pre-hash string"),
    ("EventActivity.init(_:scratch:bounded:)", "activity members"),
    ("EntryDraft.sealedForAppend(salts:cache:)", "sealing, with the commitments' SHA-256"),
    ("Rules.apply(_:activity:eventIDKey:hashIDKey:actor:sequence:submission:sink:_:)", "the rules"),
]
# The write (`Ledger.append`) is left out: its index rows are encoded by `concurrentPerform`,
# whose share on the calling thread, and so the write's inclusive count, changes from run to run.


def calls_by_target(path):
    """Sums the `calls=` lines of a callgrind profile by the name of the function called: the
    number of calls, and their inclusive cost (the line after each `calls=` line)."""
    names = {}
    calls = collections.Counter()
    inclusive = collections.Counter()
    total = 0
    target = None
    counting = None
    name_line = re.compile(r"^c?fn=\((\d+)\)(?: (.*))?$")
    with open(path, encoding="utf-8", errors="replace") as profile:
        for line in profile:
            if counting is not None:
                fields = line.split()
                if len(fields) >= 2 and fields[1].isdigit():
                    inclusive[counting] += int(fields[1])
                counting = None
                continue
            if line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
                continue
            match = name_line.match(line.rstrip("\n"))
            if match:
                ident, name = match.groups()
                if name is not None:
                    names[ident] = name
                target = names.get(ident) if line.startswith("cfn=") else None
                continue
            if line.startswith("calls=") and target is not None:
                calls[target] += int(line.split("=", 1)[1].split()[0])
                counting = target
                target = None
    return total, calls, inclusive


def stage_costs(inclusive):
    """The inclusive instructions of each of STAGES, or `None` without `swift demangle`."""
    names = list(inclusive)
    try:
        run = subprocess.run(
            ["swift", "demangle", "--simplified", "--compact"],
            input="\n".join(names), capture_output=True, text=True,
        )
    except FileNotFoundError:
        return None
    demangled = run.stdout.split("\n")
    if run.returncode != 0 or len(demangled) < len(names):
        return None
    costs = collections.Counter()
    for name, readable in zip(names, demangled):
        readable = readable.removeprefix("specialized ")
        for function, _ in STAGES:
            if readable == function:
                costs[function] += inclusive[name]
    return costs


def main():
    arguments = sys.argv[1:]
    keep = None
    if "--keep" in arguments:
        position = arguments.index("--keep")
        keep = arguments[position + 1]
        del arguments[position : position + 2]
    # Flags for the benchmark's documents (`--own-event-ids`, `--scattered-lot-ids`) are passed on.
    bench_flags = [argument for argument in arguments if argument in ("--own-event-ids", "--scattered-lot-ids")]
    arguments = [argument for argument in arguments if argument not in bench_flags]
    binary = arguments[0] if arguments else ".build/release/celltrace-bench"
    if not os.access(binary, os.X_OK):
        sys.exit(f"count_import: no benchmark binary at {binary}; run `make bench-count`, which builds it")
    with tempfile.TemporaryDirectory(prefix="celltrace-count-") as directory:
        out = keep or os.path.join(directory, "callgrind.out")
        command = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
            binary, "--only", "import", "--runs", "1", "--import-documents", "1", "--dir", os.path.join(directory, "bench"),
        ] + bench_flags
        try:
            run = subprocess.run(command, capture_output=True, text=True)
        except FileNotFoundError:
            sys.exit("count_import: valgrind is not installed (Debian: apt-get install valgrind)")
        if run.returncode != 0:
            sys.stderr.write(run.stdout + run.stderr)
            sys.exit(f"count_import: the benchmark failed under valgrind (exit {run.returncode})")
        total, calls, inclusive = calls_by_target(out)
    print(f"import under callgrind: {EVENTS:,} events ({binary})")
    print(f"{'instructions':<58} {total:>16,}  {total / EVENTS:>10,.0f} per event")
    for symbol, label in WATCHED:
        # A recursion cycle names a function again with a suffix: `swift_release'2`.
        count = sum(value for name, value in calls.items() if name.split("'")[0] == symbol)
        print(f"{label:<58} {count:>16,}  {count / EVENTS:>10,.1f} per event")
    costs = stage_costs(inclusive)
    if costs is None:
        print("(no `swift demangle`: the stages are not counted)")
        return
    print("instructions per event by stage (inclusive):")
    for function, label in STAGES:
        print(f"  {label:<56} {costs[function] / EVENTS:>10,.0f}   {function.split('(')[0]}")


if __name__ == "__main__":
    main()
