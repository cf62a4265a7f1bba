package active

import (
	"context"
	"fmt"
	"slices"
	"time"

	"alab/core/data"
	"alab/core/nn"
	"alab/core/train"
)

// Pretrain runs the current round's share of the next round's training — Schedule.Pre steps
// on the labels of this round, which do not need the next batch's answers — on a copy of the
// round's network, once. A person's session calls it while the person labels; it does
// nothing without WarmStart and Pre steps, or before the round's network is trained.
func (l *Loop) Pretrain(ctx context.Context) (time.Duration, error) {
	if l.net == nil || l.trained != l.round {
		return 0, nil
	}
	start := time.Now()
	err := l.pretrain(ctx)
	return time.Since(start), err
}

// pretrain sets next to the network of round trained continued by Schedule.Pre steps on
// that round's labels, unless it is set or the schedule has no such steps.
func (l *Loop) pretrain(ctx context.Context) error {
	if !l.cfg.Train.WarmStart || l.cfg.Train.Pre == 0 || l.next != nil {
		return nil
	}
	next, err := l.copyNet(l.net)
	if err != nil {
		return err
	}
	cfg := l.cfg.Train.Warm
	cfg.Steps, cfg.Epochs, cfg.Seed = l.cfg.Train.Pre, 0, Seed(l.cfg.Seed, "pretrain", l.trained)
	if _, err := train.Fit(ctx, next, l.labelledSet(l.trained), cfg, nil); err != nil {
		return err
	}
	l.next = next
	return nil
}

// trainRound brings the network up to the current round (Schedule), once per round.
func (l *Loop) trainRound(ctx context.Context) error {
	if l.net != nil && l.trained == l.round {
		return nil
	}
	if l.round == 0 && l.cfg.Unseeded { // no labels, no network
		l.trained = 0
		return nil
	}
	seed := Seed(l.cfg.Seed, "round", l.round)
	if l.round == 0 && l.zero != nil {
		if net, err := l.takeZero(); err != nil || net != nil {
			l.net, l.trained, l.took0 = net, 0, err == nil
			return err
		}
	}
	cfg := l.cfg.Train.Cold
	if l.net == nil || !l.cfg.Train.WarmStart {
		net, err := nn.NewClasses(l.cfg.Arch, l.cfg.Classes, seed)
		if err != nil {
			return err
		}
		l.net = net
	} else {
		if err := l.pretrain(ctx); err != nil { // unless Pretrain ran in the previous round
			return err
		}
		if l.next != nil {
			l.net = l.next
		}
		cfg = l.cfg.Train.Warm
	}
	l.next = nil
	cfg.Seed = seed
	if _, err := train.Fit(ctx, l.net, l.labelledSet(l.round), cfg, nil); err != nil {
		return err
	}
	l.trained = l.round
	return nil
}

// takeZero returns a copy of Config.RoundZero's network if it matches the loop (recording its
// accuracy if tested), nil if it does not.
func (l *Loop) takeZero() (*nn.Net, error) {
	z := l.zero
	if z.Net == nil || z.Net.Arch != l.cfg.Arch || z.Net.Outputs() != l.cfg.Classes || !slices.Equal(z.Labelled, l.initial) {
		l.zero = nil
		return nil, nil
	}
	net, err := l.copyNet(z.Net)
	if err != nil {
		return nil, err
	}
	if z.Tested {
		l.accuracy[0] = z.Accuracy
	}
	return net, nil
}

// copyNet returns a network of the loop's architecture with net's weights.
func (l *Loop) copyNet(net *nn.Net) (*nn.Net, error) {
	c, err := nn.NewClasses(l.cfg.Arch, l.cfg.Classes, 0)
	if err != nil {
		return nil, err
	}
	copy(c.Params, net.Params)
	return c, nil
}

// labelledSet returns the samples labelled up to round with the oracle's labels (which,
// from a person, may differ from the set's), in labelling order, followed by the images
// outside the pool given up to round.
func (l *Loop) labelledSet(round int) *data.Set {
	var ids []int
	for _, id := range l.pool.Labelled() {
		if l.pool.Round(id) <= round && !l.isHeld[id] {
			ids = append(ids, id)
		}
	}
	s := l.set.Subset(ids)
	for i, id := range ids {
		s.Labels[i] = l.pool.LabelOf(id)
	}
	for i, r := range l.extraRound {
		if r <= round {
			s.Pix = append(s.Pix, l.extra.Image(i)...)
			s.Labels = append(s.Labels, l.extra.Labels[i])
			s.N++
		}
	}
	return s
}

// AddImage adds an image outside the pool with label, given in the current round (a digit a
// person drew): it trains from the next round on, as the pool's labels do. img holds the
// pool's Rows×Cols pixels, 0 background to 255 ink.
func (l *Loop) AddImage(img []uint8, label uint8) error {
	if n := l.set.Rows * l.set.Cols; len(img) != n {
		return fmt.Errorf("active: an image of %d pixels: want %d (%d×%d)", len(img), n, l.set.Rows, l.set.Cols)
	}
	if int(label) >= l.cfg.Classes {
		return fmt.Errorf("active: label %d for an added image: want 0 to %d", label, l.cfg.Classes-1)
	}
	l.extra.Pix = append(l.extra.Pix, img...)
	l.extra.Labels = append(l.extra.Labels, label)
	l.extra.N++
	l.extraRound = append(l.extraRound, l.round+1)
	return nil
}

// Added returns how many images outside the pool were added with AddImage.
func (l *Loop) Added() int { return l.extra.N - l.twins }

// addTwin keeps an adversarial image (values in [0, 1]) as an 8-bit training image.
func (l *Loop) addTwin(img []float32, label uint8) {
	px := make([]uint8, len(img))
	for i, v := range img {
		px[i] = uint8(min(max(v, 0), 1)*255 + 0.5)
	}
	_ = l.AddImage(px, label) // the pool's size and a label the oracle gave
	l.twins++
}

// Twins returns how many adversarial twins DFALAugment has added.
func (l *Loop) Twins() int { return l.twins }
