package s3post

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzAppendBase64 checks the policy's base64 encoder against
// encoding/base64, for any input, appended to any prefix.
func FuzzAppendBase64(f *testing.F) {
	f.Add([]byte("prefix"), []byte(""))
	f.Add([]byte(""), []byte("\x00\xff\x10\x83"))
	f.Add([]byte("x"), []byte(`{"expiration": "2026-11-25T15:30:15Z", "conditions": [{"bucket": "b"}]}`))
	f.Add([]byte(""), []byte(strings.Repeat("\xff\x00\x7f", 100)))
	f.Fuzz(func(t *testing.T, prefix, src []byte) {
		want := base64.StdEncoding.AppendEncode(append([]byte(nil), prefix...), src)
		got := appendBase64(append([]byte(nil), prefix...), src)
		require.Equal(t, string(want), string(got))
	})
}

// TestAppendBase64Lengths encodes inputs of every length up to 100 bytes,
// with every byte value, including an input at the tail of the buffer that
// the output is appended to, as encodePolicy uses it.
func TestAppendBase64Lengths(t *testing.T) {
	t.Parallel()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i * 7)
	}
	for n := 0; n <= 100; n++ {
		for off := 0; off+n <= len(all); off += 37 {
			src := all[off : off+n]
			require.Equal(t, base64.StdEncoding.EncodeToString(src), string(appendBase64(nil, src)), "%d bytes at %d", n, off)

			buf := make([]byte, 0, n+base64.StdEncoding.EncodedLen(n))
			buf = append(buf, src...)
			buf = appendBase64(buf, buf)
			require.Equal(t, base64.StdEncoding.EncodeToString(src), string(buf[n:]), "in place, %d bytes", n)
		}
	}
}

func BenchmarkAppendBase64(b *testing.B) {
	src := []byte(strings.Repeat(`{"expiration": "2026-11-25T15:30:15Z", "conditions": `, 14))[:705]
	buf := make([]byte, 0, 2048)
	b.Run("s3post", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			buf = appendBase64(buf[:0], src)
		}
	})
	b.Run("encoding-base64", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			buf = base64.StdEncoding.AppendEncode(buf[:0], src)
		}
	})
}
