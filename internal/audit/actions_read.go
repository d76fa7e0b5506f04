package audit

// Actions of the read side (added to CONTRACTS.md's list, never changing it).
const (
	// SubAccountUpdate: a sub-account's Purser-side settings changed (its low-balance
	// threshold); the upstream account itself is never edited.
	SubAccountUpdate = "sub_account.update"
)
