// The same Hono app on Node, behind a plain node:http server (no adapter package needed):
// each request becomes a fetch Request for app.fetch, and the Response is written back.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import app from './worker.ts';

const env = { AUTH_CONFIG: readFileSync(process.env.AUTH_CONFIG_FILE ?? 'infra/demo-config.json', 'utf8') };
const port = Number(process.env.PORT ?? 8788);

const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const request = new Request(`http://${req.headers.host ?? `127.0.0.1:${port}`}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers,
    body: hasBody ? Buffer.concat(chunks) : null,
  });
  const response = await app.fetch(request, env);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
});

server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
