package ui

import "syscall/js"

// download hands the browser f to save.
func download(f file) {
	g := js.Global()
	u8 := g.Get("Uint8Array").New(len(f.data))
	js.CopyBytesToJS(u8, f.data)
	blob := g.Get("Blob").New([]any{u8}, map[string]any{"type": f.mime})
	url := g.Get("URL").Call("createObjectURL", blob)
	a := g.Get("document").Call("createElement", "a")
	a.Set("href", url)
	a.Set("download", f.name)
	g.Get("document").Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	// The URL is revoked once the browser has surely read it; the callback releases itself.
	var revoke js.Func
	revoke = js.FuncOf(func(js.Value, []js.Value) any {
		g.Get("URL").Call("revokeObjectURL", url)
		revoke.Release()
		return nil
	})
	g.Call("setTimeout", revoke, 10000)
}
