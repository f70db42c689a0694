package views

import (
	"bytes"
	"go/format"
	"os"
	"path/filepath"
	"testing"

	"github.com/a-h/templ"
	"github.com/a-h/templ/generator"
	"github.com/a-h/templ/parser/v2"
)

// TestGeneratedFilesAreUpToDate regenerates every component in memory, the
// way `go tool templ generate` run from the repository's root does, and
// fails when a committed *_templ.go differs: the generated files are
// committed so that `go build` needs no generator, and must never be stale.
func TestGeneratedFilesAreUpToDate(t *testing.T) {
	t.Parallel()
	sources, err := filepath.Glob("*.templ")
	if err != nil || len(sources) == 0 {
		t.Fatalf("no .templ files found: %v", err)
	}
	for _, src := range sources {
		t.Run(src, func(t *testing.T) {
			t.Parallel()
			tf, err := parser.Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if _, err := generator.Generate(tf, &b,
				generator.WithVersion(templ.Version()),
				generator.WithFileName("views/"+src)); err != nil {
				t.Fatal(err)
			}
			want, err := format.Source(b.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			target := src[:len(src)-len(".templ")] + "_templ.go"
			got, err := os.ReadFile(target)
			if err != nil {
				t.Fatalf("%s has no generated file: run make generate and commit %s", src, target)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s is stale: run make generate and commit it", target)
			}
		})
	}
}
