package katapult

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLabelLength is the longest label an address may have, in characters
// (Unicode code points, as Katapult counts them), not bytes.
const MaxLabelLength = 255

// The sentences of the label rule, one per problem, shown to staff under
// the form's label field and sent by the engine in a validation_error's
// detail. Each starts with "Label", as Katapult's own do, which is how the
// catalogue places a sentence beside its field (ValidationField); the
// first two are Katapult's own.
const (
	LabelBlank      = "Label can't be blank"
	LabelTooLong    = "Label is too long (maximum is 255 characters)"
	LabelInvisible  = "Label can't be blank: it holds only invisible characters"
	LabelControl    = "Label can't contain control characters or line breaks (such as a tab, a new line or an escape code): write it on one line"
	LabelBidi       = "Label can't contain characters that override the direction of text (bidirectional overrides or isolates)"
	LabelUnreadable = "Label holds characters that could not be read (shown as \uFFFD): type it again rather than pasting it"
)

// CheckLabel is the one rule for an address's label, used by the engine
// and by the dashboard alike. It returns the label as it is to be kept
// (surrounding white space trimmed) and the sentences of what is wrong with
// it, none when it may be kept. required says whether a label must be
// given: it must for a VIP. A label that is not required is still checked
// when it holds anything, so that nothing a label should not hold travels
// further, whoever decides to drop it later.
//
// The rule, and why:
//   - Control characters (category Cc: NUL, BEL, ESC, DEL, the C1 range)
//     and line or paragraph separators are refused anywhere inside: a label
//     is one line of text, and these reach terminals, logs and CSV files as
//     commands or broken rows. Tabs and new lines at either end are white
//     space and trimmed like spaces.
//   - Bidirectional embeddings, overrides and isolates (U+202A–U+202E,
//     U+2066–U+2069) are refused: they make a label display in another order
//     than it is stored ("Trojan Source"). The implicit marks U+200E, U+200F
//     and U+061C are allowed inside a label: they only set the direction of
//     the neutral characters around them and are what writing a mixed
//     Hebrew or Arabic and Latin label correctly needs.
//   - A label with no visible character (only white space, format
//     characters such as U+200B, U+200D, U+2060, U+FEFF, variation
//     selectors, or fillers such as U+3164) is blank. Inside a visible
//     label these are allowed: emoji sequences need U+200D and U+FE0F,
//     Persian and Indic text U+200C.
//   - Bytes that are not UTF-8, and U+FFFD, are refused. U+FFFD is what a
//     decoder (Go's encoding/json, a browser showing the form again) puts
//     where it met such bytes: a label holding it has lost what staff
//     typed on its way, and refusing it is what lets the refusal survive
//     a decoder that replaced the bytes before the rule saw them.
//   - At most MaxLabelLength characters after trimming.
func CheckLabel(s string, required bool) (string, []string) {
	label := TrimLabel(s)
	var unreadable, control, bidi, visible bool
	for _, r := range label {
		switch {
		case r == utf8.RuneError: // a byte that is not UTF-8, or U+FFFD itself
			unreadable = true
		case unicode.Is(unicode.Cc, r) || unicode.In(r, unicode.Zl, unicode.Zp):
			control = true
		case isDirectionOverride(r):
			bidi = true
		}
		visible = visible || !invisible(r)
	}
	var problems []string
	if unreadable {
		problems = append(problems, LabelUnreadable)
	}
	if control {
		problems = append(problems, LabelControl)
	}
	if bidi {
		problems = append(problems, LabelBidi)
	}
	switch {
	case required && label == "":
		problems = append(problems, LabelBlank)
	case required && !visible:
		problems = append(problems, LabelInvisible)
	case utf8.RuneCountInString(label) > MaxLabelLength:
		problems = append(problems, LabelTooLong)
	}
	return label, problems
}

// TrimLabel trims the white space around a label (Unicode's White_Space:
// spaces, tabs, new lines, no-break and ideographic spaces), as the rule
// does before anything else.
func TrimLabel(s string) string { return strings.TrimSpace(s) }

// isDirectionOverride reports the bidirectional controls that reorder the
// text after them: embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and
// isolates (LRI, RLI, FSI, PDI). The marks LRM, RLM and ALM are not among
// them.
func isDirectionOverride(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}

// invisible reports a character that shows nothing by itself: white space,
// a control, or one of Unicode's default-ignorable code points (format
// characters, variation selectors, Hangul fillers and the like).
func invisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.In(r, unicode.Cc, unicode.Cf,
		unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}
