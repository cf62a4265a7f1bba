//go:build js && wasm

// Package promise waits for JavaScript promises from Go compiled to WebAssembly: the
// engine's worker awaits its data bundle and its first network with it.
package promise

import (
	"fmt"
	"syscall/js"
)

// Await blocks until the promise p settles and returns its value, or its rejection as an
// error; meanwhile the Go scheduler returns to the event loop. It must not be called from a
// js.Func callback (the event loop waits for the callback: a deadlock), only from a
// goroutine of its own.
func Await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var then, catch js.Func
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	catch = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{err: fmt.Errorf("%s", args[0].Call("toString").String())}
		return nil
	})
	defer then.Release()
	defer catch.Release()
	p.Call("then", then).Call("catch", catch)
	r := <-ch
	return r.v, r.err
}
