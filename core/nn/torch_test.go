//go:build !js

package nn

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"alab/core/npz"
)

// torchScript builds each architecture in PyTorch with the same module names and k classes,
// loads our weights with load_state_dict(strict=True) and prints the logits for our input.
const torchScript = `
import sys, numpy as np, torch, torch.nn as nn
arch, weights, inputs, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
class Compact(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 5); self.conv2 = nn.Conv2d(8, 16, 5)
        self.fc1 = nn.Linear(256, 128); self.fc2 = nn.Linear(128, k)
    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc2(torch.relu(self.fc1(x.flatten(1))))
class Gal(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 4); self.conv2 = nn.Conv2d(32, 32, 4)
        self.fc1 = nn.Linear(3872, 128); self.fc2 = nn.Linear(128, k)
    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv2(torch.relu(self.conv1(x)))), 2)
        return self.fc2(torch.relu(self.fc1(x.flatten(1))))
net = {"compact": Compact, "gal": Gal}[arch]()
state = {k: torch.from_numpy(v) for k, v in np.load(weights).items()}
net.load_state_dict(state, strict=True)
x = torch.from_numpy(np.load(inputs)["x"])
with torch.no_grad():
    print(" ".join(repr(float(v)) for v in net.eval()(x).flatten()))
`

// TestPyTorchAgrees loads our saved weights into the same architecture in PyTorch 1.13
// (Debian's python3-torch) and checks that it computes our logits: the weights format, the
// layouts and cross-correlation all match PyTorch. Skipped without torch unless
// ALAB_REQUIRE_PYTHON is set (as CI does).
func TestPyTorchAgrees(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import torch, numpy").Run(); err != nil {
		if os.Getenv("ALAB_REQUIRE_PYTHON") != "" {
			t.Fatalf("%s cannot import torch and numpy (%v): apt-get install -y python3-torch", python, err)
		}
		t.Skipf("%s cannot import torch and numpy: apt-get install -y python3-torch", python)
	}
	cases := []struct {
		arch    string
		classes int
	}{{"compact", Classes}, {"gal", Classes}, {"compact", 3}} // a network of three classes: fc2 is [3, 128]
	for _, c := range cases {
		arch := c.arch
		t.Run(fmt.Sprintf("%s/%d", arch, c.classes), func(t *testing.T) {
			net := trainClasses(t, arch, c.classes, 21, 3)
			dir := t.TempDir()
			var w bytes.Buffer
			if err := net.Save(&w); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, "w.npz"), w.Bytes(), 0o644)

			const n = 4
			x := NewInput(n)
			rng := rand.New(rand.NewPCG(2, 2))
			for i := range data(x) {
				data(x)[i] = rng.Float32()
			}
			var in bytes.Buffer
			npz.Write(&in, []npz.Array{{Name: "x", Shape: []int{n, 1, 28, 28}, Data: data(x)}})
			os.WriteFile(filepath.Join(dir, "x.npz"), in.Bytes(), 0o644)

			out, err := exec.Command(python, "-c", torchScript, arch, filepath.Join(dir, "w.npz"), filepath.Join(dir, "x.npz"), strconv.Itoa(c.classes)).CombinedOutput()
			if err != nil {
				t.Fatalf("python: %v\n%s", err, out)
			}
			fields := strings.Fields(string(out))
			ours := data(net.Forward(x, Pass{Mode: Infer}))
			if len(ours) != n*c.classes || len(fields) != len(ours) {
				t.Fatalf("PyTorch printed %d logits, want %d: %s", len(fields), len(ours), out)
			}
			for i, f := range fields {
				v, err := strconv.ParseFloat(f, 64)
				if err != nil {
					t.Fatal(err)
				}
				if d := math.Abs(v - float64(ours[i])); d > 1e-4*(1+math.Abs(v)) {
					t.Errorf("logit %d: PyTorch %.6f, alab %.6f", i, v, ours[i])
				}
			}
		})
	}
}
