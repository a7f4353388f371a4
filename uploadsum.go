package s3post

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"strings"
)

// crc64NVMETable is CRC-64/NVME, S3's CRC64NVME: the polynomial
// 0xad93d23594c93659, bit-reversed as hash/crc64 takes it (hash/crc64
// inverts the CRC before and after, as CRC-64/NVME does).
var crc64NVMETable = crc64.MakeTable(0x9a6c9329ac4bc9b5)

// newChecksumHash returns a new hash for the checksum field
// x-amz-checksum-<alg> (alg in lower case), or nil for an unknown one.
func newChecksumHash(alg string) hash.Hash {
	switch alg {
	case "crc32":
		return crc32.NewIEEE()
	case "crc32c":
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "crc64nvme":
		return crc64.New(crc64NVMETable)
	case "sha1":
		return sha1.New()
	case "sha256":
		return sha256.New()
	}
	return nil
}

const checksumFieldPrefix = "x-amz-checksum-"

// digestField is a form field whose value NewUploadRequest computes from
// the file: Content-MD5 or an x-amz-checksum-* field.
type digestField struct {
	name string
	hash hash.Hash
}

// digestFields returns the integrity fields that the form's policy lets
// the uploader send and that neither the form nor the caller has:
// Content-MD5, and one x-amz-checksum-* field (S3 takes one), the one
// that the form's x-amz-checksum-algorithm names if it names one. A
// policy allows a field when it has a starts-with "" condition on it. A
// form without a policy that decodes gets none: S3 would refuse it anyway.
func (p *PresignedPost) digestFields(extra map[string]string) []digestField {
	var encoded string
	var algorithm string // the form's x-amz-checksum-algorithm, lower case
	hasChecksum := false
	for _, fields := range [2]map[string]string{p.Fields, extra} {
		for name, value := range fields {
			lower := strings.ToLower(name)
			switch {
			case lower == "policy":
				encoded = value
			case lower == "x-amz-checksum-algorithm":
				algorithm = strings.ToLower(value)
			case strings.HasPrefix(lower, checksumFieldPrefix) && newChecksumHash(lower[len(checksumFieldPrefix):]) != nil:
				hasChecksum = true
			}
		}
	}
	if encoded == "" {
		return nil
	}
	pol, err := DecodePolicy(encoded)
	if err != nil {
		return nil
	}
	has := func(name string) bool {
		for _, fields := range [2]map[string]string{p.Fields, extra} {
			for n := range fields {
				if equalFold(n, name) {
					return true
				}
			}
		}
		return false
	}
	var out []digestField
	for _, c := range pol.Conditions {
		if c.Op != "starts-with" || c.Value != "" || has(c.Field) {
			continue
		}
		lower := strings.ToLower(c.Field)
		if lower == "content-md5" {
			if !containsDigest(out, "Content-MD5") {
				out = append(out, digestField{"Content-MD5", md5.New()})
			}
			continue
		}
		alg, ok := strings.CutPrefix(lower, checksumFieldPrefix)
		if !ok || hasChecksum || algorithm != "" && alg != algorithm {
			continue
		}
		if h := newChecksumHash(alg); h != nil {
			out = append(out, digestField{checksumFieldPrefix + alg, h})
			hasChecksum = true
		}
	}
	return out
}

func containsDigest(fields []digestField, name string) bool {
	for _, f := range fields {
		if f.name == name {
			return true
		}
	}
	return false
}

// computeDigests reads body to its end to hash it and puts it back where
// it was, for the readers that can be read twice: a *bytes.Buffer (read
// without consuming it) and an io.Seeker (*os.File, *bytes.Reader,
// *strings.Reader, ...). It returns false for other readers, and for a
// file that cannot seek (a pipe): they are sent without the fields.
func computeDigests(ctx context.Context, body io.Reader, fields []digestField) (map[string]string, error) {
	writers := make([]io.Writer, len(fields))
	for i, f := range fields {
		writers[i] = f.hash
	}
	w := io.MultiWriter(writers...)
	switch r := body.(type) {
	case *bytes.Buffer:
		_, _ = w.Write(r.Bytes())
	case io.ReadSeeker:
		start, err := r.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, nil
		}
		if _, err := io.Copy(w, &ctxReader{ctx: ctx, r: r}); err != nil {
			return nil, fmt.Errorf("s3post: reading Upload.Body to compute its checksum: %w", err)
		}
		if _, err := r.Seek(start, io.SeekStart); err != nil {
			return nil, fmt.Errorf("s3post: rewinding Upload.Body after computing its checksum: %w", err)
		}
	default:
		return nil, nil
	}
	out := make(map[string]string, len(fields))
	for _, f := range fields {
		out[f.name] = base64.StdEncoding.EncodeToString(f.hash.Sum(nil))
	}
	return out, nil
}

// ctxReader reads r until ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
