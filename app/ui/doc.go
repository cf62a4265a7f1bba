// Package ui is the page of the in-browser lab (web/app.wasm): go-app components that show
// the lab, and the glue that connects them to the browser. It does not link the engine: it
// talks in wasm/msg messages to the Web Worker that hosts it.
//
// What lives where:
//
//   - Business logic, plain Go, tested natively: drawing (draw.go) turns strokes into the
//     network's input; drawModel (drawmodel.go) is the draw view's probes and drawn labels;
//     labModel (model.go, command.go) is the
//     labelling view's state and what a person's commands and the worker's messages do to
//     it; raceModel (racemodel.go) the race's; session.go the saved session and its
//     storage; export.go the downloads' contents; views.go turns the models into props;
//     device.go what each strategy costs on this device.
//   - Components (go-app, no syscall/js): pageHeader (layout.go), batchGrid and answerBar
//     (grid.go), progressPanel and curveChart (curve.go), personPanel, timeChart and
//     disagreementsPanel (person.go), redundancyPanel, mapChart and histChart
//     (redundancy.go), settingsPanel and sessionPanel (controls.go), raceChart, raceTable
//     and raceControls (race.go), drawTools, beliefPanel and marginPanel (drawpanel.go),
//     tourPanel (tour.go). Each takes its data as exported fields (props) and
//     posts what the person does as typed actions (actions.go); the view's root handles
//     them.
//   - Charts: every chart is drawn by package chart (charts.go, mapsvg.go), at the width
//     its component measures, so its text keeps its CSS size on a phone.
//   - The browser (files *_wasm.go): the three views' roots lab, race and drawView; the
//     drawing area (canvas_wasm.go); the engine's
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
//     data-answer: "?", "skip" or the label — on the person's images its class's name —
//     and data-name: the image's file), answer-bar, key-0 … key-9, key-skip,
//     key-undo, submit-batch, labelled-count, test-accuracy, round-notes, person-score,
//     strategy (each option with its round's cost here), strategy-cost, disagreements, export-csv, export-json, export-model, reset,
//     redundancy-map (data-round: the round of the map shown, -1 while mapping),
//     map-preview (data-id: the point shown), batch-histogram (data-hist),
//     batch-entropy, pairwise-distance, halting-hint (data-state), lab-tab, race-tab,
//     race-chart (data-rows), race-status (data-state: idle, running or done),
//     race-batch, race-cost, race-start, race-stop, race-export, draw-tab; on /draw:
//     draw-canvas (the drawing area, with its text alternative in aria-label), draw-clear,
//     draw-input (the 28×28 input, data-pixels: its 784 pixels, space-separated),
//     draw-prediction (data-pred: the predicted digit), draw-softmax (data-values: the ten
//     probabilities), draw-mc (data-mean, data-std: the MC dropout mean and spread),
//     draw-scores (an li per score with data-name, data-value "value rank of" and
//     data-asks), draw-twin (an image per method, data-method FGSM or DeepFool, data-to:
//     the class it flips to), draw-distance (data-method, data-value: its L2 distance),
//     draw-label (the labels' buttons, data-label 0–9), draw-waiting (data-count: drawings
//     labelled, waiting for the next submit), tour; import-panel, class-names (the class
//     names field), import-files and import-folder (the file inputs), import-test (the
//     labelled test folder's), import-summary (data-images, data-skipped, data-test: the
//     import's counts), switch-dataset (to MNIST or back to the images).
//   - .lab's data-engine: "idle" once the worker has nothing left to do before the next
//     submit (on /draw: once a drawing is answered in a digit's time, no probe in flight); .notice, the message that stays; .card.focus, the highlighted digit.
package ui
