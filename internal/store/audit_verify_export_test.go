package store

// SetAuditVerifyPgBatch sets the rows per query of Postgres verification for a test
// (so that a few events cross batch boundaries) and returns a function restoring it.
// Tests using it must not run in parallel.
func SetAuditVerifyPgBatch(n int64) (restore func()) {
	old := auditVerifyPgBatch
	auditVerifyPgBatch = n
	return func() { auditVerifyPgBatch = old }
}
