package adversarial_test

import (
	"fmt"
	"log"

	"alab/core/adversarial"
	"alab/core/data"
	"alab/core/nn"
)

func ExampleDeepFool() {
	_, test, err := data.MNIST("../../testdata/mnist-small")
	if err != nil {
		log.Fatal(err)
	}
	images := make([]float32, 3*28*28)
	test.ToFloat32To(images, []int{0, 1, 2})
	net, _ := nn.New("compact", 1) // untrained here; DFAL runs it on the loop's trained net
	res, err := adversarial.DeepFool(net, images, adversarial.Config{})
	if err != nil {
		log.Fatal(err)
	}
	for i, r := range res {
		fmt.Printf("digit %d: class %d → %d after %d steps, L2 distance %.3f\n", i, r.From, r.To, r.Iters, r.Distance)
	}
	// Output:
	// digit 0: class 3 → 1 after 4 steps, L2 distance 0.497
	// digit 1: class 3 → 5 after 3 steps, L2 distance 0.206
	// digit 2: class 3 → 5 after 2 steps, L2 distance 0.010
}
