package engine

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"unicode/utf8"

	"ipdesk/katapult"
)

// addressEdit is what a PATCH asks to change; a nil field is left as it
// is (absent or null in the body).
type addressEdit struct {
	vip        *bool
	label      *string
	reverseDNS *string
	// labelBytesOK is false when the label's raw JSON text held bytes that
	// are not UTF-8, which decoding silently turned into U+FFFD.
	labelBytesOK bool
}

// PATCH /ip_addresses/:ip_address. The checks run in the order of the
// create: arguments, the address (not found, then permission), and
// validation, which the store runs against the address as it is when the
// edit is written.
func (e *Engine) updateIPAddress(w http.ResponseWriter, r *http.Request, tok *token) error {
	body, err := decodeBody(w, r)
	if err != nil {
		return err
	}
	lk, err := anyLookup(r, "ip_address", body["ip_address"])
	if err != nil {
		return err
	}
	edit, err := editArguments(body)
	if err != nil {
		return err
	}
	row, err := e.managedAddress(r.Context(), tok, lk, "change")
	if err != nil {
		return err
	}
	row, err = e.store.update(r.Context(), row.ID, edit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		IPAddress ipAddressJSON `json:"ip_address"`
	}{e.ipAddressView(row)})
}

// editArguments reads the PATCH's optional arguments, each of its type.
func editArguments(body map[string]json.RawMessage) (addressEdit, error) {
	var edit addressEdit
	var err error
	if edit.vip, err = nullableBool(body["vip"], "vip"); err != nil {
		return addressEdit{}, err
	}
	if edit.label, err = nullableString(body["label"], "label"); err != nil {
		return addressEdit{}, err
	}
	if edit.reverseDNS, err = nullableString(body["reverse_dns"], "reverse_dns"); err != nil {
		return addressEdit{}, err
	}
	// As for the create: checked on the raw text, before decoding hides
	// it. A reverse DNS name needs no such care: the rule refuses any
	// character that is not ASCII, U+FFFD included.
	edit.labelBytesOK = utf8.Valid(body["label"])
	return edit, nil
}

// apply returns the address as the edit makes it, and the sentences of
// what is wrong with the edit, none when it may be written. The label
// follows the create's rule (katapult.CheckLabel) for the address's VIP
// flag after the edit: a VIP must keep or get a label that is not blank;
// a label given for a plain address is checked, then dropped, and an
// address that stops being a VIP loses its label, as Katapult does. The
// reverse DNS follows katapult.CheckReverseDNS.
func (edit addressEdit) apply(row ipRow) (ipRow, []string) {
	var problems []string
	if edit.vip != nil {
		row.VIP = *edit.vip
	}
	switch {
	case edit.label != nil && !edit.labelBytesOK:
		problems = append(problems, katapult.LabelUnreadable)
	case edit.label != nil:
		label, labelProblems := katapult.CheckLabel(*edit.label, row.VIP)
		problems = append(problems, labelProblems...)
		row.Label = sql.NullString{String: label, Valid: true}
	case row.VIP && !row.Label.Valid:
		// A plain address made a VIP without a label.
		problems = append(problems, katapult.LabelBlank)
	}
	if !row.VIP {
		row.Label = sql.NullString{}
	}
	if edit.reverseDNS != nil {
		name, dnsProblems := katapult.CheckReverseDNS(*edit.reverseDNS)
		problems = append(problems, dnsProblems...)
		row.ReverseDNS = name
	}
	return row, problems
}

// managedAddress finds the address a lookup names, for a token that is
// to change it (verb says how, for the refusal's details): an address of
// an organization the token does not hold is not found, as if it did not
// exist; one the token may only view is permission_denied.
func (e *Engine) managedAddress(ctx context.Context, tok *token, lk lookup, verb string) (ipRow, error) {
	row, ok, err := e.store.findIP(ctx, lk)
	if err != nil || !ok {
		return ipRow{}, cmp.Or(err, error(apiError(katapult.CodeIPAddressNotFound)))
	}
	switch tok.access[row.OrganizationID] {
	case accessManage:
		return row, nil
	case accessView:
		return ipRow{}, katapult.NewError(katapult.CodePermissionDenied, katapult.Detail{
			Details: "This API token may view this IP address's organization but not " + verb + " its IP addresses.",
		})
	}
	return ipRow{}, apiError(katapult.CodeIPAddressNotFound)
}

// nullableBool decodes an optional boolean argument; absent or null is nil.
func nullableBool(raw json.RawMessage, arg string) (*bool, error) {
	if isNull(raw) {
		return nil, nil
	}
	b, err := optionalBool(raw, arg)
	return &b, err
}

// nullableString decodes an optional string argument; absent or null is
// nil.
func nullableString(raw json.RawMessage, arg string) (*string, error) {
	if isNull(raw) {
		return nil, nil
	}
	s, err := optionalString(raw, arg)
	return &s, err
}
