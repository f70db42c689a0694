package handlers

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestLocalTimeIsTheSameCachedOrNot: the local time a result shows is
// right the first time a zone is asked for, every time after (from the
// cache), from many requests at once, and once the cache is full (loaded
// each time again); an unknown or empty zone shows none.
func TestLocalTimeIsTheSameCachedOrNot(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 2, 13, 5, 0, 0, time.UTC)
	tests := []struct{ zone, want string }{
		{zone: "Europe/London", want: "14:05 BST (UTC+01:00), Mon 2 Jun"},
		{zone: "Europe/Amsterdam", want: "15:05 CEST (UTC+02:00), Mon 2 Jun"},
		{zone: "America/New_York", want: "09:05 EDT (UTC-04:00), Mon 2 Jun"},
		{zone: "Asia/Kolkata", want: "18:35 IST (UTC+05:30), Mon 2 Jun"},
		{zone: "Pacific/Kiritimati", want: "03:05 +14 (UTC+14:00), Tue 3 Jun"},
		{zone: "UTC", want: "13:05 UTC (UTC+00:00), Mon 2 Jun"},
		{zone: "Mars/Olympus_Mons"},
		{zone: "../../etc/passwd"},
		{zone: ""},
	}
	var zones zoneCache
	check := func(t *testing.T, zone, want string) {
		t.Helper()
		if got := localTime(zones.location(zone), now); got != want {
			t.Errorf("local time in %q: %q, want %q", zone, got, want)
		}
	}
	for _, round := range []string{"first", "cached"} {
		t.Run(round, func(t *testing.T) {
			var wg sync.WaitGroup
			for _, tt := range tests {
				for range 4 {
					wg.Go(func() { check(t, tt.zone, tt.want) })
				}
			}
			wg.Wait()
		})
	}
	t.Run("cache full", func(t *testing.T) {
		for i := range maxZones {
			zones.location(fmt.Sprintf("Nowhere/N%d", i))
		}
		for _, tt := range tests {
			check(t, tt.zone, tt.want)
		}
		check(t, "Asia/Tokyo", "22:05 JST (UTC+09:00), Mon 2 Jun")
		check(t, "Asia/Tokyo", "22:05 JST (UTC+09:00), Mon 2 Jun")
		if n := len(zones.zones); n > maxZones {
			t.Errorf("the cache holds %d zones, more than its bound %d", n, maxZones)
		}
	})
}
