package ghactions

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// SetOutput appends the step output name=value to the file at path, the
// value of GITHUB_OUTPUT; later steps read it as
// steps.<id>.outputs.<name>. See WriteOutput for the format.
func SetOutput(path, name, value string) (err error) {
	if path == "" {
		return errors.New("setting output " + name + ": no output file (GITHUB_OUTPUT is not set)")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("setting output %s: %w", name, err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("setting output %s: %w", name, cerr)
		}
	}()
	return WriteOutput(f, name, value)
}

// WriteOutput writes one entry of the file format that GITHUB_OUTPUT (and
// GITHUB_ENV) take: "name=value" and a newline for a one-line value, and
// for a value with line breaks the heredoc form
//
//	name<<ghadelimiter_<random>
//	value
//	ghadelimiter_<random>
//
// with a random delimiter that does not occur in the value, so that no
// value can end the entry early and set other outputs. The runner reads
// the value line by line and joins the lines with "\n", so every line
// break, "\r\n" and "\r" too, comes back as "\n"; WriteOutput writes them
// so. A name must be non-empty and contain neither
// "=", "<<" nor a line break.
func WriteOutput(w io.Writer, name, value string) error {
	if name == "" || strings.ContainsAny(name, "=\r\n") || strings.Contains(name, "<<") {
		return fmt.Errorf("output name %q: must be non-empty, without '=', '<<' or a line break", name)
	}
	var entry string
	if !strings.ContainsAny(value, "\r\n") {
		entry = name + "=" + value + "\n"
	} else {
		value = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(value)
		delim := "ghadelimiter_" + randomHex(16)
		for strings.Contains(value, delim) {
			delim = "ghadelimiter_" + randomHex(16)
		}
		entry = name + "<<" + delim + "\n" + value + "\n" + delim + "\n"
	}
	if _, err := io.WriteString(w, entry); err != nil {
		return fmt.Errorf("setting output %s: %w", name, err)
	}
	return nil
}
