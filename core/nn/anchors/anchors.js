// The anchors alab's WebAssembly engine is measured against, under node on one thread, on
// the compact network (core/nn: conv 8 5×5 → ReLU → maxpool 2 → conv 16 5×5 → ReLU →
// maxpool 2 → dropout 0.25 → dense 128 → ReLU → dropout 0.5 → dense 10) and a batch of 64:
// TensorFlow.js's WASM backend with SIMD and without (inference: the backend has no
// convolution gradients, so it does not train), and ConvNetJS (training with Adam, and its
// forward pass as inference).
//
//   node anchors.js WASM_EXEC_NODE ALAB_SIMD_TEST ALAB_SCALAR_TEST
//
// runs, in each of ANCHOR_ROUNDS rounds (3), every engine once in turn, each in a process of
// its own: alab's two WebAssembly builds (their `go test -c` binaries of core/nn, under
// wasm_exec_node.js, BenchmarkInfer and BenchmarkTrain on compact) and the three anchors. The
// machine's speed drifts within minutes, so each ratio of alab to an anchor is taken within a
// round, a minute apart at most, and the summary gives the median of the rounds' ratios and
// their range. Run by `make bench-anchors`, which installs the packages (NODE_PATH) and
// builds alab's binaries.
"use strict";
const fs = require("fs");
const tf = require("@tensorflow/tfjs");
const wasm = require("@tensorflow/tfjs-backend-wasm");
const convnetjs = require("convnetjs");

const batch = 64;
const seconds = Number(process.env.ANCHOR_SECONDS || 3); // measuring time per figure

// rate runs step until seconds have passed (after two warm-up steps) and returns images/s.
async function rate(step) {
  await step();
  await step();
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    await step();
    n++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return (n * batch) / elapsed;
}

function compactTF() {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 5, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.25 }),
      tf.layers.dense({ units: 128, activation: "relu" }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

async function tfjs(simd) {
  tf.env().set("WASM_HAS_SIMD_SUPPORT", simd);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  await tf.setBackend("wasm");
  await tf.ready();
  const net = compactTF();
  const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, "float32", 1);
  const infer = await rate(async () => {
    const out = net.predict(x);
    await out.data();
    out.dispose();
  });
  wasm; // registered by the require above
  return { infer };
}

async function convnet() {
  const net = new convnetjs.Net();
  net.makeLayers([
    { type: "input", out_sx: 28, out_sy: 28, out_depth: 1 },
    { type: "conv", sx: 5, filters: 8, stride: 1, pad: 0, activation: "relu" },
    { type: "pool", sx: 2, stride: 2 },
    { type: "conv", sx: 5, filters: 16, stride: 1, pad: 0, activation: "relu" },
    { type: "pool", sx: 2, stride: 2 },
    { type: "fc", num_neurons: 128, activation: "relu", drop_prob: 0.5 },
    { type: "softmax", num_classes: 10 },
  ]);
  const trainer = new convnetjs.Trainer(net, { method: "adam", learning_rate: 0.001, batch_size: batch });
  const xs = Array.from({ length: batch }, () => {
    const v = new convnetjs.Vol(28, 28, 1, 0);
    for (let k = 0; k < v.w.length; k++) v.w[k] = Math.random();
    return v;
  });
  const infer = await rate(() => { for (const v of xs) net.forward(v, false); });
  const train = await rate(() => { xs.forEach((v, i) => trainer.train(v, i % 10)); });
  return { infer, train };
}

// alab runs one of alab's test binaries and reads the images/s of BenchmarkInfer and
// BenchmarkTrain on compact, 1 thread, from its output.
function alab(execNode, binary) {
  const { execFileSync } = require("child_process");
  const out = {};
  const text = execFileSync(process.execPath, ["--stack-size=8192", execNode, binary, "-test.run", "^$",
    "-test.bench", "^Benchmark(Infer|Train)$/^compact$/^threads=1$", "-test.benchtime", `${seconds}s`], { encoding: "utf8" });
  for (const line of text.split("\n")) {
    const m = line.match(/^Benchmark(Infer|Train)\/compact\/threads=1\S*\s.*?([\d.]+) images\/s/);
    if (m) out[m[1].toLowerCase()] = Number(m[2]);
  }
  if (!out.infer || !out.train) throw new Error(binary + ": no compact BenchmarkInfer and BenchmarkTrain at 1 thread in\n" + text);
  return out;
}

// Each anchor runs in a process of its own (a backend's SIMD is chosen once per process):
// `node anchors.js --anchor NAME` prints its figures as JSON.
const runs = { "tfjs-wasm-simd": () => tfjs(true), "tfjs-wasm": () => tfjs(false), convnetjs: convnet };

function anchor(name) {
  const { execFileSync } = require("child_process");
  return JSON.parse(execFileSync(process.execPath, [__filename, "--anchor", name], { encoding: "utf8" }).trim().split("\n").pop());
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

(async () => {
  if (process.argv[2] === "--anchor") {
    console.log(JSON.stringify(await runs[process.argv[3]]()));
    return;
  }
  const [execNode, ...binaries] = process.argv.slice(2);
  if (!execNode || binaries.length !== 2) throw new Error("usage: node anchors.js WASM_EXEC_NODE ALAB_SIMD_TEST ALAB_SCALAR_TEST");
  const rounds = Number(process.env.ANCHOR_ROUNDS || 3);
  const builds = { "alab-wasm-simd": binaries[0], "alab-wasm-scalar": binaries[1] };
  const ratios = {}; // "build / anchor mode" → one ratio per round
  for (let r = 1; r <= rounds; r++) {
    const figures = {};
    for (const [name, binary] of Object.entries(builds)) figures[name] = alab(execNode, binary);
    for (const name of Object.keys(runs)) figures[name] = anchor(name);
    for (const [name, f] of Object.entries(figures)) {
      for (const mode of ["infer", "train"]) if (f[mode]) console.log(`round ${r}: ${name} ${mode} ${f[mode].toFixed(0)} images/s`);
    }
    for (const build of Object.keys(builds)) {
      for (const name of Object.keys(runs)) {
        for (const mode of ["infer", "train"]) {
          if (!figures[name][mode]) continue;
          const key = `${build} / ${name} ${mode}`;
          (ratios[key] ||= []).push(figures[build][mode] / figures[name][mode]);
        }
      }
    }
  }
  console.log(`alab / anchor, median of ${rounds} rounds (range):`);
  for (const [key, xs] of Object.entries(ratios)) {
    console.log(`${key}: ${median(xs).toFixed(2)}× (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`);
  }
})().catch((e) => {
  console.error("anchors: " + e.message);
  process.exit(1);
});
