// Package i18n translates every user-visible string into English or Simplified Chinese.
// Messages live in locales/*.json (flat id → text, with {{.Field}} placeholders); a test
// checks that both files hold the same ids and that every id used in code exists.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Messages are split by area ("read.en.json", "audit.zh.json", …) so that areas can grow
// independently; the language is the part before ".json".
//
//go:embed locales/*.json
var locales embed.FS

// Languages Purser speaks, in the order of the language switch.
const (
	English = "en"
	Chinese = "zh"
)

// Supported lists the language codes with their own names, for the switch.
var Supported = []struct{ Code, Name string }{{English, "English"}, {Chinese, "简体中文"}}

// CookieName keeps the language chosen with the switch.
const CookieName = "purser_lang"

var matcher = language.NewMatcher([]language.Tag{language.English, language.SimplifiedChinese})

// Bundle holds every message, and one Translator per language.
type Bundle struct {
	b      *goi18n.Bundle
	en, zh *Translator
}

// New loads the embedded messages.
func New() (*Bundle, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := fs.Glob(locales, "locales/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if _, err := b.LoadMessageFileFS(locales, f); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
	}
	bundle := &Bundle{b: b}
	bundle.en = &Translator{Lang: English, l: goi18n.NewLocalizer(b, "en")}
	bundle.zh = &Translator{Lang: Chinese, l: goi18n.NewLocalizer(b, "zh-Hans")}
	return bundle, nil
}

// Translator renders messages in one language. It is shared by every request in that
// language (For): safe for concurrent use.
type Translator struct {
	Lang string
	l    *goi18n.Localizer
	// plain keeps the messages asked for without template data (most of a page's
	// strings): localizing them anew on every call was a tenth of a list page's CPU.
	plain sync.Map // id → string
}

// For returns the translator of a language code ("en" or "zh").
func (b *Bundle) For(lang string) *Translator {
	if lang == Chinese {
		return b.zh
	}
	return b.en
}

// T translates id, with optional template data. A missing id renders as the id itself in
// brackets so that it shows in review; a test keeps that from shipping.
func (t *Translator) T(id string, data ...map[string]any) string {
	if len(data) == 0 {
		if s, ok := t.plain.Load(id); ok {
			return s.(string)
		}
		s, ok := t.localize(id, nil)
		if ok { // ids come from code, but some are built from upstream codes: keep known ones only
			t.plain.Store(id, s)
		}
		return s
	}
	s, _ := t.localize(id, data[0])
	return s
}

// N translates a message with plural forms for count n ("1 row", "2 rows"; Chinese has
// one form): the message file gives the forms as {"one": …, "other": …}, {{.Count}} is n,
// and data may add more fields.
func (t *Translator) N(id string, n int, data ...map[string]any) string {
	d := map[string]any{}
	if len(data) > 0 {
		maps.Copy(d, data[0])
	}
	if _, ok := d["Count"]; !ok {
		d["Count"] = n
	}
	s, ok := t.localize(id, d, n)
	if !ok { // a message without plural forms reads the same for every count
		s, _ = t.localize(id, d)
	}
	return s
}

func (t *Translator) localize(id string, data map[string]any, count ...int) (string, bool) {
	cfg := &goi18n.LocalizeConfig{MessageID: id}
	if data != nil {
		cfg.TemplateData = data
	}
	if len(count) > 0 {
		cfg.PluralCount = count[0]
	}
	s, err := t.l.Localize(cfg)
	if err != nil {
		return "[" + id + "]", false
	}
	return s, true
}

// Pick chooses the language of a request: the switch's cookie first, then
// Accept-Language, then English.
func Pick(r *http.Request) string {
	if c, err := r.Cookie(CookieName); err == nil && (c.Value == English || c.Value == Chinese) {
		return c.Value
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return English
	}
	_, idx, conf := matcher.Match(tags...)
	if conf == language.No {
		return English
	}
	if idx == 1 {
		return Chinese
	}
	return English
}

// Valid reports whether code is a supported language.
func Valid(code string) bool { return code == English || code == Chinese }
