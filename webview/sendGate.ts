// Whether the box sends on Enter, and what it says when it does not. No DOM: tested in Node. A send
// is "sending" from Enter until the host answers (taken or refused); a run "running" until it ends.
// A refused Enter keeps the text in the box and says why in the box itself, never only in a log.

export interface SendStatus {
  readonly running: boolean;
  readonly sending: boolean;
}

export type SendDecision = { readonly send: true } | { readonly send: false; readonly say?: string };

export const ALREADY_SENDING = 'Already sending: wait for the run to start. Your text stays in the box.';
export const RUN_GOING = 'A run is going: one run at a time. Your text stays in the box; send it when the run ends, or cancel the run.';

/** Enter (or Send) with this text: send it, or not and why (nothing to say for an empty box). */
export function decideSend(status: SendStatus, text: string): SendDecision {
  if (status.sending) return { send: false, say: ALREADY_SENDING };
  if (status.running) return text.trim() ? { send: false, say: RUN_GOING } : { send: false };
  return text.trim() ? { send: true } : { send: false };
}

/** Whether a refusal still says something true: "already sending" while a send is on its way, "a run is going" while it goes. */
export function refusalHolds(refused: string | null, status: SendStatus): string | null {
  if (refused === ALREADY_SENDING) return status.sending ? refused : null;
  if (refused === RUN_GOING) return status.running ? refused : null;
  return null;
}

/** The box's visible state: the status line (null: none), and the Send button's label, tooltip and whether it is off. */
export function sendView(status: SendStatus, refused: string | null): { readonly line: string | null; readonly label: string; readonly title: string; readonly disabled: boolean } {
  const line = refused ?? (status.sending ? 'Sending…' : null);
  if (status.sending) return { line, label: 'Sending…', title: 'Your objective is on its way', disabled: true };
  if (status.running) return { line, label: 'Send', title: 'A run is going: one run at a time', disabled: true };
  return { line, label: 'Send', title: 'Send (Enter)', disabled: false };
}
