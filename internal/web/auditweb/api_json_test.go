package auditweb

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/store"
)

// apiEventMap is apiEvent as it was first written (a map, keys sorted by encoding/json):
// the reference that the struct's output must match byte for byte.
func apiEventMap(e store.AuditEvent) gin.H {
	return gin.H{
		"id": e.ID, "time": e.Time.UTC().Format(time.RFC3339Nano), "actor": e.ActorName, "actor_id": e.ActorID,
		"ip": e.IP, "user_agent": e.UserAgent, "request_id": e.RequestID, "action": e.Action,
		"target_type": e.TargetType, "target_id": e.TargetID, "outcome": e.Outcome,
		"details": json.RawMessage(e.Details), "hash": e.Hash, "prev_hash": e.PrevHash,
	}
}

// TestAPIEventJSONUnchanged: the JSON API and the JSON Lines export encode apiEventJSON
// exactly as they encoded the map before, with and without HTML escaping.
func TestAPIEventJSONUnchanged(t *testing.T) {
	t.Parallel()
	actor := int64(-7)
	events := []store.AuditEvent{
		{ID: 1, Time: time.Date(2026, 11, 25, 20, 1, 2, 345678000, time.FixedZone("CST", 8*3600)), ActorName: "system",
			Action: "sync.run", Outcome: store.OutcomeSuccess, Hash: "ab", Details: json.RawMessage(`{}`)},
		{ID: 1 << 62, Time: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), ActorID: &actor, ActorName: "张三 <b>&</b>",
			IP: "::1", UserAgent: "Mozilla/5.0 \"x\"\n\u2028", RequestID: "r\x01", Action: "operation.approve",
			TargetType: "operation", TargetID: "op-9", Outcome: store.OutcomeDenied,
			Details:  json.RawMessage(`{ "amount" : "1234.50", "note": "审批 <script>", "n": [1, 2e3] }`),
			PrevHash: "cd", Hash: "ef"},
		{ID: 3, Time: time.Time{}, ActorName: "a", Action: "x.y", Outcome: store.OutcomeFailure}, // nil details: null
	}
	for _, e := range events {
		for _, escape := range []bool{true, false} {
			var want, got bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(escape)
			if err := enc.Encode(apiEventMap(e)); err != nil {
				t.Fatal(err)
			}
			enc = json.NewEncoder(&got)
			enc.SetEscapeHTML(escape)
			if err := enc.Encode(apiEvent(e)); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("event %d (escape HTML %v):\n got %s\nwant %s", e.ID, escape, got.String(), want.String())
			}
		}
		m, err1 := json.Marshal(gin.H{"items": []gin.H{apiEventMap(e)}})
		s, err2 := json.Marshal(gin.H{"items": []apiEventJSON{apiEvent(e)}})
		if err1 != nil || err2 != nil || !bytes.Equal(m, s) {
			t.Errorf("API page of event %d:\n got %s (%v)\nwant %s (%v)", e.ID, s, err2, m, err1)
		}
	}
}
