// Package i18n is Parley's small message catalogue: the texts users read outside the web app
// (notification titles, pushes, digest mails), in Norwegian bokmål and English, through
// golang.org/x/text/message. Keys are the English text; Text falls back to English for an
// unknown locale.
package i18n

import (
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Default is the locale of texts stored once for every recipient (a notification row's
// title), and of users who have none.
const Default = "en"

// Keys of the catalogue. Arguments are fmt verbs in the key's order.
const (
	NewMessageFrom  = "New message from %s"
	NewMessage      = "New message"
	SentAttachment  = "Sent an attachment"
	OpenToRead      = "Open Parley to read it."
	DigestSubject   = "Unread messages on Parley"
	DigestIntro     = "While you were away, you got messages you have not read yet:"
	DigestEntry     = "%[1]s: %[2]d unread"
	DigestEntryAnon = "%d unread"
	DigestOpen      = "Open: %s"
	DigestStop      = "Stop these e-mails: %s"
	UnsubTitle      = "Stop the e-mail digest?"
	UnsubButton     = "Stop the e-mails"
	UnsubDone       = "You will get no more e-mail digests from Parley."
)

var nb = map[string]string{
	NewMessageFrom:  "Ny melding fra %s",
	NewMessage:      "Ny melding",
	SentAttachment:  "Sendte et vedlegg",
	OpenToRead:      "Åpne Parley for å lese den.",
	DigestSubject:   "Uleste meldinger på Parley",
	DigestIntro:     "Mens du var borte, fikk du meldinger du ikke har lest ennå:",
	DigestEntry:     "%[1]s: %[2]d uleste",
	DigestEntryAnon: "%d uleste",
	DigestOpen:      "Åpne: %s",
	DigestStop:      "Slutt å få disse e-postene: %s",
	UnsubTitle:      "Slutte med e-postsammendraget?",
	UnsubButton:     "Slutt med e-postene",
	UnsubDone:       "Du får ikke flere e-postsammendrag fra Parley.",
}

var printers = func() map[string]*message.Printer {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for key, text := range nb {
		_ = b.SetString(language.Norwegian, key, text)
		_ = b.SetString(language.English, key, key)
	}
	return map[string]*message.Printer{
		"nb": message.NewPrinter(language.Norwegian, message.Catalog(b)),
		"en": message.NewPrinter(language.English, message.Catalog(b)),
	}
}()

// Text renders key in locale (nb or en; anything else is Default) with args.
func Text(locale, key string, args ...any) string {
	p, ok := printers[locale]
	if !ok {
		p = printers[Default]
	}
	return p.Sprintf(key, args...)
}

// Locale is the locale texts for a user with stored locale l are written in.
func Locale(l string) string {
	if _, ok := printers[l]; ok {
		return l
	}
	return Default
}
