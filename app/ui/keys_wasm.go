package ui

import (
	"strings"
	"syscall/js"
)

// listenKeys hands the document's keys that are lab commands (keyCommand) to do, through
// dispatch onto the UI goroutine, and returns the function that stops listening. Keys
// typed into a control, or with a modifier, are left alone, as is Enter on a button (the
// button's own click).
func listenKeys(dispatch func(func()), do func(command)) (stop func()) {
	f := js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		if e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool() || e.Get("altKey").Bool() {
			return nil
		}
		tag := strings.ToLower(e.Get("target").Get("tagName").String())
		switch tag {
		case "input", "select", "textarea":
			return nil
		}
		c, ok := keyCommand(e.Get("key").String())
		if !ok || c.op == opSubmit && tag == "button" {
			return nil
		}
		e.Call("preventDefault")
		dispatch(func() { do(c) })
		return nil
	})
	return listen(js.Global().Get("document"), f, "keydown")
}

// listen adds f as the listener of events on target and returns the function that
// removes it and releases f.
func listen(target js.Value, f js.Func, events ...string) (stop func()) {
	for _, ev := range events {
		target.Call("addEventListener", ev, f)
	}
	return func() {
		for _, ev := range events {
			target.Call("removeEventListener", ev, f)
		}
		f.Release()
	}
}
