// Command sqlite writes a row to an SQLite database and reads it back. It
// uses github.com/mattn/go-sqlite3, which compiles SQLite's C source with
// cgo, so it builds only with cgo: it is the example of magestatic's static
// cgo mode.
//
// Usage:
//
//	sqlite [database]
//	sqlite --version
//
// The database file is created when missing; the default is
// magestatic-sqlite.db in the temporary directory.
package main

import (
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"

	_ "github.com/mattn/go-sqlite3"

	"github.com/magestatic/magestatic/version"
)

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "--version" || os.Args[1] == "-version") {
		fmt.Println(version.Get().Long())
		return
	}
	name := filepath.Join(os.TempDir(), "magestatic-sqlite.db")
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	if err := run(name, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sqlite:", err)
		os.Exit(1)
	}
}

// run opens (creating) the database name, inserts a row and prints it as
// read back from the file.
func run(name string, w io.Writer) error {
	db, err := sql.Open("sqlite3", name)
	if err != nil {
		return fmt.Errorf("opening %s: %w", name, err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("creating the table in %s: %w", name, err)
	}
	res, err := db.Exec(`INSERT INTO notes (text) VALUES (?)`, "hello from "+version.Get().Version)
	if err != nil {
		return fmt.Errorf("inserting into %s: %w", name, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("inserting into %s: %w", name, err)
	}
	var text, lib string
	if err := db.QueryRow(`SELECT text, sqlite_version() FROM notes WHERE id = ?`, id).Scan(&text, &lib); err != nil {
		return fmt.Errorf("reading row %d back from %s: %w", id, name, err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", name, err)
	}
	_, err = fmt.Fprintf(w, "row %d: %q (SQLite %s, %s)\n", id, text, lib, name)
	return err
}
