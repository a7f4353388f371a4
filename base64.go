package s3post

import (
	"encoding/base64"
	"encoding/binary"
	"slices"
)

// appendBase64 appends the standard, padded base64 of src to dst, as
// base64.StdEncoding.AppendEncode does, about twice as fast: it encodes six
// bytes into eight characters at a time, with one table lookup for each two
// characters, and leaves the last few bytes and the padding to
// encoding/base64. src may overlap dst[:len(dst)], as in encodePolicy,
// where it is all of it, but not dst's spare capacity.
func appendBase64(dst, src []byte) []byte {
	n := base64.StdEncoding.EncodedLen(len(src))
	dst = slices.Grow(dst, n)
	out := dst[len(dst) : len(dst)+n]
	// Each step reads eight bytes and encodes the first six of them.
	for len(src) >= 14 && len(out) >= 16 {
		binary.LittleEndian.PutUint64(out, base64Word(binary.BigEndian.Uint64(src)))
		binary.LittleEndian.PutUint64(out[8:], base64Word(binary.BigEndian.Uint64(src[6:])))
		src, out = src[12:], out[16:]
	}
	for len(src) >= 8 && len(out) >= 8 {
		binary.LittleEndian.PutUint64(out, base64Word(binary.BigEndian.Uint64(src)))
		src, out = src[6:], out[8:]
	}
	base64.StdEncoding.Encode(out, src)
	return dst[:len(dst)+n]
}

// base64Word returns the eight base64 characters of the top 48 bits of v,
// the first in the low byte.
func base64Word(v uint64) uint64 {
	return uint64(base64Pairs[v>>52]) |
		uint64(base64Pairs[v>>40&0xfff])<<16 |
		uint64(base64Pairs[v>>28&0xfff])<<32 |
		uint64(base64Pairs[v>>16&0xfff])<<48
}

// base64Pairs maps each 12-bit value to its two base64 characters, the first
// in the low byte.
var base64Pairs = func() (pairs [1 << 12]uint16) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for v := range pairs {
		pairs[v] = uint16(alphabet[v>>6]) | uint16(alphabet[v&63])<<8
	}
	return pairs
}()
