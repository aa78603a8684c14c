// One call to one vendor, once: what each SDK adapter implements. Retries, failover, stall
// detection and usage accounting live above this, in resilientClient.ts.
import type { ModelRequest, ProviderId, StopReason, ToolCall, Usage } from '../core/ports/model';

export interface AttemptSink {
  text(delta: string): void;
  toolCall(call: ToolCall): void;
  /** The vendor's usage so far for this attempt (cumulative: later calls replace earlier ones). */
  usage(usage: Partial<Usage>): void;
}

export interface VendorAdapter {
  readonly provider: ProviderId;
  /** Streams one attempt into the sink; resolves with the stop reason only if the vendor's completion marker arrived. */
  attempt(request: ModelRequest, signal: AbortSignal, sink: AttemptSink): Promise<StopReason>;
}
