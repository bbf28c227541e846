import type { SignedRequest } from '../../lib/core/request.ts';
import { splitUrl } from '../../lib/core/request.ts';

/**
 * Parses the raw HTTP text of the AWS test suites ("GET /path HTTP/1.1", header lines, blank line,
 * body). Folded (obs-fold) continuation lines are read the way each suite's own harness reads
 * them: the CRT suite keeps them in the value (canonicalized to single spaces); the 2015 suite, as
 * vendored by aws4, treats each as another value of the same header (joined with ",").
 */
export function parseHttpText(text: string, folded: 'continue' | 'repeat' = 'continue'): SignedRequest {
  const normalized = text.replace(/\r\n/g, '\n');
  const blank = normalized.indexOf('\n\n');
  const head = blank === -1 ? normalized : normalized.slice(0, blank);
  const body = blank === -1 ? '' : normalized.slice(blank + 2);
  const lines = head.split('\n');
  const requestLine = lines.shift()!;
  const firstSpace = requestLine.indexOf(' ');
  const lastSpace = requestLine.lastIndexOf(' ');
  const method = requestLine.slice(0, firstSpace);
  const target = requestLine.slice(firstSpace + 1, lastSpace);
  const headers: Array<[string, string]> = [];
  for (const line of lines) {
    if (line === '') continue;
    if (/^[ \t]/.test(line) && headers.length > 0) {
      const last = headers[headers.length - 1]!;
      if (folded === 'repeat') headers.push([last[0], line.trim()]);
      else last[1] += '\n' + line;
      continue;
    }
    const colon = line.indexOf(':');
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  const { path, query } = splitUrl(target);
  return { method, path, query, headers, body: new TextEncoder().encode(body) };
}
