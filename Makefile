.PHONY: run test generate lint bench graphiql webapp

# Serve on :8080 with the demo data set; tokens are printed at start.
run:
	go run ./cmd/parley serve --seed

test:
	go test ./...

generate:
	go tool gqlgen generate

lint:
	go vet ./...
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"

bench:
	go test ./resolvers/ -run '^$$' -bench . -benchtime 3s

# Rebuild GraphiQL's bundle (web/graphiql/dist, committed and embedded) from the locked packages.
graphiql:
	cd web/graphiql && npm ci --no-audit --no-fund && npm run build

# Rebuild the web app (web/app/dist, committed and embedded at /app/) from the locked packages.
webapp:
	cd web/app && npm ci --no-audit --no-fund && npm run build
