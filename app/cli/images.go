//go:build !wasm

package cli

import (
	"fmt"
	"io"

	"alab/core/data"
	"alab/core/nn"
)

// runData returns the pool and the test set of a run: MNIST-format IDX files from dataDir
// (the GoMNIST module's if ""), or a labelled folder (or zip) of images, imagesDir/<class>/…,
// its class names sorted as the classes' order, tested on testDir's images or, without one,
// on every fifth image of each class held out (data.LoadImageSets). Files that do not load
// are listed on errOut, a line each; the rest of the folder still runs.
func runData(dataDir, imagesDir, testDir, background string, errOut io.Writer) (pool, test *data.Set, err error) {
	switch {
	case imagesDir == "" && testDir != "":
		return nil, nil, fmt.Errorf("%w: --test-images needs --images", errUsage)
	case imagesDir == "" && background != "auto":
		return nil, nil, fmt.Errorf("%w: --background needs --images", errUsage)
	case imagesDir == "":
		return data.MNIST(dataDir)
	case dataDir != "":
		return nil, nil, fmt.Errorf("%w: --data and --images: give one", errUsage)
	}
	bg, err := data.ParseBackground(background)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: --background: %v", errUsage, err)
	}
	bar := newBar(errOut, "images")
	train, held, err := data.LoadImageSets(imagesDir, testDir, data.ImageOptions{
		Background: bg, Progress: func(done, total int) { bar.progress(done, total, -1) },
	})
	bar.finish()
	if err != nil {
		return nil, nil, err
	}
	for _, im := range []*data.Images{train, held} {
		for _, skipped := range im.Skipped {
			fmt.Fprintf(errOut, "alab: skipped %v\n", skipped)
		}
	}
	if n := len(train.Classes); n > nn.Classes {
		return nil, nil, fmt.Errorf("%s has %d classes: the networks have %d outputs, want at most %d class folders", imagesDir, n, nn.Classes, nn.Classes)
	}
	fmt.Fprintf(errOut, "alab: %d images of %d classes (%s) to label, %d to test on\n",
		train.Set.N, len(train.Classes), classList(train.Classes), held.Set.N)
	return train.Set, held.Set, nil
}

// classList names classes, shortened past eight.
func classList(classes []string) string {
	s := ""
	for i, c := range classes {
		if i == 8 && len(classes) > 9 {
			return s + fmt.Sprintf(", … (%d more)", len(classes)-8)
		}
		if i > 0 {
			s += ", "
		}
		s += c
	}
	return s
}
