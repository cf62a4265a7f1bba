package data

import (
	"fmt"
	"strings"
	"unicode"
)

// MaxClassNames bounds the classes a person may name: a network's outputs (nn.MaxClasses).
const MaxClassNames = 100

// ParseClasses splits a comma-separated list of class names (spaces around each name are
// dropped) and checks it (CheckClasses).
func ParseClasses(list string) ([]string, error) {
	var names []string
	for _, n := range strings.Split(list, ",") {
		names = append(names, strings.TrimSpace(n))
	}
	return names, CheckClasses(names)
}

// CheckClasses reports the first reason names are not class names: want 2 to MaxClassNames
// names, each non-empty, at most 64 printable characters, and distinct (ignoring case).
func CheckClasses(names []string) error {
	if len(names) < 2 || len(names) > MaxClassNames {
		return fmt.Errorf("data: %d class names: want 2 to %d, comma-separated (cat, dog)", len(names), MaxClassNames)
	}
	for i, n := range names {
		switch {
		case n == "":
			return fmt.Errorf("data: class %d has an empty name: want a name for each class", i+1)
		case len(n) > 64 || strings.ContainsFunc(n, func(r rune) bool { return !unicode.IsPrint(r) }):
			return fmt.Errorf("data: class name %q: want at most 64 printable characters", n)
		}
		for _, m := range names[:i] {
			if strings.EqualFold(n, m) {
				return fmt.Errorf("data: class %q is named twice: want distinct class names", n)
			}
		}
	}
	return nil
}
