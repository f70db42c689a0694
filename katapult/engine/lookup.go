package engine

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// lookup names one object by one of its keys, as the API's lookups do:
// {"sub_domain": "acme"}. A lookup that had two keys, or none, has key "":
// it finds nothing, which the API answers with the object's *_not_found.
type lookup struct {
	key, value string
}

// lookupPairs gathers the key/value pairs a request gives for one lookup
// argument; the same pair given twice (path and query) counts once.
type lookupPairs map[[2]string]struct{}

// fromPath adds the path segment that stands for the object. Clients send
// "_", the argument's name or ":" and the name (the route's own placeholder,
// as an older generated client leaves it) as a mere placeholder; anything
// else is the object's id.
func (p lookupPairs) fromPath(r *http.Request, arg string) bool {
	seg := r.PathValue(arg)
	if seg == "" || seg == "_" || seg == arg || seg == ":"+arg {
		return false
	}
	p[[2]string{"id", seg}] = struct{}{}
	return true
}

// result turns the pairs into a lookup. given says whether the request had
// the argument at all: a missing one is an invalid_argument, which comes
// before any lookup is tried.
func (p lookupPairs) result(arg string, given bool) (lookup, error) {
	if !given {
		return lookup{}, invalidArgument(arg, issueMissing)
	}
	var lk lookup
	if len(p) == 1 {
		for kv := range p {
			lk = lookup{key: kv[0], value: kv[1]}
		}
	}
	return lk, nil
}

// queryLookup reads a GET request's lookup from its path segment and its
// bracket query parameters: ?organization[sub_domain]=acme.
func queryLookup(r *http.Request, arg string) (lookup, error) {
	pairs := lookupPairs{}
	given := pairs.fromPath(r, arg)
	given = pairs.fromQuery(r, arg) || given
	return pairs.result(arg, given)
}

// fromQuery adds the bracket query parameters of the argument.
func (p lookupPairs) fromQuery(r *http.Request, arg string) bool {
	given := false
	for k, values := range r.URL.Query() {
		rest, ok := strings.CutPrefix(k, arg+"[")
		key, closed := strings.CutSuffix(rest, "]")
		if !ok || !closed {
			continue
		}
		for _, v := range values {
			p[[2]string{key, v}] = struct{}{}
			given = true
		}
	}
	return given
}

// bodyLookup reads a POST request's lookup from its path segment and its
// JSON body's object: "organization": {"sub_domain": "acme"}. A key whose
// value is null counts as absent.
func bodyLookup(r *http.Request, arg string, raw json.RawMessage) (lookup, error) {
	pairs := lookupPairs{}
	given := pairs.fromPath(r, arg)
	inBody, err := pairs.fromBody(arg, raw)
	if err != nil {
		return lookup{}, err
	}
	return pairs.result(arg, given || inBody)
}

// anyLookup reads the lookup of an address's PATCH, DELETE or unallocate
// from wherever a real client puts it: the path segment, the JSON body
// (Krystal's generated client, Terraform) or the bracket query parameters
// (Krystal's hand-written client, for DELETE and unallocate). The same pair
// given in two places counts once; two different pairs find nothing.
func anyLookup(r *http.Request, arg string, raw json.RawMessage) (lookup, error) {
	pairs := lookupPairs{}
	given := pairs.fromPath(r, arg)
	given = pairs.fromQuery(r, arg) || given
	inBody, err := pairs.fromBody(arg, raw)
	if err != nil {
		return lookup{}, err
	}
	return pairs.result(arg, given || inBody)
}

// fromBody adds the keys of the argument's object in a JSON body. A key
// whose value is null counts as absent.
func (p lookupPairs) fromBody(arg string, raw json.RawMessage) (bool, error) {
	if isNull(raw) {
		return false, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return false, invalidArgument(arg, issueNotObject)
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if isNull(obj[k]) {
			continue
		}
		var s string
		if err := json.Unmarshal(obj[k], &s); err != nil {
			return false, invalidArgument(arg+"."+k, issueWrongType)
		}
		p[[2]string{k, s}] = struct{}{}
	}
	return true, nil
}

// isNull reports whether a JSON value is absent or null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}
