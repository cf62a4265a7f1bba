//go:build !wasm

package team

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"alab/core/data"
)

// ImageSource is what a project on images is made from (InitImages).
type ImageSource struct {
	// Dir is the pool: a flat folder (or zip) of images, unlabelled. A labelled folder (one
	// subfolder per class) is taken too, its folder names as the classes, but its labels
	// are not used: the team labels every image.
	Dir string
	// TestDir, if not "", is a labelled folder (or zip) to test on; its class folders must
	// be the classes. Without it, the accuracy is estimated on held-out labels (active.HeldOutEvery).
	TestDir string
	// Classes are the class names in label order (data.ParseClasses); if nil, a labelled Dir's
	// folder names, sorted. A flat Dir needs them.
	Classes []string
	// Options convert the images (data.LoadImages).
	Options data.ImageOptions
}

// ImagesLoaded is what InitImages stored: the pool's and the test set's images, and the
// files it skipped (data.Images.Skipped), each naming the file and why.
type ImagesLoaded struct {
	Pool, Test int
	Classes    []string
	Skipped    []*data.FileError
}

// InitImages creates the project file path on the images src names, with settings s (its
// Data, Init and TestLimit are not used): it loads the folders, checks the classes and
// stores every image (28×28, with its file name) in the file, so the server never reads
// the folders again. Files that do not load are skipped and listed; it is an error if none
// loads. An existing file is never overwritten.
func InitImages(path string, s Settings, src ImageSource) (*ImagesLoaded, error) {
	pool, err := data.LoadImages(src.Dir, src.Options)
	if err != nil {
		return nil, fmt.Errorf("team: %w", err)
	}
	classes := src.Classes
	switch {
	case classes == nil && pool.Classes == nil:
		return nil, fmt.Errorf("team: %s is a flat folder, so its classes are not known: name them (--classes cat,dog,…)", src.Dir)
	case classes == nil:
		classes = pool.Classes
	case pool.Classes != nil && !sameClasses(classes, pool.Classes):
		return nil, fmt.Errorf("team: %s's class folders (%s) are not the classes given (%s): want the same names", src.Dir, strings.Join(pool.Classes, ","), strings.Join(classes, ","))
	}
	if err := data.CheckClasses(classes); err != nil {
		return nil, err
	}
	loaded := &ImagesLoaded{Pool: pool.Set.N, Classes: classes, Skipped: pool.Skipped}
	var test *data.Images
	if src.TestDir != "" {
		if test, err = data.LoadImages(src.TestDir, src.Options); err != nil {
			return nil, fmt.Errorf("team: %w", err)
		}
		if test.Classes == nil || !sameClasses(classes, test.Classes) {
			return nil, fmt.Errorf("team: the test folder %s's classes (%s) are not the project's (%s): want a labelled folder with one subfolder per class", src.TestDir, strings.Join(test.Classes, ","), strings.Join(classes, ","))
		}
		// Labels index test.Classes (sorted): index classes instead.
		for i, l := range test.Set.Labels {
			test.Set.Labels[i] = uint8(slices.Index(classes, test.Classes[l]))
		}
		loaded.Test, loaded.Skipped = test.Set.N, append(loaded.Skipped, test.Skipped...)
	}
	s = s.withDefaults()
	s.Data, s.Init, s.TestLimit = "", 0, 0
	s.Images, s.Classes, s.Test = true, classes, test != nil
	err = create(path, s, pool.Set.N, func(tx *sql.Tx) error {
		insert, err := tx.Prepare(`INSERT INTO images (id, test, file, label, pix) VALUES (?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer insert.Close()
		id := 0
		for t, im := range []*data.Images{pool, test} {
			if im == nil {
				continue
			}
			for i := range im.Set.N {
				label := 0
				if t == 1 {
					label = int(im.Set.Labels[i])
				}
				if _, err := insert.Exec(id, t, im.Files[i], label, im.Set.Image(i)); err != nil {
					return err
				}
				id++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return loaded, nil
}

// sameClasses reports whether a and b hold the same names, in any order.
func sameClasses(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(n string) bool { return !slices.Contains(b, n) })
}

// loadImages reads a project's images from its file: the pool (with each image's file
// name, by pool ID) and the test set (empty if it has none).
func loadImages(db *sql.DB, classes int) (pool, test *data.Set, files []string, err error) {
	pool = &data.Set{Rows: 28, Cols: 28}
	test = &data.Set{Rows: 28, Cols: 28}
	rows, err := db.Query(`SELECT test, file, label, pix FROM images ORDER BY id`)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("team: the project's images: %w", err)
	}
	for rows.Next() {
		var isTest bool
		var file string
		var label int
		var pix []byte
		if err := rows.Scan(&isTest, &file, &label, &pix); err != nil {
			rows.Close()
			return nil, nil, nil, fmt.Errorf("team: the project's images: %w", err)
		}
		set := pool
		if isTest {
			set = test
		} else {
			files = append(files, file)
		}
		if len(pix) != set.Rows*set.Cols || label < 0 || label >= classes {
			rows.Close()
			return nil, nil, nil, fmt.Errorf("team: the project's image %s: %d pixels, label %d: want %d pixels and a label from 0 to %d", file, len(pix), label, set.Rows*set.Cols, classes-1)
		}
		set.Pix = append(set.Pix, pix...)
		set.Labels = append(set.Labels, uint8(label))
		set.N++
	}
	if err := closeRows(rows); err != nil {
		return nil, nil, nil, err
	}
	if pool.N == 0 {
		return nil, nil, nil, fmt.Errorf("team: the project file holds no images")
	}
	return pool, test, files, nil
}
