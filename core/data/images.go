package data

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Bounds of LoadImages.
const (
	// MaxImageFiles bounds the files a folder or zip may hold (822 MiB of 28×28 images).
	MaxImageFiles = 1 << 20
	// MaxImageFileBytes bounds the size of one image file.
	MaxImageFileBytes = 64 << 20
	// MaxClasses bounds the class folders: labels are bytes.
	MaxClasses = 256
)

// Images is a set of digits read from image files by LoadImages.
type Images struct {
	// Set holds the images, 28×28, converted by FitDigitTo. Labels[i] indexes Classes; in
	// an unlabelled set (Classes nil) every label is 0.
	Set *Set
	// Classes are the class names in label order, sorted; nil if the folder is flat.
	Classes []string
	// Files[i] is the file image i came from, relative to the folder or zip (slash-separated),
	// so the same for a folder and its zip; nil for an IDX file.
	Files []string
	// Skipped are the files that were not loaded, in order, each naming the file and why.
	Skipped []*FileError
}

// ImageOptions configures LoadImages. The zero value detects each image's background and
// reports no progress.
type ImageOptions struct {
	Background Background // for every image (see FitDigitTo)
	// Progress, if not nil, is called after each file with the files done so far and their
	// total, so a command can draw a progress bar.
	Progress func(done, total int)
}

// FileError is a file LoadImages skipped, and why.
type FileError struct {
	Path string // the file: in a zip, the zip's path joined with the entry's name
	Err  error
}

func (e *FileError) Error() string { return "data: " + e.Path + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// LoadImages reads digits from path, which is one of:
//
//   - a folder of PNG, JPEG and GIF files (recognised by their contents, not their names);
//   - a .zip holding the same; if all its entries sit in one folder (a zip of a folder),
//     that folder is its root;
//   - an IDX images file (raw or gzip), labelled by the IDX labels file beside it (the name
//     with "images-idx3" replaced by "labels-idx1"), its classes named "0", "1", … up to the
//     largest label, unlabelled if there is no such file.
//
// A folder (or zip) whose root holds subfolders is labelled: each subfolder is a class,
// named by the folder, and every image under it, at any depth, belongs to it. The classes
// are sorted by name (byte order), which is their label order. A folder holding no
// subfolders is unlabelled. Names beginning with "." and "__MACOSX" folders are ignored.
//
// Images come in the order of their path below the class folder, then of their class, so a
// set written out as class/00000.png, class/00001.png, … reads back in its order. Each is
// converted by FitDigitTo with opt.Background. Files are read one at a time: LoadImages
// holds 784 bytes per image, the file list and one image being decoded.
//
// A file that cannot be loaded — not an image, corrupt, blank, over MaxImageFileBytes, wider
// or taller than MaxImageSide (refused from its header, before decoding), or in a labelled
// folder's root — is skipped and listed in Skipped; the rest still loads. It is an error
// (one line) if no image loads, if a labelled folder has fewer than 2 classes or more than
// MaxClasses, if two class names differ only in case, or if there are more than
// MaxImageFiles files.
func LoadImages(path string, opt ImageOptions) (*Images, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	var files []imageFile
	switch {
	case fi.IsDir():
		files, err = listFolder(path)
	case strings.EqualFold(filepath.Ext(path), ".zip"):
		z, zerr := zip.OpenReader(path)
		if zerr != nil {
			return nil, fmt.Errorf("data: %s: %v: want a zip of images", path, zerr)
		}
		defer z.Close()
		files, err = listZip(path, &z.Reader)
		unwrapFolder(files)
	default:
		return loadIDXImages(path, opt)
	}
	if err != nil {
		return nil, err
	}
	return readImages(path, files, opt)
}

// imageFile is one file of a folder or zip.
type imageFile struct {
	name string    // slash-separated, relative to the root
	size int64     // in bytes, as the folder or zip's directory says
	zip  *zip.File // its entry, if in a zip
	err  error     // why the file is skipped before it is read, if it is
}

// path returns the file's path, for messages: in a zip, the zip's path and the entry's name.
func (f *imageFile) path(root string) string {
	if f.zip != nil {
		return root + "/" + f.zip.Name
	}
	return filepath.Join(root, filepath.FromSlash(f.name))
}

func (f *imageFile) open(root string) func() (io.ReadCloser, error) {
	if f.zip != nil {
		return f.zip.Open
	}
	return func() (io.ReadCloser, error) { return os.Open(f.path(root)) }
}

func ignored(name string) bool { return strings.HasPrefix(name, ".") || name == "__MACOSX" }

func listFolder(root string) ([]imageFile, error) {
	var files []imageFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("data: %w", err)
		}
		if p == root {
			return nil
		}
		if ignored(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if len(files) == MaxImageFiles {
			return fmt.Errorf("data: %s holds more than %d files: want at most %d", root, MaxImageFiles, MaxImageFiles)
		}
		rel, _ := filepath.Rel(root, p)
		f := imageFile{name: filepath.ToSlash(rel)}
		if info, err := os.Stat(p); err != nil {
			f.err = err
		} else if !info.Mode().IsRegular() {
			f.err = errors.New("not a regular file")
		} else {
			f.size = info.Size()
		}
		files = append(files, f)
		return nil
	})
	return files, err
}

func listZip(zipPath string, z *zip.Reader) ([]imageFile, error) {
	var files []imageFile
	seen := map[string]bool{}
	for _, e := range z.File {
		if strings.HasSuffix(e.Name, "/") {
			continue // a folder
		}
		if slices.ContainsFunc(strings.Split(e.Name, "/"), ignored) {
			continue
		}
		if len(files) == MaxImageFiles {
			return nil, fmt.Errorf("data: %s holds more than %d files: want at most %d", zipPath, MaxImageFiles, MaxImageFiles)
		}
		f := imageFile{name: e.Name, size: int64(min(e.UncompressedSize64, 1<<62)), zip: e}
		switch {
		case !fs.ValidPath(e.Name):
			f.err = errors.New("not a valid path inside a zip: want a relative path without . or .. elements")
		case seen[e.Name]:
			f.err = errors.New("a second entry of this name in the zip")
		}
		seen[e.Name] = true
		files = append(files, f)
	}
	return files, nil
}

// unwrapFolder makes the folder that holds all the files (if one does) their root.
func unwrapFolder(files []imageFile) {
	if len(files) == 0 {
		return
	}
	top, _, ok := strings.Cut(files[0].name, "/")
	for _, f := range files {
		ok = ok && strings.HasPrefix(f.name, top+"/")
	}
	if ok {
		for i := range files {
			files[i].name = files[i].name[len(top)+1:]
		}
	}
}

// readImages lays out the files of a folder or zip into classes, in order, and reads them.
func readImages(root string, files []imageFile, opt ImageOptions) (*Images, error) {
	var classes []string
	for _, f := range files {
		if c, _, ok := strings.Cut(f.name, "/"); ok && f.err == nil {
			classes = append(classes, c)
		}
	}
	slices.Sort(classes)
	classes = slices.Compact(classes)
	labelled := len(classes) > 0
	if labelled {
		switch {
		case len(classes) == 1:
			return nil, fmt.Errorf("data: %s holds one class folder, %q: want at least 2 (each subfolder a class), or a flat folder for unlabelled images", root, classes[0])
		case len(classes) > MaxClasses:
			return nil, fmt.Errorf("data: %s holds %d class folders: want at most %d", root, len(classes), MaxClasses)
		}
		for i := 1; i < len(classes); i++ {
			for j := range i {
				if strings.EqualFold(classes[i], classes[j]) {
					return nil, fmt.Errorf("data: %s: class folders %q and %q differ only in case: want distinct names", root, classes[j], classes[i])
				}
			}
		}
	} else {
		classes = nil
	}

	// Order: the path below the class folder, then the class.
	type item struct {
		file  *imageFile
		label int
		rest  string
	}
	items := make([]item, len(files))
	for i := range files {
		f := &files[i]
		items[i] = item{file: f, rest: f.name}
		if !labelled || f.err != nil {
			continue
		}
		c, rest, ok := strings.Cut(f.name, "/")
		if !ok {
			f.err = errors.New("not in a class folder: in a folder of class folders, want every image in one")
			continue
		}
		items[i].label, _ = slices.BinarySearch(classes, c)
		items[i].rest = rest
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if c := strings.Compare(a.rest, b.rest); c != 0 {
			return c
		}
		return a.label - b.label
	})

	im := &Images{
		Set:     &Set{Rows: Side, Cols: Side, Labels: make([]uint8, 0, len(items)), Pix: make([]uint8, 0, len(items)*Side*Side)},
		Classes: classes,
		Files:   make([]string, 0, len(items)),
	}
	var r imageReader
	for done, it := range items {
		err := it.file.err
		if err == nil {
			err = r.read(root, it.file, opt.Background)
		}
		if err != nil {
			im.Skipped = append(im.Skipped, &FileError{Path: it.file.path(root), Err: err})
		} else {
			im.Set.Pix = append(im.Set.Pix, r.pix[:]...)
			im.Set.Labels = append(im.Set.Labels, uint8(it.label))
			im.Files = append(im.Files, it.file.name)
		}
		if opt.Progress != nil {
			opt.Progress(done+1, len(items))
		}
	}
	im.Set.N = len(im.Set.Labels)
	if im.Set.N == 0 {
		return nil, fmt.Errorf("data: %s: no images (%d files, none a PNG, JPEG or GIF image that loads)", root, len(files))
	}
	return im, nil
}

// imageReader reads image files one at a time, reusing its buffers.
type imageReader struct {
	fit fitter
	buf *bufio.Reader
	pix [Side * Side]uint8
}

// read decodes the image in f and fits it into r.pix.
func (r *imageReader) read(root string, f *imageFile, bg Background) error {
	if f.size > MaxImageFileBytes {
		return fmt.Errorf("file of %d bytes: want at most %d", f.size, MaxImageFileBytes)
	}
	return r.decode(f.open(root), bg, MaxImageSide)
}

// An ImageDecoder converts image files, one at a time, as LoadImages converts a folder's:
// a PNG, JPEG or GIF refused from its header when wider or taller than MaxImageSide, then
// fitted by FitDigitTo. It reuses its buffers; the zero value is ready.
type ImageDecoder struct{ r imageReader }

// Decode converts the image file b with background bg and returns its 28×28 pixels, valid
// until the next call; the error names what is wrong with the file (not an image, corrupt,
// too large, blank).
func (d *ImageDecoder) Decode(b []byte, bg Background) ([]uint8, error) {
	if len(b) > MaxImageFileBytes {
		return nil, fmt.Errorf("file of %d bytes: want at most %d", len(b), MaxImageFileBytes)
	}
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	if err := d.r.decode(open, bg, MaxImageSide); err != nil {
		return nil, err
	}
	return d.r.pix[:], nil
}

// codec is one of the image formats LoadImages reads.
type codec struct {
	name         string
	magic        []string
	decodeConfig func(io.Reader) (image.Config, error)
	decode       func(io.Reader) (image.Image, error)
}

var codecs = []codec{
	{"PNG", []string{"\x89PNG\r\n\x1a\n"}, png.DecodeConfig, png.Decode},
	{"JPEG", []string{"\xff\xd8"}, jpeg.DecodeConfig, jpeg.Decode},
	{"GIF", []string{"GIF87a", "GIF89a"}, gif.DecodeConfig, gif.Decode},
}

// decode reads the PNG, JPEG or GIF image that open opens and fits it into r.pix. It opens
// the file twice: first to read its header, refusing an image wider or taller than maxSide,
// then to decode it.
func (r *imageReader) decode(open func() (io.ReadCloser, error), bg Background, maxSide int) error {
	var c *codec
	err := r.withReader(open, func(br *bufio.Reader) error {
		head, _ := br.Peek(8)
		for i := range codecs {
			for _, m := range codecs[i].magic {
				if bytes.HasPrefix(head, []byte(m)) {
					c = &codecs[i]
				}
			}
		}
		if c == nil {
			return errors.New("not a PNG, JPEG or GIF image")
		}
		cfg, err := c.decodeConfig(br)
		if err != nil {
			return fmt.Errorf("corrupt %s header: %v", c.name, err)
		}
		if cfg.Width > maxSide || cfg.Height > maxSide {
			return fmt.Errorf("%s image of %d×%d pixels: want at most %d×%d", c.name, cfg.Width, cfg.Height, maxSide, maxSide)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var img image.Image
	err = r.withReader(open, func(br *bufio.Reader) (err error) {
		if img, err = c.decode(br); err != nil {
			return fmt.Errorf("corrupt %s image: %v", c.name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return r.fit.fit(r.pix[:], img, bg)
}

// withReader opens a file and calls use with it, buffered and cut at MaxImageFileBytes.
func (r *imageReader) withReader(open func() (io.ReadCloser, error), use func(*bufio.Reader) error) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	if r.buf == nil {
		r.buf = bufio.NewReaderSize(nil, 64<<10)
	}
	r.buf.Reset(io.LimitReader(rc, MaxImageFileBytes))
	return use(r.buf)
}

// loadIDXImages loads an IDX images file, and its labels file if there is one, as Images.
func loadIDXImages(path string, opt ImageOptions) (*Images, error) {
	dir, base := filepath.Split(path)
	labelsPath := ""
	if l := strings.Replace(base, "images-idx3", "labels-idx1", 1); l != base {
		for _, p := range []string{filepath.Join(dir, l), filepath.Join(dir, strings.TrimSuffix(l, ".gz"))} {
			if _, err := os.Stat(p); err == nil {
				labelsPath = p
				break
			}
		}
	}
	var s *Set
	var err error
	if labelsPath != "" {
		s, err = LoadIDX(path, labelsPath)
	} else {
		s = &Set{}
		err = withFile(path, func(f *os.File) (err error) {
			s.Pix, s.N, s.Rows, s.Cols, err = DecodeImages(f)
			s.Labels = make([]uint8, s.N)
			return err
		})
	}
	if err != nil {
		return nil, err
	}
	im := &Images{Set: s}
	if labelsPath != "" {
		im.Classes = make([]string, int(slices.Max(s.Labels))+1)
		for i := range im.Classes {
			im.Classes[i] = strconv.Itoa(i)
		}
	}
	if s.Rows == Side && s.Cols == Side {
		if opt.Progress != nil {
			opt.Progress(s.N, s.N)
		}
		return im, nil
	}
	// Other sizes are fitted, image by image.
	var f fitter
	out := make([]uint8, s.N*Side*Side)
	kept := 0
	for i := range s.N {
		src := &image.Gray{Pix: s.Image(i), Stride: s.Cols, Rect: image.Rect(0, 0, s.Cols, s.Rows)}
		if err := f.fit(out[kept*Side*Side:], src, opt.Background); err != nil {
			im.Skipped = append(im.Skipped, &FileError{Path: fmt.Sprintf("%s, image %d", path, i), Err: err})
		} else {
			s.Labels[kept] = s.Labels[i]
			kept++
		}
		if opt.Progress != nil {
			opt.Progress(i+1, s.N)
		}
	}
	if kept == 0 {
		return nil, fmt.Errorf("data: %s: no images (%d images, none loads)", path, s.N)
	}
	s.N, s.Rows, s.Cols, s.Pix, s.Labels = kept, Side, Side, out[:kept*Side*Side], s.Labels[:kept]
	return im, nil
}

// LoadImageSets loads the training and test sets of a run on images: the training set from
// trainPath and the test set from testPath, as LoadImages reads them. Both must be labelled,
// with the same classes. If testPath is "", every fifth image of each class in trainPath
// (its 5th, 10th, … in LoadImages' order) is held out as the test set instead.
func LoadImageSets(trainPath, testPath string, opt ImageOptions) (train, test *Images, err error) {
	if train, err = loadLabelled(trainPath, opt); err != nil {
		return nil, nil, err
	}
	if testPath == "" {
		train, test = holdOut(train, 5)
		if test.Set.N == 0 {
			return nil, nil, fmt.Errorf("data: %s: no class has 5 images, so none is held out for testing: want more images, or test images", trainPath)
		}
		return train, test, nil
	}
	if test, err = loadLabelled(testPath, opt); err != nil {
		return nil, nil, err
	}
	if !slices.Equal(train.Classes, test.Classes) {
		return nil, nil, fmt.Errorf("data: the test images %s have classes %s but the training images %s have %s: want the same",
			testPath, strings.Join(test.Classes, ", "), trainPath, strings.Join(train.Classes, ", "))
	}
	return train, test, nil
}

func loadLabelled(path string, opt ImageOptions) (*Images, error) {
	im, err := LoadImages(path, opt)
	if err == nil && im.Classes == nil {
		err = fmt.Errorf("data: %s holds no class folders: want one subfolder of images per class", path)
	}
	return im, err
}

// holdOut splits im into the images it keeps and every k-th image of each class.
func holdOut(im *Images, k int) (kept, held *Images) {
	var keep, hold []int
	seen := make([]int, len(im.Classes))
	for i, l := range im.Set.Labels {
		if seen[l]++; seen[l]%k == 0 {
			hold = append(hold, i)
		} else {
			keep = append(keep, i)
		}
	}
	part := func(ids []int) *Images {
		p := &Images{Set: im.Set.Subset(ids), Classes: im.Classes}
		if im.Files != nil {
			p.Files = make([]string, len(ids))
			for j, i := range ids {
				p.Files[j] = im.Files[i]
			}
		}
		return p
	}
	kept, held = part(keep), part(hold)
	kept.Skipped = im.Skipped
	return kept, held
}
