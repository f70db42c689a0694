package handlers

import "github.com/labstack/echo/v4"

// routes lists the dashboard's whole surface, one line a route. The paths
// are built for links by views/paths.go; TestPathsMatchRoutes checks that both
// agree. Katapult's own API (/core/v1) is mounted beside this handler by
// main, not here.
func (s *server) routes(e *echo.Echo) {
	auth := s.requireSession
	e.GET("/static/*", s.handleStatic())
	e.HEAD("/static/*", s.handleStatic()) // HTTP wants HEAD wherever GET is
	e.GET("/login", s.handleLoginForm())
	e.POST("/login", s.handleLogin())
	e.POST("/logout", s.handleLogout())
	e.GET("/", s.handleOrgs(), auth)
	// Every /orgs/{org}/… route checks {org} (orgRoute); the pages also
	// load the organization and redirect to its sub_domain (canonicalOrg).
	e.GET("/orgs/:org/ip-addresses/new", s.handleForm(), auth, orgRoute, s.switchOrg, s.canonicalOrg)
	e.GET("/orgs/:org/networks", s.handleNetworks(), auth, orgRoute, s.canonicalOrg)
	e.POST("/orgs/:org/ip-addresses", s.handleCreate(), auth, orgRoute)
	e.GET("/orgs/:org/ip-addresses", s.handleList(), auth, orgRoute, s.canonicalOrg)
	e.GET("/orgs/:org/ip-addresses/:id", s.handleShow(), auth, orgRoute, s.canonicalOrgID)
	e.GET("/orgs/:org/ip-addresses/:id/edit", s.handleEditForm(), auth, orgRoute, s.canonicalOrg)
	e.POST("/orgs/:org/ip-addresses/:id", s.handleUpdate(), auth, orgRoute)
	e.GET("/orgs/:org/ip-addresses/:id/release", s.handleReleaseForm(), auth, orgRoute, s.canonicalOrg)
	e.POST("/orgs/:org/ip-addresses/:id/release", s.handleRelease(), auth, orgRoute)
	e.GET("/orgs/:org/allowance", s.handleAllowance(), auth, orgRoute, s.canonicalOrg)
	e.GET("/orgs/:org/activity", s.handleOrgActivity(), auth, orgRoute, s.canonicalOrg)
	e.GET("/activity", s.handleActivity(), auth)
}
