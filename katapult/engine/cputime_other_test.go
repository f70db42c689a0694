//go:build !unix

package engine

import "time"

// processCPU is unknown here: the benchmark then reports 0.
func processCPU() time.Duration { return 0 }
