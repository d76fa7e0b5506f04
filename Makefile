# Shortcuts for Purser's developers. `make help` lists them.
.DEFAULT_GOAL := help
GO ?= go

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

run: ## serve on SQLite with the sandbox and demo users
	$(GO) run ./cmd/portal

test: ## the whole suite (set PORTAL_TEST_POSTGRES_URL for the Postgres tests)
	$(GO) test -race -timeout 30m ./...

generate: ## regenerate templ code
	$(GO) tool templ generate -path web/templates

fmt: ## format the code
	gofmt -w $$(git ls-files '*.go')

lint: ## vet the code
	$(GO) vet ./...

migrate: ## apply migrations to the configured database
	$(GO) run ./cmd/portal migrate

build: ## build a static binary into ./portal
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o portal ./cmd/portal

bench: ## run the Go benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./...

ci: ## what CI runs
	bash .ci/run

.PHONY: help run test generate fmt lint migrate build bench ci
