// The engine's Web Worker: loads the engine (Go) and hands it the page's messages. The engine
// is worker.wasm, built with WebAssembly SIMD, where this browser runs SIMD (simd.js), and
// worker-scalar.wasm elsewhere; both compute bitwise the same.
// The data bundle is fetched (and un-gzipped by the browser) while the binary compiles;
// messages that arrive meanwhile are queued and the Go side drains the queue.

// The files it fetches, relative to itself, as wasm/webfiles names them (its test checks
// this line against the manifest).
const files = {"exec": "wasm_exec.js", "wasm": "worker.wasm", "scalar": "worker-scalar.wasm", "simd": "simd.js", "bundle": ["data/pool-images.idx.gz", "data/pool-labels.idx.gz", "data/test-images.idx.gz", "data/test-labels.idx.gz"], "firstNet": "data/first-net.json.gz"};
importScripts(files.exec, files.simd);
const engine = self.alabSIMD ? files.wasm : files.scalar;
self.alabQueue = [];
self.onmessage = (e) => self.alabQueue.push(e.data);

const gunzip = async (url) => {
  const resp = await fetch(url);
  if (!resp.ok) throw new Error(url + ": " + resp.status + " " + resp.statusText);
  if (typeof DecompressionStream === "undefined") return new Uint8Array(await resp.arrayBuffer());
  return new Uint8Array(await new Response(resp.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
};
// The Go side awaits this: [pool images, pool labels, test images, test labels] as IDX bytes
// (still gzip-compressed where the browser lacks DecompressionStream; Go handles both).
self.alabBundle = Promise.all(files.bundle.map(gunzip));
self.alabBundle.catch(() => {}); // reported by the Go side
// The network of round 0, trained when the page was built (wasm/engine.Start): null where
// it could not be fetched, and the worker trains that network itself.
self.alabStart = gunzip(files.firstNet).catch(() => null);
// For what only some workers need (a race's round 0): a promise of the file's bytes.
self.alabFetch = gunzip;

(async () => {
  const fail = (what) => self.postMessage(JSON.stringify({ kind: "error", error: what, fatal: true }));
  try {
    const go = new Go();
    let result;
    try {
      result = await WebAssembly.instantiateStreaming(fetch(engine), go.importObject);
    } catch (e) {
      // A server without the application/wasm type: compile from the bytes.
      const bytes = await (await fetch(engine)).arrayBuffer();
      result = await WebAssembly.instantiate(bytes, go.importObject);
    }
    await go.run(result.instance);
    fail("the engine stopped");
  } catch (e) {
    fail("the engine could not start: " + e);
  }
})();
