package ui

import "syscall/js"

// testMark notes when something happened, for the page's browser test: it sets
// window.alabTest[name] to performance.now(). It is the one script-level hook of the test
// contract (doc.go); everything else the test reads is in the DOM.
func testMark(name string) {
	g := js.Global()
	t := g.Get("alabTest")
	if !t.Truthy() {
		t = g.Get("Object").New()
		g.Set("alabTest", t)
	}
	t.Set(name, g.Get("performance").Call("now"))
}

// The marks.
const (
	markBatch      = "batchShown"  // a batch came up on screen (a new one, or the one restored)
	markRaceStart  = "raceStarted" // the race's workers were started
	markRaceDone   = "raceDone"    // every strategy of the race has finished
	markStrokeEnd  = "strokeEnd"   // the pen lifted from the draw view's canvas
	markProbeSent  = "probeSent"   // the drawing, made the network's input, was posted to the worker
	markProbeBack  = "probeBack"   // the worker's answer arrived
	markProbeShown = "probeShown"  // what the network makes of a drawing is on screen
)
