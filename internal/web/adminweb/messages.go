package adminweb

import (
	"errors"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/internal/sso"
	"github.com/purser-finance/purser/internal/upstreamacct"
	"github.com/purser-finance/purser/internal/users"
)

// How the admin use cases' refusals become the form's messages; an error that is none of
// theirs goes to Core.Fail as it is.

// messageOf translates an error of the identity use cases; "" when it is none of theirs
// (then the caller fails with it).
func messageOf(err error) string {
	for _, f := range []func(error) string{users.MessageID, upstreamacct.MessageID, settings.MessageID, sso.MessageID} {
		if id := f(err); id != "" {
			return id
		}
	}
	return ""
}

// fieldErrors translates a use case's per-field errors. The users package gives English
// sentences (its CLI prints them), the others message ids.
func fieldErrors(tr *i18n.Translator, err error) map[string]string {
	out := map[string]string{}
	var ue *users.ValidationError
	var ae *upstreamacct.ValidationError
	var se *settings.ValidationError
	switch {
	case errors.As(err, &ue):
		for k := range ue.Fields {
			out[k] = tr.T("identity.field." + fieldKey(k))
		}
	case errors.As(err, &ae):
		for k, id := range ae.Fields {
			out[k] = tr.T(id)
		}
	case errors.As(err, &se):
		for k, id := range se.Fields {
			out[k] = tr.T(id)
		}
	}
	return out
}

// fieldKey maps the users package's field names to message ids.
func fieldKey(k string) string {
	switch k {
	case "username", "password", "role", "scope", "display_name", "name", "expires", "email":
		return k
	}
	return "other"
}
