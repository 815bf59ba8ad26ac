package errlist

import (
	"errors"
	"testing"

	"github.com/hashicorp/go-multierror"
)

func TestFormat(t *testing.T) {
	var errs *multierror.Error
	if List(errs, "verify", "problems") != nil || Lines(&multierror.Error{}) != nil {
		t.Fatal("no errors, yet an error")
	}
	first := errors.New("a: bad")
	errs = multierror.Append(errs, first, nil, errors.New("b: bad\nsecond line"))
	if got, want := List(errs, "verify", "problems").Error(), "verify: 2 problems:\n  a: bad\n  b: bad\n  second line"; got != want {
		t.Errorf("List = %q, want %q", got, want)
	}
	err := Lines(errs)
	if got, want := err.Error(), "a: bad\nb: bad\nsecond line"; got != want {
		t.Errorf("Lines = %q, want %q", got, want)
	}
	if got, want := Messages([]string{"x", "y"}).Error(), "x\ny"; got != want || Messages(nil) != nil {
		t.Errorf("Messages = %q, want %q", got, want)
	}
	if !errors.Is(err, first) || len(Of(err)) != 2 || len(Of(first)) != 1 || Of(nil) != nil {
		t.Errorf("the list does not hold its errors: %v", Of(err))
	}
}
