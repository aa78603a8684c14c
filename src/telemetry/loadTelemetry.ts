// Starts telemetry for a host: nothing at all when export is off (the SDK is never loaded, no
// connection is made), the OpenTelemetry SDK from its own bundle when it is on. The import below
// is resolved to dist/telemetry.js by the build (esbuild.config.mjs), so it stays a lazy require.
import { NO_TELEMETRY, type Telemetry } from '../core/ports/telemetry';
import type { TelemetryConfig } from './telemetryConfig';

export interface TelemetryHandle {
  readonly telemetry: Telemetry;
  readonly exporting: boolean;
  /** Sends what is buffered now (the end of a run); bounded by the exporter's timeout. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export const TELEMETRY_OFF: TelemetryHandle = { telemetry: NO_TELEMETRY, exporting: false, flush: async () => undefined, shutdown: async () => undefined };

export async function loadTelemetry(config: TelemetryConfig | undefined): Promise<TelemetryHandle> {
  if (!config) return TELEMETRY_OFF;
  const sdk = await import('./openTelemetry');
  return sdk.startOpenTelemetry(config);
}
