// Package apidoc holds the OpenAPI 3 description of Purser's JSON API. A test in
// internal/web compares its paths and methods with the registered /api/v1 routes.
package apidoc

import _ "embed"

// OpenAPI is the document served at GET /api/v1/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte
