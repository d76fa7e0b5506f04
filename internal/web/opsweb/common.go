package opsweb

import (
	"crypto/rand"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
)

// Helpers the operations area's pages and API share: idempotency keys, posted values and
// a validation error's reasons (labels.go and snapshot.go say an operation for people).

// newIdemKey is the idempotency key of one rendered form.
func newIdemKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// validIdemKey accepts what newIdemKey makes and what API clients reasonably send.
func validIdemKey(k string) bool {
	if len(k) < 8 || len(k) > 128 {
		return false
	}
	for _, r := range k {
		if r < 0x21 || r > 0x7e {
			return false
		}
	}
	return true
}

// trimmed reads a form value, trimmed.
func trimmed(c *gin.Context, name string) string { return strings.TrimSpace(c.PostForm(name)) }

const maxCommentLen = 1000

func comment(c *gin.Context) string {
	s := strings.TrimSpace(c.PostForm("comment"))
	if r := []rune(s); len(r) > maxCommentLen {
		s = string(r[:maxCommentLen])
	}
	return s
}

func validState(st approval.State) bool {
	for _, x := range approval.States {
		if x == st {
			return true
		}
	}
	return false
}

// sortedFields lists a validation error's fields in a stable order.
func sortedFields(ve *approval.ValidationError) []string {
	keys := make([]string, 0, len(ve.Fields))
	for k := range ve.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fieldMessage translates one field's problem.
func fieldMessage(tr *i18n.Translator, ve *approval.ValidationError, field string) string {
	id, ok := ve.Fields[field]
	if !ok {
		return ""
	}
	return tr.T(id, ve.Params[field])
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

func percent(done, total int) int {
	if total <= 0 {
		return 0
	}
	return min(100, done*100/total)
}

// parseRFC3339 reads a stored time.
func parseRFC3339(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}
