package nn

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"alab/core/npz"
)

// Save writes the weights as a NumPy .npz archive with PyTorch state_dict names and layouts
// (conv1.weight is [out, in, kh, kw], fc1.weight [out, in]; float32, little-endian, C order),
// so numpy.load and torch.nn.Module.load_state_dict read it unchanged.
func (n *Net) Save(w io.Writer) error {
	arrays := make([]npz.Array, len(n.Named))
	for i, p := range n.Named {
		arrays[i] = npz.Array{Name: p.Name, Shape: p.Shape, Data: p.Data}
	}
	return npz.Write(w, arrays)
}

// Load reads weights saved by Save (or by NumPy from a PyTorch state_dict of the same
// architecture) and returns a Net of the architecture whose parameter names and shapes they
// match exactly, with as many classes as fc2.weight has rows (NewClasses). A missing,
// unexpected or misshapen array is an error that names it.
//
// Each array's name and shape are checked against the architectures' parameters before its
// data is read, so an archive declaring an array no architecture has costs only its header.
func Load(r io.ReaderAt, size int64) (*Net, error) {
	nets := make([]*Net, len(Architectures))
	shapes := map[string][][]int{}
	for i, arch := range Architectures {
		nets[i], _ = New(arch, 0)
		for _, p := range nets[i].Named {
			if !slices.ContainsFunc(shapes[p.Name], func(s []int) bool { return slices.Equal(s, p.Shape) }) {
				shapes[p.Name] = append(shapes[p.Name], p.Shape)
			}
		}
	}
	arrays, err := npz.ReadChecked(r, size, func(name string, shape []int) error {
		allowed, ok := shapes[name]
		if strings.HasPrefix(name, "fc2.") && len(shape) > 0 && shape[0] >= 2 && shape[0] <= MaxClasses {
			// The output layer has a row per class: compare it as the ten-class layer.
			shape = append([]int{Classes}, shape[1:]...)
		}
		switch {
		case !ok:
			return fmt.Errorf("unexpected array: no architecture (%s) has it", strings.Join(Architectures, ", "))
		case !slices.ContainsFunc(allowed, func(s []int) bool { return slices.Equal(s, shape) }):
			return fmt.Errorf("shape %v: want one of %v", shape, allowed)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	classes := Classes
	for _, a := range arrays {
		// The output layer's rows are the classes (2 to MaxClasses; NewClasses refuses others).
		if a.Name == "fc2.weight" && len(a.Shape) == 2 {
			classes = a.Shape[0]
		}
	}
	var reasons []string
	for i, arch := range Architectures {
		net := nets[i]
		if classes != Classes {
			if net, err = NewClasses(arch, classes, 0); err != nil {
				return nil, fmt.Errorf("nn: weights match no architecture: fc2.weight has %d rows, %v", classes, err)
			}
		}
		err := net.setWeights(arrays)
		if err == nil {
			return net, nil
		}
		reasons = append(reasons, fmt.Sprintf("not %s: %v", arch, err))
	}
	return nil, fmt.Errorf("nn: weights match no architecture (%s)", strings.Join(reasons, "; "))
}

// setWeights copies arrays into the Net's parameters after checking that names and shapes
// match the architecture one for one. Names are unique: npz.Read rejects duplicates.
func (n *Net) setWeights(arrays []npz.Array) error {
	byName := make(map[string]npz.Array, len(arrays))
	for _, a := range arrays {
		byName[a.Name] = a
	}
	for _, p := range n.Named {
		a, ok := byName[p.Name]
		if !ok {
			return fmt.Errorf("missing array %q", p.Name)
		}
		if !slices.Equal(a.Shape, p.Shape) {
			return fmt.Errorf("%s has shape %v: want %v", p.Name, a.Shape, p.Shape)
		}
	}
	if len(arrays) > len(n.Named) {
		for _, a := range arrays {
			if _, ok := n.Param(a.Name); !ok {
				return fmt.Errorf("unexpected array %q", a.Name)
			}
		}
	}
	for _, p := range n.Named {
		copy(p.Data, byName[p.Name].Data)
	}
	return nil
}
