package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/nixpy/rules_nixpy/tools/layering"
)

// Kind is what went wrong at the registry, as far as nixpy can tell.
type Kind int

const (
	// Other is anything not below; the message is go-containerregistry's, without URL queries.
	Other Kind = iota
	// Unauthorized: the registry asked for credentials, or refused those sent (401).
	Unauthorized
	// Forbidden: the registry does not let these credentials push to the repository (403).
	Forbidden
	// NoRepository: the registry has no such repository, or hides it (404).
	NoRepository
	// WrongScheme: HTTPS to a registry that speaks plain HTTP, or not TLS at all.
	WrongScheme
	// Untrusted: the registry's TLS certificate did not verify.
	Untrusted
	// Unreachable: nothing answers at the registry's address.
	Unreachable
	// Dropped: connections kept dropping until the retries ran out.
	Dropped
)

// Error is a push the registry did not take. Its message names the registry and says what to do;
// it holds no credential and no URL query (upload URLs carry session tokens).
type Error struct {
	Kind Kind
	// Registry is HOST[:PORT].
	Registry string
	msg      string
	err      error
}

func (e *Error) Error() string { return e.msg }

// Unwrap gives go-containerregistry's error, for errors.Is and errors.As. Its own text may hold
// upload URLs with their session tokens: print e instead.
func (e *Error) Unwrap() error { return e.err }

// explainer turns the final error of a push into an Error.
type explainer struct {
	repo     name.Repository
	keychain *observedKeychain
	blobs    *blobTracker
}

func (x *explainer) explain(err error) error {
	host := x.repo.RegistryStr()
	e := &Error{Registry: host, err: err}
	var terr *transport.Error
	var uerr *url.Error
	var operr *net.OpError
	var dnserr *net.DNSError
	var recerr tls.RecordHeaderError
	var certerr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	switch {
	case errors.Is(err, context.Canceled):
		// Interrupted (Ctrl-C): whatever broke after that is no news.
		e.msg = withoutQueries(err.Error())
	case errors.As(err, &terr) && terr.StatusCode == http.StatusUnauthorized:
		e.Kind = Unauthorized
		if x.keychain.found.Load() {
			e.msg = fmt.Sprintf("the registry %s refused the credentials nixpy sent for %s (%s): they came from %s. Check them, or log in again with `docker login %s`",
				host, x.repo, answer(terr), x.credentials().source(), host)
		} else {
			l := x.credentials()
			e.msg = fmt.Sprintf("the registry %s asked for credentials to push to %s (%s), and nixpy had none to send: %s. To push, %s",
				host, x.repo, answer(terr), l.missing(), l.login())
		}
	case errors.As(err, &terr) && terr.StatusCode == http.StatusForbidden:
		e.Kind = Forbidden
		if x.keychain.found.Load() {
			e.msg = fmt.Sprintf("the registry %s does not let the credentials nixpy sent push to %s (%s); they came from %s. Ask for push permission on %s, or push to a repository these credentials may write",
				host, x.repo, answer(terr), x.credentials().source(), x.repo.RepositoryStr())
		} else {
			l := x.credentials()
			e.msg = fmt.Sprintf("the registry %s does not let anonymous clients push to %s (%s), and nixpy had no credentials: %s. To push, %s",
				host, x.repo, answer(terr), l.missing(), l.login())
		}
	case errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound && x.aboutRepository(terr):
		e.Kind = NoRepository
		whom, where := x.who()
		e.msg = fmt.Sprintf("the registry %s has no repository %s, or does not show it to %s (%s); %s. Some registries (Amazon ECR, for one) want a repository created before its first push: create it, or check the repository name",
			host, x.repo.RepositoryStr(), whom, answer(terr), where)
	case errors.As(err, &uerr) && strings.Contains(uerr.Err.Error(), "server gave HTTP response to HTTPS client"):
		// net/http's text is the only sign: it has no error type for this.
		e.Kind = WrongScheme
		e.msg = fmt.Sprintf("%s answered nixpy's HTTPS in plain HTTP: it is a plain-HTTP registry. If that is intended, push with --insecure (nixpy_push's insecure = True); go-containerregistry speaks plain HTTP unasked only to localhost, 127.0.0.1 and private addresses",
			host)
	case errors.As(err, &recerr):
		e.Kind = WrongScheme
		e.msg = fmt.Sprintf("%s did not answer nixpy's HTTPS with TLS: check the port in %s, or push with --insecure if it is a plain-HTTP registry", host, x.repo)
	case errors.As(err, &hostnameErr):
		e.Kind = Untrusted
		e.msg = fmt.Sprintf("the TLS certificate of %s is for other names (%v): push to a name it covers, or with --insecure to skip verification",
			host, hostnameErr)
	case errors.As(err, &certerr) || errors.As(err, &unknownCA) || errors.As(err, &invalidCert):
		e.Kind = Untrusted
		e.msg = fmt.Sprintf("the TLS certificate of %s did not verify (%v): add its CA to the system's trust store (or point SSL_CERT_FILE at it), or push with --insecure to skip verification",
			host, certProblem(err))
	case errors.As(err, &dnserr):
		e.Kind = Unreachable
		e.msg = fmt.Sprintf("the host name %s does not resolve (%s): check the registry in %s", dnserr.Name, dnserr.Err, x.repo)
	case errors.As(err, &operr) && operr.Op == "dial":
		e.Kind = Unreachable
		at := host
		if operr.Addr != nil && operr.Addr.String() != host {
			// The registry's name without a port, or a host name: say where nixpy knocked.
			at = fmt.Sprintf("%s, where nixpy looked for %s,", operr.Addr, host)
		}
		e.msg = fmt.Sprintf("nothing answers at %s (%v): is the registry running, and are the host and port in %s right?", at, cause(operr), x.repo)
	case errors.As(err, &uerr) && dropped(err):
		e.Kind = Dropped
		e.msg = x.dropped(uerr)
	default:
		e.msg = withoutQueries(err.Error())
	}
	return e
}

// credentials looks up, again, where the keychain found or missed the credentials.
func (x *explainer) credentials() credentialLookup {
	return lookupCredentials(x.repo.RegistryStr())
}

// who names whom the registry answered, and then where their credentials came from.
func (x *explainer) who() (whom, where string) {
	if x.keychain.found.Load() {
		return "the credentials nixpy sent", "they came from " + x.credentials().source()
	}
	return "anonymous clients", "nixpy had no credentials: " + x.credentials().missing()
}

// aboutRepository tells a 404 about the repository from one about the registry itself (GET /v2/).
func (x *explainer) aboutRepository(terr *transport.Error) bool {
	for _, d := range terr.Errors {
		if d.Code == transport.NameUnknownErrorCode {
			return true
		}
	}
	return terr.Request != nil && strings.HasPrefix(terr.Request.URL.Path, "/v2/"+x.repo.RepositoryStr()+"/")
}

// answer is the registry's status and its own words, e.g. "401 Unauthorized: UNAUTHORIZED:
// authentication required"; error details are left out (they list scopes, at length).
func answer(terr *transport.Error) string {
	s := fmt.Sprintf("%d %s", terr.StatusCode, http.StatusText(terr.StatusCode))
	for _, d := range terr.Errors {
		s += fmt.Sprintf(": %s: %s", d.Code, d.Message)
	}
	return s
}

func certProblem(err error) error {
	var certerr *tls.CertificateVerificationError
	if errors.As(err, &certerr) {
		return certerr.Err
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// dropped tells a connection that broke from other failures, as go-containerregistry's retry
// predicate does.
func dropped(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)
}

// dropped describes the uploads the retries gave up on.
func (x *explainer) dropped(uerr *url.Error) string {
	host := x.repo.RegistryStr()
	unfinished := x.blobs.unfinished()
	if len(unfinished) == 0 {
		path := uerr.URL
		if u, err := url.Parse(uerr.URL); err == nil {
			path = u.Path
		}
		return fmt.Sprintf("the connection to %s dropped during %s %s (%v), and the retries ran out: check the network path to %s",
			host, strings.ToUpper(uerr.Op), path, cause(uerr), host)
	}
	var parts []string
	for _, b := range unfinished {
		parts = append(parts, fmt.Sprintf("blob %s after %d attempts, the last of which had sent %s of its %s",
			b.digest, b.attempts.Load(), layering.HumanSize(b.sent.Load()), layering.HumanSize(b.size)))
	}
	return fmt.Sprintf("the connection to %s kept dropping (%v) until nixpy gave up on %s. Blobs that arrived stay there: pushing again sends only the rest. If it keeps failing, look at what sits between nixpy and %s (proxies, load balancers with request size or time limits)",
		host, cause(uerr), strings.Join(parts, "; "), host)
}

// cause is the innermost of a network error, without the addresses and operations wrapped
// around it; a connection the other end closed ends in a bare EOF, which says little.
func cause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			break
		}
		err = next
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return "the other end closed it"
	}
	return err.Error()
}

// A URL's query is left out of anything printed: upload URLs carry session state and tokens.
var urlQuery = regexp.MustCompile(`\b[a-z][a-z0-9+.-]*://[^\s"?]*\?[^\s"]*`)

func withoutQueries(s string) string {
	return urlQuery.ReplaceAllStringFunc(s, func(u string) string {
		bare, query, _ := strings.Cut(u, "?")
		// A final colon ends "METHOD URL:" in go-containerregistry's messages; a query's own
		// colons are percent-encoded.
		if strings.HasSuffix(query, ":") {
			return bare + ":"
		}
		return bare
	})
}

// unfinished lists the blobs whose upload began but never completed, most attempts first.
func (t *blobTracker) unfinished() []*blobUpload {
	var out []*blobUpload
	for _, b := range t.blobs {
		if b.attempts.Load() > 0 && !b.done.Load() {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b *blobUpload) int {
		if n := b.attempts.Load() - a.attempts.Load(); n != 0 {
			return int(n)
		}
		return strings.Compare(a.digest.String(), b.digest.String())
	})
	return out
}
