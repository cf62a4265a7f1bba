package npz_test

import (
	"bytes"
	"fmt"

	"alab/core/npz"
)

// Write saves named arrays; in Python, numpy.load("model.npz")["fc.weight"] then gives the
// 2×3 float32 array, and Read gives the arrays back in order.
func Example() {
	var buf bytes.Buffer
	err := npz.Write(&buf, []npz.Array{
		{Name: "fc.weight", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		{Name: "fc.bias", Shape: []int{2}, Data: []float32{0.5, -0.5}},
		{Name: "temperature", Shape: []int{}, Data: []float32{1.5}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	arrays, err := npz.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range arrays {
		fmt.Println(a.Name, a.Shape, a.Data)
	}
	// Output:
	// fc.weight [2 3] [1 2 3 4 5 6]
	// fc.bias [2] [0.5 -0.5]
	// temperature [] [1.5]
}
