package engine

import (
	"database/sql"
	"errors"
	"net/http"
	"unicode/utf8"

	"ipdesk/katapult"
)

type createArgs struct {
	org, network lookup
	version      int
	vip          bool
	label        string
	// labelBytesOK is false when the label's raw JSON text held bytes that
	// are not UTF-8, which decoding silently turned into U+FFFD.
	labelBytesOK bool
}

// POST /organizations/:organization/ip_addresses. The checks run in the
// order clients expect: arguments, organization, permission, network,
// validation, and only then the pool.
func (e *Engine) createIPAddress(w http.ResponseWriter, r *http.Request, tok *token) error {
	args, err := createArguments(w, r)
	if err != nil {
		return err
	}
	o, err := e.usableOrganization(tok, args.org)
	if err != nil {
		return err
	}
	if tok.access[o.ID] != accessManage {
		return katapult.NewError(katapult.CodePermissionDenied, katapult.Detail{
			Details: "This API token may view this organization but not create IP addresses for it.",
		})
	}
	n, ok := e.cat.networkBy.find(args.network)
	if !ok || !o.networks[n.ID] {
		return apiError(katapult.CodeNetworkNotFound)
	}
	label, problems := args.validate()
	if len(problems) > 0 {
		return katapult.NewError(katapult.CodeValidationError, katapult.Detail{Errors: problems})
	}
	row, err := e.store.allocate(r.Context(), newAddress{
		organizationID: o.ID, networkID: n.ID, version: args.version,
		vip: args.vip, label: sql.NullString{String: label, Valid: args.vip},
		createdAt: e.now().Unix(),
	})
	if errors.Is(err, errPoolEmpty) {
		return apiError(katapult.CodeNoAvailableAddresses)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		IPAddress ipAddressJSON `json:"ip_address"`
	}{e.ipAddressView(row)})
}

// createArguments reads the create's arguments from its body (and the
// organization's id from the path, when it is there).
func createArguments(w http.ResponseWriter, r *http.Request) (createArgs, error) {
	body, err := decodeBody(w, r)
	if err != nil {
		return createArgs{}, err
	}
	var a createArgs
	if a.org, err = bodyLookup(r, "organization", body["organization"]); err != nil {
		return createArgs{}, err
	}
	if a.network, err = bodyLookup(r, "network", body["network"]); err != nil {
		return createArgs{}, err
	}
	if a.version, err = versionArg(body["version"]); err != nil {
		return createArgs{}, err
	}
	if a.vip, err = optionalBool(body["vip"], "vip"); err != nil {
		return createArgs{}, err
	}
	if a.label, err = optionalString(body["label"], "label"); err != nil {
		return createArgs{}, err
	}
	// Checked on the raw text, before decoding hides it: encoding/json
	// turns bytes that are not UTF-8 into U+FFFD without a word. Only the
	// label is held to it; other strings keep their answers (a lookup with
	// such bytes simply finds nothing).
	a.labelBytesOK = utf8.Valid(body["label"])
	return a, nil
}

// validate lists what is wrong with the new address, one sentence each, as
// Katapult's validation errors read, and gives the label as it is to be
// kept. The label follows the one label rule (katapult.CheckLabel): it is
// required for a VIP; one given for a plain address is checked too, then
// dropped, as a plain address has none.
func (a createArgs) validate() (string, []string) {
	if !a.labelBytesOK {
		return "", []string{katapult.LabelUnreadable}
	}
	return katapult.CheckLabel(a.label, a.vip)
}
