// Everything the CLI prints goes through here: known secrets are redacted and control sequences
// stripped (src/core/security), whoever wrote the text (a model's summary, a check's output, a file
// name, an objective). The CLI's own terminal control (clearing the live status line) is written
// beside it, straight to the terminal (CliIo.clearLine).
import { Writable } from 'node:stream';
import type { Redactor } from '../core/security/redaction';
import { terminalSafe } from '../core/security/terminalText';

export class SafeOutput extends Writable {
  constructor(
    private readonly target: NodeJS.WritableStream,
    private readonly redactor: Redactor,
  ) {
    super({ decodeStrings: false });
  }

  /** The terminal's width, for the live status line. */
  get columns(): number | undefined {
    return (this.target as Partial<NodeJS.WriteStream>).columns;
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    this.target.write(terminalSafe(this.redactor.text(text)));
    done();
  }
}

/** Clears the live status line: the one escape the CLI writes itself, only on a terminal. */
export const CLEAR_LINE = '\r\x1b[2K';
