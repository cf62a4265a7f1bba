//go:build !wasm

package cli

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestTeamInvite creates a project and invites two people: the join URL is the last line,
// its token is 256 random bits, and the project file holds no token.
func TestTeamInvite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "team.sqlite")
	if code, _, errOut := alab("team", "init", "--db", db, "--data", fixture, "--batch", "12", "--lease", "30s"); code != 0 {
		t.Fatalf("team init: exit %d: %s", code, errOut)
	}
	joinURL := regexp.MustCompile(`^https://lab\.example/join#token=([0-9a-f]{64})$`)
	var tokens []string
	for _, args := range [][]string{
		{"team", "invite", "--db", db, "ada", "--admin", "--url", "https://lab.example/"},
		{"team", "invite", "--url", "https://lab.example", "bob", "--db", db},
	} {
		code, out, errOut := alab(args...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		m := joinURL.FindStringSubmatch(lines[len(lines)-1])
		if code != 0 || m == nil {
			t.Fatalf("alab %s: exit %d, stdout %q, stderr %q: want the join URL last", strings.Join(args, " "), code, out, errOut)
		}
		tokens = append(tokens, m[1])
	}
	if tokens[0] == tokens[1] {
		t.Error("two invitations got the same token")
	}
	raw, _ := os.ReadFile(db)
	wal, _ := os.ReadFile(db + "-wal")
	for _, tok := range tokens {
		b, _ := hex.DecodeString(tok)
		if len(b)*8 < 128 || bytes.Contains(raw, []byte(tok)) || bytes.Contains(wal, []byte(tok)) || bytes.Contains(raw, b) {
			t.Errorf("token %s…: %d bits, or stored in the project file", tok[:8], len(b)*8)
		}
	}
	if code, _, errOut := alab("team", "revoke", "--db", db, "bob"); code != 0 {
		t.Errorf("revoke: exit %d: %s", code, errOut)
	}
	if code, _, errOut := alab("team", "revoke", "--db", db, "zed"); code != 1 || !strings.Contains(errOut, `no annotator "zed"`) {
		t.Errorf("revoke of a stranger: exit %d: %s", code, errOut)
	}
}
