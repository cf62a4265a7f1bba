package gemm_test

import (
	"fmt"

	"alab/core/gemm"
)

// A 2×3 matrix times the transpose of a 2×3 matrix, written into the left 2×2 block of a
// 2×4 matrix C (leading dimension 4).
func ExampleMul() {
	a := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{ // used as Bᵀ, so op(B) is 3×2
		1, 0, 1,
		0, 1, 0,
	}
	c := make([]float32, 2*4)
	gemm.Mul(false, true, 2, 2, 3, a, 3, b, 3, 0, c, 4)
	fmt.Println(c[0:2], c[4:6])
	// Output: [4 2] [10 5]
}
