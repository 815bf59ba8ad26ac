// Package errlist is the one way magestatic collects errors: a
// *multierror.Error (github.com/hashicorp/go-multierror) built with
// multierror.Append, turned into the error to return by List or Lines,
// which give it the one format of a list of errors (Format).
package errlist

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/go-multierror"
)

// Format returns the format of a list of errors. With a step, it is a
// header, "step: 3 what:", and each error on an indented line below it,
// the error's own further lines indented alike. Without one, it is each
// error as it is, one after the other on lines of their own: the form of
// the messages that report every mistake at once, one line per mistake.
func Format(step, what string) multierror.ErrorFormatFunc {
	return func(errs []error) string {
		var b strings.Builder
		if step == "" {
			for i, e := range errs {
				if i > 0 {
					b.WriteByte('\n')
				}
				b.WriteString(e.Error())
			}
			return b.String()
		}
		fmt.Fprintf(&b, "%s: %d %s:", step, len(errs), what)
		for _, e := range errs {
			b.WriteString("\n  " + strings.ReplaceAll(e.Error(), "\n", "\n  "))
		}
		return b.String()
	}
}

// List returns errs formatted with Format(step, what), or nil when it
// holds no error.
func List(errs *multierror.Error, step, what string) error {
	if errs == nil || len(errs.Errors) == 0 {
		return nil
	}
	errs.ErrorFormat = Format(step, what)
	return errs
}

// Lines returns errs formatted one error per line, or nil when it holds
// no error: List without a header.
func Lines(errs *multierror.Error) error { return List(errs, "", "") }

// Messages returns msgs, each an error's message, as one error with one
// message per line (Lines), or nil when there is none.
func Messages(msgs []string) error {
	var errs *multierror.Error
	for _, m := range msgs {
		errs = multierror.Append(errs, errors.New(m))
	}
	return Lines(errs)
}

// Of returns the errors err holds: those of a *multierror.Error, else err
// alone, or none for nil.
func Of(err error) []error {
	if me, ok := err.(*multierror.Error); ok {
		return me.WrappedErrors()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}
