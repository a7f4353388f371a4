package s3posttest

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"strings"

	"github.com/s3post/s3post"
)

// crc64NVME is the table of CRC-64/NVME, the CRC64NVME of S3: the
// polynomial 0xad93d23594c93659 in the bit-reversed form that hash/crc64
// takes. crc64.Update inverts the CRC before and after, as CRC-64/NVME
// does (init and xorout all ones).
var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

// checksumAlgorithms are S3's checksum algorithms, by the lower-case name
// of their x-amz-checksum-<name> field: the name S3 gives them in messages,
// their size in bytes, and a new hash for each.
var checksumAlgorithms = map[string]struct {
	name string
	size int
	hash func() hash.Hash
}{
	"crc32":     {"CRC32", 4, func() hash.Hash { return crc32.NewIEEE() }},
	"crc32c":    {"CRC32C", 4, func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) }},
	"crc64nvme": {"CRC64NVME", 8, func() hash.Hash { return crc64.New(crc64NVME) }},
	"sha1":      {"SHA1", 20, sha1.New},
	"sha256":    {"SHA256", 32, sha256.New},
}

const checksumFieldPrefix = "x-amz-checksum-"

// integrity is what a form asks S3 to check the file against: its
// Content-MD5 and one x-amz-checksum-* value, or an algorithm alone, with
// which S3 computes the checksum that it keeps.
type integrity struct {
	contentMD5 []byte // nil without Content-MD5
	algorithm  string // lower-case, e.g. "sha256"; "" without a checksum
	checksum   string // the base64 value given; "" when S3 computes it
}

// readIntegrity reads the integrity fields of an accepted form and refuses
// malformed ones as S3 does, before the file is read: a Content-MD5 that is
// not the base64 of 16 bytes is InvalidDigest; a checksum value that is not
// the base64 of its algorithm's size, two checksum values, or an unknown
// or contradicting x-amz-checksum-algorithm are InvalidRequest.
func readIntegrity(fields map[string]string) (*integrity, *s3post.S3Error) {
	in := &integrity{}
	if v, ok := fields["content-md5"]; ok {
		sum, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(sum) != md5.Size {
			return nil, &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "InvalidDigest", Message: "The Content-MD5 you specified was invalid.",
				Details: []s3post.ErrorDetail{{Name: "Content-MD5", Value: v}}}
		}
		in.contentMD5 = sum
	}
	for name, value := range fields {
		alg, ok := strings.CutPrefix(name, checksumFieldPrefix)
		spec, known := checksumAlgorithms[alg]
		if !ok || !known {
			continue
		}
		if in.algorithm != "" {
			return nil, invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		sum, err := base64.StdEncoding.DecodeString(value)
		if err != nil || len(sum) != spec.size {
			return nil, invalidRequest("Value for " + checksumFieldPrefix + alg + " header is invalid.")
		}
		in.algorithm, in.checksum = alg, value
	}
	if v, ok := fields["x-amz-checksum-algorithm"]; ok {
		alg := strings.ToLower(v)
		if _, known := checksumAlgorithms[alg]; !known {
			return nil, invalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		if in.algorithm != "" && in.algorithm != alg {
			return nil, invalidRequest("Value for x-amz-checksum-algorithm header is invalid: it names " + checksumAlgorithms[alg].name +
				" and the form's checksum field is " + checksumFieldPrefix + in.algorithm + ".")
		}
		in.algorithm = alg
	}
	return in, nil
}

func invalidRequest(message string) *s3post.S3Error {
	return &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "InvalidRequest", Message: message}
}

// check checks the file, whose MD5 is sum, against the form's Content-MD5
// and checksum, and returns the checksum that S3 keeps: the one given, or
// the one computed with the algorithm given alone. A mismatch is BadDigest,
// and nothing is stored.
func (in *integrity) check(body []byte, sum [md5.Size]byte) (string, *s3post.S3Error) {
	if in.contentMD5 != nil && string(in.contentMD5) != string(sum[:]) {
		return "", &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "BadDigest", Message: "The Content-MD5 you specified did not match what we received.",
			Details: []s3post.ErrorDetail{
				{Name: "ExpectedDigest", Value: base64.StdEncoding.EncodeToString(in.contentMD5)},
				{Name: "CalculatedDigest", Value: base64.StdEncoding.EncodeToString(sum[:])},
			}}
	}
	if in.algorithm == "" {
		return "", nil
	}
	spec := checksumAlgorithms[in.algorithm]
	h := spec.hash()
	h.Write(body)
	got := base64.StdEncoding.EncodeToString(h.Sum(nil))
	if in.checksum != "" && in.checksum != got {
		return "", &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "BadDigest",
			Message: "The " + spec.name + " you specified did not match the calculated checksum."}
	}
	return got, nil
}
