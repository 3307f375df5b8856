package server

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

// Every mistake is one line of the start-up error, not only the first; production's refused
// fallbacks come after them and still unwrap as a *ProductionError.
func TestEveryMistakeIsReported(t *testing.T) {
	bad := map[string]string{
		"PARLEY_ADDR":                      "8080",
		"PARLEY_LOG_LEVEL":                 "loud",
		"PARLEY_MAX_UPLOAD_MB":             "0",
		"PARLEY_LIVE_BUFFER":               "many",
		"PARLEY_INTROSPECTION":             "maybe",
		"PARLEY_RATE_SEND":                 "fast",
		"PARLEY_RATE_LIMIT_ON_REDIS_ERROR": "ajar",
		"PARLEY_JWT_MAX_TTL":               "forever",
		"PARLEY_WEBHOOK_RETRIES":           "5s,soon",
		"PARLEY_WEBHOOK_WORKER":            "yes please",
		"PARLEY_MAX_BODY_KB":               "-1",
		"PARLEY_TRUSTED_PROXIES":           "10.0.0.0/8,proxy.local",
		"PARLEY_DB_MAX_OPEN_CONNS":         "0",
		"PARLEY_WS_PING_INTERVAL":          "-5s",
		"PARLEY_BLOB_URL":                  "ftp://files.example.no/parley",
		"PARLEY_CORS_ORIGINS":              "https://app.example.no/inbox",
		"PARLEY_JWKS_URL":                  "id.example.no/jwks.json",
		"DATABASE_URL":                     "mysql://root:hunter2@db/parley",
		"PARLEY_REDIS_URL":                 "memcache://cache:11211",
		"PARLEY_RETENTION":                 "a year",
		"PARLEY_EXPORT_TTL":                "a week",
		"PARLEY_EXPORT_MAX_FILES_MB":       "lots",
	}
	for k, v := range bad {
		t.Setenv(k, v)
	}
	_, err := ConfigFromEnv()
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("want a *ConfigError, got %v", err)
	}
	if len(ce.Lines) != len(bad) {
		t.Errorf("%d lines for %d mistakes:\n%s", len(ce.Lines), len(bad), err)
	}
	for k := range bad {
		n := 0
		for _, line := range ce.Lines {
			if strings.HasPrefix(line, k+"=") || strings.HasPrefix(line, k+":") || strings.HasPrefix(line, k+" ") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s is named by %d lines, want 1:\n%s", k, n, err)
		}
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error shows a password:\n%s", err)
	}
	var pe *ProductionError
	if errors.As(err, &pe) {
		t.Errorf("development mode refused fallbacks: %v", pe.Lines)
	}

	t.Setenv("PARLEY_ENV", "production")
	t.Setenv("PARLEY_JWT_SECRET", "short")
	_, err = ConfigFromEnv()
	if !errors.As(err, &ce) || !errors.As(err, &pe) || len(pe.Lines) == 0 {
		t.Fatalf("production with mistakes: want both, got %v", err)
	}
	if !slices.ContainsFunc(ce.Lines, func(l string) bool { return strings.HasPrefix(l, "PARLEY_JWT_SECRET is 5 bytes") }) {
		t.Errorf("a 5-byte production secret was not refused:\n%s", err)
	}
	if ce.Lines[len(ce.Lines)-1] != pe.Lines[len(pe.Lines)-1] {
		t.Errorf("the refused fallbacks are not the last lines:\n%s", err)
	}
}

// `parley config` lists every setting Parley reads, with the secrets masked.
func TestSettingsMaskSecretsAndCoverEveryVariable(t *testing.T) {
	secrets := map[string]string{
		"PARLEY_JWT_SECRET": "jwt-secret-value-0123456789abcdef0123",
		"PARLEY_API_KEYS":   "office-key-1,office-key-2",
		"DATABASE_URL":      "postgres://parley:db-password@db.example.no:5432/parley?sslmode=require&password=query-password",
		"PARLEY_REDIS_URL":  "redis://:redis-password@cache.example.no:6379/0",
	}
	for k, v := range secrets {
		t.Setenv(k, v)
	}
	t.Setenv("PARLEY_BLOB_URL", "file:///srv/parley/files")
	c, err := ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := c.PrintSettings(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, leak := range []string{"jwt-secret-value", "office-key", "db-password", "query-password", "redis-password"} {
		if strings.Contains(text, leak) {
			t.Errorf("parley config shows %q:\n%s", leak, text)
		}
	}
	for _, want := range []string{
		"postgres://parley:****@db.example.no:5432/parley?password=****&sslmode=require",
		"redis://:****@cache.example.no:6379/0", "**** (2 values)", "file:///srv/parley/files",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("parley config lacks %q:\n%s", want, text)
		}
	}
	if !regexpLine(text, "PARLEY_JWT_SECRET", `\*\*\*\*`, "set") || !regexpLine(text, "PARLEY_LIVE_BUFFER", "256", "default") {
		t.Errorf("want name, value and set/default per line:\n%s", text)
	}
	printed := map[string]bool{}
	for _, s := range c.Settings() {
		printed[s.Name] = true
	}
	for _, name := range knownEnv {
		if !printed[name] && name != "PARLEY_TEST_LOG" {
			t.Errorf("parley config leaves out %s", name)
		}
	}
}

// regexpLine tells whether text has a line with name, value and (from).
func regexpLine(text, name, value, from string) bool {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == name && strings.Contains(strings.Join(f[1:], " "), strings.ReplaceAll(value, `\`, "")) && f[len(f)-1] == "("+from+")" {
			return true
		}
	}
	return false
}

// A password with characters a URL should escape (",", "#", "?", "/", a lone "%") is still
// masked: such a URL does not parse, or parses as something else.
func TestMaskValueOddPasswords(t *testing.T) {
	for _, v := range []string{"postgres://u:pa,ss1@h/db", "postgres://u:p#ss2@h/db", "smtp://u:p%ss3@h:25",
		"smtp://u:p/ss4@h:25", "postgres://u:p?ss5@h/db"} {
		got := maskValue("DATABASE_URL", v)
		if strings.Contains(got, "ss") || !strings.Contains(got, masked) {
			t.Errorf("maskValue(%q) = %q, shows the password", v, got)
		}
	}
	if got := maskValue("PARLEY_CORS_ORIGINS", "https://a.example.no,https://b.example.no"); got != "https://a.example.no,https://b.example.no" {
		t.Errorf("a list of plain URLs changed: %q", got)
	}
}

// Settings left unset print what the server runs with, not an empty value.
func TestSettingsShowEffectiveAwayDefaults(t *testing.T) {
	c, err := ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range c.Settings() {
		got[s.Name] = s.Value
	}
	if got["PARLEY_PUBLIC_URL"] != "http://localhost"+c.Addr || !strings.Contains(got["PARLEY_VAPID_SUBJECT"], "mailto:parley@localhost") {
		t.Errorf("PARLEY_PUBLIC_URL %q, PARLEY_VAPID_SUBJECT %q", got["PARLEY_PUBLIC_URL"], got["PARLEY_VAPID_SUBJECT"])
	}
}
