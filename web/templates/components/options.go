package components

import (
	"context"
	"io"

	"github.com/a-h/templ"

	"github.com/purser-finance/purser/web/templates/view"
)

// optionsHTML writes options rendered ahead of time; nil writes none.
func optionsHTML(o view.OptionsHTML) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		if o == nil {
			return nil
		}
		return o.WriteOptions(w)
	})
}
