//go:build !(wasm && goexperiment.simd)

package nn

// pool2 sets dst (oh rows ow wide) to the maxima of the 2×2 windows of src (rows w wide):
// through keys (oh rows w wide), the larger orderKey of each pair of rows column by column
// (maxKeys), then of each pair of columns.
func pool2(dst, src []float32, keys []int32, w, oh, ow int) {
	maxKeys(keys, src, w, oh)
	for oy := range oh {
		row, k := dst[oy*ow:(oy+1)*ow], keys[oy*w:oy*w+2*ow]
		for ox := range row {
			row[ox] = fromOrderKey(max(k[2*ox], k[2*ox+1]))
		}
	}
}

// maxKeysRow sets k[x] to the larger orderKey of a[x] and b[x], for x < len(a).
func maxKeysRow(k []int32, a, b []float32) {
	k, b = k[:len(a)], b[:len(a)]
	for x, v := range a {
		k[x] = max(orderKey(v), orderKey(b[x]))
	}
}
