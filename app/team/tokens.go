//go:build !wasm

package team

import (
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// An Annotator is a person who may label (and, as admin, watch and export).
type Annotator struct {
	ID    int64
	Name  string
	Admin bool
}

// validName is what a name may be: what a join URL, a CSV cell and a page show unescaped.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

// tokenBytes is a token's length: 256 random bits, written as 64 hex digits.
const tokenBytes = 32

// hashToken is what the project stores of a token: its SHA-256 (a token is random and
// long, so a fast hash suffices; the file never holds the token itself).
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Invite gives NAME a fresh token (admin or not) and returns it. Inviting a name again
// replaces its token (the old one stops working) and lifts a revocation.
func Invite(path, name string, admin bool) (string, error) {
	if !validName.MatchString(name) {
		return "", fmt.Errorf("team: invalid name %q: want 1 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	db, err := openDB(path)
	if err != nil {
		return "", err
	}
	defer db.Close()
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := hex.EncodeToString(raw)
	_, err = db.Exec(`INSERT INTO annotators (name, token_hash, admin, created) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, admin = excluded.admin, revoked = 0`,
		name, hashToken(token), admin, now())
	if err != nil {
		return "", fmt.Errorf("team: inviting %s: %w", name, err)
	}
	return token, nil
}

// Revoke stops NAME's token from working at once (a running server checks every request).
// Their labels stay.
func Revoke(path, name string) error {
	db, err := openDB(path)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE annotators SET revoked = 1 WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("team: revoking %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("team: no annotator %q in %s", name, path)
	}
	return nil
}

// lookupToken is the query authenticate runs, prepared once (see prepareLookup).
const lookupToken = `SELECT id, name, admin, revoked FROM annotators WHERE token_hash = ?`

// authenticate returns the annotator of an "Authorization: Bearer TOKEN" header, looked up
// with lookup (lookupToken prepared): every request reads the file, so a token revoked by
// another process stops working at once.
func authenticate(lookup *sql.Stmt, header string) (Annotator, error) {
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || token == "" {
		return Annotator{}, refuse(http.StatusUnauthorized, "missing token: send Authorization: Bearer TOKEN (the token of your join URL)")
	}
	var a Annotator
	var revoked bool
	err := lookup.QueryRow(hashToken(token)).Scan(&a.ID, &a.Name, &a.Admin, &revoked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Annotator{}, refuse(http.StatusUnauthorized, "unknown token")
	case err != nil:
		return Annotator{}, err
	case revoked:
		return Annotator{}, refuse(http.StatusUnauthorized, "revoked token: ask the project's admin for a new invitation")
	}
	return a, nil
}
