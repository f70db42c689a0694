package engine

import (
	"cmp"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// seedItemKeys names, for each kind of item in a seed's lists, what the
// item is called in messages and the field that tells it from its siblings.
var seedItemKeys = map[reflect.Type]struct{ kind, key string }{
	reflect.TypeFor[seedDataCenter]():     {"data center", "permalink"},
	reflect.TypeFor[seedNetwork]():        {"network", "permalink"},
	reflect.TypeFor[seedSubnet]():         {"subnet", "cidr"},
	reflect.TypeFor[seedOrganization]():   {"organization", "sub_domain"},
	reflect.TypeFor[seedToken]():          {"token", "name"},
	reflect.TypeFor[seedVirtualNetwork](): {"virtual network", "name"},
	reflect.TypeFor[seedIPAddress]():      {"address", "address"},
}

// unknownField walks a seed decoded into plain JSON values (v) alongside
// the format's types (t) and refuses the first key the format does not
// have, naming the item that holds it: `network "pub" subnet
// "192.0.2.0/24": unknown field "gw"`. Keys must match exactly. A null item
// in a list is refused too: it would decode to a nil pointer. Values of
// the wrong type are left to the typed decoder.
func unknownField(v any, t reflect.Type, item string) error {
	switch t.Kind() {
	case reflect.Pointer:
		return unknownField(v, t.Elem(), item)
	case reflect.Slice:
		list, _ := v.([]any)
		for i, el := range list {
			name := seedItemName(item, t.Elem(), el, i)
			if el == nil && t.Elem().Kind() == reflect.Pointer {
				return seedErr(name, "is null, not an object")
			}
			if err := unknownField(el, t.Elem(), name); err != nil {
				return err
			}
		}
	case reflect.Struct:
		obj, _ := v.(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			f, ok := jsonField(t, k)
			if !ok {
				return seedErr(cmp.Or(item, "top level"), "unknown field %q", k)
			}
			if err := unknownField(obj[k], f.Type, item); err != nil {
				return err
			}
		}
	}
	return nil
}

// seedItemName names the i-th element of a list of the seed, inside parent.
func seedItemName(parent string, t reflect.Type, v any, i int) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	ik, ok := seedItemKeys[t]
	if !ok {
		return parent
	}
	obj, _ := v.(map[string]any)
	key, _ := obj[ik.key].(string)
	name := itemName(ik.kind, key, i)
	if parent == "" {
		return name
	}
	return parent + " " + name
}

// jsonField finds the field of struct type t whose JSON name is exactly name.
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for f := range t.Fields() {
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.IsExported() && tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
