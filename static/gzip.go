package static

import (
	"bytes"
	"compress/gzip"
	"strconv"
	"strings"
)

// smallerGzip returns data gzipped at the best level, or nil if that is
// not smaller (or, writing into memory, cannot fail but did). The best
// level is paid once per process and every first visit gains from it. The
// header holds no name or time, so the same file always gives the same
// bytes.
func smallerGzip(data []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level: no error
	if _, err := w.Write(data); err != nil {
		return nil
	}
	if err := w.Close(); err != nil || buf.Len() >= len(data) {
		return nil
	}
	return buf.Bytes()
}

// AcceptsGzip reports whether an Accept-Encoding header admits gzip: it
// names gzip (or its old alias x-gzip), or "*", with a weight above zero.
// "gzip;q=0" refuses it even beside "*", and an empty or absent header
// asks for the plain form (RFC 9110, section 12.5.3).
func AcceptsGzip(header string) bool {
	gzipQ, anyQ := -1.0, -1.0 // -1: not named
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		q := weight(params)
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip", "x-gzip":
			gzipQ = max(gzipQ, q)
		case "*":
			anyQ = max(anyQ, q)
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return anyQ > 0
}

// weight is the q parameter of one coding: 1 when absent, 0 when it does
// not parse (a client that writes nonsense gets the form every client
// reads).
func weight(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || q < 0 || q > 1 {
			return 0
		}
		return q
	}
	return 1
}
