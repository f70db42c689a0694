package katapult

import (
	"strings"
	"testing"
)

func TestValidationSentencesFindTheirField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sentence string
		want     Field
	}{
		{LabelBlank, FieldLabel},
		{LabelControl, FieldLabel},
		{"label is too long", FieldLabel},
		{ReverseDNSBlank, FieldReverseDNS},
		{ReverseDNSCharacters, FieldReverseDNS},
		{ReverseDNSNumeric, FieldReverseDNS},
		{"Reverse dns is not in a zone you own", FieldReverseDNS},
		{"Network is not available", FieldNetwork},
		{"Version is not included in the list", FieldVersion},
		{"Labels are odd", FieldNone},
		{"Label", FieldNone},
		{"Something else went wrong", FieldNone},
		{"", FieldNone},
	}
	for _, tt := range tests {
		if got := ValidationField(tt.sentence); got != tt.want {
			t.Errorf("ValidationField(%q) = %q, want %q", tt.sentence, got, tt.want)
		}
	}
}

func TestNoAnswerSaysWhatWasNotDone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op, want string
	}{
		{OpCreateIPAddress, "nothing was created"},
		{OpListIPAddresses, "addresses could not be loaded"},
		{opListOrganizations, "could not reach Katapult"},
		{"an operation of a newer ipdesk", "could not reach Katapult"},
	}
	for _, tt := range tests {
		en := (&UnavailableError{Op: tt.op}).Entry()
		if !strings.Contains(en.Message, tt.want) || en.Title == "" || en.Action == "" || en.Status != 502 {
			t.Errorf("no answer to %q: %+v, want a 502 entry saying %q", tt.op, en, tt.want)
		}
	}
	if en := (&OutcomeUnknownError{}).Entry(); en.Status != 504 || !strings.Contains(en.Message, "may or may not") {
		t.Errorf("an unknown outcome: %+v", en)
	}
}
