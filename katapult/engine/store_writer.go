package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// writer is the store's one write connection, with the create's and the
// release's statements prepared on it once, and the one goroutine that uses
// it (run). Every write (create, edit, release, unallocate) queues for it,
// first come first served, so that no two ever interleave: SQLite lets
// one transaction write at a time anyway, and waiting in a queue is
// cheaper and fairer than waiting in SQLite's busy handler, which sleeps
// and polls, or for a lock or database/sql's pool, which let a newcomer or
// a random waiter go first; either made the slowest creates wait for
// hundreds of others. The goroutine starts the next transaction as soon as
// one commits, while the request that made it writes its answer. Reads
// never wait for a write: they use the store's other connections, and WAL
// lets them read while a write commits.
type writer struct {
	db   *sql.DB        // one connection, kept while the store is open
	jobs chan *writeJob // unbuffered: blocked senders are served in order
	quit chan struct{}  // closed by close: run returns, queued jobs fail
	done chan struct{}  // closed when run has returned
	// pending counts the writes queued or running: a signal for tests.
	pending atomic.Int64

	closeOnce sync.Once
	closeErr  error

	nextFree, dropRange, shrinkRange, insertIP *sql.Stmt
	// A release's statements (release.go).
	deleteIP, rangeBefore, rangeAt, growRange, insertRange *sql.Stmt
}

// writeJob is one transaction to run, and where its outcome goes.
type writeJob struct {
	ctx    context.Context
	fn     func(*writeTx) error
	result chan writeResult // buffered: run never waits for the caller
}

type writeResult struct {
	err      error
	panicked bool
	panicVal any
}

// errStoreClosed answers a write that came after the store began to close.
var errStoreClosed = errors.New("engine: the store is closed")

func openWriter(ctx context.Context, dsn string) (*writer, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// One connection, kept for the store's life: the prepared statements
	// live on it, and a second one would only wait for SQLite's lock.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	w := &writer{db: db, jobs: make(chan *writeJob), quit: make(chan struct{}), done: make(chan struct{})}
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&w.nextFree, nextFreeQuery},
		{&w.dropRange, `DELETE FROM free_ranges WHERE subnet_seq = ? AND first = ?`},
		{&w.shrinkRange, `UPDATE free_ranges SET first = ? WHERE subnet_seq = ? AND first = ?`},
		{&w.insertIP, `INSERT INTO ip_addresses
			(id, organization_id, subnet_seq, address, reverse_dns, vip, label, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.deleteIP, `DELETE FROM ip_addresses WHERE id = ?`},
		{&w.rangeBefore, rangeBeforeQuery},
		{&w.rangeAt, `SELECT last FROM free_ranges WHERE subnet_seq = ? AND first = ?`},
		{&w.growRange, `UPDATE free_ranges SET last = ? WHERE subnet_seq = ? AND first = ?`},
		{&w.insertRange, `INSERT INTO free_ranges (subnet_seq, first, last) VALUES (?, ?, ?)`},
	} {
		if *p.stmt, err = db.PrepareContext(ctx, p.query); err != nil {
			db.Close()
			return nil, err
		}
	}
	go w.run()
	return w, nil
}

// close stops run once the transaction it is in (if any) has ended, fails
// the writes still queued, then finalizes the statements and closes the
// connection. Calls after the first do nothing.
func (w *writer) close() error {
	w.closeOnce.Do(func() {
		close(w.quit)
		<-w.done
		var errs []error
		for _, s := range w.statements() {
			errs = append(errs, s.Close())
		}
		w.closeErr = errors.Join(append(errs, w.db.Close())...)
	})
	return w.closeErr
}

// statements lists the writer's prepared statements.
func (w *writer) statements() []*sql.Stmt {
	return []*sql.Stmt{w.nextFree, w.dropRange, w.shrinkRange, w.insertIP,
		w.deleteIP, w.rangeBefore, w.rangeAt, w.growRange, w.insertRange}
}

// write runs fn in one immediate transaction of its own, committed before
// write returns: one durable commit per call. A write whose ctx ends while
// it is queued, or before its transaction began, writes nothing; ctx also
// ends a wait for another process's write lock, and a transaction whose
// ctx ends before its commit is rolled back. A panic in fn is raised again
// here, in the caller's goroutine, after the transaction was rolled back.
func (w *writer) write(ctx context.Context, fn func(*writeTx) error) error {
	j := &writeJob{ctx: ctx, fn: fn, result: make(chan writeResult, 1)}
	w.pending.Add(1)
	defer w.pending.Add(-1)
	select {
	case w.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	case <-w.quit:
		return errStoreClosed
	}
	// From here the transaction is run's: its outcome is worth waiting
	// for, and run ends it promptly once ctx is done.
	r := <-j.result
	if r.panicked {
		panic(r.panicVal)
	}
	return r.err
}

// run takes the queued writes one after the other until close.
func (w *writer) run() {
	defer close(w.done)
	for {
		select {
		case j := <-w.jobs:
			j.result <- w.transact(j.ctx, j.fn)
		case <-w.quit:
			return
		}
	}
}

// transact runs fn in a transaction and commits it; any error or panic
// rolls it back.
func (w *writer) transact(ctx context.Context, fn func(*writeTx) error) (r writeResult) {
	t, err := w.begin(ctx)
	if err != nil {
		return writeResult{err: err}
	}
	defer func() {
		if p := recover(); p != nil {
			// Raised again in the request's goroutine, whose log line then
			// shows this stack, where it happened.
			r = writeResult{panicked: true, panicVal: fmt.Sprintf("%v (in the store's writer)\n%s", p, debug.Stack())}
		}
		_ = t.tx.Rollback() // after a commit: sql.ErrTxDone, nothing to undo
	}()
	if err := fn(t); err != nil {
		return writeResult{err: err}
	}
	return writeResult{err: t.tx.Commit()}
}

// writeTx is a transaction on the write connection.
type writeTx struct {
	tx *sql.Tx
	w  *writer
	// ctx is the caller's context without its end: the statements of a
	// transaction that has begun each take microseconds, and watching the
	// end of each would cost a goroutine apiece. The transaction itself
	// still watches it (database/sql rolls back a transaction whose
	// context ends before its commit), so a caller that gave up still
	// creates nothing unless the commit was already under way.
	ctx context.Context
}

// begin starts an immediate transaction on the write connection. Only run
// calls it while the store serves; the allocation benchmark, which writes
// alone, calls it directly.
func (w *writer) begin(ctx context.Context) (*writeTx, error) {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &writeTx{tx: tx, w: w, ctx: context.WithoutCancel(ctx)}, nil
}

// exec runs one of the writer's prepared statements in the transaction.
func (t *writeTx) exec(s *sql.Stmt, args ...any) error {
	_, err := t.tx.StmtContext(t.ctx, s).ExecContext(t.ctx, args...)
	return err
}

// queryRow runs one of the writer's prepared queries in the transaction.
func (t *writeTx) queryRow(s *sql.Stmt, args ...any) *sql.Row {
	return t.tx.StmtContext(t.ctx, s).QueryRowContext(t.ctx, args...)
}
