package s3posttest

import (
	"encoding/xml"
	"net/http"
	"sort"

	"github.com/s3post/s3post"
)

// readTagging reads the tags of the form's tagging field, S3's <Tagging>
// document; a document that is not one is MalformedXML, as S3 answers.
func readTagging(fields map[string]string) (map[string]string, *s3post.S3Error) {
	v, ok := fields["tagging"]
	if !ok {
		return nil, nil
	}
	var doc struct {
		XMLName xml.Name                      `xml:"Tagging"`
		Tags    []struct{ Key, Value string } `xml:"TagSet>Tag"`
	}
	if err := xml.Unmarshal([]byte(v), &doc); err != nil {
		return nil, &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "MalformedXML",
			Message: "The XML you provided was not well-formed or did not validate against our published schema"}
	}
	tags := make(map[string]string, len(doc.Tags))
	for _, t := range doc.Tags {
		tags[t.Key] = t.Value
	}
	return tags, nil
}

// writeTagging answers GetObjectTagging (GET with ?tagging) with the
// object's tags, sorted by key.
func writeTagging(w http.ResponseWriter, tags map[string]string) {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var doc xmlDocument
	doc.open(`Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`)
	doc.open("TagSet")
	for _, k := range keys {
		doc.open("Tag")
		doc.element("Key", k)
		doc.element("Value", tags[k])
		doc.close("Tag")
	}
	doc.close("TagSet")
	doc.close("Tagging")
	doc.write(w, http.StatusOK)
}
