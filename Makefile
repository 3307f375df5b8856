.PHONY: run test generate lint bench graphiql webapp

# Serve on :8080 with the demo data set; tokens are printed at start.
run:
	go run ./cmd/parley serve --seed

test:
	go test ./...

generate:
	go tool gqlgen generate

# The version .ci/run pins; the config is .golangci.yml.
GOLANGCI_LINT_VERSION := v2.15.0
lint:
	go vet ./...
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	"$$(go env GOPATH)/bin/golangci-lint" run ./...

bench:
	go test ./resolvers/ -run '^$$' -bench . -benchtime 3s

# Rebuild GraphiQL's bundle (web/graphiql/dist, committed and embedded) from the locked packages.
graphiql:
	cd web/graphiql && npm ci --no-audit --no-fund && npm run build

# Rebuild the web app (web/app/dist, committed and embedded at /app/) from the locked packages.
webapp:
	cd web/app && npm ci --no-audit --no-fund && npm run build
