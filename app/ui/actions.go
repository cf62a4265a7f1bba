package ui

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// action is a go-app action whose value is a T: components post it, the view's root
// handles it on the UI goroutine. The type keeps every poster and handler of one name
// agreeing on the value, with no type assertion at any call site.
type action[T any] string

// post sends the action with value v.
func (a action[T]) post(ctx app.Context, v T) { ctx.NewActionWithValue(string(a), v) }

// handle calls f with each action's value, on the UI goroutine, for as long as the
// component of ctx is mounted; it re-renders that component after f.
func (a action[T]) handle(ctx app.Context, f func(T)) {
	ctx.Handle(string(a), func(_ app.Context, act app.Action) {
		if v, ok := act.Value.(T); ok {
			f(v)
		}
	})
}

// The lab's actions.
var (
	actCommand = action[command]("lab/command") // a key, tap or click: labModel.do
	actSetting = action[setting]("lab/setting") // a settings control changed
	actExport  = action[string]("lab/export")   // a download: exportCSV, exportJSON or exportModel
	actReset   = action[struct{}]("lab/reset")  // start again (after the person confirms)
	// actCancelRestore stops restoring a saved session: it is set aside and a new one starts.
	actCancelRestore = action[struct{}]("lab/cancel-restore")
	actRace          = action[raceCommand]("race/do")      // a race control
	actRaceCfg       = action[raceSetting]("race/edit")    // a race setting changed
	actDraw          = action[drawCommand]("draw/do")      // a draw control or key
	actStroke        = action[[]point]("draw/stroke")      // a stroke ended on the canvas: its points
	actImport        = action[importRequest]("lab/import") // the person's files: to label, or to test on
	actDataset       = action[bool]("lab/dataset")         // show the session on images (true) or MNIST's
)

// setting is a settings control's new value: field is one of labModel.setSetting's names.
type setting struct{ field, value string }

// The lab's downloads.
const (
	exportCSV   = "csv"
	exportJSON  = "json"
	exportModel = "model"
	exportAside = "aside" // the labels of the session set aside (labelModel.aside)
)
