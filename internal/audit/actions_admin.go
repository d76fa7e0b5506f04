package audit

// Actions of administration and identity (issue 7), added to CONTRACTS.md's list.
const (
	UpstreamAccountCreate = "upstream_account.create"
	UpstreamAccountUpdate = "upstream_account.update"
	UpstreamAccountDelete = "upstream_account.delete"
	// UpstreamAccountTest: an admin ran "test connection" (outcome success or failure).
	UpstreamAccountTest = "upstream_account.test"
	// SettingsUpdate: a settings section changed (details: section, before, after).
	SettingsUpdate = "settings.update"
	// SettingsTest: a notification channel was sent a test message.
	SettingsTest = "settings.test"
	// SecretsRotate: every stored secret was re-sealed under a new PORTAL_SECRET_KEY.
	SecretsRotate = "secrets.rotate"
)
