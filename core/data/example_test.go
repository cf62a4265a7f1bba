package data_test

import (
	"bytes"
	"fmt"
	"log"

	"alab/core/data"
)

func ExampleMNIST() {
	// "" would load all of MNIST from the GoMNIST module; tests use the small fixture.
	train, test, err := data.MNIST("../../testdata/mnist-small")
	if err != nil {
		log.Fatal(err)
	}
	if err := train.Validate(10); err != nil {
		log.Fatal(err)
	}
	fmt.Println(train.N, test.N, train.Rows, train.Cols, train.Labels[:5])

	x := make([]float32, 2*train.Rows*train.Cols) // a batch of two images, NCHW with C = 1
	train.ToFloat32To(x, []int{0, 1})
	fmt.Printf("%.3f\n", x[6*28+14]) // pixel (6, 14) of image 0
	// Output:
	// 500 200 28 28 [5 0 4 1 9]
	// 0.992
}

func ExampleDecodeLabels() {
	var b bytes.Buffer
	if err := data.EncodeLabels(&b, []uint8{3, 1, 4}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("% x\n", b.Bytes())
	labels, err := data.DecodeLabels(&b)
	fmt.Println(labels, err)

	_, _, _, _, err = data.DecodeImages(bytes.NewReader([]byte{0, 0, 8, 1, 0, 0, 0, 3, 3, 1, 4}))
	fmt.Println(err)
	// Output:
	// 00 00 08 01 00 00 00 03 03 01 04
	// [3 1 4] <nil>
	// data: bad IDX magic 0x00000801 in images file: want 0x00000803 (3 dimensions, got 1)
}
