# ipdesk: `make run` serves the dashboard with the embedded demo API;
# `make test` runs the whole suite.
GO ?= go
HTMX_VERSION := 2.0.10
HTMX_SHA256  := 71ea67185bfa8c98c39d31717c6fce5d852370fcdfd129db4543774d3145c0de
HTMX_FILE    := static/htmx-$(HTMX_VERSION).min.js

.PHONY: run build test test-container generate check-generated vet lint bench screenshot assets clean

run:
	$(GO) run . -addr 127.0.0.1:8080 -data ./data -log-format text

build:
	$(GO) build -o bin/ipdesk .

# The whole suite: generated code up to date, formatting, vet, staticcheck,
# tests with the race detector (browser tests included: they skip locally without Chromium,
# and fail in CI).
test: check-generated vet lint
	$(GO) test -race -count=1 ./...

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

bench:
	$(GO) test -run '^$$' -bench AllocationCost ./katapult/engine/

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
