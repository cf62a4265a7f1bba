package ui

import (
	"fmt"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"alab/wasm/msg"
)

// importRequest is the person's files (a FileList, from the file inputs or a drop): images
// to label, with the class names they typed, or with test set a labelled folder to test on.
type importRequest struct {
	classes string
	files   app.Value
	test    bool
}

// importPanel is where the person brings their own images: the class names, the files (or
// a folder, or a drop on the panel), what the import kept and skipped, the first images as
// the network sees them, and the way back to MNIST (or on to the images).
type importPanel struct {
	app.Compo
	Images    *msg.Imported // the import the lab labels; nil on MNIST
	Other     string        // the other session saved in this browser, to switch to ("" if none)
	Importing bool
	Stage     string
	Preview   []string // data URLs of Images.Preview

	names string // the class names field, as typed
}

// defaultClasses is the class names field before the person types: the session's.
func (p *importPanel) defaultClasses() string {
	if p.Images != nil {
		return strings.Join(p.Images.Classes, ", ")
	}
	return strings.Join(digitNames, ", ")
}

func (p *importPanel) Render() app.UI {
	if p.names == "" {
		p.names = p.defaultClasses()
	}
	send := func(ctx app.Context, files app.Value, test bool) {
		if files.Truthy() && files.Get("length").Int() > 0 {
			actImport.post(ctx, importRequest{classes: p.names, files: files, test: test})
		}
	}
	input := func(testid string, folder, test bool) app.HTMLInput {
		in := app.Input().Type("file").DataSet("testid", testid).Accept("image/png,image/jpeg,image/gif").
			Multiple(true).Disabled(p.Importing).
			OnChange(func(ctx app.Context, e app.Event) { send(ctx, e.Get("target").Get("files"), test) })
		if folder {
			in = in.Attr("webkitdirectory", true)
		}
		return in
	}
	return app.Section().Class("panel import").DataSet("testid", "import-panel").
		OnDragOver(func(ctx app.Context, e app.Event) { e.PreventDefault() }).
		OnDrop(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			send(ctx, e.Get("dataTransfer").Get("files"), false)
		}).Body(
		app.H2().Text("Your own images"),
		app.P().Class("small").Text("Label your pictures instead of MNIST: name the classes (2 to 10, the keys 0 to 9), "+
			"then choose image files or a folder, or drop files here. They are converted to 28×28 grey as the network "+
			"sees them, and stay in this browser: nothing is uploaded."),
		app.Label().Class("field").Body(
			app.Span().Text("Class names, comma-separated"),
			app.Input().Type("text").DataSet("testid", "class-names").Value(p.names).Disabled(p.Importing).
				OnInput(func(ctx app.Context, e app.Event) { p.names = ctx.JSSrc().Get("value").String() }),
		),
		app.Div().Class("buttons").Body(
			app.Label().Class("file").Body(app.Span().Text("Image files: "), input("import-files", false, false)),
			app.Label().Class("file").Body(app.Span().Text("A folder: "), input("import-folder", true, false)),
		),
		app.If(p.Images != nil, app.Label().Class("file").Body(
			app.Span().Text("A labelled folder to test on (a subfolder per class, named as the classes): "),
			input("import-test", true, true),
		)),
		app.If(p.Importing, app.P().Class("status").Text(stageText(p.Stage))),
		app.If(p.Images != nil, p.summary()),
		app.If(p.Other != "", app.Button().DataSet("testid", "switch-dataset").Text(p.Other).
			OnClick(func(ctx app.Context, e app.Event) { actDataset.post(ctx, p.Images == nil) })),
	)
}

// summary says what the import kept and skipped, and shows its first images.
func (p *importPanel) summary() app.UI {
	im := p.Images
	if im == nil {
		return app.Div()
	}
	return app.Div().Body(
		app.P().DataSet("testid", "import-summary").DataSet("images", im.Images).DataSet("skipped", im.Files-im.Images).
			DataSet("test", testImages(im)).
			Text(importSummary(im)),
		app.Div().Class("preview").Body(app.Range(p.Preview).Slice(func(i int) app.UI {
			return app.Img().Class("digit small").Src(p.Preview[i]).Alt(fmt.Sprintf("your image %d as the network sees it", i+1))
		})),
		app.If(len(im.Skipped) > 0, app.Details().Body(
			app.Summary().Text(fmt.Sprintf("%d files skipped", im.Files-im.Images)),
			app.Ul().Class("small").Body(app.Range(im.Skipped).Slice(func(i int) app.UI { return app.Li().Text(im.Skipped[i]) })),
		)),
	)
}

// importSummary is what an import kept, as a sentence.
func importSummary(im *msg.Imported) string {
	s := fmt.Sprintf("Labelling your %d images", im.Images)
	if skipped := im.Files - im.Images; skipped > 0 {
		s += fmt.Sprintf(" (%d of %d files skipped)", skipped, im.Files)
	}
	s += " into " + fmt.Sprint(len(im.Classes)) + " classes: " + strings.Join(im.Classes, ", ") + "."
	if t := im.Test; t != nil {
		s += fmt.Sprintf(" Tested on %d labelled images of yours", t.Images)
		if skipped := t.Files - t.Images; skipped > 0 {
			s += fmt.Sprintf(" (%d of %d files skipped: %s)", skipped, t.Files, strings.Join(t.Skipped, "; "))
		}
		s += "."
	}
	return s
}

// previews are the data URLs of im's preview images; nil on MNIST.
func previews(im *msg.Imported) []string {
	if im == nil {
		return nil
	}
	out := make([]string, len(im.Preview))
	for i, p := range im.Preview {
		out[i] = digitURL(p)
	}
	return out
}

// imageClasses are the class names of a session on images; nil on MNIST.
func imageClasses(s *session) []string {
	if s.Images == nil {
		return nil
	}
	return s.Images.Classes
}

// otherSession is the button that switches to the session the lab does not show: back to
// MNIST from the images, or back to the images saved in base from MNIST ("" if none).
func otherSession(base store, images bool) string {
	if images {
		return "Back to MNIST"
	}
	if base != nil {
		if _, ok := (prefixed{base, imagesPrefix}).get(sessionKey); ok {
			return "Back to your images"
		}
	}
	return ""
}

// testImages is how many labelled test images im has; 0 if none.
func testImages(im *msg.Imported) int {
	if im.Test == nil {
		return 0
	}
	return im.Test.Images
}

// poolText says what the session's pool holds.
func poolText(s *session) string {
	if s.Images != nil {
		return fmt.Sprintf("The pool holds your %d images.", s.Images.Images)
	}
	return "The pool holds 10,000 MNIST training digits."
}
