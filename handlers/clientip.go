package handlers

import (
	"net"
	"net/http"
	"net/netip"

	"github.com/labstack/echo/v4"
)

// ClientIP returns how ipdesk finds a request's client address, which the
// sign-in limit (and the embedded engine's limit on unknown tokens) counts
// against. With no trusted proxies it is the peer's address: any header is
// the client's to forge. With trusted proxies, it reads X-Forwarded-For from
// the right and takes the first address that is not one of them, but only
// when the peer itself is one of them; a forged entry to the left of the
// address a trusted proxy appended is never reached. Echo would also trust
// loopback, link-local and private addresses by default: those defaults are
// turned off, so that only the ranges given are trusted (list them if the
// proxies live there).
func ClientIP(trusted []netip.Prefix) func(*http.Request) string {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{
		echo.TrustLoopback(false),
		echo.TrustLinkLocal(false),
		echo.TrustPrivateNet(false),
	}
	for _, p := range trusted {
		p = p.Masked()
		opts = append(opts, echo.TrustIPRange(&net.IPNet{
			IP:   p.Addr().AsSlice(),
			Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen()),
		}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
