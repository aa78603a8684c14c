// A long-lived host's telemetry (the editor): loaded on the first run with export on, kept while
// the configuration stays the same, restarted when it changes, shut down with the host.
import { loadTelemetry, TELEMETRY_OFF, type TelemetryHandle } from './loadTelemetry';
import type { TelemetryConfig } from './telemetryConfig';

export class TelemetrySession {
  private current: { key: string; handle: Promise<TelemetryHandle> } | undefined;

  async for(config: TelemetryConfig | undefined): Promise<TelemetryHandle> {
    const key = config ? JSON.stringify(config) : '';
    if (this.current?.key === key) return this.current.handle;
    const previous = this.current;
    this.current = { key, handle: config ? loadTelemetry(config) : Promise.resolve(TELEMETRY_OFF) };
    if (previous) void previous.handle.then((h) => h.shutdown()).catch(() => undefined);
    return this.current.handle;
  }

  async dispose(): Promise<void> {
    const h = this.current;
    this.current = undefined;
    await h?.handle.then((x) => x.shutdown()).catch(() => undefined);
  }
}
