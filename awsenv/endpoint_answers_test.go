package awsenv_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

// The tests of this file check the rule for what an error may quote of an
// endpoint's answer: the HTTP status, an error code shaped like one that
// shares nothing with the token sent or the keys of the same answer, STS's
// request ID, and lengths; never a message, a body, an Expiration that is
// not a time, or a header.

// secretPieces returns what an endpoint might echo of secret: all of it,
// its first 20 and 40 bytes, and its last 20 bytes.
func secretPieces(secret string) []string {
	pieces := []string{secret}
	for _, n := range []int{20, 40} {
		if n < len(secret) {
			pieces = append(pieces, secret[:n])
		}
	}
	if len(secret) > 20 {
		pieces = append(pieces, secret[len(secret)-20:])
	}
	return pieces
}

// printedForms returns err as a program may show it: its Error text, the
// fmt verbs that print errors, and log/slog's text and JSON output.
func printedForms(err error) map[string]string {
	forms := map[string]string{"Error()": err.Error()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%q", "%s"} {
		forms[verb] = fmt.Sprintf(verb, err)
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Error("no credentials", "err", err)
	slog.New(slog.NewJSONHandler(&js, nil)).Error("no credentials", "err", err)
	forms["slog text"], forms["slog JSON"] = text.String(), js.String()
	return forms
}

// assertHidden checks that no printed form of err holds a test secret or
// any of pieces. Failure messages name the form and the piece's index,
// never the text.
func assertHidden(t *testing.T, err error, pieces ...string) bool {
	t.Helper()
	ok := true
	for form, text := range printedForms(err) {
		ok = assertNoSecret(t, form, text) && ok
		for i, piece := range slices.Concat(pieces, []string{imdsSessionToken}) {
			if strings.Contains(text, piece) {
				t.Errorf("%s leaks piece #%d of a secret (the last is the IMDS session token)", form, i)
				ok = false
			}
		}
	}
	return ok
}

// jsonText returns s as a JSON string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// fakeAnswer is one answer of an endpoint.
type fakeAnswer struct {
	status      int
	contentType string
	body        string
}

// answerServer serves the answers of answers, one a path prefix "/<id>";
// an IMDS base URL of "/<id>" gets the session token imdsSessionToken and
// the role "s3post-role" first, unless the answer is for the token
// ("/<id>" starting with "t") or the role list ("r").
func answerServer(t *testing.T, answers map[string]fakeAnswer) *fakeEndpoint {
	return newFakeEndpoint(t, false, func(w http.ResponseWriter, r *http.Request) {
		id, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		a, found := answers[id]
		switch {
		case !found:
			http.NotFound(w, r)
			return
		case rest == "latest/api/token" && !strings.HasPrefix(id, "t"):
			fmt.Fprint(w, imdsSessionToken)
			return
		case rest == "latest/meta-data/iam/security-credentials/" && !strings.HasPrefix(id, "r"):
			fmt.Fprint(w, "s3post-role")
			return
		}
		w.Header().Set("Content-Type", cmp.Or(a.contentType, "application/json"))
		w.WriteHeader(a.status)
		fmt.Fprint(w, a.body)
	})
}

// answerCase is a provider that will meet an answer with a secret in it.
type answerCase struct {
	name   string
	p      s3post.CredentialsProvider
	pieces []string // what of the secrets the answer holds where it must not be quoted
	valid  bool     // the answer holds valid credentials beside the secret
}

func TestEndpointErrorsQuoteNoSecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	webTokenFile := writeCredFile(t, dir, "web-token", credStr(webToken))

	// The keys that an answer may carry beside its error, in JSON and in
	// STS's XML; with them, even a piece of a key must not be quoted.
	jsonKeys := `,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `","Token":"` + credToken + `"`
	xmlKeys := `<Credentials><AccessKeyId>` + credKeyID + `</AccessKeyId><SecretAccessKey>` + credSecret +
		`</SecretAccessKey><SessionToken>` + credToken + `</SessionToken></Credentials>`
	const reqID = "4bd6c1a1-5a4d-4a86-9d53-0e5b3f1c2a7d"
	big := func(p string) string { return strings.Repeat("x", 30<<10) + p + strings.Repeat("y", 30<<10) }

	// JSON answers of container and metadata endpoints, with p placed
	// somewhere; keys is "" or jsonKeys.
	jsonBodies := func(p, keys string) map[string]fakeAnswer {
		q := jsonText(p)
		return map[string]fakeAnswer{
			"Code":                 {body: `{"Code":` + q + `,"Message":"m"` + keys + `}`},
			"lower-case code":      {body: `{"code":` + q + `,"message":"m"` + keys + `}`},
			"Message":              {body: `{"Code":"AccessDenied","Message":` + q + keys + `}`},
			"Message alone":        {body: `{"Message":` + q + keys + `}`},
			"Expiration":           {body: `{"Code":"Success","Expiration":` + q + keys + `}`},
			"60 KB Expiration":     {body: `{"Code":"Success","Expiration":` + jsonText(big(p)) + keys + `}`},
			"unknown field":        {body: `{"Code":"Success","Detail":` + q + keys + `}`},
			"field name":           {body: `{` + q + `:"x"` + keys + `}`},
			"Code of another type": {body: `{"Code":[` + q + `]` + keys + `}`},
			"key of another type":  {body: `{"AccessKeyId":[` + q + `],"SecretAccessKey":{"a":` + q + `}}`},
			"truncated":            {body: `{"Code":` + q + keys},
			"raw body":             {body: p},
			"HTML":                 {contentType: "text/html", body: "<html>" + p + "</html>"},
			"Content-Type":         {contentType: "application/x-" + strings.ReplaceAll(p, "/", "-"), body: "{}"},
		}
	}
	// STS's answers, with p placed somewhere; keys is "" or xmlKeys.
	stsBodies := func(p, keys string) map[string]fakeAnswer {
		errorXML := func(code, message, id, extra string) string {
			return `<ErrorResponse><Error><Type>Sender</Type><Code>` + code + `</Code><Message>` + message + `</Message>` + extra +
				`</Error>` + keys + `<RequestId>` + id + `</RequestId></ErrorResponse>`
		}
		ok := strings.Replace(stsOK("2026-03-01T18:00:00Z"), "<Credentials>", "<Credentials>"+p, 1)
		if keys == "" {
			ok = strings.NewReplacer(credSecret, "", credToken, "").Replace(ok)
		}
		return map[string]fakeAnswer{
			"Code":             {body: errorXML(p, "m", reqID, "")},
			"Message":          {body: errorXML("AccessDenied", p, reqID, "")},
			"RequestId":        {body: errorXML("AccessDenied", "m", p, "")},
			"unknown element":  {body: errorXML("AccessDenied", "m", reqID, "<Detail>"+p+"</Detail>")},
			"attribute":        {body: strings.Replace(errorXML("AccessDenied", "m", reqID, ""), "<Code>", `<Code hint="`+p+`">`, 1)},
			"Expiration":       {body: strings.Replace(ok, "2026-03-01T18:00:00Z", p, 1)},
			"60 KB Expiration": {body: strings.Replace(ok, "2026-03-01T18:00:00Z", big(p), 1)},
			"unknown in OK":    {body: ok},
			"truncated":        {body: errorXML(p, "m", reqID, "")[:60+len(p)]},
			"raw body":         {body: p},
			"HTML":             {contentType: "text/html", body: "<html>" + p + "</html>"},
			"Content-Type":     {contentType: "text/x-" + strings.ReplaceAll(p, "/", "-"), body: errorXML("AccessDenied", "m", reqID, "")},
		}
	}

	answers := map[string]fakeAnswer{}
	var cases []answerCase
	add := func(name string, a fakeAnswer, pieces []string, valid bool, provider func(id string) s3post.CredentialsProvider) {
		id := strconv.Itoa(len(cases))
		switch {
		case strings.HasPrefix(name, "imds token"):
			id = "t" + id
		case strings.HasPrefix(name, "imds role list"):
			id = "r" + id
		}
		answers[id] = a
		cases = append(cases, answerCase{name: name, p: provider(id), pieces: pieces, valid: valid})
	}
	// The secrets that an endpoint can echo: the token it was sent, and
	// the keys of its own answer.
	type known struct {
		secret string
		keys   bool // the secret is in the answer's keys, which are present
	}
	var srv *fakeEndpoint // set below, before any Retrieve
	container := func(id string) s3post.CredentialsProvider {
		return awsenv.ContainerProvider{Now: endpointClock, Getenv: func(k string) string {
			return map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.URL + "/" + id, "AWS_CONTAINER_AUTHORIZATION_TOKEN": containerToken}[k]
		}}
	}
	imds := func(id string) s3post.CredentialsProvider {
		return awsenv.IMDSProvider{Now: endpointClock, Getenv: credEnv(nil), Endpoint: "http://placeholder/" + id}
	}
	sts := func(id string) s3post.CredentialsProvider {
		return awsenv.WebIdentityProvider{TokenFile: webTokenFile, RoleARN: webRole, Getenv: credEnv(nil), Now: endpointClock, Endpoint: "http://placeholder/" + id}
	}
	statuses := []int{200, 403, 500}
	for _, src := range []struct {
		name     string
		provider func(string) s3post.CredentialsProvider
		sent     string
		bodies   func(p, keys string) map[string]fakeAnswer
		keys     string
	}{
		{"container", container, containerToken, jsonBodies, jsonKeys},
		{"imds credentials", imds, imdsSessionToken, jsonBodies, jsonKeys},
		{"sts", sts, webToken, stsBodies, xmlKeys},
	} {
		for _, k := range []known{{src.sent, false}, {src.sent, true}, {credSecret, true}, {credToken, true}} {
			keys := ""
			if k.keys {
				keys = src.keys
			}
			for pi, p := range secretPieces(k.secret) {
				for where, a := range src.bodies(p, keys) {
					for _, status := range statuses {
						a.status = status
						name := fmt.Sprintf("%s: %s: piece #%d of a secret (keys %v) at HTTP %d", src.name, where, pi, k.keys, status)
						pieces := []string{p}
						if where == "Content-Type" {
							// A media type is read in lower case, and this
							// one has no '/' but the first.
							ct := strings.ReplaceAll(p, "/", "-")
							pieces = append(pieces, ct, strings.ToLower(ct))
						}
						// Unknown fields beside the keys of a 200 answer
						// are no error.
						valid := k.keys && status == 200 && (where == "Message alone" || where == "unknown field" || where == "field name" || where == "unknown in OK")
						add(name, a, pieces, valid, src.provider)
					}
				}
			}
		}
	}
	// The IMDS session token and the role list, which are text, not JSON.
	for pi, p := range secretPieces(imdsSessionToken) {
		for _, status := range statuses {
			for _, body := range []string{p, p + "\n" + p, "\x00" + p} {
				add(fmt.Sprintf("imds token: piece #%d of the token at HTTP %d", pi, status), fakeAnswer{status: status, contentType: "text/plain", body: body}, []string{p}, false, imds)
			}
			add(fmt.Sprintf("imds role list: piece #%d of the token at HTTP %d", pi, status), fakeAnswer{status: status, contentType: "text/plain", body: p}, []string{p}, false, imds)
		}
	}
	for pi, p := range secretPieces(credSecret) {
		add(fmt.Sprintf("imds role list: piece #%d of a key", pi), fakeAnswer{status: 200, contentType: "text/plain", body: p}, []string{p}, false, imds)
	}

	srv = answerServer(t, answers)
	for i := range cases {
		// Point the IMDS and STS providers at the server, now that it runs.
		switch p := cases[i].p.(type) {
		case awsenv.IMDSProvider:
			p.Endpoint = strings.Replace(p.Endpoint, "http://placeholder", srv.URL, 1)
			cases[i].p = p
		case awsenv.WebIdentityProvider:
			p.Endpoint = strings.Replace(p.Endpoint, "http://placeholder", srv.URL, 1)
			cases[i].p = p
		}
	}
	// Some 1,500 cases, in a few parallel groups to keep the test fast.
	const groups = 8
	for g := range groups {
		t.Run(fmt.Sprintf("group %d", g), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			for i := g; i < len(cases); i += groups {
				tc := cases[i]
				_, err := credRetrieve(t, tc.p, ctx)
				if tc.valid {
					require.NoError(t, err, tc.name)
					continue
				}
				require.Error(t, err, tc.name)
				if !assertHidden(t, err, tc.pieces...) {
					t.Errorf("%s: an error leaks a secret", tc.name)
					continue
				}
				assert.Regexp(t, "^s3post: ", err.Error(), tc.name)
			}
		})
	}
}

func TestEndpointErrorsQuoteCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	webTokenFile := writeCredFile(t, dir, "web-token", credStr(webToken))
	const reqID = "4bd6c1a1-5a4d-4a86-9d53-0e5b3f1c2a7d"
	jsonKeys := `,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `","Token":"` + credToken + `"`
	stsError := func(code, id string) string {
		return `<ErrorResponse><Error><Code>` + code + `</Code><Message>` + webToken + `</Message></Error><RequestId>` + id + `</RequestId></ErrorResponse>`
	}
	tests := []struct {
		name   string
		reason string
		source string // container, imds or sts
		answer fakeAnswer
		errHas []string
		errNot []string
	}{
		{name: "STS code and request ID", reason: "a code and a request ID of their shapes are quoted",
			source: "sts", answer: fakeAnswer{status: 400, contentType: "text/xml", body: stsError("InvalidIdentityToken", reqID)},
			errHas: []string{"STS answered HTTP 400 with error code InvalidIdentityToken (request ID " + reqID + ")", "is not accepted"}},
		{name: "STS AccessDenied", reason: "with its hint",
			source: "sts", answer: fakeAnswer{status: 403, contentType: "text/xml", body: stsError("AccessDenied", reqID)},
			errHas: []string{"HTTP 403 with error code AccessDenied (request ID", "trust policy"}},
		{name: "STS dotted code", reason: "dots are allowed in codes",
			source: "sts", answer: fakeAnswer{status: 400, contentType: "text/xml", body: stsError("Sender.InvalidAction", reqID)},
			errHas: []string{"with error code Sender.InvalidAction ("}},
		{name: "STS request ID of another shape", reason: "a request ID that is not hex digits and dashes is left out",
			source: "sts", answer: fakeAnswer{status: 400, contentType: "text/xml", body: stsError("Throttling", "not/an-id")},
			errHas: []string{"with error code Throttling;"}, errNot: []string{"request ID", "not/an-id"}},
		{name: "STS code too long", reason: "codes are at most 64 bytes",
			source: "sts", answer: fakeAnswer{status: 400, contentType: "text/xml", body: stsError(strings.Repeat("A", 65), reqID)},
			errHas: []string{"with an error code of 65 bytes (not shown)"}},
		{name: "STS code with a digit", reason: "codes are letters and dots",
			source: "sts", answer: fakeAnswer{status: 400, contentType: "text/xml", body: stsError("Code1", reqID)},
			errHas: []string{"with an error code of 5 bytes (not shown)"}},
		{name: "STS code sharing 4 bytes with the token", reason: "a code that may be part of the token is not quoted",
			source: "sts", answer: fakeAnswer{status: 400, contentType: "text/xml", body: stsError("BadFakeSign", reqID)},
			errHas: []string{"with an error code of 11 bytes (not shown)"}, errNot: []string{"BadFakeSign"}},
		{name: "STS HTML", reason: "a body that is not STS XML is described by its type and length",
			source: "sts", answer: fakeAnswer{status: 503, contentType: "text/html; charset=utf-8", body: "<html>down</html>"},
			errHas: []string{"STS answered HTTP 503 with a text/html body of 17 bytes"}},
		{name: "container code with keys", reason: "a code that shares nothing with the keys is quoted",
			source: "container", answer: fakeAnswer{status: 500, body: `{"code":"AccessDenied","message":"m"` + jsonKeys + `}`},
			errHas: []string{"answered HTTP 500 with error code AccessDenied"}},
		{name: "container code sharing the key", reason: "a code that may be part of a key is not quoted",
			source: "container", answer: fakeAnswer{status: 500, body: `{"code":"XEXAMPLEKEY","message":"m"` + jsonKeys + `}`},
			errHas: []string{"answered HTTP 500 with an error code of 11 bytes (not shown)"}},
		{name: "container code sharing the token", reason: "a code that may be part of the token sent is not quoted",
			source: "container", answer: fakeAnswer{status: 401, body: `{"code":"PodIdentity"}`},
			errHas: []string{"answered HTTP 401 with an error code of 11 bytes (not shown)"}},
		{name: "container plain text", reason: "a body that is not a JSON error is described",
			source: "container", answer: fakeAnswer{status: 404, contentType: "text/plain", body: "404 page not found"},
			errHas: []string{"answered HTTP 404 with a text/plain body of 18 bytes"}},
		{name: "container unknown type", reason: "a media type that is not one of a few known ones is a header value, not quoted",
			source: "container", answer: fakeAnswer{status: 404, contentType: "application/x-custom", body: "nope"},
			errHas: []string{"answered HTTP 404 with a body of 4 bytes"}, errNot: []string{"x-custom"}},
		{name: "IMDS error Code", reason: "a Code other than Success is quoted when it has the shape of one",
			source: "imds", answer: fakeAnswer{status: 200, body: `{"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role"}`},
			errHas: []string{`credentials of the role (a name of 11 bytes, not shown): the answer has error code AssumeRoleUnauthorizedAccess, not Success`},
			errNot: []string{"EC2 cannot"}},
		{name: "IMDS error JSON", reason: "an error status with a JSON code",
			source: "imds", answer: fakeAnswer{status: 500, body: `{"Code":"InternalError","Message":"m"}`},
			errHas: []string{"/latest/meta-data/iam/security-credentials/<role> answered HTTP 500 with error code InternalError"}},
		{name: "IMDS Expiration", reason: "an Expiration that is not a time is measured, not quoted",
			source: "imds", answer: fakeAnswer{status: 200, body: `{"Code":"Success","Expiration":"` + strings.Repeat("z", 61440) + `"` + jsonKeys + `}`},
			errHas: []string{"the answer's Expiration is not an RFC 3339 time (61440 bytes)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := answerServer(t, map[string]fakeAnswer{"c": tc.answer})
			var p s3post.CredentialsProvider
			switch tc.source {
			case "container":
				p = awsenv.ContainerProvider{Now: endpointClock, Getenv: credEnv(map[string]string{
					"AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.URL + "/c", "AWS_CONTAINER_AUTHORIZATION_TOKEN": containerToken})}
			case "imds":
				p = awsenv.IMDSProvider{Now: endpointClock, Getenv: credEnv(nil), Endpoint: srv.URL + "/c"}
			case "sts":
				p = awsenv.WebIdentityProvider{TokenFile: webTokenFile, RoleARN: webRole, Getenv: credEnv(nil), Now: endpointClock, Endpoint: srv.URL + "/c"}
			}
			_, err := credRetrieve(t, p, context.Background())
			require.Error(t, err, tc.reason)
			assertHidden(t, err)
			for _, piece := range tc.errHas {
				assert.Contains(t, err.Error(), piece, tc.reason)
			}
			for _, piece := range tc.errNot {
				assert.NotContains(t, err.Error(), piece, tc.reason)
			}
		})
	}
}

// rawServer answers every connection with answer, which need not be HTTP,
// after reading the request's head.
func rawServer(t *testing.T, answer string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
				r := bufio.NewReader(conn)
				for {
					line, err := r.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				_, _ = conn.Write([]byte(answer))
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

func TestEndpointTransportErrorsQuoteNoSecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	webTokenFile := writeCredFile(t, dir, "web-token", credStr(webToken))
	const hidden = "the details are not shown: they may quote the answer"
	answers := map[string]struct{ answer, errHas string }{
		"not HTTP":           {credSecret + "\r\n\r\n", hidden},
		"bad status code":    {"HTTP/1.1 2" + credSecret + " OK\r\n\r\n", hidden},
		"bad version":        {credSecret + " 200 OK\r\n\r\n", hidden},
		"bad header line":    {"HTTP/1.1 200 OK\r\n" + credSecret + "\r\n\r\n", hidden},
		"bad content length": {"HTTP/1.1 200 OK\r\nContent-Length: " + credSecret + "\r\n\r\n", hidden},
		"bad chunk":          {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + credSecret + "\r\n", hidden},
		"cut body":           {"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + credSecret, "closed before the answer was complete"},
	}
	for name, tc := range answers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			url := rawServer(t, tc.answer)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for _, p := range []s3post.CredentialsProvider{
				awsenv.ContainerProvider{Getenv: credEnv(map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": url + "/creds"})},
				awsenv.IMDSProvider{Endpoint: url, Getenv: credEnv(nil)},
				awsenv.WebIdentityProvider{TokenFile: webTokenFile, RoleARN: webRole, Endpoint: url, Getenv: credEnv(nil)},
			} {
				_, err := credRetrieve(t, p, ctx)
				require.Error(t, err)
				assertHidden(t, err, secretPieces(credSecret)...)
				assert.Regexp(t, "^s3post: ", err.Error())
				assert.Contains(t, err.Error(), tc.errHas)
			}
		})
	}
}

func TestEndpointTransportErrorsSayWhy(t *testing.T) {
	t.Parallel()
	srv := newFakeEndpoint(t, false, containerFake(200, "application/json", credentialsJSON(endpointExpires), 0))
	tests := []struct {
		name   string
		reason string
		uri    string
		errHas string
	}{
		{"http server", "net/http's fixed texts that say what is wrong are quoted",
			"https://" + srv.Listener.Addr().String() + "/creds", "failed: http: server gave HTTP response to HTTPS client"},
		{"refused", "system errors are quoted with the address",
			closedURL(t) + "/creds", "failed: dial 127.0.0.1:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := awsenv.ContainerProvider{Getenv: credEnv(map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": tc.uri})}
			_, err := credRetrieve(t, p, context.Background())
			require.Error(t, err, tc.reason)
			assert.Contains(t, err.Error(), tc.errHas, tc.reason)
		})
	}
}
