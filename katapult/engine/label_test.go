package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"ipdesk/katapult"
	"ipdesk/katapult/labeltest"
)

// heldAddresses counts the addresses the store holds: a refused create must
// leave it as it was.
func heldAddresses(t testing.TB, e *Engine) int {
	t.Helper()
	var n int
	if err := e.store.db.QueryRow(`SELECT count(*) FROM ip_addresses`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// vipBodyWith is a create body for acme, a VIP or not, whose label is
// labelJSON: a JSON string as it travels, which may hold any bytes.
func vipBodyWith(vip bool, labelJSON string) []byte {
	v := "false"
	if vip {
		v = "true"
	}
	return []byte(`{"organization":{"sub_domain":"acme"},"network":{"permalink":"uk-lon-01-public"},"version":"ipv6","vip":` +
		v + `,"label":` + labelJSON + `}`)
}

// TestCreateKeepsOnlyLabelsTheRuleKeeps sends every label of the rule's
// list, byte for byte, as a VIP's: a kept one is stored trimmed; a refused
// one is a validation_error with the rule's sentence, and nothing is
// allocated.
func TestCreateKeepsOnlyLabelsTheRuleKeeps(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{})
	srv := serve(t, e)
	for _, tc := range labeltest.Cases() { // one at a time: each counts the addresses held
		t.Run(tc.Name, func(t *testing.T) {
			before := heldAddresses(t, e)
			res, body := rawRequest(t, srv, http.MethodPost, "/core/v1/organizations/_/ip_addresses", staffToken,
				vipBodyWith(true, labeltest.JSONString(tc.Label)))
			if tc.Sentence == "" {
				wantStatus(t, res, body, http.StatusOK)
				if got := labelOf(t, body); got != tc.Kept {
					t.Errorf("label = %q, want %q", got, tc.Kept)
				}
				return
			}
			got := wantError(t, res, body, katapult.CodeValidationError)
			if !slices.Equal(got.Detail.Errors, []string{tc.Sentence}) {
				t.Errorf("errors = %q, want [%q]", got.Detail.Errors, tc.Sentence)
			}
			if after := heldAddresses(t, e); after != before {
				t.Errorf("a refused create changed the addresses held from %d to %d", before, after)
			}
		})
	}
}

// labelOf is the label of a created address's answer.
func labelOf(t *testing.T, body []byte) string {
	t.Helper()
	var out struct {
		IPAddress struct {
			Label *string `json:"label"`
		} `json:"ip_address"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("body = %s (%v)", body, err)
	}
	if out.IPAddress.Label == nil {
		return ""
	}
	return *out.IPAddress.Label
}

// TestALabelIsCheckedWhateverItsJSONSpelling: escapes decode to the
// characters they name, and the rule sees those; a plain address's label
// is checked too, then dropped.
func TestALabelIsCheckedWhateverItsJSONSpelling(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, label string
		vip         bool
		want        string // "" when created
	}{
		{"an escaped NUL", `"web\u0000front"`, true, katapult.LabelControl},
		{"an escaped escape", `"\u001b[31mred"`, true, katapult.LabelControl},
		{"an escaped right-to-left override", `"web\u202Efront"`, true, katapult.LabelBidi},
		{"an escaped zero-width space alone", `"\u200b"`, true, katapult.LabelInvisible},
		{"an escaped lone surrogate, which decodes to U+FFFD", `"web\ud800front"`, true, katapult.LabelUnreadable},
		{"an escaped replacement character", `"web\ufffd"`, true, katapult.LabelUnreadable},
		{"a raw byte that is not UTF-8 in a plain address's label", "\"web\xff\"", false, katapult.LabelUnreadable},
		{"a control character in a plain address's label", `"a\tb"`, false, katapult.LabelControl},
		{"a zero-width space alone in a plain address's label", `"\u200b"`, false, ""},
		{"a surrogate pair is one astral character", `"\ud834\udd1e"`, true, ""},
	}
	e := openEngine(t, Config{})
	srv := serve(t, e)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := heldAddresses(t, e)
			res, body := rawRequest(t, srv, http.MethodPost, "/core/v1/organizations/_/ip_addresses", staffToken, vipBodyWith(tt.vip, tt.label))
			if tt.want == "" {
				wantStatus(t, res, body, http.StatusOK)
				return
			}
			got := wantError(t, res, body, katapult.CodeValidationError)
			if !slices.Equal(got.Detail.Errors, []string{tt.want}) {
				t.Errorf("errors = %q, want [%q]", got.Detail.Errors, tt.want)
			}
			if after := heldAddresses(t, e); after != before {
				t.Errorf("a refused create changed the addresses held from %d to %d", before, after)
			}
		})
	}
}

// TestALabelKrystalsClientCouldNotSendIntactIsRefused: the generated
// client encodes with encoding/json, which sends bytes that are not UTF-8
// as U+FFFD; the rule refuses that too, so what staff typed is never
// stored altered.
func TestALabelKrystalsClientCouldNotSendIntactIsRefused(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{})
	seeded := heldAddresses(t, e)
	srv := serve(t, e)
	body := vip(createBodyOf("acme", "uk-lon-01-public", "ipv4"))
	body.Label = ptr("caf\xe9") // Latin-1, as a script reading an old file might send it
	res, err := client(t, srv, staffToken).PostOrganizationIpAddressesWithResponse(context.Background(), body)
	if err == nil {
		t.Fatalf("created: %s", res.Body)
	}
	got := wantError(t, res.HTTPResponse, res.Body, katapult.CodeValidationError)
	if !slices.Equal(got.Detail.Errors, []string{katapult.LabelUnreadable}) {
		t.Errorf("errors = %q", got.Detail.Errors)
	}
	if n := heldAddresses(t, e) - seeded; n != 0 {
		t.Errorf("%d addresses made by a refused create", n)
	}
}
