// Whether this browser runs WebAssembly SIMD: it validates the smallest module using it
// (a function returning v128: i32.const 0, i8x16.splat, i8x16.popcnt). The engine's worker
// (worker.js) loads worker.wasm, built with SIMD kernels, where it does and
// worker-scalar.wasm elsewhere; the service worker caches the same one for offline use.
self.alabSIMD = WebAssembly.validate(new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]));
