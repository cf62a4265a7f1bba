package experiment

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// numericKeys lists the JSON paths of t's numeric fields (nested structs as a.b) with their
// kinds.
func numericKeys(t reflect.Type, prefix string) map[string]reflect.Kind {
	keys := map[string]reflect.Kind{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch k := f.Type.Kind(); k {
		case reflect.Int, reflect.Uint64, reflect.Float64:
			keys[prefix+name] = k
		case reflect.Struct:
			for p, k := range numericKeys(f.Type, prefix+name+".") {
				keys[p] = k
			}
		}
	}
	return keys
}

// specWith is a spec file of one strategy with the field at path set to the JSON value v.
func specWith(path, v string) string {
	parts := strings.Split(path, ".")
	obj := v
	for i := len(parts) - 1; i >= 0; i-- {
		obj = fmt.Sprintf("{%q: %s}", parts[i], obj)
	}
	if len(parts) == 1 && parts[0] == "batches" {
		obj = `{"batches": [` + v + `]}`
	}
	return `{"strategies": ["random"], ` + strings.TrimPrefix(obj, "{")
}

// TestSpecFieldRanges sets every numeric field of a spec file to absurd values: each is
// refused with an error (never a panic), and 0 means the default.
func TestSpecFieldRanges(t *testing.T) {
	keys := numericKeys(reflect.TypeOf(Spec{}), "")
	if len(keys) < 18 {
		t.Fatalf("%d numeric keys: %v", len(keys), keys)
	}
	const pool = 60000
	for path, kind := range keys {
		if path == "batches" {
			kind = reflect.Int
		}
		for _, v := range []string{"0", "-1", "4611686018427387904", "1e300"} {
			s, err := ReadSpec(strings.NewReader(specWith(path, v)))
			if err == nil {
				err = s.Validate(pool)
			}
			// Seeds take any uint64; power-bald's β any finite value ≥ 0 (a large β is top-k BALD).
			ok := v == "0" && path != "batches" || kind == reflect.Uint64 && v == "4611686018427387904" ||
				path == "options.beta" && v != "-1"
			switch {
			case ok && err != nil:
				t.Errorf("%s = %s: %v, want it accepted", path, v, err)
			case !ok && err == nil:
				t.Errorf("%s = %s accepted", path, v)
			case err != nil && strings.Contains(err.Error(), "\n"):
				t.Errorf("%s = %s: error of several lines: %q", path, v, err)
			}
		}
	}
}

func TestReadSpecStrict(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"strategies": ["random"]} {"strategies": ["margin"]}`, "data after the object"},
		{`{"strategies": ["random"]} x`, "after the object"},
		{`{"Strategies": ["random"]}`, `unknown key "Strategies" in spec`},
		{`{"strategies": ["random"], "train": {"Epochs": 2}}`, `unknown key "Epochs" in spec.train`},
		{`{"strategies": ["random"], "repeat": 2}`, `unknown key "repeat" in spec: want one of strategies, batches, repeats`},
		{`[{"strategies": ["random"]}]`, "reading spec"},
		{``, "reading spec: EOF"},
	} {
		if _, err := ReadSpec(strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ReadSpec(%q): %v, want an error containing %q", c.in, err, c.want)
		}
	}
	s, err := ReadSpec(strings.NewReader(`{"strategies": ["random"], "train": {"steps": 7}, "options": {"max_iter": 3}}` + "\n"))
	if err != nil || s.Train.Steps != 7 || s.Options.MaxIter != 3 {
		t.Errorf("ReadSpec: %+v, %v", s, err)
	}
}
