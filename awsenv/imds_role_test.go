package awsenv_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post/awsenv"
)

// A lying metadata service could name the role after the secret key it
// then returns: errors used to quote the role's name, in the message and in
// the URL of a failed request.
func TestIMDSProviderNeverQuotesTheRole(t *testing.T) {
	t.Parallel()
	const secret = "SECRETkeyABCDEFGHIJKLMNOPQRSTUVWXYZabcdef" // letters only: a valid role name
	for _, status := range []int{http.StatusOK, http.StatusInternalServerError} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			srv := newFakeEndpoint(t, false, func(w http.ResponseWriter, r *http.Request) {
				const list = "/latest/meta-data/iam/security-credentials/"
				switch r.URL.Path {
				case "/latest/api/token":
					fmt.Fprint(w, imdsSessionToken)
				case list:
					fmt.Fprint(w, secret)
				case list + secret:
					w.WriteHeader(status)
					fmt.Fprint(w, `{"Code":"Success","AccessKeyId":"AKIA","SecretAccessKey":"`+secret+`","Token":"t","Expiration":"soon"}`)
				default:
					http.NotFound(w, r)
				}
			})
			p := awsenv.IMDSProvider{Endpoint: srv.URL, Now: endpointClock}
			_, err := p.Retrieve(context.Background())
			require.Error(t, err)
			for _, verb := range []string{"%v", "%+v", "%#v", "%q", "%s"} {
				// The failure message names the verb, never the error's text.
				require.False(t, strings.Contains(fmt.Sprintf(verb, err), secret[:12]), "the error quotes the role's name (%s)", verb)
			}
		})
	}
}
