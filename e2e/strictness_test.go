package e2e

import (
	"net/http"
	"strings"
)

// strictnessCases are refusals that S3 documents and that s3posttest was
// found to miss: the real servers answer them too, so that each server's
// laxity is named beside AWS's verdict.
func strictnessCases() []uploadCase {
	return []uploadCase{
		{name: "key over 1,024 bytes after ${filename}", in: keyIn("${filename}"),
			filename: strings.Repeat("k", 1100), content: "x",
			want: verdict{http.StatusBadRequest, "KeyTooLongError"},
			differ: map[string]difference{
				"versitygw": {noContent, "VersityGW stores ${filename} literally, so the key stays short"},
				"ceph":      {noContent, "Ceph RGW 16.2 stores a key of over 1,024 bytes; AWS answers 400 KeyTooLongError"},
			}},
		{name: "key field named with a Kelvin sign", in: keyIn("kelvin.txt"), filename: "k.txt", content: "x",
			// "\u212Aey" folds to "key" in Unicode, not in ASCII, as S3 compares.
			raw:  renameField("key", "\u212Aey"),
			want: invalidArgument,
			differ: map[string]difference{
				"versitygw": {noContent, "VersityGW folds Unicode case in field names, so \"\\u212Aey\" (KELVIN SIGN) is taken as key; S3 compares names in ASCII"},
				"seaweedfs": {verdict{http.StatusBadRequest, "InvalidRequest"}, "SeaweedFS answers 400 InvalidRequest where AWS answers 400 InvalidArgument"},
			}},
		{name: "fields before the file over 20 KB", in: keyIn("prefile.txt"), filename: "p.txt", content: "x",
			extra: map[string]string{"x-ignore-padding": strings.Repeat("a", 21000)},
			want:  verdict{http.StatusBadRequest, "MaxPostPreDataLengthExceeded"},
			differ: map[string]difference{
				"versitygw": {noContent, "VersityGW has no limit on the fields before the file; AWS reads at most 20 KB"},
				"seaweedfs": {noContent, "SeaweedFS has no limit on the fields before the file; AWS reads at most 20 KB"},
				"ceph":      {noContent, "Ceph RGW 16.2 has no limit on the fields before the file; AWS reads at most 20 KB"},
			}},
	}
}

// renameField gives the field name the name to.
func renameField(name, to string) func([]part) []part {
	return func(parts []part) []part {
		out := append([]part(nil), parts...)
		for i := range out {
			if out[i].name == name {
				out[i].name = to
			}
		}
		return out
	}
}
