// Whether anything is exported, and where: the standard OTEL_* variables (CLI and editor alike) or
// the editor's codecompanion.telemetry.* settings. Off unless an endpoint is set: nothing is sent
// anywhere by default. This file imports no OpenTelemetry package, so deciding costs nothing.

export interface TelemetryConfig {
  readonly tracesUrl: string;
  readonly metricsUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Prompt and completion text in spans (the GenAI conventions' opt-in). */
  readonly captureContent: boolean;
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** Where the endpoint came from, for doctor: "OTEL_EXPORTER_OTLP_ENDPOINT" or the setting's name. */
  readonly source: string;
  /** Metric export interval; a run's end and the host's exit flush anyway. */
  readonly metricIntervalMs: number;
}

export interface TelemetrySettings {
  readonly otlpEndpoint?: string;
  readonly captureContent?: boolean;
}

export const CAPTURE_CONTENT_ENV = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';

/** undefined means export is off. Throws a one-line error on an endpoint that is not an http(s) URL. */
export function telemetryConfig(env: NodeJS.ProcessEnv, settings: TelemetrySettings = {}, serviceVersion = '0.0.0'): TelemetryConfig | undefined {
  if (truthy(env.OTEL_SDK_DISABLED)) return undefined;
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const traces = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const metrics = nonEmpty(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT);
  const setting = nonEmpty(settings.otlpEndpoint);
  const root = base ?? setting;
  if (!root && !traces && !metrics) return undefined;
  const source = base ? 'OTEL_EXPORTER_OTLP_ENDPOINT' : traces ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : metrics ? 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT' : 'codecompanion.telemetry.otlpEndpoint';
  // per the OTLP exporter spec: the signal's own variable is used as is; the base gets /v1/<signal>
  const tracesUrl = traces ?? signalUrl(root ?? metrics!, 'traces', root === undefined);
  const metricsUrl = metrics ?? signalUrl(root ?? traces!, 'metrics', root === undefined);
  for (const [name, url] of [['traces', tracesUrl], ['metrics', metricsUrl]] as const) checkUrl(url, `${source} (${name})`);
  return {
    tracesUrl,
    metricsUrl,
    headers: { ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
    captureContent: truthy(env[CAPTURE_CONTENT_ENV]) || settings.captureContent === true,
    serviceName: nonEmpty(env.OTEL_SERVICE_NAME) ?? 'codecompanion',
    serviceVersion,
    source,
    metricIntervalMs: Number(env.OTEL_METRIC_EXPORT_INTERVAL) > 0 ? Number(env.OTEL_METRIC_EXPORT_INTERVAL) : 60_000,
  };
}

/** One line for doctor and the logs: never the headers (they may carry a token). */
export function describeTelemetry(config: TelemetryConfig | undefined): string {
  if (!config) return 'off (set OTEL_EXPORTER_OTLP_ENDPOINT or codecompanion.telemetry.otlpEndpoint to export traces and metrics)';
  return `on: OTLP/HTTP to ${redactUrl(config.tracesUrl)} (from ${config.source}), message content ${config.captureContent ? 'captured' : 'not captured'}`;
}

function signalUrl(root: string, signal: 'traces' | 'metrics', fromOtherSignal: boolean): string {
  if (fromOtherSignal) return root.replace(/\/v1\/(traces|metrics)\/?$/, `/v1/${signal}`);
  return `${root.replace(/\/+$/, '')}/v1/${signal}`;
}

function checkUrl(url: string, from: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${from} is not a URL: '${url}' (expected e.g. http://localhost:4318)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`${from} must be an http(s) URL for OTLP/HTTP, not '${parsed.protocol}'`);
}

function redactUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  u.search = '';
  return u.toString();
}

function parseHeaders(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0) continue;
    try {
      out[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim());
    } catch {
      // a malformed pair is skipped, as the SDK does
    }
  }
  return out;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(true|1|yes|on)$/i.test(v.trim());
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}
