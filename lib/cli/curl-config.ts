/**
 * `edge-auth sign --format curl`: the signed request as a curl config file, for `curl -K -` to read on
 * stdin, so that its signature, token or API key never stands in argv (where `ps` shows it to every
 * user of the machine), in a shell history, or in a file.
 */
import type { SignedRequest } from '../core/request.ts';
import { CliError } from './errors.ts';

/**
 * A curl config string: `"..."` with the escapes curl reads in one (`\\ \" \t \n \r \v`). Other
 * control characters have no escape there: refused, as a NUL would end the text.
 */
function quoted(text: string, field: string): string {
  let out = '"';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f)
      throw new CliError('ERR_REQUEST_JSON', `${field} holds a control character that a curl config cannot carry: use the JSON output`, {
        issues: [`${field}: a control character`],
      });
    else out += ch;
  }
  return out + '"';
}

/**
 * The config: the URL exactly as signed (`path-as-is` keeps dot segments, `globoff` keeps `[]{}`), the
 * method, every signed header, and the body as data sent as it is (`data-raw` reads no `@file`). curl
 * adds `Content-Type: application/x-www-form-urlencoded` to a body unless told otherwise: an empty
 * `Content-Type:` header keeps a request that has none without one. A body that is not UTF-8 text is
 * refused (the JSON output carries it as base64).
 */
export function toCurlConfig(req: SignedRequest, origin: string): string {
  const lines = [
    '# edge-auth sign --format curl: run it with  curl -K -  (reads this on stdin; nothing secret in argv)',
    `url = ${quoted(origin + req.path + (req.query === '' ? '' : '?' + req.query), 'url')}`,
    `request = ${quoted(req.method, 'method')}`,
    'path-as-is',
    'globoff',
  ];
  let contentType = false;
  for (const [name, value] of req.headers) {
    if (name.toLowerCase() === 'content-type') contentType = true;
    // "Name;" is curl's way to send a header with an empty value ("Name:" would remove it).
    lines.push(`header = ${quoted(value === '' ? `${name};` : `${name}: ${value}`, `headers.${name}`)}`);
  }
  if (req.body !== undefined && req.body.length > 0) {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(req.body);
    } catch {
      throw new CliError('ERR_REQUEST_JSON', 'the body is not UTF-8 text, which a curl config cannot carry: use the JSON output', {
        issues: ['body: not UTF-8 text'],
      });
    }
    if (!contentType) lines.push('header = "Content-Type:"');
    lines.push(`data-raw = ${quoted(text, 'body')}`);
  }
  return lines.join('\n') + '\n';
}
