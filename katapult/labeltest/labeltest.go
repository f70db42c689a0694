// Package labeltest holds the labels every layer's tests try against the
// label rule (katapult.CheckLabel): the rule's own tests, the engine's over
// HTTP, the dashboard's through the form, and the fuzz targets' seeds. One
// list, so that a character class added here is tried everywhere.
package labeltest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"ipdesk/katapult"
)

//go:embed labels.json
var labelsJSON []byte

// Case is one label and what the rule makes of it as a VIP's label.
type Case struct {
	// Name says what the label tries, for the test's name.
	Name string
	// Label is the label as sent: it may hold any bytes.
	Label string
	// Sentence is the rule's sentence for it; "" when it is kept.
	Sentence string
	// Kept is the label as stored when it is kept (trimmed).
	Kept string
}

// sentences maps the file's problem names to the rule's sentences.
var sentences = map[string]string{
	"":           "",
	"blank":      katapult.LabelBlank,
	"invisible":  katapult.LabelInvisible,
	"too_long":   katapult.LabelTooLong,
	"control":    katapult.LabelControl,
	"bidi":       katapult.LabelBidi,
	"unreadable": katapult.LabelUnreadable,
}

// Cases are the labels of labels.json. It panics on a broken file: that is
// a mistake in the tests, found by the first test that runs.
func Cases() []Case {
	var file struct {
		Labels []struct {
			Name, Label, Problem, Kept string
			Repeat                     int
		}
	}
	if err := json.Unmarshal(labelsJSON, &file); err != nil {
		panic(fmt.Sprintf("labeltest: labels.json: %v", err))
	}
	out := make([]Case, 0, len(file.Labels))
	for _, l := range file.Labels {
		label := unquote(l.Label)
		if l.Repeat > 0 {
			label = strings.Repeat(label, l.Repeat)
		}
		sentence, ok := sentences[l.Problem]
		if !ok {
			panic(fmt.Sprintf("labeltest: %s: unknown problem %q", l.Name, l.Problem))
		}
		kept := label
		if l.Kept != "" {
			kept = unquote(l.Kept)
		}
		out = append(out, Case{Name: l.Name, Label: label, Sentence: sentence, Kept: kept})
	}
	return out
}

// unquote reads a Go string literal's body, which may write any byte.
func unquote(body string) string {
	s, err := strconv.Unquote(`"` + body + `"`)
	if err != nil {
		panic(fmt.Sprintf("labeltest: %q is no Go string literal: %v", body, err))
	}
	return s
}

// JSONString encodes s as a JSON string as a client that does not check
// its text would: control characters, quotes and backslashes escaped,
// every other byte as it is, including bytes that are not UTF-8 (which
// encoding/json would silently turn into U+FFFD before the engine could
// see them).
func JSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
