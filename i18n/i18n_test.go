package i18n

import "testing"

func TestTextInBothLanguages(t *testing.T) {
	cases := []struct{ locale, key, want string }{
		{"nb", NewMessageFrom, "Ny melding fra Ola"},
		{"en", NewMessageFrom, "New message from Ola"},
		{"", NewMessageFrom, "New message from Ola"},
		{"de", NewMessageFrom, "New message from Ola"},
	}
	for _, c := range cases {
		if got := Text(c.locale, c.key, "Ola"); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.locale, got, c.want)
		}
	}
	if got := Text("nb", DigestEntry, "Ola", 3); got != "Ola: 3 uleste" {
		t.Errorf("nb entry = %q", got)
	}
	for key := range nb {
		if Text("nb", key) == Text("en", key) {
			t.Errorf("%q is not translated", key)
		}
	}
}
