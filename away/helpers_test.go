package away_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/golang-jwt/jwt/v5"

	"github.com/parley/parley/away"
	"github.com/parley/parley/db"
)

// pushService is a real push service for tests (RFC 8030): it checks each request's VAPID
// token (RFC 8292: ES256 signature against the key in k=, aud, exp) and decrypts the
// aes128gcm body (RFC 8291) with the user agent's keys, which the test made.
type pushService struct {
	*httptest.Server
	t     *testing.T
	vapid away.VAPID
	mu    sync.Mutex
	uas   map[string]*userAgent // by path
	got   map[string][]received
	// status answers a path with this status instead of 201 (410 for a dead subscription).
	status map[string]int
}

type userAgent struct {
	priv *ecdh.PrivateKey
	auth []byte
}

type received struct {
	Topic   string
	Payload away.Payload
}

func newPushService(t *testing.T, vapid away.VAPID) *pushService {
	p := &pushService{t: t, vapid: vapid, uas: map[string]*userAgent{}, got: map[string][]received{}, status: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	return p
}

// subscribe makes a browser's subscription: an endpoint on this service and fresh keys.
func (p *pushService) subscribe(name string) (endpoint, p256dh, auth string) {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		p.t.Fatal(err)
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	p.mu.Lock()
	p.uas["/push/"+name] = &userAgent{priv: priv, auth: secret}
	p.mu.Unlock()
	return p.URL + "/push/" + name, base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		base64.RawURLEncoding.EncodeToString(secret)
}

func (p *pushService) received(name string) []received {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]received(nil), p.got["/push/"+name]...)
}

func (p *pushService) serve(w http.ResponseWriter, r *http.Request) {
	if err := p.check(r); err != nil {
		p.t.Errorf("push service: %s: %v", r.URL.Path, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	status := p.status[r.URL.Path]
	p.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

func (p *pushService) check(r *http.Request) error {
	if r.Method != http.MethodPost || r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("TTL") == "" {
		return fmt.Errorf("method %s, encoding %q, TTL %q", r.Method, r.Header.Get("Content-Encoding"), r.Header.Get("TTL"))
	}
	if err := p.checkVAPID(r.Header.Get("Authorization")); err != nil {
		return err
	}
	p.mu.Lock()
	ua := p.uas[r.URL.Path]
	p.mu.Unlock()
	if ua == nil {
		return errors.New("unknown subscription")
	}
	body, _ := io.ReadAll(r.Body)
	plain, err := decrypt(ua, body)
	if err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	var pl away.Payload
	if err := json.Unmarshal(plain, &pl); err != nil {
		return fmt.Errorf("payload %q: %w", plain, err)
	}
	p.mu.Lock()
	p.got[r.URL.Path] = append(p.got[r.URL.Path], received{Topic: r.Header.Get("Topic"), Payload: pl})
	p.mu.Unlock()
	return nil
}

// checkVAPID verifies "vapid t=<jwt>, k=<public key>" (RFC 8292 section 3).
func (p *pushService) checkVAPID(h string) error {
	var tok, key string
	for _, part := range strings.Split(strings.TrimPrefix(h, "vapid "), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			tok = v
		case "k":
			key = v
		}
	}
	if !strings.HasPrefix(h, "vapid ") || key != p.vapid.PublicKey {
		return fmt.Errorf("authorization %q: want the server's VAPID key", h)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(key)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return fmt.Errorf("k is not a P-256 point: %w", err)
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience(p.URL), jwt.WithExpirationRequired())
	if err != nil {
		return fmt.Errorf("VAPID token: %w", err)
	}
	exp, _ := claims.GetExpirationTime()
	if exp.After(time.Now().Add(24 * time.Hour)) {
		return errors.New("VAPID token lives longer than 24 hours")
	}
	if sub, _ := claims["sub"].(string); !strings.HasPrefix(sub, "mailto:") && !strings.HasPrefix(sub, "https:") {
		return fmt.Errorf("VAPID sub %q", sub)
	}
	return nil
}

// decrypt opens an aes128gcm body (RFC 8188) with the key RFC 8291 derives.
func decrypt(ua *userAgent, body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("short body")
	}
	salt, rs, idLen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if idLen != 65 || len(body) < 21+idLen || rs < 18 {
		return nil, errors.New("bad header")
	}
	asPublic, ct := body[21:21+idLen], body[21+idLen:]
	if len(ct) > int(rs) {
		return nil, errors.New("more than one record")
	}
	as, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, err
	}
	shared, err := ua.priv.ECDH(as)
	if err != nil {
		return nil, err
	}
	info := append(append([]byte("WebPush: info\x00"), ua.priv.PublicKey().Bytes()...), asPublic...)
	ikm, err := hkdf.Key(sha256.New, shared, ua.auth, string(info), 32)
	if err != nil {
		return nil, err
	}
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, nonce, ct, nil)
	if err != nil {
		return nil, err
	}
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) == 0 || plain[len(plain)-1] != 2 {
		return nil, errors.New("no last-record delimiter")
	}
	return plain[:len(plain)-1], nil
}

// mailbox is an in-process SMTP server (go-smtp) that keeps what it receives.
type mailbox struct {
	addr string
	mu   sync.Mutex
	msgs []letter
	// hold, when set, keeps each message's DATA unanswered until it is closed; held counts
	// the messages waiting so.
	hold chan struct{}
	held int
}

type letter struct {
	From string
	To   []string
	Data []byte
}

func newMailbox(t *testing.T) *mailbox {
	m := &mailbox{}
	s := smtp.NewServer(m)
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.addr = ln.Addr().String()
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	return m
}

func (m *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{box: m}, nil }

func (m *mailbox) waiting() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.held
}

func (m *mailbox) all() []letter {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]letter(nil), m.msgs...)
}

type session struct {
	box *mailbox
	cur letter
}

func (s *session) Reset()        { s.cur = letter{} }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.From = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = b
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, s.cur)
	hold := s.box.hold
	if hold != nil {
		s.box.held++
	}
	s.box.mu.Unlock()
	if hold != nil {
		<-hold
	}
	return nil
}

// waitFor polls cond until it holds, failing after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func quotedPrintable(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }

func viewerOf(id, role, name string) db.Viewer { return db.Viewer{UserID: id, Role: role, Name: name} }
