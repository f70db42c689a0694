package handlers

import (
	"encoding/json"

	"github.com/labstack/echo/v4"
)

// The htmx headers the dashboard reads and writes, in one place.
const (
	hxRequest        = "HX-Request"
	hxHistoryRestore = "HX-History-Restore-Request"
	hxCurrentURL     = "HX-Current-URL"
	hxRedirect       = "HX-Redirect"
	hxPushURL        = "HX-Push-Url"
	hxRetarget       = "HX-Retarget"
	hxReswap         = "HX-Reswap"
	hxReselect       = "HX-Reselect"
)

// isHTMX reports whether the request wants a fragment. History restores
// want the full page (and do not send HX-Request anyway, as the config
// below asks).
func isHTMX(c echo.Context) bool {
	h := c.Request().Header
	return h.Get(hxRequest) == "true" && h.Get(hxHistoryRestore) != "true"
}

// htmxConfig is the JSON of the htmx-config meta tag. htmx 2 does not swap
// 4xx and 5xx answers by default: every status the dashboard renders a
// page or fragment for is swapped, the expected ones (a form coming back)
// without being reported as errors.
func htmxConfig() string {
	type rule struct {
		Code  string `json:"code"`
		Swap  bool   `json:"swap"`
		Error bool   `json:"error"`
	}
	cfg := struct {
		IncludeIndicatorStyles    bool   `json:"includeIndicatorStyles"`
		AllowEval                 bool   `json:"allowEval"`
		AllowScriptTags           bool   `json:"allowScriptTags"`
		SelfRequestsOnly          bool   `json:"selfRequestsOnly"`
		HistoryRestoreAsHxRequest bool   `json:"historyRestoreAsHxRequest"`
		ResponseHandling          []rule `json:"responseHandling"`
	}{
		SelfRequestsOnly: true,
		ResponseHandling: []rule{
			{Code: "204", Swap: false},
			{Code: "[23]..", Swap: true},
			{Code: "^(400|403|404|405|409|413|422|429)$", Swap: true},
			{Code: "[45]..", Swap: true, Error: true},
		},
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		panic(err) // a fixed value that always marshals
	}
	return string(b)
}
