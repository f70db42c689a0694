# ipdesk: `make run` serves the dashboard with the embedded demo API;
# `make test` runs the whole suite.
GO ?= go
HTMX_VERSION := 2.0.10
HTMX_SHA256  := 71ea67185bfa8c98c39d31717c6fce5d852370fcdfd129db4543774d3145c0de
HTMX_FILE    := static/htmx-$(HTMX_VERSION).min.js

.PHONY: run build test test-postgres postgres-stop test-long test-crash load test-container generate check-generated vet lint bench screenshot assets clean

run:
	$(GO) run . -addr 127.0.0.1:8080 -data ./data -log-format text

build:
	$(GO) build -o bin/ipdesk .

# The whole suite: generated code up to date, formatting, vet, staticcheck,
# tests with the race detector (browser tests included: they skip locally without Chromium,
# and fail in CI). The journal's tests run on SQLite, and on PostgreSQL too
# when IPDESK_TEST_POSTGRES holds a DSN (they skip without it locally, and
# fail in CI).
test: check-generated vet lint
	@if [ -n "$$IPDESK_TEST_POSTGRES" ]; then echo "test: the journal's tests run on SQLite and PostgreSQL (IPDESK_TEST_POSTGRES)"; \
	  else echo "test: the journal's tests run on SQLite only (set IPDESK_TEST_POSTGRES, or use make test-postgres)"; fi
	$(GO) test -race -count=1 ./...

# `make test` against a throwaway PostgreSQL cluster on 127.0.0.1:55432
# (.ci/postgres, from Debian's postgresql package), left running for the
# next run; `make postgres-stop` stops it.
test-postgres:
	@IPDESK_TEST_POSTGRES="$$(.ci/postgres start)" && export IPDESK_TEST_POSTGRES && $(MAKE) test

postgres-stop:
	.ci/postgres stop

# The long suites of RELIABILITY.md, beyond `make test`: fuzzing (the
# `fuzz` target), crash rounds and load.
test-long: fuzz test-crash load

# Crash safety: 100 rounds of SIGKILL during creates through the API and
# the dashboard, restarts on the same data folder (`make test` runs 3).
# IPDESK_CRASH_SEED=<n> replays the schedule a failure logged.
CRASH_ROUNDS ?= 100
test-crash:
	IPDESK_CRASH_ROUNDS=$(CRASH_ROUNDS) $(GO) test -count=1 -timeout 30m -run '^TestCrashSafety' -v .

# Load: 200 signed-in users creating for 60 s against an in-process ipdesk
# on loopback; fails on any 5xx or duplicate address.
load:
	$(GO) run ./cmd/ipdesk-load -users 200 -duration 60s

# The container image: builds the Dockerfile with buildah against local
# stand-ins for its base images and checks that the image serves, as its
# non-root user, writing only to /data (as root; see .ci/container-test).
test-container:
	.ci/container-test

generate:
	$(GO) tool templ generate

# Formatting of Go and templ sources, and generated code that matches its
# .templ sources: `go tool templ generate` must change nothing (the views
# test TestGeneratedFilesAreUpToDate checks the same inside `go test`).
check-generated:
	@$(GO) tool templ fmt -fail . >/dev/null
	@before=$$(find . -name '*_templ.go' -not -path './.git/*' -exec sha256sum {} + | sort); \
	  $(GO) tool templ generate >/dev/null 2>&1; \
	  after=$$(find . -name '*_templ.go' -not -path './.git/*' -exec sha256sum {} + | sort); \
	  [ "$$before" = "$$after" ] || { echo 'generated *_templ.go files were stale (now regenerated): commit them'; exit 1; }
	@test -z "$$(gofmt -l .)" || { echo 'gofmt would change:'; gofmt -l .; exit 1; }

vet:
	$(GO) vet ./...

# staticcheck at a pinned version, run without adding it to go.mod.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	$(GO) run $(STATICCHECK) ./...

# The figures of issue 8 against their goals, every ratio measured within
# one run (a few minutes): prints them and rewrites the generated part of
# BENCHMARKS.md. The form page is loaded with Debian's wrk when installed.
bench:
	$(GO) run ./cmd/ipdesk-bench -write BENCHMARKS.md

# Each fuzz target in turn (`make test` runs them over their seed corpora
# only). Each gets a fixed number of inputs, about 10 s of work on two
# cores, rather than -fuzztime 10s: a timed run in Go 1.26 can fail with a
# bare "context deadline exceeded" when its time runs out (golang/go issue
# 75804). A crasher lands in the package's testdata/fuzz/: commit it, fix.
FUZZ_TARGETS := ./katapult:FuzzCheckLabel:150000 ./katapult:FuzzCheckReverseDNS:100000 \
	./katapult:FuzzMemberCheck:100000 \
	./katapult/engine:FuzzCreateBody:45000 \
	./katapult/engine:FuzzLookup:45000 ./katapult/engine:FuzzEditBody:30000 \
	./handlers:FuzzCreateForm:15000 ./handlers:FuzzOrgPath:30000
FUZZ_TARGETS += ./handlers:FuzzEditForm:15000 ./handlers:FuzzReleaseForm:15000
FUZZ_TARGETS += ./handlers:FuzzActivityQuery:15000
.PHONY: fuzz
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  set -- $$(echo $$t | tr : ' '); echo "fuzz: $$2 in $$1, $$3 inputs"; \
	  $(GO) test -run '^$$' -fuzz "^$$2\$$" -fuzztime "$${3}x" "$$1" || exit 1; \
	done

# The README's screenshot, taken by the browser test.
screenshot:
	@mkdir -p docs
	IPDESK_SCREENSHOT=$(CURDIR)/docs/screenshot.png $(GO) test -count=1 -run TestBrowser .

# Vendors htmx from its npm package at an exact version, checked by hash.
assets:
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	  (cd $$tmp && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null && tar xzf htmx.org-$(HTMX_VERSION).tgz) && \
	  echo "$(HTMX_SHA256)  $$tmp/package/dist/htmx.min.js" | sha256sum -c --quiet - && \
	  cp $$tmp/package/dist/htmx.min.js $(HTMX_FILE) && echo "vendored $(HTMX_FILE)"

clean:
	rm -rf bin
