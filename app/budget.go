package app

import "time"

// Budget is the one time budget of the server, derived from the two
// Katapult timeouts so that every request, the slowest included, ends
// with a full answer before the server gives up on it, and SIGTERM lets
// it finish.
//
// The slowest page is a create that times out (Create) and then renders
// "outcome unknown" with the organization's newest addresses: up to two
// list reads (Read each). Request, the deadline of every request's
// context, is exactly that; a page whose reads would run past it gets
// what remains, and explains a read that did not finish. Write, the
// server's write timeout, adds the time to render and send the page.
// Shutdown, the grace SIGTERM gives in-flight requests, is longer still.
type Budget struct {
	// Read and Create bound one Katapult read and one create.
	Read, Create time.Duration
	// ReadHeader bounds reading a request's header, Body reading all of
	// it, body included: a client that sends a declared body a byte at a
	// time is cut off. They are the server's ReadHeaderTimeout and
	// ReadTimeout; net/http lifts the read deadline once the body has been
	// read, so it never cuts off a slow page, only a slow client.
	ReadHeader, Body time.Duration
	// Request is the deadline of each request's context.
	Request time.Duration
	// Write is the server's write timeout: Request and a margin to render
	// and send the answer.
	Write time.Duration
	// Idle is how long a kept-alive connection may wait for its next
	// request.
	Idle time.Duration
	// Shutdown is how long SIGTERM waits for in-flight requests.
	Shutdown time.Duration
}

const (
	// readHeaderTimeout and bodyTimeout bound what a client sends: the
	// largest form is a few hundred bytes.
	readHeaderTimeout = 10 * time.Second
	bodyTimeout       = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	// answerMargin is rendering and writing a page after its last
	// Katapult call ended; pages are rendered into a buffer in
	// milliseconds, the rest is the network.
	answerMargin = 5 * time.Second
	// shutdownMargin is closing idle connections and flushing logs once
	// the last answer is written.
	shutdownMargin = time.Second
	// slowestPageReads is how many reads the slowest page makes after its
	// create: the two pages of the organization's address list that the
	// "outcome unknown" page shows.
	slowestPageReads = 2
)

// NewBudget derives the server's timeouts from Katapult's: read bounds one
// read, create one create.
func NewBudget(read, create time.Duration) Budget {
	request := create + slowestPageReads*read
	return Budget{
		Read:       read,
		Create:     create,
		ReadHeader: readHeaderTimeout,
		Body:       bodyTimeout,
		Request:    request,
		Write:      request + answerMargin,
		Idle:       idleTimeout,
		Shutdown:   request + answerMargin + shutdownMargin,
	}
}
