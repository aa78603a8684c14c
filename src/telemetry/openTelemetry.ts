// The Telemetry port on the OpenTelemetry SDK, exporting over OTLP/HTTP. This module is bundled
// on its own (dist/telemetry.js) and loaded only when export is on (loadTelemetry), so the
// extension and the CLI carry none of the SDK unless it is used. No global provider is registered:
// another extension's instrumentation in the same host is left alone.
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { GENAI, type CallPoint, type Telemetry, type TraceAttributes, type TraceSpan } from '../core/ports/telemetry';
import type { TelemetryConfig } from './telemetryConfig';
import type { TelemetryHandle } from './loadTelemetry';

// bucket boundaries the GenAI metric conventions advise
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

export function startOpenTelemetry(config: TelemetryConfig): TelemetryHandle {
  const resource = resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': config.serviceVersion });
  const traceExporter = new OTLPTraceExporter({ url: config.tracesUrl, headers: { ...config.headers } });
  const tracerProvider = new TracerProvider({ resource, spanProcessors: [new BatchSpanProcessor({ exporter: traceExporter })] });
  const metricReader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: config.metricsUrl, headers: { ...config.headers } }),
    exportIntervalMillis: config.metricIntervalMs,
  });
  const meterProvider = new MeterProvider({ resource, readers: [metricReader] });
  const meter = meterProvider.getMeter('codecompanion', config.serviceVersion);
  const tokens = meter.createHistogram('gen_ai.client.token.usage', { unit: '{token}', description: 'Tokens used per model call, by gen_ai.token.type', advice: { explicitBucketBoundaries: TOKEN_BUCKETS } });
  const duration = meter.createHistogram('gen_ai.client.operation.duration', { unit: 's', description: 'Duration of a model call, retries and failover included', advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
  const cost = meter.createCounter('codecompanion.client.cost', { unit: '{USD}', description: 'What model calls cost in US dollars (priced calls only)' });
  const tracer = tracerProvider.getTracer('codecompanion', config.serviceVersion);

  const telemetry: Telemetry = {
    captureContent: config.captureContent,
    span: (name, attributes, kind) => new OtelSpan(tracer, tracer.startSpan(name, { kind: spanKind(kind), attributes: clean(attributes) }), config.captureContent),
    recordCall: (p: CallPoint) => {
      const attrs = clean({
        [GENAI.operation]: p.operation,
        [GENAI.provider]: p.provider,
        [GENAI.requestModel]: p.requestModel,
        [GENAI.responseModel]: p.responseModel,
        [GENAI.errorType]: p.errorType,
        [GENAI.agentName]: p.role,
      });
      duration.record(p.durationMs / 1000, attrs);
      if (p.inputTokens !== undefined) tokens.record(p.inputTokens, { ...attrs, 'gen_ai.token.type': 'input' });
      if (p.outputTokens !== undefined) tokens.record(p.outputTokens, { ...attrs, 'gen_ai.token.type': 'output' });
      if (typeof p.costUsd === 'number' && p.costUsd > 0) cost.add(p.costUsd, attrs);
    },
  };
  return {
    telemetry,
    exporting: true,
    flush: async () => {
      await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]);
    },
    shutdown: async () => {
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}

class OtelSpan implements TraceSpan {
  /** This span as a parent context, made once for all of its children. */
  private asParent: Context | undefined;

  constructor(
    private readonly tracer: Tracer,
    private readonly span: Span,
    /** Error messages can quote model output (a JSON parse error does): exported only with content capture. */
    private readonly capture: boolean,
  ) {}

  get traceId(): string {
    return this.span.spanContext().traceId;
  }

  child(name: string, attributes?: TraceAttributes, kind?: 'client' | 'internal'): TraceSpan {
    this.asParent ??= trace.setSpan(context.active(), this.span);
    return new OtelSpan(this.tracer, this.tracer.startSpan(name, { kind: spanKind(kind), attributes: clean(attributes) }, this.asParent), this.capture);
  }

  set(attributes: TraceAttributes): void {
    this.span.setAttributes(clean(attributes));
  }

  fail(errorType: string, message?: string): void {
    this.span.setAttribute(GENAI.errorType, errorType);
    this.span.setStatus({ code: SpanStatusCode.ERROR, ...(message && this.capture ? { message: message.split('\n')[0]!.slice(0, 500) } : {}) });
  }

  end(): void {
    this.span.end();
  }
}

function spanKind(kind: 'client' | 'internal' | undefined): SpanKind {
  return kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL;
}

function clean(attributes: TraceAttributes | undefined): Attributes {
  const out: Attributes = {};
  if (!attributes) return out;
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) out[k] = v as Attributes[string];
  return out;
}
