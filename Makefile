# Gojinn: build, demo, tests and benchmarks. Needs Go; `make deps` installs
# what the C, C++ and Rust guests and the load benchmark need (Debian packages).

GO        ?= go
BIN       := bin
WASM_DIR  := build/filters
CADDY     := $(BIN)/caddy
# Example filters built to $(WASM_DIR)/<name>.wasm.
FILTERS   := $(notdir $(patsubst %/,%,$(dir $(wildcard filters-examples/*/main.go))))
WASMS     := $(FILTERS:%=$(WASM_DIR)/%.wasm)
# The example filters in Rust (a crate with a Cargo.toml) and in C++ (one
# src/<name>.cpp), built with Debian's toolchains (`make deps`).
RUSTC     ?= /usr/bin/rustc
CARGO     ?= /usr/bin/cargo
RUST_FILTERS := $(notdir $(patsubst %/,%,$(dir $(wildcard filters-examples/*/Cargo.toml))))
RUST_WASMS   := $(RUST_FILTERS:%=$(WASM_DIR)/%.wasm)
CXX_FILTERS  := $(patsubst filters-examples/%/,%,$(dir $(patsubst %/src/,%/,$(dir $(wildcard filters-examples/*/src/*.cpp)))))
CXX_WASMS    := $(CXX_FILTERS:%=$(WASM_DIR)/%.wasm)
CXXFLAGS_WASM := --target=wasm32-wasi -std=c++17 -O2 -fno-exceptions -Wall -Wextra -Werror -mexec-model=reactor -Wl,--strip-debug
# The example function in its two forms, built to $(FN_DIR)/<name>-command.wasm
# (a plain go build) and $(FN_DIR)/<name>-reactor.wasm (the Go SDK's reactor).
FN_DIR    := build/functions
FUNCTIONS := $(patsubst functions-examples/%/command/main.go,%,$(wildcard functions-examples/*/command/main.go))
FN_WASMS  := $(FUNCTIONS:%=$(FN_DIR)/%-command.wasm) $(FUNCTIONS:%=$(FN_DIR)/%-reactor.wasm)
# The example functions in Rust (a binary crate) and C++ (src/<name>.cpp),
# both WASI commands, built to $(FN_DIR)/<name>.wasm.
FN_RUST   := $(notdir $(patsubst %/,%,$(dir $(wildcard functions-examples/*/Cargo.toml))))
FN_CXX    := $(patsubst functions-examples/%/,%,$(dir $(patsubst %/src/,%/,$(dir $(wildcard functions-examples/*/src/*.cpp)))))
FN_LANG_WASMS := $(FN_RUST:%=$(FN_DIR)/%.wasm) $(FN_CXX:%=$(FN_DIR)/%.wasm)
# Every Go module in the tree: the root and the test-only ones that keep
# their peers (Coraza, http-wasm-host-go, proxy-wasm-go-sdk) out of its graph.
GO_MODULES := . $(patsubst %/go.mod,%,$(wildcard */*/go.mod */*/*/go.mod))
APT_PKGS  := clang lld wasi-libc libclang-rt-14-dev-wasm32 wabt wrk rustc cargo libstd-rust-dev-wasm32 libc++-dev-wasm32 redis-server

.PHONY: all build filters functions run run-functions test test-stress race vet conformance bench bench-go bench-load bench-tail bench-ratelimit bench-redisdown bench-httpwasm bench-density fuzz deps xcaddy-check clean

all: build

build: $(CADDY) filters functions

$(CADDY): FORCE
	$(GO) build -o $@ ./cmd/caddy

filters: $(WASMS) $(RUST_WASMS) $(CXX_WASMS)

$(WASM_DIR)/%.wasm: FORCE
	@mkdir -p $(WASM_DIR)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -o $@ ./filters-examples/$*

# Cargo's state stays in build/, never in ~/.cargo; rustc names the file
# after the crate, with '-' as '_'.
$(RUST_WASMS): $(WASM_DIR)/%.wasm: FORCE
	@mkdir -p $(WASM_DIR)
	cd filters-examples/$* && RUSTC=$(RUSTC) CARGO_HOME=$(CURDIR)/build/cargo-home $(CARGO) build --offline --locked \
		--release --target wasm32-wasi --target-dir $(CURDIR)/build/rust-target
	cp build/rust-target/wasm32-wasi/release/$(subst -,_,$*).wasm $@

$(CXX_WASMS): $(WASM_DIR)/%.wasm: FORCE
	@mkdir -p $(WASM_DIR)
	clang++ $(CXXFLAGS_WASM) -I hostabi -o $@ filters-examples/$*/src/*.cpp

functions: $(FN_WASMS) $(FN_LANG_WASMS)

$(FN_RUST:%=$(FN_DIR)/%.wasm): $(FN_DIR)/%.wasm: FORCE
	@mkdir -p $(FN_DIR)
	cd functions-examples/$* && RUSTC=$(RUSTC) CARGO_HOME=$(CURDIR)/build/cargo-home $(CARGO) build --offline --locked \
		--release --target wasm32-wasi --target-dir $(CURDIR)/build/rust-target
	cp build/rust-target/wasm32-wasi/release/$*.wasm $@

$(FN_CXX:%=$(FN_DIR)/%.wasm): $(FN_DIR)/%.wasm: FORCE
	@mkdir -p $(FN_DIR)
	clang++ $(filter-out -mexec-model=reactor,$(CXXFLAGS_WASM)) -o $@ functions-examples/$*/src/*.cpp

$(FN_DIR)/%-command.wasm: FORCE
	@mkdir -p $(FN_DIR)
	GOOS=wasip1 GOARCH=wasm $(GO) build -o $@ ./functions-examples/$*/command

$(FN_DIR)/%-reactor.wasm: FORCE
	@mkdir -p $(FN_DIR)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -o $@ ./functions-examples/$*/reactor

# The quick start: Caddy with the demo chain in front of an upstream.
run: build
	@echo "Serving the demo on http://localhost:8080 (Ctrl-C to stop). Try:"
	@echo "  curl -H 'X-Name: ada' http://localhost:8080/"
	@echo "  curl -i http://localhost:8080/admin"
	@echo "  curl -i 'http://localhost:8080/search?q=1%27%20OR%20%271%27=%271'"
	GOJINN_CACHE_DIR=build/cache $(CADDY) run --adapter caddyfile --config filters-examples/Caddyfile

# The functions demo: the strangler fig of functions-examples/quote.
run-functions: $(CADDY) functions
	@echo "Serving the functions demo on http://localhost:8080 (Ctrl-C to stop). Try:"
	@echo "  curl -d '{\"items\": [{\"sku\": \"tea\", \"price_cents\": 450, \"qty\": 2}]}' http://localhost:8080/api/v2/quote"
	@echo "  curl http://localhost:8080/api/v1/quote"
	GOJINN_CACHE_DIR=build/cache $(CADDY) run --adapter caddyfile --config functions-examples/quote/Caddyfile

# Every test of the module, with the race detector. Tests build their own
# wasm guests from source, once per machine for the same sources: built
# guests and their compiled code are kept in os.UserCacheDir()/gojinn/
# test-guests (GOJINN_TEST_CACHE moves it; deleting it is always safe).
test: deps
	$(GO) test -race -timeout 30m ./...
	cd conformance/httpwasm && $(GO) test -race -timeout 30m ./...
	cd conformance/proxywasm && $(GO) test -race -timeout 30m ./...

# The tests of faults, time limits, busy pools and soaks, STRESS_RUNS times
# in a row with -race, while a busy loop holds each core: no assertion may
# depend on how fast the machine runs. The loops are killed on exit,
# failure and interrupt included. -short makes each soak a quarter of its
# size (every kind of fault still in it); nothing is skipped.
STRESS_RUNS  ?= 5
STRESS_LOOPS ?= $(shell nproc 2>/dev/null || echo 2)
STRESS_PKGS  := ./filters/... ./pipeline/ ./conformance/ ./caddy/ ./functions/ ./internal/keyset/ ./filters-examples/jwt/ \
	./hostabi/httpwasm/ ./hostabi/proxywasm/
STRESS_TESTS := ^(TestFaults|TestPoolBusy|TestTimeoutUnderGC|TestLoadChecks|TestLoadConfigErrors|TestConcurrentCalls|TestLimit.*|$\
TestInterruptStopsLoop|TestCallAtCountsTheWait|TestErrorPolicy|TestBusyAnswers503|TestResponseBodyHooks|$\
TestBadPointersTrap|TestRunnerFaults|TestRunnerFaultsInResponse|TestModulesThatMustNotLoad|TestModulesThatFailEachCall|FuzzHostCall|TestSoak|TestSoakCaddy|$\
TestCaddyChain|TestCaddyErrorPolicyAllow|TestCaddyReload|TestCaddyJWT|TestTraceFailure|TestCallInfoAfterTrap|TestCaddyTracing|$\
TestRemoteFetchTimeout|TestRemoteSlowRefetch|TestOpenDoesNotWaitForProvider|TestWasmSlowIdentityProvider|$\
TestScaleToZeroBurst|TestIdleInstancesAreReaped|TestMemoryLimitIsExact|TestDyingGuestIsATrap|$\
TestReadBodyAhead.*|TestSlowClientHoldsNoInstance|TestBodyHookHoldsNoInstanceWhileRouteWrites|TestCaddyWAFBodies|$\
TestFunctionFailures|TestFunctionBusy|TestFunctionConcurrentCalls|TestServeViolations|TestCaddyFunction|$\
TestCaddyManySitesShareSnapshots|TestCaddyIdleInstancesReaped|$\
TestDialectChecks|TestHTTPWasmLimits|TestHTTPWasmTraps|TestHTTPWasmHeldInstanceReleased|TestHTTPWasmCloseWhileHeld|$\
TestProxyWasmChecks|TestProxyWasmTraps|TestProxyWasmPauseWithNothingToResume|TestProxyWasmTimeLimit|TestProxyWasmFaultPolicy|TestProxyWasmTrapInConfigure|TestProxyWasmHeldContextEnds|$\
TestProxyWasmTicks|TestProxyWasmTickFaults|TestProxyWasmTickClose|TestProxyWasmTickPoolBound|TestSDKTicks|$\
TestRedisKilledMidLoad|TestTwoCaddysShareOneLimit|TestSharedDataOnRedis|TestSharedDataRedisDown|TestSharedDataUnavailable)$$

test-stress: deps
	@loops=""; \
	trap 'kill $$loops 2>/dev/null' EXIT INT TERM; \
	for i in $$(seq $(STRESS_LOOPS)); do sh -c 'while :; do :; done' & loops="$$loops $$!"; done; \
	echo "test-stress: $(STRESS_LOOPS) busy loops, $(STRESS_RUNS) runs"; \
	for run in $$(seq $(STRESS_RUNS)); do \
		start=$$(date +%s); \
		$(GO) test -race -short -count=1 -timeout 30m -run '$(STRESS_TESTS)' $(STRESS_PKGS) || \
			{ echo "test-stress: run $$run of $(STRESS_RUNS) failed"; exit 1; }; \
		(cd conformance/proxywasm && $(GO) test -race -short -count=1 -timeout 30m -run '$(STRESS_TESTS)' .) || \
			{ echo "test-stress: run $$run of $(STRESS_RUNS) failed (conformance/proxywasm)"; exit 1; }; \
		echo "test-stress: run $$run of $(STRESS_RUNS) passed in $$(( $$(date +%s) - start )) s"; \
	done

vet:
	@for m in $(GO_MODULES); do \
		(cd $$m && $(GO) mod tidy -diff > /dev/null) || \
			{ echo "vet: $$m: go.mod or go.sum is not tidy; run: (cd $$m && $(GO) mod tidy)"; exit 1; }; \
	done
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) vet ./hostabi/guest/... ./hostabi/guest/testdata/primbench ./hostabi/function/... ./filters-examples/... \
		./filters/testdata/probe ./pipeline/testdata/noop ./pipeline/testdata/readset \
		./pipeline/testdata/resphdr ./pipeline/testdata/respbody ./pipeline/testdata/readbody ./filters-examples/jwt/testdata/floor \
		./functions-examples/... ./filters/testdata/fnprobe/... ./functions/testdata/probe/... \
		./functions/testdata/hello/... ./hostabi/httpwasm/testdata/probe ./filters-examples/waf/e2e/testdata/engine ./filters-examples/waf/e2e/testdata/setcost \
		./conformance/testdata/goguest ./hostabi/guest/testdata/kvprobe
	cd conformance/httpwasm && $(GO) vet ./...
	cd conformance/proxywasm && $(GO) vet ./... && GOOS=wasip1 GOARCH=wasm $(GO) vet ./plugins ./testdata/sdkguest ./testdata/gojinnheaders

conformance: deps
	$(GO) run ./conformance/cmd/conformance

bench: bench-go bench-load

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./pipeline/ ./filters/...

# Requests per second through Caddy: no chain, then chains of 1 and 5
# filters, each against the same upstream (see docs/BENCHMARKS.md).
bench-load: $(CADDY) deps
	$(GO) run ./cmd/loadbench -caddy $(CADDY)

# The WAF's latency at a fixed traffic against bare Caddy's: an open loop
# at 300 and 1,000 requests/s to both sites at once (see docs/BENCHMARKS.md).
bench-tail: $(CADDY)
	$(GO) run ./cmd/loadbench -caddy $(CADDY) -waf -rate 300,1000 -d 10s -rounds 5

# The rate-limit example's cost in throughput, in Go and in Rust: respond
# alone against the same site behind each, wrk, in turn (see
# docs/BENCHMARKS.md).
bench-ratelimit: $(CADDY) deps
	$(GO) run ./cmd/loadbench -caddy $(CADDY) -ratelimit -d 5s -rounds 5 -c 16

# The rate-limit example's latency while its Redis store is down
# (fail_open, the default 50 ms timeout), against the same Caddy's route
# without it (see docs/BENCHMARKS.md).
bench-redisdown: $(CADDY) deps
	$(GO) run ./cmd/loadbench -caddy $(CADDY) -redisdown -rounds 3

# Gojinn against http-wasm-host-go, guests of the same logic in wat, C and
# Go, eight interleaved rounds (a module of its own: see docs/BENCHMARKS.md).
bench-httpwasm: deps
	cd bench/httpwasm && $(GO) test -c -o $(CURDIR)/bin/httpwasm.test . && \
	for i in 1 2 3 4 5 6 7 8; do $(CURDIR)/bin/httpwasm.test -test.run '^$$' -test.bench . -test.benchmem; done

# Many sites with chains against the same sites without: provisioning,
# memory, idle CPU, cold requests, the WAF's memory under load (see
# docs/BENCHMARKS.md).
bench-density: $(CADDY) deps
	$(GO) run ./cmd/densitybench -caddy $(CADDY)

# Each fuzz target for FUZZTIME (go test runs one -fuzz target at a time).
FUZZTIME ?= 60s
FUZZ_TARGETS := \
	./filters/internal/interrupt:FuzzInstrument ./filters/internal/wasmbin:FuzzParse \
	./filters/internal/snapshot:FuzzPrepare ./hostabi/host:FuzzCanonicalKey \
	./hostabi/host:FuzzRequestNames ./conformance:FuzzHostCall ./caddy:FuzzCheckJSON \
	./functions:FuzzParseResponse ./functions:FuzzAppendRequest \
	./hostabi/function:FuzzDecodeRequest ./hostabi/function:FuzzAppendString \
	./internal/keyset:FuzzOpen ./internal/keyset:FuzzParseJWKSet \
	./filters-examples/jwt/jwtauth:FuzzAuthenticate ./filters-examples/jwt/jwtauth:FuzzDecodePart \
	./filters-examples/jwt/jwtauth:FuzzForEachMember ./filters-examples/jwt/jwtauth:FuzzScanString \
	./filters-examples/redact/redactor:FuzzRedact ./filters-examples/redact-rust:FuzzRustRedaction \
	./filters-examples/redact-rust:FuzzRustConfig ./filters-examples/waf/detect:FuzzViews \
	./filters-examples/waf/detect:FuzzInspect ./filters-examples/waf/detect:FuzzIndexByteWords \
	./filters-examples/waf/detect:FuzzFastPaths ./filters-examples/waf/detect:FuzzKeywordScan \
	./hostabi/httpwasm:FuzzHostCall ./hostabi/proxywasm:FuzzHostCall
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} in $${t%%:*}"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done

# What the README's xcaddy line builds, from this tree: Caddy (the version
# go.mod requires) with the plugin, then a check that the handler is in
# it. The plugin is the package github.com/gojinn/gojinn/caddy; the module
# has no package at its root, so a local tree is a --replace of the
# module, not a --with of the package ("cannot find module providing
# package"). Before trying the replacement, Go asks the proxy for a module
# at the package's own path; a proxy that answers that with an error
# other than "not found" (this machine's answers 403) stops the build, so
# the proxy list ends in "|off", which makes any error "not found".
XCADDY         ?= github.com/caddyserver/xcaddy/cmd/xcaddy@v0.4.5
XCADDY_GOPROXY ?= https://proxy.golang.org|off

xcaddy-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	caddy_version=$$($(GO) list -m -f '{{.Version}}' github.com/caddyserver/caddy/v2) && \
	GOPROXY='$(XCADDY_GOPROXY)' $(GO) run $(XCADDY) build $$caddy_version \
		--with github.com/gojinn/gojinn/caddy --replace github.com/gojinn/gojinn=$(CURDIR) \
		--output "$$tmp/caddy" && \
	for m in http.handlers.gojinn_chain http.handlers.gojinn; do \
		"$$tmp/caddy" list-modules | grep -qx "$$m" || \
			{ echo "xcaddy-check: $$m missing from the xcaddy build" >&2; exit 1; }; \
	done && \
	echo "xcaddy-check: Caddy $$caddy_version built by xcaddy lists http.handlers.gojinn_chain and http.handlers.gojinn"

# Installs the Debian packages the C, C++ and Rust guests and the load
# benchmark need (libc++-dev-wasm32 brings libc++abi for wasm32 with it),
# when one is missing. Non-interactive; uses sudo when not root.
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

clean:
	rm -rf $(BIN) build

FORCE:
