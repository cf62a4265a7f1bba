package ui

import (
	"fmt"
	"syscall/js"
)

// localStorage is the browser's storage, as the session's store.
type localStorage struct{ ls js.Value }

// browserStore returns the page's localStorage, or nil if the browser gives it none.
func browserStore() store {
	var ls js.Value
	func() {
		defer func() { recover() }() // reading it throws where storage is blocked
		ls = js.Global().Get("localStorage")
	}()
	if !ls.Truthy() {
		return nil
	}
	return localStorage{ls}
}

// get returns key's value; a browser that throws (storage blocked) reads as nothing saved.
func (s localStorage) get(key string) (_ string, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	v := s.ls.Call("getItem", key)
	if v.IsNull() || v.IsUndefined() {
		return "", false
	}
	return v.String(), true
}

// set stores value; a browser that refuses (storage full) throws, which is returned.
func (s localStorage) set(key, value string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	s.ls.Call("setItem", key, value)
	return nil
}

// remove removes key; what the browser throws is ignored (the key then stays).
func (s localStorage) remove(key string) {
	defer func() { recover() }()
	s.ls.Call("removeItem", key)
}
