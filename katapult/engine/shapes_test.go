package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

func TestAnAllocationHasItsWireShapeBesideTheAddress(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{})
	srv := serve(t, e)
	made := create(t, client(t, srv, staffToken), createBodyOf("acme", "uk-lon-01-public", "ipv4"))

	// On the wire today: every address is unallocated, and says so with nulls.
	res, body := rawRequest(t, srv, http.MethodGet, "/core/v1/ip_addresses/_?ip_address[id]="+*made.Id, staffToken, nil)
	wantStatus(t, res, body, http.StatusOK)
	var raw struct {
		IPAddress  map[string]json.RawMessage `json:"ip_address"`
		Allocation json.RawMessage            `json:"allocation"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw.Allocation) != "null" || string(raw.IPAddress["allocation_id"]) != "null" || string(raw.IPAddress["allocation_type"]) != "null" {
		t.Errorf("an unallocated address = %s, want allocation, allocation_id and allocation_type null", body)
	}

	// An allocated one, as recorded real traffic shows it: {"type", "value": {"id", "name"}}.
	row, ok, err := e.store.findIP(context.Background(), lookup{"id", *made.Id})
	if err != nil || !ok {
		t.Fatalf("findIP: %v, %v", ok, err)
	}
	row.Allocation = allocation{Type: "VirtualMachine", ID: "vm_CUZ6HttI0EAW9zcr", Name: "web-1"}
	got, err := json.Marshal(e.addressWithAllocation(row))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &raw); err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"VirtualMachine","value":{"id":"vm_CUZ6HttI0EAW9zcr","name":"web-1"}}`; string(raw.Allocation) != want {
		t.Errorf("allocation = %s, want %s", raw.Allocation, want)
	}
	if string(raw.IPAddress["allocation_id"]) != `"vm_CUZ6HttI0EAW9zcr"` || string(raw.IPAddress["allocation_type"]) != `"VirtualMachine"` {
		t.Errorf("allocation_id, allocation_type = %s, %s", raw.IPAddress["allocation_id"], raw.IPAddress["allocation_type"])
	}
}
