package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestElementwise checks the elementwise loops (four or eight lanes at a time in a SIMD build)
// against their definitions, bit for bit, on values whose bits order differently from their floats
// (±0, subnormals, infinities, NaN of both signs), at lengths with and without a tail.
func TestElementwise(t *testing.T) {
	special := []float32{-3, float32(math.Copysign(0, -1)), 0, float32(math.NaN()), -float32(math.NaN()),
		float32(math.Inf(1)), float32(math.Inf(-1)), 1e-40, -1e-40, 2, 0.5, -0.25, 7}
	for _, n := range []int{1, 3, 4, 13, 26, 31} {
		a, b := make([]float32, n), make([]float32, n)
		for i := range a {
			a[i], b[i] = special[i%len(special)], special[(3*i+5)%len(special)]
		}
		same := func(what string, got, want []float32) {
			t.Helper()
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s, length %d: [%d] = %v (%#x), want %v (%#x)", what, n, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				}
			}
		}

		got, want := append([]float32(nil), a...), make([]float32, n)
		addTo(got, b)
		for i := range want {
			want[i] = a[i] + b[i]
		}
		same("addTo", got, want)

		addBias(got, a, 0.1) // a bias that rounds
		for i := range want {
			want[i] = a[i] + 0.1
		}
		same("addBias", got, want)

		relu(got, a)
		for i, v := range a {
			want[i] = v
			if v < 0 {
				want[i] = 0
			}
		}
		same("relu", got, want)

		y := append([]float32(nil), want...) // a ReLU's output
		reluGrad(got, b, y)
		for i := range want {
			want[i] = 0
			if math.Float32bits(y[i]) != 0 {
				want[i] = b[i]
			}
		}
		same("reluGrad", got, want)

		// adam, against adamPlain: the parameters a, gradients from b and moments from both,
		// scaled so that products round (the second moment ≥ 0, as Adam keeps it; a negative
		// one makes NaN either way).
		k := adamStep{wd: 0.01, b1: 0.9, nb1: 1 - float32(0.9), b2: 0.999, nb2: 1 - float32(0.999), step: 1e-3, eps: 1e-8}
		pg, mg, vg, gr := append([]float32(nil), a...), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range vg {
			gr[i] = b[i]*0.7311 + 0.1234*float32(i)
			mg[i] = b[(i+1)%n] * 0.377
			vg[i] = float32(math.Abs(float64(a[(i+2)%n]))) * 1.913
		}
		pw, mw, vw := append([]float32(nil), pg...), append([]float32(nil), mg...), append([]float32(nil), vg...)
		adam(pg, gr, mg, vg, k)
		adamPlain(pw, gr, mw, vw, k)
		for _, s := range []struct {
			what      string
			got, want []float32
		}{{"adam's parameters", pg, pw}, {"adam's first moments", mg, mw}, {"adam's second moments", vg, vw}} {
			for i := range s.want {
				g, w := s.got[i], s.want[i]
				if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) { // any NaN for a NaN
					t.Fatalf("%s, length %d: [%d] = %v (%#x), adamPlain %v (%#x)", s.what, n, i, g, math.Float32bits(g), w, math.Float32bits(w))
				}
			}
		}

		// pool2 on two rows w = 2n + n%2 wide (an odd width floors): rows from a and b.
		w := 2*n + n%2
		src := make([]float32, 2*w)
		for x := range src {
			src[x] = special[(5*x+n)%len(special)]
		}
		pooled := make([]float32, n)
		pool2(pooled, src, make([]int32, w), w, 1, n)
		for x, v := range pooled {
			k := max(orderKey(src[2*x]), orderKey(src[2*x+1]), orderKey(src[w+2*x]), orderKey(src[w+2*x+1]))
			if math.Float32bits(v) != math.Float32bits(fromOrderKey(k)) {
				t.Fatalf("pool2, %d windows: [%d] = %v (%#x), want %v, of %v", n, x, v, math.Float32bits(v), fromOrderKey(k), []float32{src[2*x], src[2*x+1], src[w+2*x], src[w+2*x+1]})
			}
		}
	}
}

// TestBiasGrad checks that biasGrad, four filters' sums side by side, gives the bits of
// summing each filter's planes one value at a time in order of image and position, for a
// number of filters with and without a remainder of four.
func TestBiasGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, hw = 3, 37
	for _, fs := range []int{1, 4, 6, 8} {
		dy := make([]float32, n*fs*hw)
		for i := range dy {
			dy[i] = float32(rng.NormFloat64())
		}
		got, want := make([]float32, fs), make([]float32, fs)
		for f := range fs {
			got[f] = float32(f) / 3 // added to, as the gradients of a batch accumulate
			want[f] = got[f]
		}
		biasGrad(got, dy, n, hw)
		for f := range fs {
			var s float32
			for i := range n {
				for _, v := range dy[(i*fs+f)*hw : (i*fs+f+1)*hw] {
					s += v
				}
			}
			want[f] += s
			if math.Float32bits(got[f]) != math.Float32bits(want[f]) {
				t.Errorf("%d filters: db[%d] = %v, summed one value at a time %v", fs, f, got[f], want[f])
			}
		}
	}
}
