package views

import "strconv"

func itoa(n int) string { return strconv.Itoa(n) }

// describedBy joins the ids of the hints and errors that describe a field,
// skipping the empty ones, for aria-describedby.
func describedBy(ids ...string) string {
	out := ""
	for _, id := range ids {
		if id == "" {
			continue
		}
		if out != "" {
			out += " "
		}
		out += id
	}
	return out
}

// errorsID is id when there are errors to point at, else "".
func errorsID(id string, errs []string) string {
	if len(errs) == 0 {
		return ""
	}
	return id
}

// onOff is a checkbox's value as a form sends it: "on" when ticked, ""
// when not.
func onOff(b bool) string {
	if b {
		return "on"
	}
	return ""
}
