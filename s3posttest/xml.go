package s3posttest

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/s3post/s3post"
)

// xmlDeclaration starts every XML document that S3 sends.
const xmlDeclaration = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// setRequestIDs gives a response the two IDs S3 gives every response, in
// its headers: x-amz-request-id, 16 capitals and digits, and x-amz-id-2,
// the base64 of 56 bytes. Error documents repeat them as RequestId and
// HostId. They come from crypto/rand, which needs no seeding and is safe
// for concurrent use.
func setRequestIDs(h http.Header) {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b [16 + 56]byte
	_, _ = rand.Read(b[:]) // never fails
	id := b[:16]
	for i, c := range id {
		id[i] = alphabet[int(c)%len(alphabet)]
	}
	h.Set("x-amz-request-id", string(id))
	h.Set("x-amz-id-2", base64.StdEncoding.EncodeToString(b[16:]))
}

// writeError answers with S3's XML error document: its code, message and
// details, then the IDs of the response.
func writeError(w http.ResponseWriter, err error) {
	var s3err *s3post.S3Error
	if !errors.As(err, &s3err) {
		s3err = &s3post.S3Error{StatusCode: http.StatusInternalServerError, Code: "InternalError", Message: "We encountered an internal error. Please try again."}
	}
	var doc xmlDocument
	doc.open("Error")
	doc.element("Code", s3err.Code)
	doc.element("Message", s3err.Message)
	for _, d := range s3err.Details {
		doc.element(d.Name, d.Value)
	}
	doc.element("RequestId", w.Header().Get("x-amz-request-id"))
	doc.element("HostId", w.Header().Get("x-amz-id-2"))
	doc.close("Error")
	doc.write(w, s3err.StatusCode)
}

// xmlDocument is an XML document written as S3 writes its own: the
// declaration, then elements without spaces between them.
type xmlDocument struct{ b strings.Builder }

func (d *xmlDocument) open(name string) {
	if d.b.Len() == 0 {
		d.b.WriteString(xmlDeclaration)
	}
	d.b.WriteString("<" + name + ">")
}

func (d *xmlDocument) close(name string) { d.b.WriteString("</" + name + ">") }

// element writes <name>text</name>, with the text escaped as S3 escapes
// it: &, < and > only, quotes as they are. A character that XML cannot
// hold becomes U+FFFD.
func (d *xmlDocument) element(name, text string) {
	d.open(name)
	for _, r := range text {
		switch {
		case r == '&':
			d.b.WriteString("&amp;")
		case r == '<':
			d.b.WriteString("&lt;")
		case r == '>':
			d.b.WriteString("&gt;")
		case xmlChar(r):
			d.b.WriteRune(r)
		default:
			d.b.WriteRune(utf8.RuneError)
		}
	}
	d.close(name)
}

// xmlChar reports whether XML 1.0 documents can hold r.
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

func (d *xmlDocument) write(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(d.b.String()))
}
