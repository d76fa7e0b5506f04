package audit

import "testing"

func TestRedact(t *testing.T) {
	in := map[string]any{
		"password": "hunter2", "totp_secret": "JBSW", "hw_sk": "abc", "api-token": "t",
		"username": "alice", "task": "keep", "reason": "wrong password",
		"nested": map[string]any{"session_id": "s", "roles": []string{"admin"}},
	}
	out := Redact(in)
	for _, k := range []string{"password", "totp_secret", "hw_sk", "api-token"} {
		if out[k] != Redacted {
			t.Errorf("%s not redacted: %v", k, out[k])
		}
	}
	for _, k := range []string{"username", "task", "reason"} {
		if out[k] != in[k] {
			t.Errorf("%s changed: %v", k, out[k])
		}
	}
	if out["nested"].(map[string]any)["session_id"] != Redacted {
		t.Error("nested secret not redacted")
	}
	if in["password"] != "hunter2" {
		t.Error("Redact must not modify its input")
	}
}
