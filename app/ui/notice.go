package ui

import (
	"fmt"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// noticeBar is the message that stays above the lab (labModel.notice), with what the
// person can do about it: download a set-aside session's labels, or stop restoring one.
type noticeBar struct {
	app.Compo
	Text      string
	CanExport bool // a session was set aside: its labels can be downloaded
	Restoring int  // rounds of a saved session being restored (0: none); it can be cancelled
}

func (n *noticeBar) Render() app.UI {
	text := n.Text
	if text == "" && n.Restoring > 0 {
		text = fmt.Sprintf("Restoring the session saved in this browser: retraining its %d rounds…", n.Restoring)
	}
	return app.Div().Class("notice").DataSet("testid", "notice").Body(
		app.P().Text(text),
		app.If(n.CanExport || n.Restoring > 0, app.Div().Class("buttons").Body(
			app.If(n.CanExport, app.Button().DataSet("testid", "export-aside").Text("Download the set-aside labels").
				OnClick(func(ctx app.Context, e app.Event) { actExport.post(ctx, exportAside) })),
			app.If(n.Restoring > 0, app.Button().DataSet("testid", "cancel-restore").Text("Stop restoring and start afresh").
				OnClick(func(ctx app.Context, e app.Event) { actCancelRestore.post(ctx, struct{}{}) })),
		)),
	)
}
