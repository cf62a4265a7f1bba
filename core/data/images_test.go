package data

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"alab/core/internal/alloc"
)

// digitImage returns a Side×Side grey image holding image i of s.
func digitImage(s *Set, i int) *image.Gray {
	return &image.Gray{Pix: slices.Clone(s.Image(i)), Stride: Side, Rect: image.Rect(0, 0, Side, Side)}
}

func encodePNG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeader returns a PNG signature and a valid IHDR chunk claiming w×h grey pixels, and
// nothing else.
func pngHeader(w, h uint32) []byte {
	data := binary.BigEndian.AppendUint32(nil, w)
	data = binary.BigEndian.AppendUint32(data, h)
	data = append(data, 8, 0, 0, 0, 0) // 8-bit grey, no interlace
	chunk := append([]byte("IHDR"), data...)
	b := append([]byte("\x89PNG\r\n\x1a\n"), binary.BigEndian.AppendUint32(nil, uint32(len(data)))...)
	b = append(b, chunk...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(chunk))
}

// writeFiles writes files (slash-separated names relative to root) and returns root.
func writeFiles(t testing.TB, root string, files map[string][]byte) string {
	for name, b := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func writeZip(t testing.TB, path string, files map[string][]byte) string {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := z.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[n])
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mixedFolder is a labelled folder of PNG, JPEG and GIF digits from the fixture, with bad
// files among them; want is what LoadImages reads from it (Files, Labels, the images'
// pixels) and the files it skips with their messages.
type mixedFolder struct {
	files   map[string][]byte
	names   []string
	labels  []uint8
	pix     [][]uint8
	skipped []string // name: message
}

func newMixedFolder(t *testing.T) *mixedFolder {
	train, _, err := MNIST(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	m := &mixedFolder{files: map[string][]byte{}}
	add := func(name string, b []byte, label uint8, pix []uint8) {
		m.files[name] = b
		m.names = append(m.names, name)
		m.labels = append(m.labels, label)
		m.pix = append(m.pix, pix)
	}
	// Class "ones" sorts before "zeros": labels 0 and 1.
	add("zeros/a.png", encodePNG(t, digitImage(train, 1)), 1, train.Image(1))
	add("ones/b.png", encodePNG(t, digitImage(train, 3)), 0, train.Image(3))

	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, digitImage(train, 21), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	jimg, err := jpeg.Decode(bytes.NewReader(jb.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	jpix := make([]uint8, 0, Side*Side) // the decoder's rows are 32 bytes apart
	for y := range Side {
		jpix = append(jpix, jimg.(*image.Gray).Pix[y*jimg.(*image.Gray).Stride:][:Side]...)
	}
	add("zeros/c.jpg", jb.Bytes(), 1, jpix)

	var gb bytes.Buffer
	pal := image.NewPaletted(image.Rect(0, 0, Side, Side), palette.Plan9)
	for i := range pal.Pix {
		pal.Pix[i] = uint8(pal.Palette.Index(color.Gray{train.Image(6)[i]}))
	}
	if err := gif.Encode(&gb, pal, nil); err != nil {
		t.Fatal(err)
	}
	gimg, _ := gif.Decode(bytes.NewReader(gb.Bytes()))
	gpix := make([]uint8, Side*Side)
	if err := FitDigitTo(gpix, gimg, AutoBackground); err != nil {
		t.Fatal(err)
	}
	add("ones/deeper/d.gif", gb.Bytes(), 0, gpix)

	// Photographed on paper: larger, dark ink on white. It is fitted.
	paper := paint(120, 90, 255, 0, image.Rect(50, 20, 70, 60))
	fitted := make([]uint8, Side*Side)
	if err := FitDigitTo(fitted, paper, AutoBackground); err != nil {
		t.Fatal(err)
	}
	add("ones/e.png", encodePNG(t, paper), 0, fitted)

	bad := func(name string, b []byte, msg string) {
		m.files[name] = b
		m.skipped = append(m.skipped, name+": "+msg)
	}
	good := encodePNG(t, digitImage(train, 0))
	bad("zeros/notes.txt", []byte("the zeros are mine\n"), "not a PNG, JPEG or GIF image")
	bad("zeros/text.png", []byte("not a png at all"), "not a PNG, JPEG or GIF image")
	bad("ones/truncated.png", good[:len(good)/2], "corrupt PNG image: png: invalid format: not enough pixel data")
	bad("ones/huge.png", pngHeader(100000, 100000), "PNG image of 100000×100000 pixels: want at most 4096×4096")
	bad("ones/bad-crc.png", append(pngHeader(10, 10)[:29], 0, 0, 0, 0), "corrupt PNG header: png: invalid format: invalid checksum")
	bad("zeros/blank.png", encodePNG(t, paint(40, 40, 255, 255)), "blank image")
	bad("stray.png", good, "not in a class folder")
	m.files[".DS_Store"] = []byte("ignored")
	m.files["zeros/.hidden.png"] = []byte("ignored")
	m.files["__MACOSX/zeros/._a.png"] = []byte("ignored")
	return m
}

// check compares what LoadImages read with m; where names the files in Skipped.
func (m *mixedFolder) check(t *testing.T, im *Images, where func(name string) string) {
	t.Helper()
	if want := []string{"ones", "zeros"}; !slices.Equal(im.Classes, want) {
		t.Errorf("Classes %q: want %q", im.Classes, want)
	}
	// Order: the path below the class folder, then the class.
	order := slices.Clone(m.names)
	slices.SortFunc(order, func(a, b string) int {
		_, ra, _ := strings.Cut(a, "/")
		_, rb, _ := strings.Cut(b, "/")
		return strings.Compare(ra, rb)
	})
	if !slices.Equal(im.Files, order) {
		t.Errorf("Files %q: want %q", im.Files, order)
	}
	if err := im.Set.Validate(2); err != nil {
		t.Error(err)
	}
	for i, name := range im.Files {
		j := slices.Index(m.names, name)
		if j < 0 || i >= im.Set.N {
			continue
		}
		if im.Set.Labels[i] != m.labels[j] {
			t.Errorf("%s: label %d: want %d", name, im.Set.Labels[i], m.labels[j])
		}
		if !bytes.Equal(im.Set.Image(i), m.pix[j]) {
			t.Errorf("%s: pixels\n%s\nwant\n%s", name, show(im.Set.Image(i)), show(m.pix[j]))
		}
	}
	var skipped []string
	for _, e := range im.Skipped {
		skipped = append(skipped, e.Error())
	}
	var want []string
	for _, s := range m.skipped {
		name, msg, _ := strings.Cut(s, ": ")
		want = append(want, "data: "+where(name)+": "+msg)
	}
	slices.Sort(want)
	slices.Sort(skipped)
	if len(skipped) != len(want) {
		t.Errorf("skipped\n\t%s\nwant\n\t%s", strings.Join(skipped, "\n\t"), strings.Join(want, "\n\t"))
		return
	}
	for i := range want {
		if !strings.HasPrefix(skipped[i], want[i]) {
			t.Errorf("skipped %q: want %q", skipped[i], want[i])
		}
	}
}

func TestLoadImagesFolder(t *testing.T) {
	m := newMixedFolder(t)
	root := writeFiles(t, t.TempDir(), m.files)
	var calls, last int
	im, err := LoadImages(root, ImageOptions{Progress: func(done, total int) {
		if done != last+1 || total != len(m.files)-3 {
			t.Errorf("progress (%d, %d) after %d: want (%d, %d)", done, total, last, last+1, len(m.files)-3)
		}
		calls, last = calls+1, done
	}})
	if err != nil {
		t.Fatal(err)
	}
	m.check(t, im, func(name string) string { return filepath.Join(root, filepath.FromSlash(name)) })
	if calls != len(m.files)-3 {
		t.Errorf("progress called %d times: want once per file (%d)", calls, len(m.files)-3)
	}
}

// A zip of the folder, with the folder at its root, reads as the folder.
func TestLoadImagesZip(t *testing.T) {
	m := newMixedFolder(t)
	inFolder := map[string][]byte{}
	for n, b := range m.files {
		inFolder["digits/"+n] = b
	}
	zp := writeZip(t, filepath.Join(t.TempDir(), "digits.ZIP"), inFolder)
	im, err := LoadImages(zp, ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m.check(t, im, func(name string) string { return zp + "/digits/" + name })
}

func TestLoadImagesFlat(t *testing.T) {
	sq := encodePNG(t, paint(30, 30, 0, 255, image.Rect(5, 5, 25, 25)))
	root := writeFiles(t, t.TempDir(), map[string][]byte{"b.png": sq, "a.png": sq, "c.txt": []byte("hi")})
	im, err := LoadImages(root, ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if im.Classes != nil || im.Set.N != 2 || !slices.Equal(im.Files, []string{"a.png", "b.png"}) || !slices.Equal(im.Set.Labels, []uint8{0, 0}) {
		t.Errorf("flat folder: Classes %q, N %d, Files %q, Labels %v: want nil, 2, [a.png b.png], [0 0]", im.Classes, im.Set.N, im.Files, im.Set.Labels)
	}
	if len(im.Skipped) != 1 || !strings.HasSuffix(im.Skipped[0].Error(), "c.txt: not a PNG, JPEG or GIF image") {
		t.Errorf("Skipped %v: want c.txt, not an image", im.Skipped)
	}
	sameImage(t, "square", im.Set.Image(0), field(image.Rect(4, 4, 24, 24), nil))
}

func TestLoadImagesErrors(t *testing.T) {
	sq := encodePNG(t, paint(30, 30, 0, 255, image.Rect(5, 5, 25, 25)))
	dir := t.TempDir()
	for _, c := range []struct {
		name  string
		files map[string][]byte
		zip   bool
		want  string
	}{
		{"empty", map[string][]byte{}, false, "no images (0 files"},
		{"no images", map[string][]byte{"a/x.txt": []byte("x"), "b/y.png": []byte("y")}, false, "no images (2 files, none a PNG, JPEG or GIF image that loads)"},
		{"one class", map[string][]byte{"sevens/x.png": sq, "sevens/y.png": sq}, false, `holds one class folder, "sevens": want at least 2`},
		{"one class in a folder", map[string][]byte{"top/sevens/x.png": sq}, false, `holds one class folder, "top"`},
		{"one class in a zip", map[string][]byte{"top/sevens/x.png": sq, "top/sevens/y.png": sq}, true, `holds one class folder, "sevens"`},
		{"case", map[string][]byte{"Cat/x.png": sq, "cat/y.png": sq, "dog/z.png": sq}, false, `class folders "Cat" and "cat" differ only in case: want distinct names`},
		{"case in zip", map[string][]byte{"Cat/x.png": sq, "cat/y.png": sq}, true, `class folders "Cat" and "cat" differ only in case`},
	} {
		var p string
		if c.zip {
			p = writeZip(t, filepath.Join(dir, c.name+".zip"), c.files)
		} else {
			p = writeFiles(t, filepath.Join(dir, c.name), c.files)
			os.MkdirAll(p, 0o755)
		}
		im, err := LoadImages(p, ImageOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: LoadImages = %v, %v: want a one-line error naming %s and containing %q", c.name, im, err, p, c.want)
		}
	}
	notZip := filepath.Join(dir, "not.zip")
	os.WriteFile(notZip, []byte("PK but not"), 0o644)
	if _, err := LoadImages(notZip, ImageOptions{}); err == nil || !strings.Contains(err.Error(), "not.zip: zip: not a valid zip file: want a zip of images") {
		t.Errorf("not a zip: %v", err)
	}
	if _, err := LoadImages(filepath.Join(dir, "absent"), ImageOptions{}); err == nil || !strings.Contains(strings.ToLower(err.Error()), "absent: no such file") { // node spells it "No such file"
		t.Errorf("absent: %v", err)
	}
}

// A PNG claiming 100000×100000 pixels is refused from its header: loading it allocates
// little beyond a good image's share.
func TestLoadImagesRefusesHugeHeader(t *testing.T) {
	sq := encodePNG(t, paint(30, 30, 0, 255, image.Rect(5, 5, 25, 25)))
	root := writeFiles(t, t.TempDir(), map[string][]byte{"a/huge.png": pngHeader(100000, 100000), "b/ok.png": sq})
	var im *Images
	var err error
	a := alloc.Bytes(func() { im, err = LoadImages(root, ImageOptions{}) })
	if err != nil {
		t.Fatal(err)
	}
	if im.Set.N != 1 || len(im.Skipped) != 1 || !strings.Contains(im.Skipped[0].Error(), "huge.png: PNG image of 100000×100000 pixels: want at most 4096×4096") {
		t.Errorf("N = %d, Skipped %v: want the huge PNG skipped", im.Set.N, im.Skipped)
	}
	if a > 1<<20 {
		t.Errorf("loading allocated %d bytes: want under 1 MiB (the header claims 10 GB)", a)
	}
}

// The fixture written out as PNGs in class folders, train/<digit>/%05d.png and
// test/<digit>/%05d.png, loads back as the IDX fixture, pixel for pixel and label for label,
// in the same order: so a run on the images is a run on the IDX files.
func TestLoadImagesFixture(t *testing.T) {
	train, test, err := MNIST(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeSet := func(name string, s *Set) string {
		files := map[string][]byte{}
		for i := range s.N {
			files[fmt.Sprintf("%d/%05d.png", s.Labels[i], i)] = encodePNG(t, digitImage(s, i))
		}
		return writeFiles(t, filepath.Join(dir, name), files)
	}
	trainDir, testDir := writeSet("train", train), writeSet("test", test)

	gotTrain, gotTest, err := LoadImageSets(trainDir, testDir, ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	digits := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	for _, c := range []struct {
		name      string
		got, want *Set
		im        *Images
	}{{"train", gotTrain.Set, train, gotTrain}, {"test", gotTest.Set, test, gotTest}} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: the PNGs load as a different set than the IDX files", c.name)
		}
		if !slices.Equal(c.im.Classes, digits) || len(c.im.Skipped) != 0 {
			t.Errorf("%s: Classes %q, Skipped %v: want the ten digits, none", c.name, c.im.Classes, c.im.Skipped)
		}
	}

	// The IDX file itself loads as the same set.
	im, err := LoadImages(filepath.Join(fixtureDir, TrainImagesFile+".gz"), ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(im.Set, train) || !slices.Equal(im.Classes, digits) {
		t.Errorf("IDX file: a different set, or Classes %q", im.Classes)
	}

	// Without test images, every fifth of each class is held out.
	kept, held, err := LoadImageSets(trainDir, "", ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var perClass [10][]int
	for i, l := range train.Labels {
		perClass[l] = append(perClass[l], i)
	}
	var wantKept, wantHeld []int
	for i, l := range train.Labels {
		if k := slices.Index(perClass[l], i) + 1; k%5 == 0 {
			wantHeld = append(wantHeld, i)
		} else {
			wantKept = append(wantKept, i)
		}
	}
	if !reflect.DeepEqual(kept.Set, train.Subset(wantKept)) || !reflect.DeepEqual(held.Set, train.Subset(wantHeld)) {
		t.Errorf("held out %d of %d: want every fifth image of each class (%d)", held.Set.N, train.N, len(wantHeld))
	}
	if held.Files[0] != gotTrain.Files[wantHeld[0]] {
		t.Errorf("held-out Files[0] = %q: want %q", held.Files[0], gotTrain.Files[wantHeld[0]])
	}
}

func TestLoadImageSetsErrors(t *testing.T) {
	sq := encodePNG(t, paint(30, 30, 0, 255, image.Rect(5, 5, 25, 25)))
	dir := t.TempDir()
	ab := writeFiles(t, filepath.Join(dir, "ab"), map[string][]byte{"a/x.png": sq, "b/x.png": sq})
	ac := writeFiles(t, filepath.Join(dir, "ac"), map[string][]byte{"a/x.png": sq, "c/x.png": sq})
	flat := writeFiles(t, filepath.Join(dir, "flat"), map[string][]byte{"x.png": sq})
	for _, c := range []struct{ train, test, want string }{
		{ab, ac, "the test images " + ac + " have classes a, c but the training images " + ab + " have a, b: want the same"},
		{flat, ab, flat + " holds no class folders: want one subfolder of images per class"},
		{ab, flat, flat + " holds no class folders"},
		{ab, "", ab + ": no class has 5 images, so none is held out for testing"},
	} {
		if _, _, err := LoadImageSets(c.train, c.test, ImageOptions{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LoadImageSets(%s, %s): error %v: want one containing %q", c.train, c.test, err, c.want)
		}
	}
}

// Many small files load with memory bounded by their 784 bytes each and the file list, and
// progress reported throughout: 100,000 in a zip, and 2,000 in a folder (creating files is
// slow here: some 5 ms each). With -short, a tenth as many.
func TestLoadImagesManyFiles(t *testing.T) {
	sq := encodePNG(t, paint(8, 8, 0, 255, image.Rect(2, 1, 6, 7)))
	name := func(i int) string { return fmt.Sprintf("%d/%06d.png", i%10, i) }
	for _, c := range []struct {
		name  string
		n     int
		write func(dir string, n int) string
	}{
		{"zip", 100_000, func(dir string, n int) string {
			p := filepath.Join(dir, "many.zip")
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			z := zip.NewWriter(f)
			for i := range n {
				w, err := z.CreateHeader(&zip.FileHeader{Name: name(i), Method: zip.Store})
				if err != nil {
					t.Fatal(err)
				}
				w.Write(sq)
			}
			if err := z.Close(); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			return p
		}},
		{"folder", 2_000, func(dir string, n int) string {
			for i := range n {
				p := filepath.Join(dir, filepath.FromSlash(name(i)))
				os.Mkdir(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, sq, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			return dir
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := c.n
			if testing.Short() {
				n /= 10
			}
			root := c.write(t.TempDir(), n)
			// Live memory, measured after a collection at 20 points of the load.
			live := func() uint64 {
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				return ms.HeapAlloc
			}
			base, peak := live(), uint64(0)
			calls := 0
			start := time.Now()
			im, err := LoadImages(root, ImageOptions{Progress: func(done, total int) {
				if calls++; done != calls || total != n {
					t.Fatalf("progress (%d, %d) at call %d: want (%d, %d)", done, total, calls, calls, n)
				}
				if done%(n/20) == 0 {
					peak = max(peak, live())
				}
			}})
			elapsed := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if im.Set.N != n || calls != n || len(im.Skipped) != 0 {
				t.Fatalf("N = %d, %d progress calls, %d skipped: want %d, %d, 0", im.Set.N, calls, len(im.Skipped), n, n)
			}
			for i, l := range im.Set.Labels {
				if int(l) != i%10 {
					t.Fatalf("image %d has label %d: want %d (files numbered across the classes keep their order)", i, l, i%10)
				}
			}
			// 784 bytes an image, and for the file list some 400 bytes a file (names and
			// the zip's directory).
			bound := uint64(n)*(Side*Side+400) + 8<<20
			t.Logf("%d files loaded in %v (with 20 collections): live heap grew by at most %.1f MiB (%.0f bytes a file)",
				n, elapsed.Round(time.Millisecond), float64(peak-base)/(1<<20), float64(peak-base)/float64(n))
			if peak-base > bound {
				t.Errorf("live heap grew by %d bytes loading %d files: want at most %d", peak-base, n, bound)
			}
		})
	}
}

// ImageDecoder converts one file as LoadImages converts it in a folder: an MNIST digit's
// PNG pixel for pixel; a non-image, a corrupt image and a huge header are refused by a
// message, the huge one from its header, before decoding.
func TestImageDecoder(t *testing.T) {
	s, _, err := MNIST(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	var d ImageDecoder
	for i := range 5 {
		pix, err := d.Decode(encodePNG(t, digitImage(s, i)), AutoBackground)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pix, s.Image(i)) {
			t.Errorf("digit %d: the decoded pixels differ from the digit's", i)
		}
	}
	png := encodePNG(t, digitImage(s, 0))
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"text", []byte("hello, not an image"), "not a PNG, JPEG or GIF image"},
		{"corrupt", png[:len(png)/2], "corrupt PNG image"},
		{"huge", pngHeader(100000, 100000), "PNG image of 100000×100000 pixels: want at most 4096×4096"},
		{"blank", encodePNG(t, image.NewGray(image.Rect(0, 0, 40, 40))), "blank"},
	} {
		var err error
		a := alloc.Bytes(func() { _, err = d.Decode(c.file, AutoBackground) })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v: want one saying %q", c.name, err, c.want)
		}
		if a > 1<<20 {
			t.Errorf("%s: decoding allocated %d bytes: want under 1 MiB", c.name, a)
		}
	}
}

func TestParseClasses(t *testing.T) {
	names, err := ParseClasses(" cat, dog ,bird")
	if err != nil || !slices.Equal(names, []string{"cat", "dog", "bird"}) {
		t.Errorf("ParseClasses = %q, %v: want cat, dog, bird", names, err)
	}
	for list, want := range map[string]string{
		"cat":                           "1 class names: want 2 to 100",
		"cat,,dog":                      "class 2 has an empty name",
		"cat,Cat":                       `class "Cat" is named twice`,
		"cat,d\x01g":                    "want at most 64 printable characters",
		strings.Repeat("a,", 100) + "z": "101 class names",
	} {
		if _, err := ParseClasses(list); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseClasses(%.20q) = %v: want an error saying %q", list, err, want)
		}
	}
}
