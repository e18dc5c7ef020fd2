# CellTrace: `make demo` and `make test` do all the set-up on a fresh Debian machine with Swift.
SWIFT ?= swift
# Release builds link the Swift runtime into the executables: its calls (every retain and release)
# then skip the shared library's procedure linkage table: imports 3.5–6 % faster in the benchmark
# (Docs/PERFORMANCE.md, the twenty-first round).
# A toolchain without the runtime's static libraries (`usr/lib/swift_static`) links it shared.
SWIFT_STATIC := $(shell dirname "$$(readlink -f "$$(command -v $(SWIFT))")")/../lib/swift_static
RELEASE ?= -c release $(if $(wildcard $(SWIFT_STATIC)/linux),--static-swift-stdlib,)

.PHONY: deps build demo test bench bench-count fuzz fuzz-smoke lint docs clean

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build $(RELEASE) --product celltrace

demo: build
	@scripts/demo.sh "$$($(SWIFT) build $(RELEASE) --show-bin-path)/celltrace"

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: deps
	$(SWIFT) build $(RELEASE) --product celltrace-bench
	"$$($(SWIFT) build $(RELEASE) --show-bin-path)/celltrace-bench" $(BENCH_ARGS)

# Instructions, runtime calls and each stage's instructions per imported event under valgrind's
# callgrind: the instructions within about 0.5 % from run to run, the runtime calls exactly, so it
# compares two builds where this shared machine's clock cannot (needs valgrind).
bench-count: deps
	$(SWIFT) build $(RELEASE) --product celltrace-bench
	tools/count_import.py "$$($(SWIFT) build $(RELEASE) --show-bin-path)/celltrace-bench"

# Each fuzz target runs SECONDS_TO_RUN seconds (default 600): the JSON parser, the note and proof
# parsers, then the EPCIS reader.
fuzz: deps
	Fuzz/run.sh
	Fuzz/run-notes.sh all
	Fuzz/run-epcis.sh

# Builds every fuzz target and runs each for 15 s: a target that no longer builds or crashes at
# once fails here (CI runs it) rather than when someone next runs `make fuzz`.
fuzz-smoke: deps
	SECONDS_TO_RUN=15 Fuzz/run.sh
	SECONDS_TO_RUN=15 Fuzz/run-notes.sh all
	SECONDS_TO_RUN=15 Fuzz/run-epcis.sh

# Builds each library's DocC catalog offline; broken ``Symbol`` links fail the build.
docs:
	$(SWIFT) package dump-symbol-graph >/dev/null
	for module in LedgerCore LedgerCrypto LedgerStorage Exports; do \
	    rm -rf .build/docs-graphs/$$module .build/docs/$$module && mkdir -p .build/docs-graphs/$$module .build/docs/$$module && \
	    cp .build/*/symbolgraph/$$module.symbols.json .build/docs-graphs/$$module/ && \
	    docc convert Sources/$$module/$$module.docc --warnings-as-errors \
	        --additional-symbol-graph-dir .build/docs-graphs/$$module --output-path .build/docs/$$module || exit 1; \
	done

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

clean:
	rm -rf .build demo-ledger celltrace-demo
