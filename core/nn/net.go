package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"gorgonia.org/tensor"
)

// Architectures lists the built-in networks by name.
var Architectures = []string{"compact", "gal"}

// Input is the geometry every built-in network takes: one 28×28 greyscale channel with
// pixels scaled to [0, 1] (MNIST's 0–255 divided by 255).
var Input = shape{1, 28, 28}

// Classes is the number of outputs (logits) of the built-in networks New builds: MNIST's
// ten digits. NewClasses builds them with 2 to MaxClasses outputs.
const Classes = 10

// MaxClasses bounds the outputs of a built-in network.
const MaxClasses = 100

// Param names one parameter tensor of a Net: Name is PyTorch's state_dict key
// ("conv1.weight"), Shape its PyTorch shape, and Data a view into Net.Params.
type Param struct {
	Name  string
	Shape []int
	Data  []float32
	Grad  []float32 // the matching view into Net.Grads
}

// Net is a sequential network. All parameters live in one flat buffer, Params, in the order
// of Net.Named, and their gradients in Grads, so zeroing gradients or stepping an optimiser
// is one loop.
type Net struct {
	Arch   string
	Params []float32
	Grads  []float32
	Named  []Param

	layers []layer
	dlog   buffer // dL/dlogits for TrainBatch and BackwardInputTo
	x      *tensor.Dense
	head   *mcHead // fast Monte-Carlo dropout passes over the head, if it has that form
	noGrad bool    // the last pass from the input was NoGrad: Backward has nothing to go on
}

// parametric is a layer with weights and a bias.
type parametric interface {
	paramShapes() [][]int // PyTorch shapes: weight then bias
	bind(p, g [][]float32)
	fan() (in, out int)
}

// builder assembles a Net layer by layer, tracking the activation geometry.
type builder struct {
	layers []layer
	names  []string // a name per parametric layer
	sh     shape
	flat   bool
	convs  int
	denses int
}

func (b *builder) add(l layer, out shape) { b.layers = append(b.layers, l); b.sh = out }

func (b *builder) conv(filters, k int) {
	l := newConv2D(b.sh, filters, k)
	b.convs++
	b.names = append(b.names, fmt.Sprintf("conv%d", b.convs))
	b.add(l, l.out)
}

func (b *builder) dense(units int) {
	l := newDense(b.sh, units)
	b.denses++
	b.names = append(b.names, fmt.Sprintf("fc%d", b.denses))
	b.flat = true
	b.add(l, shape{units, 1, 1})
}

func (b *builder) relu()             { b.add(newReLU(b.sh, b.flat), b.sh) }
func (b *builder) pool()             { l := newMaxPool2D(b.sh); b.add(l, l.out) }
func (b *builder) dropout(p float32) { b.add(newDropout(b.sh, b.flat, p), b.sh) }

// New builds the named architecture with weights initialised from seed: He-uniform
// (bound √(6/fan_in)) for every layer followed by a ReLU, Glorot-uniform (√(6/(fan_in+fan_out)))
// for the output layer, zero biases.
//
//   - compact: conv 8 5×5 → ReLU → maxpool 2 → conv 16 5×5 → ReLU → maxpool 2 → dropout 0.25 →
//     dense 128 → ReLU → dropout 0.5 → dense 10 (the browser's default, ~37k parameters).
//   - gal (Gal et al. 2017): conv 32 4×4 → ReLU → conv 32 4×4 → ReLU → maxpool 2 →
//     dropout 0.25 → dense 128 → ReLU → dropout 0.5 → dense 10 (~513k parameters).
//
// A ReLU followed by a max-pool is computed as the max-pool followed by the ReLU: the two
// commute exactly (the ReLU is monotonic), so the outputs and gradients are the same bits,
// and the ReLU then touches a quarter of the units (under WebAssembly it cost 6 ms of the
// 99 ms of inferring a batch of 256).
func New(arch string, seed uint64) (*Net, error) { return NewClasses(arch, Classes, seed) }

// NewClasses builds the named architecture as New does, with classes outputs (2 to
// MaxClasses) instead of ten: the output layer, fc2, is classes × 128.
func NewClasses(arch string, classes int, seed uint64) (*Net, error) {
	if classes < 2 || classes > MaxClasses {
		return nil, fmt.Errorf("nn: %d classes: want 2 to %d", classes, MaxClasses)
	}
	b := &builder{sh: Input}
	switch arch {
	case "compact":
		b.conv(8, 5)
		b.pool()
		b.relu()
		b.conv(16, 5)
		b.pool()
		b.relu()
	case "gal":
		b.conv(32, 4)
		b.relu()
		b.conv(32, 4)
		b.pool()
		b.relu()
	default:
		return nil, fmt.Errorf("nn: unknown architecture %q: want one of %s", arch, strings.Join(Architectures, ", "))
	}
	b.dropout(0.25)
	b.dense(128)
	b.relu()
	b.dropout(0.5)
	b.dense(classes)
	return b.net(arch, seed), nil
}

// NewMLP builds a fully connected network of the given layer sizes, initialised from seed as
// New initialises its networks: sizes[0] inputs, a dense layer of sizes[l] units followed by
// a ReLU for each hidden size, and a dense output layer of sizes[len(sizes)-1] logits. Its
// input is (N, sizes[0]) and its output (N, sizes[len(sizes)-1]); its parameters are named
// fc1, fc2, … as in the built-in networks. Its Arch is "mlp", which Load does not rebuild.
func NewMLP(sizes []int, seed uint64) (*Net, error) {
	if len(sizes) < 2 || slices.Min(sizes) < 1 {
		return nil, fmt.Errorf("nn: invalid MLP sizes %v: want an input size and at least one layer size, each ≥ 1", sizes)
	}
	b := &builder{sh: shape{sizes[0], 1, 1}, flat: true}
	for l, units := range sizes[1:] {
		if l > 0 {
			b.relu()
		}
		b.dense(units)
	}
	return b.net("mlp", seed), nil
}

// net returns the Net of the layers built, its parameters bound and initialised from seed.
func (b *builder) net(arch string, seed uint64) *Net {
	net := &Net{Arch: arch, layers: b.layers}
	if body := net.Body(); body >= 0 {
		net.head = newMCHead(net.layers[body:])
	}
	net.bindParams(b.names)
	net.init(seed)
	return net
}

// bindParams lays every parameter out in one flat buffer and hands each layer its views.
func (n *Net) bindParams(names []string) {
	var ps []parametric
	total := 0
	for _, l := range n.layers {
		if p, ok := l.(parametric); ok {
			ps = append(ps, p)
			for _, s := range p.paramShapes() {
				total += prod(s)
			}
		}
	}
	n.Params = make([]float32, total)
	n.Grads = make([]float32, total)
	off := 0
	for i, p := range ps {
		var views, grads [][]float32
		for j, s := range p.paramShapes() {
			size := prod(s)
			v, g := n.Params[off:off+size:off+size], n.Grads[off:off+size:off+size]
			views, grads = append(views, v), append(grads, g)
			suffix := []string{"weight", "bias"}[j]
			n.Named = append(n.Named, Param{Name: names[i] + "." + suffix, Shape: s, Data: v, Grad: g})
			off += size
		}
		p.bind(views, grads)
	}
}

func (n *Net) init(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	var ps []parametric
	for _, l := range n.layers {
		if p, ok := l.(parametric); ok {
			ps = append(ps, p)
		}
	}
	for i, p := range ps {
		in, out := p.fan()
		bound := math.Sqrt(6 / float64(in)) // He: followed by a ReLU
		if i == len(ps)-1 {
			bound = math.Sqrt(6 / float64(in+out)) // Glorot: the output layer
		}
		w := n.Named[2*i].Data
		for j := range w {
			w[j] = float32((2*rng.Float64() - 1) * bound)
		}
		clear(n.Named[2*i+1].Data)
	}
}

func prod(s []int) int {
	p := 1
	for _, d := range s {
		p *= d
	}
	return p
}

// NewInput returns a zeroed input tensor for a batch of n images (n, 1, 28, 28).
func NewInput(n int) *tensor.Dense {
	return tensor.New(tensor.WithShape(n, Input.C, Input.H, Input.W), tensor.Of(tensor.Float32))
}

// Forward runs x through the network and returns the logits: x is (N, 1, 28, 28) and the
// logits (N, 10) for the built-in networks, (N, sizes[0]) and (N, sizes[len(sizes)-1]) for
// NewMLP's. The result and every intermediate activation belong to the Net and are
// overwritten by the next call.
func (n *Net) Forward(x *tensor.Dense, p Pass) *tensor.Dense {
	return n.ForwardRange(x, 0, len(n.layers), p)
}

// ForwardRange runs x through layers [from, to) and returns their output. Layers count from
// 0 at the input; Body returns where the deterministic part ends. The result belongs to the
// Net and is overwritten by the next pass through those layers.
func (n *Net) ForwardRange(x *tensor.Dense, from, to int, p Pass) *tensor.Dense {
	if from == 0 {
		n.x, n.noGrad = x, p.NoGrad
	}
	for i := from; i < to; i++ {
		if c, ok := n.layers[i].(*Conv2D); ok && p.NoGrad && i+1 < to {
			if pool, ok := n.layers[i+1].(*MaxPool2D); ok {
				x = c.forwardPooled(x, pool)
				i++
				continue
			}
		}
		x = n.layers[i].forward(x, p)
	}
	return x
}

// Body returns the number of layers before the first dropout layer. Those layers ignore the
// pass's mode, so their output is the same in every pass: Monte-Carlo dropout can compute it
// once and run only the layers from Body on for each of its T passes — exactly, not as an
// approximation.
func (n *Net) Body() int {
	return slices.IndexFunc(n.layers, func(l layer) bool { _, ok := l.(*Dropout); return ok })
}

// Layers returns the number of layers.
func (n *Net) Layers() int { return len(n.layers) }

// Embedding returns the penultimate activation of the last Forward: the (N, 128) input of the
// output layer, after dropout (which is the identity in Infer mode).
func (n *Net) Embedding() *tensor.Dense {
	return n.output().x
}

// output returns the output layer.
func (n *Net) output() *Dense { return n.layers[len(n.layers)-1].(*Dense) }

// Outputs returns the number of logits the network gives an input: its classes.
func (n *Net) Outputs() int { return n.output().out }

// Backward propagates dL/dlogits (N × outputs) through the last Forward pass, adding into
// Grads. With dx non-nil it also writes dL/dinput (N × inputs, 784 for an image) there.
func (n *Net) Backward(dlogits *tensor.Dense, dx []float32) { n.backward(dlogits, dx, true) }

// backward is Backward, adding into Grads only if params.
func (n *Net) backward(dlogits *tensor.Dense, dx []float32, params bool) {
	if n.noGrad {
		panic("nn: Backward after a NoGrad pass")
	}
	g := dlogits
	for i := len(n.layers) - 1; i >= 0; i-- {
		g = n.layers[i].backward(g, i > 0 || dx != nil, params)
	}
	if dx != nil {
		copy(dx, data(g))
	}
}

// ZeroGrad sets every gradient to zero.
func (n *Net) ZeroGrad() { clear(n.Grads) }

// InputGradTo writes into dst (N × 784) the gradient with respect to the input of
// Σᵢ Σₖ seed[i,k]·logit[i,k], for the input of the last Forward pass: with seed one-hot on
// class k it is ∇ₓ logitₖ; with e_k − e_j it is ∇ₓ(logitₖ − logitⱼ), as DeepFool needs.
// It computes no parameter gradient (about half a backward pass's work) and leaves Grads
// as they are.
func (n *Net) InputGradTo(dst, seed []float32) {
	nb := batch(n.x)
	d := n.dlog.get(nb, shape{n.output().out, 1, 1}, true)
	copy(data(d), seed)
	n.backward(d, dst, false)
}

// TrainBatch runs one optimisation step on the batch x (as Forward takes it) with labels (in
// [0, outputs)), drawing dropout masks from rng, and returns the mean softmax cross-entropy
// loss before the step. rng may be nil for a network without dropout (NewMLP's).
func (n *Net) TrainBatch(x *tensor.Dense, labels []uint8, opt Optimizer, rng *rand.Rand) float64 {
	n.ZeroGrad()
	logits := n.Forward(x, Pass{Mode: Train, Rand: rng})
	classes := n.output().out
	d := n.dlog.get(len(labels), shape{classes, 1, 1}, true)
	loss := SoftmaxCrossEntropyTo(data(d), data(logits), labels, classes)
	n.Backward(d, nil)
	opt.Step(n.Params, n.Grads)
	return loss
}

// Param returns the parameter with the given state_dict name.
func (n *Net) Param(name string) (Param, bool) {
	i := slices.IndexFunc(n.Named, func(p Param) bool { return p.Name == name })
	if i < 0 {
		return Param{}, false
	}
	return n.Named[i], true
}
