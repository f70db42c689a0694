package katapult_test

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"ipdesk/katapult"
	"ipdesk/katapult/labeltest"
)

func TestCheckLabelKeepsWhatALabelMayHoldAndNamesWhatItMayNot(t *testing.T) {
	t.Parallel()
	for _, tc := range labeltest.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			label, problems := katapult.CheckLabel(tc.Label, true)
			if tc.Sentence == "" {
				if len(problems) != 0 || label != tc.Kept {
					t.Errorf("CheckLabel(%q) = %q, %q; want %q kept", tc.Label, label, problems, tc.Kept)
				}
				return
			}
			if !slices.Equal(problems, []string{tc.Sentence}) {
				t.Errorf("CheckLabel(%q) problems = %q, want [%q]", tc.Label, problems, tc.Sentence)
			}
		})
	}
}

func TestALabelThatIsNotRequiredMayBeBlankButNothingElse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, label string
		want        []string
	}{
		{"empty", "", nil},
		{"only spaces", "   ", nil},
		{"only a zero-width space", "\u200b", nil},
		{"a control character", "web\x1bfront", []string{katapult.LabelControl}},
		{"a direction override", "web\u202efront", []string{katapult.LabelBidi}},
		{"a byte that is not UTF-8", "web\xfe", []string{katapult.LabelUnreadable}},
		{"too long", strings.Repeat("x", katapult.MaxLabelLength+1), []string{katapult.LabelTooLong}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, got := katapult.CheckLabel(tt.label, false); !slices.Equal(got, tt.want) {
				t.Errorf("CheckLabel(%q, false) = %q, want %q", tt.label, got, tt.want)
			}
		})
	}
}

func TestEveryProblemOfALabelIsNamedOnceInAFixedOrder(t *testing.T) {
	t.Parallel()
	label := "\x00\x07\u202e\u2066\xff\ufffd" + strings.Repeat("x", katapult.MaxLabelLength)
	_, got := katapult.CheckLabel(label, true)
	want := []string{katapult.LabelUnreadable, katapult.LabelControl, katapult.LabelBidi, katapult.LabelTooLong}
	if !slices.Equal(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
}

// FuzzCheckLabel holds the rule to its promises for any bytes: a label it
// keeps is trimmed, UTF-8, one line, free of direction overrides, visible
// when required and not too long; checking it again changes nothing; a
// label it refuses gets only the rule's sentences, each once.
func FuzzCheckLabel(f *testing.F) {
	for _, tc := range labeltest.Cases() {
		f.Add(tc.Label, true)
		f.Add(tc.Label, false)
	}
	known := []string{katapult.LabelBlank, katapult.LabelTooLong, katapult.LabelInvisible, katapult.LabelControl, katapult.LabelBidi, katapult.LabelUnreadable}
	f.Fuzz(func(t *testing.T, s string, required bool) {
		label, problems := katapult.CheckLabel(s, required)
		if len(problems) > 0 {
			for i, p := range problems {
				if !slices.Contains(known, p) || slices.Contains(problems[:i], p) {
					t.Fatalf("CheckLabel(%q) problems %q: unknown or repeated %q", s, problems, p)
				}
			}
			return
		}
		if msg := brokenPromise(label, required); msg != "" {
			t.Fatalf("CheckLabel(%q, %v) kept %q, which %s", s, required, label, msg)
		}
		if again, p := katapult.CheckLabel(label, required); again != label || len(p) > 0 {
			t.Fatalf("checking the kept label %q again gave %q, %q", label, again, p)
		}
	})
}

// brokenPromise says what a kept label holds that the rule refuses, or "".
func brokenPromise(label string, required bool) string {
	switch {
	case !utf8.ValidString(label) || strings.ContainsRune(label, utf8.RuneError):
		return "is not readable text"
	case label != strings.TrimSpace(label):
		return "is not trimmed"
	case utf8.RuneCountInString(label) > katapult.MaxLabelLength:
		return "is too long"
	case required && !showsSomething(label):
		return "shows nothing"
	}
	for _, r := range label {
		if unicode.Is(unicode.Cc, r) || r == '\u2028' || r == '\u2029' {
			return "holds a control character or line break"
		}
		if unicode.Is(unicode.Bidi_Control, r) && r != '\u200e' && r != '\u200f' && r != '\u061c' {
			return "holds a direction override"
		}
	}
	return ""
}

// showsSomething reports whether a label has a character that is not white
// space, a control, a format character, a variation selector or another
// default-ignorable code point: the rule's "visible", written out again
// here so that the fuzz target does not check the rule against itself.
func showsSomething(label string) bool {
	for _, r := range label {
		if !unicode.IsSpace(r) && !unicode.In(r, unicode.Cc, unicode.Cf, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point) {
			return true
		}
	}
	return false
}
