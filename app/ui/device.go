package ui

import (
	"fmt"
	"math"
	"strconv"

	"alab/wasm/msg"
)

// What a strategy costs on this device: its cost model's work (msg.Strategy.RoundOps,
// msg.Race.Ops), in forward passes of one digit through the compact network, times how
// long such a pass takes here. The lab's worker measures that every round
// (msg.Accuracy.PassMs) and the lab keeps it under deviceKey, so the race page knows it too.

// deviceKey is the storage key of the last pass time measured on this device.
const deviceKey = "alab.passMs"

// typicalPassMs stands in until this device is measured: the compact network's inference
// under WebAssembly (about 3,700 digits a second, README's performance section).
const typicalPassMs = 0.27

// deviceSpeed is how long one forward pass of one digit takes here, in milliseconds, and
// whether it was measured on this device (else it is typicalPassMs).
type deviceSpeed struct {
	PassMs   float64
	Measured bool
}

// loadDeviceSpeed returns the pass time saved in st, or the typical one.
func loadDeviceSpeed(st store) deviceSpeed {
	if st != nil {
		if v, ok := st.get(deviceKey); ok {
			if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1000 {
				return deviceSpeed{PassMs: ms, Measured: true}
			}
		}
	}
	return deviceSpeed{PassMs: typicalPassMs}
}

// measured returns the speed after a pass measured at passMs (by msg.Accuracy), saved in st
// for the race page; a pass time that is not a sane positive number leaves d as it is.
func (d deviceSpeed) measured(passMs float64, st store) deviceSpeed {
	if !(passMs > 0 && passMs < 1000) {
		return d
	}
	if d.Measured {
		// One evaluation's time moves with what else the device does: keep a running mean.
		passMs = (d.PassMs + passMs) / 2
	}
	if st != nil {
		st.set(deviceKey, strconv.FormatFloat(passMs, 'g', 4, 64)) // a cache: a refusal loses nothing
	}
	return deviceSpeed{PassMs: passMs, Measured: true}
}

// seconds is how long work of ops forward passes takes here.
func (d deviceSpeed) seconds(ops float64) float64 { return ops * d.PassMs / 1000 }

// text says how long work of ops forward passes takes here, to two significant digits:
// "≈ 0.42 s", "≈ 12 s", "≈ 3.5 min"; "instant" below 10 ms.
func (d deviceSpeed) text(ops float64) string {
	s := d.seconds(ops)
	switch {
	case s < 0.01:
		return "instant"
	case s < 90:
		return "≈ " + twoDigits(s) + " s"
	default:
		return "≈ " + twoDigits(s/60) + " min"
	}
}

// where says where the figures of text hold.
func (d deviceSpeed) where() string {
	if d.Measured {
		return fmt.Sprintf("on this device (one digit's pass takes %.2f ms here)", d.PassMs)
	}
	return "on a typical laptop, until this device is measured after the first batch"
}

// twoDigits writes x > 0 to two significant digits, without an exponent.
func twoDigits(x float64) string {
	if x >= 100 {
		return strconv.FormatFloat(math.Round(x), 'f', 0, 64)
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 2, 64), 64)
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// strategyCost says what choosing a batch with strategy st costs here at settings set.
func strategyCost(st msg.Strategy, set msg.Settings, d deviceSpeed) string {
	return d.text(st.RoundOps(set))
}

// raceOps is the work of a race of cfg on workers workers that sets how long it takes: its
// busiest worker's (msg.ShareOut shares the strategies out by the same costs).
func raceOps(cfg msg.Race, workers int) float64 {
	busiest := 0.0
	for _, share := range msg.ShareOut(cfg, workers) {
		load := 0.0
		for _, s := range share {
			load += cfg.Ops(s)
		}
		busiest = max(busiest, load)
	}
	return busiest
}
