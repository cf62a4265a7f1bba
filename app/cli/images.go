package cli

import (
	"fmt"
	"io"

	"alab/core/data"
	"alab/core/nn"
)

// dataFlags are a command's data: --data, or --images with --test-images and --background.
type dataFlags struct{ dir, images, testImages, background *string }

func (fs flags) data() *dataFlags {
	return &dataFlags{
		dir:        fs.String("data", "", "directory of MNIST-format IDX files (default: the GoMNIST module's)"),
		images:     fs.String("images", "", "use a folder (or .zip) of images instead, one subfolder per class"),
		testImages: fs.String("test-images", "", "with --images: test on this labelled folder (default: every 5th image of each class, held out)"),
		background: fs.String("background", "auto", "with --images: the images' background, auto (detected per image), dark or light"),
	}
}

// load returns the training (or pool) and test sets the flags name: MNIST-format IDX files
// from --data (the GoMNIST module's if ""), or a labelled folder (or zip) of images,
// --images/<class>/…, its class names sorted as the classes' order, tested on
// --test-images or, without it, on every fifth image of each class held out
// (data.LoadImageSets). Files that do not load are listed on errOut, a line each; the rest
// of the folder still loads. classes is the number of classes: MNIST's 10, or the folder's.
func (f *dataFlags) load(errOut io.Writer) (pool, test *data.Set, classes int, err error) {
	opt, err := f.check(errOut)
	if err != nil {
		return nil, nil, 0, err
	}
	imagesDir := *f.images
	if imagesDir == "" {
		pool, test, err := data.MNIST(*f.dir)
		return pool, test, nn.Classes, err
	}
	train, held, err := data.LoadImageSets(imagesDir, *f.testImages, opt.ImageOptions)
	opt.finish()
	if err != nil {
		return nil, nil, 0, err
	}
	for _, im := range []*data.Images{train, held} {
		for _, skipped := range im.Skipped {
			fmt.Fprintf(errOut, "alab: skipped %v\n", skipped)
		}
	}
	if n := len(train.Classes); n > nn.MaxClasses {
		return nil, nil, 0, fmt.Errorf("%s has %d classes: the networks have at most %d outputs, want at most %d class folders", imagesDir, n, nn.MaxClasses, nn.MaxClasses)
	}
	fmt.Fprintf(errOut, "alab: %d images of %d classes (%s) to label, %d to test on\n",
		train.Set.N, len(train.Classes), classList(train.Classes), held.Set.N)
	return train.Set, held.Set, len(train.Classes), nil
}

// imageOptions are the options of the images the flags name, with a progress bar on errOut
// that finish ends.
type imageOptions struct {
	data.ImageOptions
	finish func()
}

// check reports flags that do not go together (--test-images or --background without
// --images, --data with --images) and returns the options of the images, if --images.
func (f *dataFlags) check(errOut io.Writer) (imageOptions, error) {
	switch images := *f.images; {
	case images == "" && *f.testImages != "":
		return imageOptions{}, fmt.Errorf("%w: --test-images needs --images", errUsage)
	case images == "" && *f.background != "auto":
		return imageOptions{}, fmt.Errorf("%w: --background needs --images", errUsage)
	case images != "" && *f.dir != "":
		return imageOptions{}, fmt.Errorf("%w: --data and --images: give one", errUsage)
	}
	bg, err := data.ParseBackground(*f.background)
	if err != nil {
		return imageOptions{}, fmt.Errorf("%w: --background: %v", errUsage, err)
	}
	if *f.images == "" {
		return imageOptions{finish: func() {}}, nil
	}
	bar := newBar(errOut, "images")
	return imageOptions{
		ImageOptions: data.ImageOptions{Background: bg, Progress: func(done, total int) { bar.progress(done, total, -1) }},
		finish:       bar.finish,
	}, nil
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
