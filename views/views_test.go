package views_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"ipdesk/views"
)

// render renders a component into a goquery document.
func render(t *testing.T, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func byID(doc *goquery.Document, id string) *goquery.Selection {
	return doc.Find(`[data-testid="` + id + `"]`)
}

func TestResultCardShowsEveryFact(t *testing.T) {
	t.Parallel()
	v := views.ResultView{
		ID: "ip_1", URL: "/orgs/acme/ip-addresses/ip_1", Address: "192.0.2.5", AddressWithMask: "192.0.2.5/24",
		ReverseDNS: "192-0-2-5.rdns.example", Version: "IPv4", VIP: true, Label: "lb",
		Network: "Public", NetworkPermalink: "uk-lon-01-public", DataCenter: "London", DataCenterPermalink: "uk-lon-01",
		Country: "United Kingdom", Flag: "🇬🇧", ISO2: "GB", ISO3: "GBR", TimeZone: "Europe/London", LocalTime: "14:05 BST",
		Allocated: true, AllocationType: "VirtualMachine", AllocationID: "vm_1",
	}
	doc := render(t, views.ResultCard(v))
	tests := []struct{ id, want string }{
		{"result-address", "192.0.2.5"}, {"result-mask", "192.0.2.5/24"}, {"result-rdns", "192-0-2-5.rdns.example"},
		{"result-vip", "Yes"}, {"result-label", "lb"}, {"result-network-permalink", "uk-lon-01-public"},
		{"result-datacenter-permalink", "uk-lon-01"}, {"result-flag", "🇬🇧"}, {"result-country-name", "United Kingdom"},
		{"result-iso", "GB / GBR"}, {"result-localtime", "local time 14:05 BST"}, {"result-eu", "No"},
		{"result-allocation", "Allocated to VirtualMachine vm_1"},
	}
	for _, tt := range tests {
		if got := strings.Join(strings.Fields(byID(doc, tt.id).Text()), " "); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.id, got, tt.want)
		}
	}
	btn := byID(doc, "copy-button")
	if _, hidden := btn.Attr("hidden"); !hidden {
		t.Errorf("the copy button shows without JavaScript")
	}
	if target := btn.AttrOr("data-copy", ""); doc.Find("#"+target).Text() != "192.0.2.5" {
		t.Errorf("copy button targets %q", target)
	}
}

func TestProblemPanelHasNoCodeButWhatItIsGiven(t *testing.T) {
	t.Parallel()
	doc := render(t, views.ProblemPanel(views.Problem{Kind: "k", Title: "T", Message: "M", Action: "A", Details: []string{"D1", "D2"}, RequestID: "r1"}))
	panel := byID(doc, "error-panel")
	if panel.AttrOr("role", "") != "alert" || panel.AttrOr("data-problem", "") != "k" {
		t.Errorf("panel attributes %v", panel.Nodes[0].Attr)
	}
	for id, want := range map[string]string{"error-title": "T", "error-message": "M", "error-action": "A", "request-id": "r1"} {
		if got := byID(doc, id).Text(); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	if n := byID(doc, "error-details").Find("li").Length(); n != 2 {
		t.Errorf("%d details", n)
	}
}

func TestFormFieldsAreLabelledAndErrorsDescribed(t *testing.T) {
	t.Parallel()
	v := views.FormView{
		Org:      views.OrgHeader{Name: "ACME", SubDomain: "acme"},
		Switcher: views.Switcher{Action: "/orgs/acme/ip-addresses/new", Current: "acme", Options: []views.SwitchOption{{SubDomain: "acme", Name: "ACME"}, {SubDomain: "globex", Name: "Globex"}}},
		Action:   "/orgs/acme/ip-addresses", CSRF: "c", Once: "o",
		Networks: views.NetworkField{Selected: "n2", Errors: []string{"bad network"}, Groups: []views.NetworkGroup{
			{DataCenter: "London", Permalink: "uk-lon-01", Country: "United Kingdom", Networks: []views.NetworkOption{{ID: "n1", Name: "Public", Default: true}, {ID: "n2", Name: "Edge"}}},
		}},
		Version: "ipv6", VIP: true, Label: "kept", LabelErrors: []string{"Label can't be blank"},
	}
	doc := render(t, views.FormMain(v))
	for _, id := range []string{"network", "label", "switch-org", "vip"} {
		el := doc.Find("#" + id)
		if doc.Find(`label[for="`+id+`"]`).Length() == 0 && el.Closest("label").Length() == 0 {
			t.Errorf("#%s has no label", id)
		}
	}
	for _, f := range []struct{ id, err string }{{"network", "network-error"}, {"label", "label-error"}} {
		el := doc.Find("#" + f.id)
		if el.AttrOr("aria-invalid", "") != "true" || !strings.Contains(el.AttrOr("aria-describedby", ""), f.err) {
			t.Errorf("#%s: aria-invalid %q, aria-describedby %q", f.id, el.AttrOr("aria-invalid", ""), el.AttrOr("aria-describedby", ""))
		}
		if doc.Find("#"+f.err).Length() != 1 {
			t.Errorf("no #%s", f.err)
		}
	}
	if got := doc.Find("optgroup").AttrOr("label", ""); got != "London, United Kingdom (uk-lon-01)" {
		t.Errorf("group label %q", got)
	}
	if got := doc.Find("#network option[selected]").AttrOr("value", ""); got != "n2" {
		t.Errorf("selected %q", got)
	}
	if _, ok := byID(doc, "version-ipv6").Attr("checked"); !ok {
		t.Errorf("IPv6 not checked")
	}
	if _, ok := byID(doc, "vip").Attr("checked"); !ok || byID(doc, "label").AttrOr("value", "") != "kept" {
		t.Errorf("VIP input not kept")
	}
	if doc.Find("[style], style, script").Length() != 0 {
		t.Errorf("inline style or script in the form")
	}
	for _, id := range []string{"org-switcher", "org-switcher-submit", "network-select", "version-ipv4", "version-ipv6", "vip", "label", "create-submit", "create-indicator", "once-token"} {
		if byID(doc, id).Length() != 1 {
			t.Errorf("no data-testid %q", id)
		}
	}
}

func TestStateReplacesTheForm(t *testing.T) {
	t.Parallel()
	doc := render(t, views.FormMain(views.FormView{Org: views.OrgHeader{SubDomain: "x"}, State: &views.Problem{Kind: "organization_suspended", Title: "Suspended"}}))
	if byID(doc, "create-form").Length() != 0 || byID(doc, "error-panel").AttrOr("data-problem", "") != "organization_suspended" {
		t.Errorf("state does not replace the form")
	}
}

func TestPathsEscapeSegments(t *testing.T) {
	t.Parallel()
	tests := []struct{ got, want string }{
		{views.PathNewAddress("a/b"), "/orgs/a%2Fb/ip-addresses/new"},
		{views.PathAddress("acme", "ip_1"), "/orgs/acme/ip-addresses/ip_1"},
		{views.PathAddressesPage("acme", 1), "/orgs/acme/ip-addresses"},
		{views.PathAddressesPage("acme", 2), "/orgs/acme/ip-addresses?page=2"},
		{views.PathLogin("/", ""), "/login"},
		{views.PathLogin("/orgs/a?x=1", "expired"), "/login?next=%2Forgs%2Fa%3Fx%3D1&why=expired"},
		{views.PathHome("a b"), "/?q=a+b"},
		{views.PathNewAddressWith("acme", "n1", ""), "/orgs/acme/ip-addresses/new?network=n1"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%q, want %q", tt.got, tt.want)
		}
	}
}

// TestTheHTMXConfigMetaCarriesItsJSONAsIs: a parser reads back exactly
// the JSON given, quotes, ampersands and angle brackets included.
func TestTheHTMXConfigMetaCarriesItsJSONAsIs(t *testing.T) {
	for _, config := range []string{
		`{"selfRequestsOnly":true,"responseHandling":[{"code":"[45]..","swap":true}]}`,
		`{"a":"it's & <b>"}`,
	} {
		var b strings.Builder
		if err := views.HTMXConfigMeta(config).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader("<head>" + b.String() + "</head>"))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := doc.Find(`meta[name="htmx-config"]`).Attr("content"); got != config {
			t.Errorf("the meta tag %s reads back as %q, want %q", b.String(), got, config)
		}
	}
}
