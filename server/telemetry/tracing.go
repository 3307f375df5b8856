package telemetry

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
)

// OTLPEndpoint is where traces go, from the standard variables: the traces-specific one first.
// Empty means tracing is off.
func OTLPEndpoint() string {
	if v := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); v != "" {
		return v
	}
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
}

// TracingWanted tells whether the environment asks for traces: an OTLP endpoint is set, and
// neither OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none turns them off.
func TracingWanted() bool {
	return OTLPEndpoint() != "" && !strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") &&
		os.Getenv("OTEL_TRACES_EXPORTER") != "none"
}

// TracesProtocol is the OTLP protocol the standard variables choose (http/protobuf by default,
// as the specification says).
func TracesProtocol() string {
	for _, k := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "http/protobuf"
}

// TracerFromEnv makes a tracer provider that exports over OTLP as the standard OTEL_*
// variables say, or returns nil when they ask for no traces. The exporters read the endpoint,
// headers, timeout, compression and certificates themselves; the SDK reads the sampler
// (OTEL_TRACES_SAMPLER) and the batch settings (OTEL_BSP_*); the resource takes
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES over the default service name "parley".
func TracerFromEnv(ctx context.Context, version string) (*sdktrace.TracerProvider, error) {
	if !TracingWanted() {
		return nil, nil
	}
	var exp sdktrace.SpanExporter
	var err error
	switch p := TracesProtocol(); p {
	case "http/protobuf":
		exp, err = otlptracehttp.New(ctx)
	case "grpc":
		exp, err = otlptracegrpc.New(ctx)
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q: want http/protobuf or grpc", p)
	}
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	res, err := Resource(ctx, version)
	if err != nil {
		return nil, err
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// Resource describes this process: service parley (or OTEL_SERVICE_NAME), its version, the
// host and OTEL_RESOURCE_ATTRIBUTES.
func Resource(ctx context.Context, version string) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName("parley"), semconv.ServiceVersion(version)),
		resource.WithHost(), resource.WithTelemetrySDK(), resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	return res, nil
}
