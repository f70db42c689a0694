package journal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// claimerEnv makes the test binary a claimer process (TestMain): it opens
// the journal of IPDESK_JOURNAL_DSN / IPDESK_JOURNAL_DIR, says "ready",
// waits for a line on its standard input, claims the form token
// IPDESK_JOURNAL_TOKEN and prints "won ID" or "claimed ID".
const claimerEnv = "IPDESK_JOURNAL_CLAIMER"

func TestMain(m *testing.M) {
	if os.Getenv(claimerEnv) != "" {
		if err := claimer(os.Stdin, os.Stdout); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func claimer(in io.Reader, out io.Writer) error {
	ctx := context.Background()
	db, err := Open(ctx, os.Getenv("IPDESK_JOURNAL_DSN"), os.Getenv("IPDESK_JOURNAL_DIR"), Options{FingerprintKey: testKey})
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(out, "ready")
	if _, err := bufio.NewReader(in).ReadString('\n'); err != nil {
		return err
	}
	e, err := db.Claim(ctx, aCreate(os.Getenv("IPDESK_JOURNAL_TOKEN")))
	switch {
	case err == nil:
		fmt.Fprintln(out, "won", e.ID)
	case errors.Is(err, ErrClaimed):
		fmt.Fprintln(out, "claimed", e.ID)
	default:
		return err
	}
	return nil
}

// TestClaimsFromSeveralProcessesHaveOneWinner: dashboard processes that
// start at once on one database (and so migrate it at once), then get the
// same form posted at the same instant.
func TestClaimsFromSeveralProcessesHaveOneWinner(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		const n = 4
		type proc struct {
			cmd   *exec.Cmd
			stdin io.WriteCloser
			out   *bufio.Reader
		}
		procs := make([]proc, n)
		for i := range procs {
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), claimerEnv+"=1", "IPDESK_JOURNAL_DSN="+p.dsn,
				"IPDESK_JOURNAL_DIR="+p.dir, "IPDESK_JOURNAL_TOKEN=form-shared")
			cmd.Stderr = os.Stderr
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { stdin.Close(); cmd.Wait() })
			procs[i] = proc{cmd, stdin, bufio.NewReader(stdout)}
		}
		line := func(i int) string {
			s, err := procs[i].out.ReadString('\n')
			if err != nil {
				t.Fatalf("process %d: %v (said %q)", i, err, s)
			}
			return strings.TrimSpace(s)
		}
		for i := range procs {
			if s := line(i); s != "ready" {
				t.Fatalf("process %d: %q; want ready", i, s)
			}
		}
		for _, pr := range procs {
			fmt.Fprintln(pr.stdin, "go")
		}
		won, ids := 0, map[string]bool{}
		for i := range procs {
			verb, id, _ := strings.Cut(line(i), " ")
			switch verb {
			case "won":
				won++
			case "claimed":
			default:
				t.Fatalf("process %d: %s %s", i, verb, id)
			}
			ids[id] = true
		}
		if won != 1 || len(ids) != 1 {
			t.Errorf("%d processes won the claim, and they saw rows %v; want one winner and one row", won, ids)
		}
	})
}
