// Text this program did not write (model summaries, objectives, check output, file names, event
// payloads) reaches a terminal only through here: every control sequence (CSI, OSC with its
// hyperlinks and window titles, DCS/APC/PM/SOS strings, other ESC sequences) and every C0/C1 control
// character except newline and tab is removed, so it cannot clear the screen, move the cursor over
// earlier lines, retitle the window or hide a link. Our own escapes are written separately.

// ESC ] / ESC P / ESC X / ESC ^ / ESC _ (or their 8-bit forms) up to BEL, ESC \ or ST; an
// unterminated one swallows the rest of the text, as a terminal would.
const STRING_SEQUENCE = /(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?/g;
const CSI = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?/g;
const OTHER_ESCAPE = /\x1b[ -/]*[0-~]?/g;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
const ANY_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

export function terminalSafe(text: string): string {
  if (!ANY_CONTROL.test(text)) return text;
  return text.replace(STRING_SEQUENCE, '').replace(CSI, '').replace(OTHER_ESCAPE, '').replace(CONTROL, '');
}
