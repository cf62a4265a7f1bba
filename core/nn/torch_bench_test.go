//go:build !js

package nn

import (
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"alab/core/gemm"
)

// torchBench times PyTorch 1.13 (Debian's python3-torch, CPU) on the same networks, batch
// and optimiser as BenchmarkTrain and BenchmarkInfer, and the MC-dropout scoring of
// core/active's BenchmarkMCScoring, and prints the seconds a step takes: the baseline the
// README's figures are ratios against, measured in the same run on the same machine
// (BenchmarkPyTorch).
const torchBench = `
import sys, time, torch, torch.nn as nn
torch.manual_seed(0)
arch, mode, threads, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
if arch == "compact":
    net = nn.Sequential(nn.Conv2d(1, 8, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 5), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.25), nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
else:
    net = nn.Sequential(nn.Conv2d(1, 32, 4), nn.ReLU(), nn.Conv2d(32, 32, 4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.25), nn.Flatten(), nn.Linear(3872, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
x, y = torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))
opt = torch.optim.Adam(net.parameters())
# mc: Monte-Carlo dropout over a pool of 10,000 with T=20 as alab computes it (core/active's
# mcProbs, nn's mcHead): the layers before the first dropout once; then per pass one
# dropout mask for the whole pool (consistent MC dropout) and only the units it keeps.
first = [type(l) for l in net].index(nn.Dropout)
body, head = net[:first], net[first:]
fc1, fc2 = [l for l in head if isinstance(l, nn.Linear)]
p1, p2 = [l.p for l in head if isinstance(l, nn.Dropout)]
pool = torch.rand(10000, 1, 28, 28)
def mc_pass(feats):
    k1 = torch.nonzero(torch.rand(fc1.in_features) >= p1).squeeze(1)
    k2 = torch.nonzero(torch.rand(fc1.out_features) >= p2).squeeze(1)
    h = torch.relu(feats[:, k1] @ (fc1.weight[k2][:, k1] / (1 - p1)).T + fc1.bias[k2]) / (1 - p2)
    return torch.softmax(h @ fc2.weight[:, k2].T + fc2.bias, 1)
def step():
    if mode == "train":
        net.train(); opt.zero_grad(); nn.functional.cross_entropy(net(x), y).backward(); opt.step()
    elif mode == "infer":
        net.eval()
        with torch.no_grad(): net(x)
    else:
        body.eval()
        with torch.no_grad():
            feats = torch.flatten(torch.cat([body(pool[i:i + 256]) for i in range(0, len(pool), 256)]), 1)
            for _ in range(20): mc_pass(feats)
for _ in range(3 if mode != "mc" else 1): step()
t = time.perf_counter()
for _ in range(steps): step()
print((time.perf_counter() - t) / steps)  # seconds a step (a batch of 64, or the pool)
`

// BenchmarkPyTorch compares alab with PyTorch on the networks of BenchmarkTrain and
// BenchmarkInfer, and times PyTorch's MC-dropout scoring (BenchmarkMCScoring in core/active
// is alab's). The machine's speed drifts within minutes, so training and inference run in
// torchRounds rounds, each alab for a second and then PyTorch on the same network, mode and
// threads; it reports PyTorch's images/s, alab's, and the median over the rounds of alab's
// images/s over PyTorch's in the same round ("alab/PyTorch").
func BenchmarkPyTorch(b *testing.B) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		b.Skip("no PyTorch baseline: apt-get install -y python3-torch")
	}
	torch := func(b *testing.B, arch, mode string, threads, steps int) float64 {
		out, err := exec.Command(python, "-c", torchBench, arch, mode, strconv.Itoa(threads), strconv.Itoa(steps)).CombinedOutput()
		if err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		seconds, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		if err != nil {
			b.Fatalf("PyTorch printed %q", out)
		}
		return seconds
	}
	x := benchInput()
	for _, mode := range []string{"train", "infer", "mc"} {
		for _, arch := range Architectures {
			if mode == "mc" && arch != "compact" {
				continue // BenchmarkMCScoring (core/active) measures compact
			}
			for _, threads := range benchThreads {
				b.Run(fmt.Sprintf("%s/%s/threads=%d", mode, arch, threads), func(b *testing.B) {
					if mode == "mc" {
						var seconds float64
						for b.Loop() {
							seconds = torch(b, arch, mode, threads, 3)
						}
						b.ReportMetric(seconds, "s/pool") // as BenchmarkMCScoring: 10,000 images, T=20
						return
					}
					setup := map[string]func(*Net, []float32) func(){"train": trainStep, "infer": inferStep}[mode]
					steps := map[string]int{"compact": 200, "gal": 20}[arch]
					var ours, theirs, ratios []float64
					for b.Loop() {
						for range torchRounds {
							a := alabRate(arch, threads, setup, x)
							t := benchBatch / torch(b, arch, mode, threads, steps)
							ours, theirs, ratios = append(ours, a), append(theirs, t), append(ratios, a/t)
						}
					}
					b.ReportMetric(median(theirs), "images/s")
					b.ReportMetric(median(ours), "alab-images/s")
					b.ReportMetric(median(ratios), "alab/PyTorch")
				})
			}
		}
	}
}

// torchRounds is how many times BenchmarkPyTorch runs alab and PyTorch in turn.
const torchRounds = 3

// alabRate runs a step of alab's (setup's) on a new net for about a second on threads
// threads and returns its images/s.
func alabRate(arch string, threads int, setup func(*Net, []float32) func(), x []float32) float64 {
	gemm.SetThreads(threads)
	defer gemm.SetThreads(1)
	net, _ := New(arch, 1)
	step := setup(net, x)
	step() // size the buffers
	n, start := 0, time.Now()
	for time.Since(start) < time.Second {
		step()
		n++
	}
	return float64(n*benchBatch) / time.Since(start).Seconds()
}

// median returns the middle of xs (the mean of the two middle values for an even count).
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
