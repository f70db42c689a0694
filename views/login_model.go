package views

// LoginView is the sign-in page.
type LoginView struct {
	// Action is where the form posts; it carries no token, only next.
	Action string
	Next   string
	CSRF   string
	// Notice is a neutral message, e.g. after signing out.
	Notice string
	// TokenErrors are shown under the token field.
	TokenErrors []string
	// Problem is a panel, e.g. when Katapult did not answer.
	Problem *Problem
	// Demo is set in embedded mode only.
	Demo *DemoView
}

// DemoView tells that this is a demo and which public tokens to use.
type DemoView struct {
	Tokens []DemoTokenView
}

// DemoTokenView is one public demo token.
type DemoTokenView struct {
	Token  string
	Name   string
	Scopes string
}
