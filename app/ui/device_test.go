package ui

import (
	"strings"
	"testing"

	"alab/wasm/msg"
)

func TestDeviceSpeed(t *testing.T) {
	st := &memStore{m: map[string]string{}}
	var sent []msg.Msg
	m := testLab(st, &sent)
	if m.speed.Measured || m.speed.PassMs != typicalPassMs {
		t.Fatalf("before any measurement the speed is %+v, want the typical %v ms unmeasured", m.speed, typicalPassMs)
	}
	// The worker measures a pass with every accuracy; the lab keeps it for the race page.
	m.receive(msg.Msg{Kind: msg.KindAccuracy, Accuracy: &msg.Accuracy{Round: 0, Labelled: 20, Accuracy: 0.5, TestSize: 2000, PassMs: 0.5}})
	if m.speed != (deviceSpeed{PassMs: 0.5, Measured: true}) {
		t.Fatalf("after a measured pass of 0.5 ms the speed is %+v", m.speed)
	}
	if got := loadDeviceSpeed(st); got != m.speed {
		t.Errorf("the race page reads %+v, want %+v", got, m.speed)
	}
	// An accuracy without a pass time (an older worker) leaves the measurement; the next
	// measurement is averaged in.
	m.receive(msg.Msg{Kind: msg.KindAccuracy, Accuracy: &msg.Accuracy{Round: 1, Labelled: 30, Accuracy: 0.6, TestSize: 2000}})
	if !m.speed.Measured || m.speed.PassMs != 0.5 {
		t.Errorf("an accuracy without a pass time changed the speed to %+v", m.speed)
	}
	m.receive(msg.Msg{Kind: msg.KindAccuracy, Accuracy: &msg.Accuracy{Round: 2, Labelled: 40, Accuracy: 0.7, TestSize: 2000, PassMs: 0.3}})
	if m.speed.PassMs != 0.4 || loadDeviceSpeed(st).PassMs != 0.4 {
		t.Errorf("after 0.5 and 0.3 ms the speed is %+v (saved %+v), want 0.4 ms", m.speed, loadDeviceSpeed(st))
	}
	for _, bad := range []string{"", "-1", "NaN", "Inf", "1e9", "fast"} {
		st.m[deviceKey] = bad
		if got := loadDeviceSpeed(st); got.Measured {
			t.Errorf("a saved pass time %q is taken as measured: %+v", bad, got)
		}
	}
}

func TestCostText(t *testing.T) {
	d := deviceSpeed{PassMs: 0.25, Measured: true}
	for _, c := range []struct {
		ops  float64
		want string
	}{{10, "instant"}, {2000, "≈ 0.5 s"}, {1880, "≈ 0.47 s"}, {5600, "≈ 1.4 s"}, {123456, "≈ 31 s"}, {1e6, "≈ 4.2 min"}, {1e8, "≈ 417 min"}} {
		if got := d.text(c.ops); got != c.want {
			t.Errorf("%v passes of 0.25 ms: %q, want %q", c.ops, got, c.want)
		}
	}
}

// The lab's settings say what each strategy costs here: the adversarial searches cost most
// per candidate, the random baseline nothing, and the hint names the device's speed.
func TestStrategyCosts(t *testing.T) {
	set := msg.Defaults()
	d := deviceSpeed{PassMs: 0.3, Measured: true}
	seconds := map[string]float64{}
	for _, s := range msg.Strategies {
		seconds[s.Name] = d.seconds(s.RoundOps(set))
	}
	if seconds["random"] != 0 || !(seconds["margin"] > 0) || !(seconds["bald"] > seconds["margin"]) ||
		!(seconds["deepfool"] > seconds["fgsm"]) || !(seconds["fgsm"] > seconds["margin"]) {
		t.Errorf("a round's cost on a 0.3 ms device: %v", seconds)
	}
	// margin scores the 2000 candidates once: 2000 passes of 0.3 ms.
	if got := strategyCost(msg.Strategies[0], set, d); msg.Strategies[0].Name != "margin" || got != "≈ 0.6 s" {
		t.Errorf("%s at the defaults costs %q, want ≈ 0.6 s", msg.Strategies[0].Name, got)
	}
	if h := costHint(set, d); !strings.Contains(h, "2000 candidates") || !strings.Contains(h, "0.30 ms here") {
		t.Errorf("hint %q", h)
	}
	set.Strategy = "deepfool"
	if h := costHint(set, deviceSpeed{PassMs: typicalPassMs}); !strings.Contains(h, "300 candidates") || !strings.Contains(h, "typical laptop") {
		t.Errorf("deepfool's hint before a measurement %q", h)
	}
}

// A race lasts as long as its busiest worker: more workers never make it longer, and it
// is at least the costliest strategy's own race.
func TestRaceCost(t *testing.T) {
	cfg := msg.RaceDefaults()
	cfg.Strategies = []string{"random", "margin", "bald", "coreset", "deepfool"}
	one, two, four := raceOps(cfg, 1), raceOps(cfg, 2), raceOps(cfg, 4)
	sum, most := 0.0, 0.0
	for _, s := range cfg.Strategies {
		sum += cfg.Ops(s)
		most = max(most, cfg.Ops(s))
	}
	if one != sum || two > one || four > two || four < most {
		t.Errorf("race work on 1, 2, 4 workers: %v %v %v; every strategy's %v, the costliest %v", one, two, four, sum, most)
	}
	if h := raceCostHint(msg.RaceDefaults(), cfg.Strategies, 2, deviceSpeed{PassMs: 0.3, Measured: true}); !strings.Contains(h, "These 5 take") || !strings.Contains(h, "on 2 workers") {
		t.Errorf("race hint %q", h)
	}
}
