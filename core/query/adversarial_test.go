package query

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"alab/core/adversarial"
	"alab/core/nn"
)

// advCandidates returns n random images (images 3 and 4 equal, a tie) on an
// untrained compact net, with pool IDs 100, 101, ….
func advCandidates(t *testing.T, n int) *Candidates {
	t.Helper()
	net, err := nn.New("compact", 1)
	if err != nil {
		t.Fatal(err)
	}
	const size = 28 * 28
	rng := rand.New(rand.NewPCG(1, 2))
	c := &Candidates{Net: net, Images: make([]float32, n*size)}
	for i := range c.Images {
		c.Images[i] = rng.Float32()
	}
	if n > 4 {
		copy(c.Images[4*size:5*size], c.Images[3*size:4*size])
	}
	for i := range n {
		c.IDs = append(c.IDs, 100+i)
	}
	return c
}

func TestAdversarialPicksSmallestDistance(t *testing.T) {
	c := advCandidates(t, 12)
	for _, name := range []string{"deepfool", "fgsm"} {
		s, _ := New(name, Options{})
		if s.Needs() != (Needs{Model: true}) {
			t.Errorf("%s needs %+v, want only the model", name, s.Needs())
		}
		search := map[string]func(*nn.Net, []float32, adversarial.Config) ([]adversarial.Result, error){
			"deepfool": adversarial.DeepFool, "fgsm": adversarial.FGSM}[name]
		res, err := search(c.Net, c.Images, adversarial.Config{})
		if err != nil {
			t.Fatal(err)
		}
		picks, err := s.Select(c, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(picks) != 5 {
			t.Fatalf("%s picked %d, want 5", name, len(picks))
		}
		for j, p := range picks {
			r := res[p.ID-100]
			if p.Score != r.Distance || !slices.Equal(p.Adversarial, r.Adversarial) || p.Adversarial == nil {
				t.Errorf("%s pick %d (%d): score %g, want the distance %g and its adversarial image", name, j, p.ID, p.Score, r.Distance)
			}
			if j > 0 && p.Score < picks[j-1].Score {
				t.Errorf("%s picks not by increasing distance: %v then %v", name, picks[j-1].Score, p.Score)
			}
		}
		// Every unpicked candidate is at least as far as the last pick.
		for i, r := range res {
			if !slices.ContainsFunc(picks, func(p Pick) bool { return p.ID == 100+i }) && r.Distance < picks[4].Score {
				t.Errorf("%s skipped candidate %d at distance %g < %g", name, 100+i, r.Distance, picks[4].Score)
			}
		}
		// The two copies tie: the earlier comes first wherever they fall.
		all, _ := s.Select(c, 100)
		if len(all) != 12 {
			t.Fatalf("%s: k > candidates gave %d picks, want 12", name, len(all))
		}
		i3 := slices.IndexFunc(all, func(p Pick) bool { return p.ID == 103 })
		if all[i3].Score != res[3].Distance || i3+1 >= len(all) || all[i3+1].ID != 104 {
			t.Errorf("%s: tie of candidates 103 and 104 not broken by candidate order: %v", name, all)
		}
		if none, err := s.Select(c, 0); err != nil || len(none) != 0 {
			t.Errorf("%s: k = 0 gave %v, %v", name, none, err)
		}
	}
}

func TestAdversarialNoFlipRanksLast(t *testing.T) {
	c := advCandidates(t, 6)
	// One DeepFool step flips only the images nearest the boundary.
	s, _ := New("deepfool", Options{MaxIter: 1})
	picks, err := s.Select(c, 6)
	if err != nil {
		t.Fatal(err)
	}
	first := slices.IndexFunc(picks, func(p Pick) bool { return math.IsInf(p.Score, 1) })
	if first <= 0 {
		t.Fatalf("scores %v: want some finite and some +Inf", picks)
	}
	for j, p := range picks[first:] {
		if !math.IsInf(p.Score, 1) || p.Adversarial != nil {
			t.Errorf("pick %d after the first +Inf: score %g, adversarial %t: want +Inf and none", p.ID, p.Score, p.Adversarial != nil)
		}
		if j > 0 && p.ID < picks[first+j-1].ID {
			t.Errorf("the +Inf picks are not in candidate order: %v", picks[first:])
		}
	}
}

func TestAdversarialBadCandidates(t *testing.T) {
	good := advCandidates(t, 3)
	for _, c := range []struct {
		name string
		c    Candidates
		opt  Options
		k    int
		want string
	}{
		{"k", *good, Options{}, -1, "query: invalid batch size -1"},
		{"net", Candidates{IDs: good.IDs, Images: good.Images}, Options{}, 1, "query: Net is nil"},
		{"images", Candidates{IDs: good.IDs, Images: good.Images[:784], Net: good.Net}, Options{}, 1, "Images holds 784 values, want 3 candidates × 784"},
	} {
		s, _ := New("deepfool", c.opt)
		if _, err := s.Select(&c.c, c.k); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
	}
	// The searches' own ranges are checked when the strategy is made.
	if _, err := New("deepfool", Options{Overshoot: 2}); err == nil || !strings.Contains(err.Error(), "adversarial: invalid overshoot 2") {
		t.Errorf("overshoot 2: %v", err)
	}
}
