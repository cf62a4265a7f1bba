//go:build !wasm

package team

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"

	_ "modernc.org/sqlite" // the "sqlite" driver: SQLite in pure Go
)

// applicationID marks a SQLite file as a team project (PRAGMA application_id: "alab" in
// ASCII); schemaVersion is the layout below (PRAGMA user_version). A file without the mark,
// or with a newer version, is refused before anything is written to it.
const (
	applicationID = 0x616c6162
	schemaVersion = 2
)

// schema is the project's layout, version schemaVersion.
//
//	project     the settings it was created with (one row, JSON)
//	annotators  who may label: a name, the SHA-256 of their token, admin or not, revoked or not
//	rounds      one row per queried batch: the accuracy of the network that queried it (on
//	            the test set, or on the held labels, held of them, with no test set),
//	            the labels it was trained on, the weights (.npz), and once the round is
//	            submitted, when and which items were still being labelled (kept out of the
//	            next batch)
//	items       one row per item of a batch: its place in the batch, how many judgements it
//	            needs, its agreed label and the round whose training first uses it (fed)
//	labels      every judgement: item, label (-1 unreadable), annotator, the round whose
//	            query chose the item, seconds taken and when
//	leases      items handed to an annotator, until when (Unix milliseconds)
//	images      a project on images: each image's 28×28 pixels (pix, row-major, 0 background
//	            to 255 ink), its file name and whether it is of the test set (with its label)
//	            or of the pool (id is then its pool ID; label 0)
const schema = `
CREATE TABLE project (id INTEGER PRIMARY KEY CHECK (id = 1), settings TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE annotators (
	id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, token_hash BLOB NOT NULL UNIQUE,
	admin INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL);
CREATE TABLE rounds (
	round INTEGER PRIMARY KEY, labelled INTEGER NOT NULL, accuracy REAL, model BLOB, queried TEXT NOT NULL,
	submitted TEXT, kept_out TEXT, held INTEGER NOT NULL DEFAULT 0);
CREATE TABLE items (
	id INTEGER PRIMARY KEY, round INTEGER NOT NULL, pos INTEGER NOT NULL, needs INTEGER NOT NULL,
	final INTEGER, fed INTEGER);
CREATE TABLE labels (
	id INTEGER PRIMARY KEY, item INTEGER NOT NULL REFERENCES items(id), label INTEGER NOT NULL,
	annotator INTEGER NOT NULL REFERENCES annotators(id), round INTEGER NOT NULL,
	seconds REAL NOT NULL, at TEXT NOT NULL, UNIQUE (item, annotator));
CREATE TABLE leases (
	item INTEGER NOT NULL REFERENCES items(id), annotator INTEGER NOT NULL REFERENCES annotators(id),
	expires INTEGER NOT NULL, PRIMARY KEY (item, annotator));
` + imagesTable

const imagesTable = `
CREATE TABLE images (id INTEGER PRIMARY KEY, test INTEGER NOT NULL, file TEXT NOT NULL, label INTEGER NOT NULL, pix BLOB NOT NULL);
`

// migrations[v] brings a file of schema version v to v+1.
var migrations = map[int64]string{
	1: `ALTER TABLE rounds ADD COLUMN held INTEGER NOT NULL DEFAULT 0;` + imagesTable,
}

// dsn is the connection string of a project file: WAL, every commit synced before it
// returns, foreign keys checked, a writer waits up to 5 s for another process's lock.
func dsn(path string) string {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(5000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	return "file:" + path + "?" + q.Encode()
}

// createDB creates a new project file at path with the schema and settings, and fill's
// rows (if fill is not nil) in the same transaction; an existing file, whatever it holds,
// is left alone.
func createDB(path, settings, now string, fill func(*sql.Tx) error) (*sql.DB, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("team: %s exists: a project is never overwritten (choose another --db)", path)
		}
		return nil, fmt.Errorf("team: %w", err)
	}
	f.Close()
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	err = inTx(db, func(tx *sql.Tx) error {
		if _, err := tx.Exec(schema); err != nil {
			return err
		}
		if _, err := tx.Exec(fmt.Sprintf("PRAGMA application_id = %d; PRAGMA user_version = %d", applicationID, schemaVersion)); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO project (id, settings, created) VALUES (1, ?, ?)`, settings, now); err != nil {
			return err
		}
		if fill != nil {
			return fill(tx)
		}
		return nil
	})
	if err != nil {
		db.Close()
		os.Remove(path)
		return nil, fmt.Errorf("team: creating %s: %w", path, err)
	}
	return db, nil
}

// openDB opens the project file at path after checking, read-only, that it is one: a
// missing file, a file that is not SQLite, a SQLite file of another kind or of a newer
// schema is refused with one line and not modified; a file of an older schema is brought
// up to this one.
func openDB(path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("team: %s: no such project (create it with `alab team init --db %s`)", path, path)
	}
	ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	var app, version int64
	err = ro.QueryRow("PRAGMA application_id").Scan(&app)
	if err == nil {
		err = ro.QueryRow("PRAGMA user_version").Scan(&version)
	}
	ro.Close()
	switch {
	case err != nil:
		return nil, fmt.Errorf("team: %s is not a team project: %v", path, err)
	case app != applicationID:
		return nil, fmt.Errorf("team: %s is not a team project (SQLite application id %#x: want %#x)", path, app, applicationID)
	case version > schemaVersion:
		return nil, fmt.Errorf("team: %s has schema version %d, newer than this alab's %d: use a newer alab", path, version, schemaVersion)
	case version < 1:
		return nil, fmt.Errorf("team: %s has schema version %d: want 1 to %d", path, version, schemaVersion)
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, err
	}
	for ; version < schemaVersion; version++ {
		err := inTx(db, func(tx *sql.Tx) error {
			if _, err := tx.Exec(migrations[version]); err != nil {
				return err
			}
			_, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", version+1))
			return err
		})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("team: %s: bringing schema version %d to %d: %w", path, version, version+1, err)
		}
	}
	return db, nil
}

// inTx runs f in a transaction and commits it, or rolls it back if f fails.
func inTx(db *sql.DB, f func(*sql.Tx) error) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
