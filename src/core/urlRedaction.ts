// URLs may carry credentials: `https://user:password@host/` or `?api_key=...` / `?key=...` (Gemini's
// style) / `?token=...`. Anything printed (a provider's base URL, an error naming a URL) goes through
// here first; the host and path stay, so the user still sees which endpoint is meant.
const SECRET_PARAM = /^(api[-_]?key|key|token|access[-_]?token|auth|authorization|secret|client[-_]?secret|password|passwd|pwd|sig|signature|x-goog-api-key)$/i;
const REDACTED = 'REDACTED';

/** One URL with its user info and secret query values replaced; text that is not a URL comes back unchanged. */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  let changed = false;
  if (url.username || url.password) {
    url.username = url.username ? REDACTED : '';
    url.password = url.password ? REDACTED : '';
    changed = true;
  }
  for (const [name] of [...url.searchParams]) {
    if (SECRET_PARAM.test(name)) {
      url.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  return changed ? url.toString() : text;
}

/** Every URL-looking run in `text` (scheme://...), redacted as above. */
export function redactUrlsIn(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi, (m) => {
    const trail = /[),.;:!?\]]+$/.exec(m)?.[0] ?? '';
    return redactUrl(m.slice(0, m.length - trail.length)) + trail;
  });
}
