# alab — the two commands a newcomer needs are `make run` and `make test`.

GO       ?= go
# go_js_wasm_exec (runs GOOS=js GOARCH=wasm test binaries under node) lives here.
WASMEXEC := $(shell $(GO) env GOROOT)/lib/wasm
export PATH := $(WASMEXEC):$(PATH)
WASM     := GOOS=js GOARCH=wasm

# Benchmarks: how long each one runs (e.g. make bench BENCHTIME=3s).
BENCHTIME ?= 2s

.PHONY: all build run test vet test-native test-wasm bench bench-native bench-wasm fuzz clean

all: build

## build: the native command, ./alab
build:
	$(GO) build -o alab ./app

## run: train the browser's network on MNIST for one epoch and report its test accuracy
run: build
	./alab train --arch compact --epochs 1

## test: vet, then every test natively and under WebAssembly (node)
test: vet test-native test-wasm

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(WASM) $(GO) vet ./core/...

test-native:
	$(GO) test ./...

test-wasm:
	$(WASM) $(GO) test ./core/...

## bench: training and inference throughput, natively (1 and 2 threads) and under WebAssembly
bench: bench-native bench-wasm

bench-native:
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./core/nn ./core/gemm

bench-wasm:
	$(WASM) $(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./core/nn ./core/gemm

## fuzz: each decoder's fuzzer for a minute
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecodeImages -fuzztime 60s ./core/data
	$(GO) test -run '^$$' -fuzz FuzzDecodeLabels -fuzztime 60s ./core/data
	$(GO) test -run '^$$' -fuzz 'FuzzRead$$' -fuzztime 60s ./core/npz
	$(GO) test -run '^$$' -fuzz FuzzReadMember -fuzztime 60s ./core/npz

clean:
	rm -f alab
