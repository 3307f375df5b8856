# syntax=docker/dockerfile:1
# Parley's image: a static binary (CGO_ENABLED=0) on distroless/static, which holds CA
# certificates and time zones and runs as the unprivileged user nonroot (65532).
# The web bundles (web/app/dist, web/graphiql/dist) are committed and embedded: no npm here.
#   docker build -t parley .                      # file:// attachments only (the default build)
#   docker build --build-arg TAGS=s3,gcs -t parley .  # with the S3 and GCS blob drivers

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
ARG TAGS=""
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -tags "${TAGS}" -ldflags "-s -w" -o /out/parley ./cmd/parley \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/parley /usr/local/bin/parley
# The data folder (attachments under file://, when no bucket is set), owned by nonroot so a
# volume mounted here is writable.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV PARLEY_ADDR=:8080 PARLEY_ADMIN_ADDR=:9090 PARLEY_DATA_DIR=/data
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/parley"]
CMD ["serve", "--migrate=false"]
