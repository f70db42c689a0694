package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// audit is what the API holds at the end, checked against what the users
// were shown.
type audit struct {
	// Listed is how many addresses the API lists in all organizations.
	Listed int `json:"listed"`
	// Duplicates counts addresses held by more than one id.
	Duplicates int `json:"duplicates"`
	// Missing counts creates shown to a user whose id the API does not
	// list; Changed those it lists with another address or organization.
	Missing int `json:"missing"`
	Changed int `json:"changed"`
	// Unshown counts addresses the API holds that no user was shown (a
	// create whose answer was lost).
	Unshown int `json:"unshown"`
	// Examples names a few of the problems.
	Examples []string `json:"examples,omitempty"`
}

// listed is one address as the API lists it.
type listed struct {
	id, address, org string
}

// auditAddresses lists every organization's addresses with the audit
// token and checks them.
func auditAddresses(ctx context.Context, t *target, shown []created) (audit, error) {
	all, err := listAll(ctx, t.url)
	if err != nil {
		return audit{}, err
	}
	return check(all, shown), nil
}

// check compares what the API lists with what users were shown.
func check(all []listed, shown []created) audit {
	a := audit{Listed: len(all)}
	example := func(format string, args ...any) {
		if len(a.Examples) < 10 {
			a.Examples = append(a.Examples, fmt.Sprintf(format, args...))
		}
	}
	byID := map[string]listed{}
	byAddr := map[string]string{}
	for _, l := range all {
		if other, dup := byAddr[l.address]; dup && other != l.id {
			a.Duplicates++
			example("address %s is held by %s and %s", l.address, other, l.id)
		}
		byAddr[l.address] = l.id
		byID[l.id] = l
	}
	seen := map[string]bool{}
	for _, c := range shown {
		l, ok := byID[c.id]
		switch {
		case !ok:
			a.Missing++
			example("%s (%s in %s) was shown as created but is not listed", c.id, c.address, c.org)
		case l.address != c.address || l.org != c.org:
			a.Changed++
			example("%s was shown as %s in %s, is listed as %s in %s", c.id, c.address, c.org, l.address, l.org)
		}
		seen[c.id] = true
	}
	for id := range byID {
		if !seen[id] {
			a.Unshown++
		}
	}
	return a
}

// listAll reads every address of every organization the audit token sees.
func listAll(ctx context.Context, base string) ([]listed, error) {
	var orgs struct {
		Organizations []struct {
			SubDomain string `json:"sub_domain"`
		} `json:"organizations"`
	}
	if err := getJSON(ctx, base+"/core/v1/organizations", &orgs); err != nil {
		return nil, err
	}
	var all []listed
	for _, o := range orgs.Organizations {
		for page := 1; ; page++ {
			var out struct {
				Pagination struct {
					TotalPages int `json:"total_pages"`
				} `json:"pagination"`
				IPAddresses []struct {
					ID      string `json:"id"`
					Address string `json:"address"`
				} `json:"ip_addresses"`
			}
			target := fmt.Sprintf("%s/core/v1/organizations/_/ip_addresses?organization[sub_domain]=%s&page=%d&per_page=200",
				base, url.QueryEscape(o.SubDomain), page)
			if err := getJSON(ctx, target, &out); err != nil {
				return nil, err
			}
			for _, a := range out.IPAddresses {
				all = append(all, listed{id: a.ID, address: a.Address, org: o.SubDomain})
			}
			if page >= out.Pagination.TotalPages {
				break
			}
		}
	}
	return all, nil
}

// getJSON reads one API answer with the audit token. A rate-limited
// answer is asked again after a second, for up to two minutes: the audit
// of a long run may need more pages than a token gets in a minute.
func getJSON(ctx context.Context, target string, out any) error {
	client := &http.Client{Timeout: requestTimeout}
	for tries := 0; ; tries++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+auditToken)
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		if res.StatusCode == http.StatusTooManyRequests && tries < 120 {
			res.Body.Close()
			select {
			case <-time.After(time.Second):
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err = json.NewDecoder(res.Body).Decode(out)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", target, statusText(res.StatusCode))
		}
		return err
	}
}
