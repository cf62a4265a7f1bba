package nn

import "math"

// SoftmaxCrossEntropyTo returns the mean cross-entropy loss of logits (N × classes, row-major)
// against labels, and writes its gradient with respect to the logits into dst
// (softmax − one-hot, divided by N). dst may be nil to skip the gradient.
// Labels must be in [0, classes): a programmer error otherwise (checked by the caller).
func SoftmaxCrossEntropyTo(dst, logits []float32, labels []uint8, classes int) float64 {
	n := len(labels)
	var loss float64
	inv := 1 / float32(n)
	for i := 0; i < n; i++ {
		row := logits[i*classes : (i+1)*classes]
		mx := row[0]
		for _, v := range row[1:] {
			mx = max(mx, v)
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v - mx))
		}
		lse := float64(mx) + math.Log(sum)
		y := int(labels[i])
		loss += lse - float64(row[y])
		if dst != nil {
			d := dst[i*classes : (i+1)*classes]
			for j, v := range row {
				d[j] = float32(math.Exp(float64(v)-lse)) * inv
			}
			d[y] -= inv
		}
	}
	return loss / float64(n)
}

// SoftmaxTo writes the softmax of each row of logits (N × classes) into dst.
func SoftmaxTo(dst, logits []float32, classes int) {
	for i := 0; i+classes <= len(logits); i += classes {
		row, d := logits[i:i+classes], dst[i:i+classes]
		mx := row[0]
		for _, v := range row[1:] {
			mx = max(mx, v)
		}
		var sum float32
		for j, v := range row {
			e := float32(math.Exp(float64(v - mx)))
			d[j] = e
			sum += e
		}
		for j := range d {
			d[j] /= sum
		}
	}
}
