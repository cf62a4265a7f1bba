# alab — the two commands a newcomer needs are `make run` and `make test`.

GO       ?= go
# The toolchain: Go 1.27's simd/archsimd (GOEXPERIMENT=simd) gives the engine its SIMD kernels
# (core/gemm, core/nn); the go command fetches go1.27.3 from the module proxy once. With
# GOEXPERIMENT= (or Go 1.26) the same code builds with its scalar kernels.
export GOTOOLCHAIN  ?= go1.27.3
export GOEXPERIMENT ?= simd
# go_js_wasm_exec (runs GOOS=js GOARCH=wasm test binaries under node) lives here; GNU make 4.3
# does not pass exported variables to $(shell), so the toolchain is named on the command line.
WASMEXEC := $(shell GOTOOLCHAIN=$(GOTOOLCHAIN) $(GO) env GOROOT)/lib/wasm
export PATH := $(WASMEXEC):$(PATH)
WASM     := GOOS=js GOARCH=wasm

# Benchmarks: how long each one runs (e.g. make bench BENCHTIME=3s).
BENCHTIME ?= 2s

.PHONY: all build run test vet test-native test-wasm golden bench bench-native bench-wasm bench-anchors bench-team fuzz clean

all: build

## build: the native command, ./alab
build:
	$(GO) build -o alab ./app

## run: build the lab and serve it on localhost (open the URL it prints)
run: web build
	./alab serve --addr 127.0.0.1:8080

## test: vet, then every test natively, under WebAssembly (node) and in headless Chromium
test: vet test-native test-wasm test-lab-wasm test-browser

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(WASM) $(GO) vet ./core/...

# Under the race detector; the browser test runs in test-browser, after make web.
test-native:
	$(GO) test -race -timeout 30m -skip TestBrowser ./...

test-wasm:
	$(WASM) $(GO) test -timeout 30m ./core/...

## golden: rewrite the golden files in testdata/ from what the code gives now
# Only after a deliberate change; review the diff (selections, training curves, .npz bytes, the
# MNIST fixture).
golden:
	$(GO) test -count=1 -run 'Golden|^TestFixture$$' ./core/active ./core/train ./core/npz ./core/data -update

## bench: training and inference throughput, natively (1 and 2 threads) and under WebAssembly
bench: bench-native bench-wasm

bench-native:
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./core/nn ./core/gemm
	$(GO) test -run '^$$' -bench MCScoring -benchtime $(BENCHTIME) ./core/active

# Both builds in turn: SIMD (GOEXPERIMENT=simd) and scalar (GOEXPERIMENT=); BenchmarkMul also
# shows the SIMD ("own") and scalar kernels side by side within the SIMD build.
bench-wasm:
	$(WASM) GOEXPERIMENT=simd $(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./core/nn ./core/gemm
	$(WASM) GOEXPERIMENT= $(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./core/nn ./core/gemm

## bench-anchors: the WebAssembly engine (both builds) beside TensorFlow.js's WASM backend
## (SIMD on and off) and ConvNetJS under node, the engines in turn in each of ROUNDS rounds;
## installs them from npm into out/anchors
ANCHORS := out/anchors
ROUNDS  ?= 3
bench-anchors:
	mkdir -p $(ANCHORS)
	npm install --no-save --no-audit --no-fund --prefix $(ANCHORS) @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0 convnetjs@0.3.0
	$(WASM) GOEXPERIMENT=simd $(GO) test -c -o $(ANCHORS)/alab-simd.wasm ./core/nn
	$(WASM) GOEXPERIMENT= $(GO) test -c -o $(ANCHORS)/alab-scalar.wasm ./core/nn
	NODE_PATH=$(ANCHORS)/node_modules ANCHOR_ROUNDS=$(ROUNDS) node core/nn/anchors/anchors.js \
	  $(WASMEXEC)/wasm_exec_node.js $(ANCHORS)/alab-simd.wasm $(ANCHORS)/alab-scalar.wasm

## bench-team: 50 simulated annotators label a team server on loopback for 60 s (MNIST)
bench-team:
	$(GO) test -count=1 -run '^TestLoad$$' -v ./app/team -load 60s -load.data=

## fuzz: every fuzzer of every package, each for FUZZTIME (found by `go test -list`)
FUZZTIME ?= 60s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -f alab

# --- browser lab ---
# web: everything the page needs, in web/: the UI (app.wasm), the engine's worker
# (worker.wasm), Go's wasm_exec.js, icons, the MNIST bundle (web/data/) and .gz copies.
WEBLDFLAGS := -s -w
.PHONY: web size serve-lab test-browser test-lab-wasm

# The engine's worker twice: worker.wasm with WebAssembly SIMD kernels, worker-scalar.wasm
# without, for a browser that has no SIMD (web/simd.js picks); the UI needs no SIMD.
web:
	$(WASM) GOEXPERIMENT= $(GO) build -trimpath -ldflags='$(WEBLDFLAGS)' -o web/app.wasm ./app
	$(WASM) GOEXPERIMENT=simd $(GO) build -trimpath -ldflags='$(WEBLDFLAGS)' -o web/worker.wasm ./wasm/worker
	$(WASM) GOEXPERIMENT= $(GO) build -trimpath -ldflags='$(WEBLDFLAGS)' -o web/worker-scalar.wasm ./wasm/worker
	$(GO) run ./wasm/webbuild -web web -goroot "$$($(GO) env GOROOT)"

## size: what a first visit transfers (compressed), against the 8 MB budget
size: build
	./alab serve --size

## test-browser: the page in headless Chromium (needs `make web` and chromium)
test-browser: web
	ALAB_REQUIRE_BROWSER=1 $(GO) test -count=1 -timeout 30m -run TestBrowser -v ./app/cli

## test-lab-wasm: the message codec and engine under WebAssembly (node); app/cli is native only
test-lab-wasm:
	$(WASM) $(GO) vet ./app ./app/ui/... ./wasm/...
	$(WASM) $(GO) test -timeout 30m ./wasm/msg ./wasm/engine
# --- end browser lab ---
