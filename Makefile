# fscachesim. Needs Go (and make, bash); `make test` also gcc and a Linux 6.12
# tree, which .ci/kernel-src fetches once outside the repository.
# `make` lists the targets; `make test` is what CI runs (.ci/run).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO ?= go
# Flags for every go test run of `make test`. -count=1: CI never trusts the
# test cache. The whole run must stay under ~10 minutes on 2 cores.
TESTFLAGS ?= -count=1 -timeout 15m
# Every fuzz target, as package:Target. `make test` runs each for FUZZTIME
# (the plain test run already replays their seed corpora); `make soak` for
# SOAK_FUZZTIME.
FUZZ_TARGETS := ./traces:FuzzReadTrace ./model/cachefiles:FuzzDaemonWrite ./ftrace:FuzzCheckTrace ./explorer:FuzzMerge
FUZZTIME ?= 10s
SOAK_FUZZTIME ?= 10m
LINT_TEST := $(GO) test -count=1 -run '^TestLint' ./internal/lint/
# sim's goroutine build mode (sim/doc.go): `make test` compiles and tests it
# briefly, `make stress` measures with it.
GORT_TAG := fscachesim_gort
STRESSTIME ?= 10s
STRESSRUNS ?= 1

.PHONY: help build test lint fuzz bench soak stress clean kernel-test mutate

help: ## list the targets
	@echo 'make targets:'
	@awk -F':.*## ' '/^[a-z-]+:.*## /{printf "  %-6s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## compile every package, and bin/fscachesim once cmd/fscachesim exists
	$(GO) build ./...
	@if [ -d cmd/fscachesim ]; then $(GO) build -o bin/fscachesim ./cmd/fscachesim && echo 'built bin/fscachesim'; fi

test: lint ## what CI runs: lint (gofmt, go vet, the lint test), every test, a short run of each fuzz target
	src=$$(bash .ci/kernel-src); FSCACHESIM_KERNEL_SRC="$$src" $(GO) test $(TESTFLAGS) ./...
	$(GO) vet -tags $(GORT_TAG) ./sim/ ./scenarios/ && $(GO) test -tags $(GORT_TAG) $(TESTFLAGS) -run '^TestGort' ./sim/ ./scenarios/
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME)

fuzz: ## run each fuzz target for FUZZTIME (default 10s)
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "$(GO) test -run '^$$' -fuzz '^'$$name'$$' -fuzztime $(FUZZTIME) $$pkg"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

lint: ## gofmt must print nothing, go vet, the determinism lint test (internal/lint)
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt -l: these files need gofmt -w:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(LINT_TEST)

bench: ## run the benchmarks, output also in bench.out
	$(GO) test -run '^$$' -bench . -benchmem ./... | tee bench.out

# Soak tests are long explorations, not part of CI. A test named TestSoak*
# calls t.Skip unless FSCACHESIM_SOAK is set: that is the only place a test
# may skip, because these are the only tests CI does not run.
soak: ## long runs: the TestSoak* tests (FSCACHESIM_SOAK=1), up to 2 hours
	FSCACHESIM_SOAK=1 $(GO) test -run Soak -count=1 -timeout 2h ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(SOAK_FUZZTIME)

# The stress test of BENCHMARKS.md: each bug switch hammered on sim's
# goroutine build mode (real goroutines, the Go runtime interleaving) for
# STRESSTIME, STRESSRUNS times, then the same with the race detector. -race
# needs cgo, so this is not part of `make test`.
stress: ## each bug switch stress-tested on real goroutines for STRESSTIME (10s), without then with -race
	FSCACHESIM_SOAK=1 FSCACHESIM_STRESS_TIME=$(STRESSTIME) FSCACHESIM_STRESS_RUNS=$(STRESSRUNS) $(GO) test -tags $(GORT_TAG) -count=1 -timeout 2h -run '^TestSoakStress$$' -v ./scenarios/
	FSCACHESIM_SOAK=1 FSCACHESIM_STRESS_TIME=$(STRESSTIME) FSCACHESIM_STRESS_RUNS=$(STRESSRUNS) $(GO) test -race -tags $(GORT_TAG) -count=1 -timeout 2h -run '^TestSoakStress$$' -v ./scenarios/

# The kernel's own fscache C (docs/kernel-c.md): `make test` runs a short
# exploration of it; this runs the long one. .ci/kernel-src finds the tree
# (FSCACHESIM_KERNEL_SRC, or Debian's linux-source-6.12 fetched once).
kernel-test: ## long exploration of the kernel's own fscache C build (10^5 executions a scenario)
	src=$$(bash .ci/kernel-src); FSCACHESIM_SOAK=1 FSCACHESIM_KERNEL_SRC="$$src" $(GO) test -count=1 -timeout 2h -run '^TestSoakKernelC$$' -v ./kernelc/

# Mutation testing (docs/mutation.md): every mutant of the model at the
# default budget (about a minute of two cores per surviving mutant: many
# hours in all). Not in CI: CI runs a two-mutant sample (TestMutateSample).
# Narrow or split it with MUTATEFLAGS, e.g. MUTATEFLAGS='--jobs 2 --sample 40'
# or '--shard 0/8 --json' and 'fscachesim mutate merge'.
MUTATEFLAGS ?= --jobs 2
mutate: ## mutation testing of the whole model (hours; MUTATEFLAGS narrows it)
	nice -n 19 $(GO) run ./cmd/fscachesim mutate $(MUTATEFLAGS)

clean: ## remove bin/ and bench.out
	rm -rf bin bench.out
