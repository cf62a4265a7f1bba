//go:build !goexperiment.simd || !(wasm || amd64)

package nn

// addTo adds src into dst elementwise: dst[i] += src[i] for i < len(src).
func addTo(dst, src []float32) { addToPlain(dst, src) }

// addBias sets dst to src plus b elementwise (addBiasPlain).
func addBias(dst, src []float32, b float32) { addBiasPlain(dst, src, b) }

// copyTo is copy(dst, src), for the rows of im2col.
func copyTo(dst, src []float32) { copy(dst, src) }

// maxKeys sets keys[r·w + x], for each of rows pairs of rows of src (rows 2r and 2r+1, each
// w wide), to the larger orderKey of the pair's two values in column x.
func maxKeys(keys []int32, src []float32, w, rows int) {
	for r := range rows {
		maxKeysRow(keys[r*w:(r+1)*w], src[2*r*w:(2*r+1)*w], src[(2*r+1)*w:(2*r+2)*w])
	}
}

// relu sets dst to the ReLU of src (reluPlain).
func relu(dst, src []float32) { reluPlain(dst, src) }

// reluGrad sets dst to the ReLU's gradient g where its output y is positive (reluGradPlain).
func reluGrad(dst, g, y []float32) { reluGradPlain(dst, g, y) }

// adam is one Adam update of p and its moments m, v from g (adamPlain).
func adam(p, g, m, v []float32, k adamStep) { adamPlain(p, g, m, v, k) }
