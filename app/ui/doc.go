// Package ui is the page of the in-browser lab (web/app.wasm): go-app components that show
// the lab, and the glue that connects them to the browser. It does not link the engine: it
// talks in wasm/msg messages to the Web Worker that hosts it.
//
// What lives where:
//
//   - Business logic, plain Go, tested natively: labModel (model.go, command.go) is the
//     labelling view's state and what a person's commands and the worker's messages do to
//     it; raceModel (racemodel.go) the race's; session.go the saved session and its
//     storage; export.go the downloads' contents; views.go turns the models into props;
//     device.go what each strategy costs on this device.
//   - Components (go-app, no syscall/js): pageHeader (layout.go), batchGrid and answerBar
//     (grid.go), progressPanel and curveChart (curve.go), personPanel, timeChart and
//     disagreementsPanel (person.go), redundancyPanel, mapChart and histChart
//     (redundancy.go), settingsPanel and sessionPanel (controls.go), raceChart, raceTable
//     and raceControls (race.go). Each takes its data as exported fields (props) and
//     posts what the person does as typed actions (actions.go); the view's root handles
//     them.
//   - Charts: every chart is drawn by package chart (charts.go, mapsvg.go), at the width
//     its component measures, so its text keeps its CSS size on a phone.
//   - The browser (files *_wasm.go): the two views' roots lab and race; the engine's
//     worker (worker_wasm.go); localStorage (storage_wasm.go); downloads
//     (download_wasm.go); the keyboard (keys_wasm.go); the map's preview
//     (preview_wasm.go). Each js.Func is released when its worker, listener or timer ends.
//
// # Test contract
//
// The browser test (app/cli/browser_test.go) reads the page through this contract and
// nothing else:
//
//   - window.alabTest.batchShown, .raceStarted and .raceDone: performance.now() when a
//     batch last came up, when the race's workers were started and when the race finished
//     (testhook_wasm.go).
//   - data-testid attributes: query-item (a card, with data-id, its MNIST index, and
//     data-answer: "?", "skip" or the label), answer-bar, key-0 … key-9, key-skip,
//     key-undo, submit-batch, labelled-count, test-accuracy, round-notes, person-score,
//     strategy (each option with its round's cost here), strategy-cost, disagreements, export-csv, export-json, export-model, reset,
//     redundancy-map (data-round: the round of the map shown, -1 while mapping),
//     map-preview (data-id: the point shown), batch-histogram (data-hist),
//     batch-entropy, pairwise-distance, halting-hint (data-state), lab-tab, race-tab,
//     race-chart (data-rows), race-status (data-state: idle, running or done),
//     race-batch, race-cost, race-start, race-stop, race-export.
//   - .lab's data-engine: "idle" once the worker has nothing left to do before the next
//     submit; .notice, the message that stays; .card.focus, the highlighted digit.
package ui
