// The Worker's logging knob: LOG_ACCEPTED decides whether accepted requests are logged (default: not);
// rejections always are. Runs the Hono app in Node (the workerd side is covered by test/worker/).
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { SignedRequest } from '../lib/core/request.ts';
import { createSigV4Signer } from '../lib/schemes/sigv4/signer.ts';
import { createWorker, logAcceptedFrom, type Env } from './worker.ts';

const AUTH_CONFIG = readFileSync(new URL('../infra/demo-config.json', import.meta.url), 'utf8');
const demoKey = (JSON.parse(AUTH_CONFIG) as { keys: Array<{ id: string; secret: string }> }).keys[0]!;
const signer = createSigV4Signer({ keyId: demoKey.id, secret: demoKey.secret, region: 'us-east-1', service: 'execute-api' });

function draft(path: string): SignedRequest {
  return { method: 'GET', path, query: '', headers: [['host', 'api.example.com']] };
}

describe('logAcceptedFrom (LOG_ACCEPTED)', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    [' FALSE ', false],
    ['0', 0],
    ['0.0', 0],
    ['true', true],
    ['True', true],
    ['1', 1],
    ['1.0', 1],
    ['0.25', 0.25],
    ['.01', 0.01],
    [' 0.5 ', 0.5],
  ] as const)('reads %j as %j', (text, expected) => {
    expect(logAcceptedFrom(text)).toBe(expected);
  });

  it.each(['yes', 'on', '2', '1.5', '-0.1', '-0', 'NaN', 'Infinity', '1e-2', '0.5.5', '50%', '0x1', '.'])('refuses %j', (text) => {
    expect(logAcceptedFrom(text)).toBeUndefined();
  });
});

describe('the Worker logs', () => {
  let out: MockInstance<typeof console.log>;
  let err: MockInstance<typeof console.error>;
  beforeEach(() => {
    out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    out.mockRestore();
    err.mockRestore();
  });

  const entries = (spy: MockInstance<(...args: unknown[]) => void>) =>
    spy.mock.calls.map((args) => JSON.parse(String(args[0])) as { event: string; path?: string; code?: string });
  const events = (event: string) => entries(out).filter((e) => e.event === event);

  async function send(app: ReturnType<typeof createWorker>, env: Env, r: SignedRequest) {
    return app.request(`https://api.example.com${r.path}`, { headers: r.headers.map(([n, v]): [string, string] => [n, v]) }, env);
  }

  it('logs no accepted request without LOG_ACCEPTED, and every rejection', async () => {
    const app = createWorker();
    const env: Env = { AUTH_CONFIG };
    for (let i = 0; i < 3; i++) expect((await send(app, env, await signer.sign(draft(`/items/${i}`)))).status).toBe(200);
    expect((await send(app, env, draft('/items'))).status).toBe(401);
    expect(events('auth.accepted')).toEqual([]);
    expect(events('auth.rejected')).toEqual([expect.objectContaining({ code: 'ERR_AUTH_MISSING', path: '/items' })]);
    expect(err).not.toHaveBeenCalled();
  });

  it.each(['false', '0'])('logs no accepted request with LOG_ACCEPTED=%s', async (LOG_ACCEPTED) => {
    const app = createWorker();
    for (let i = 0; i < 3; i++)
      expect((await send(app, { AUTH_CONFIG, LOG_ACCEPTED }, await signer.sign(draft('/items')))).status).toBe(200);
    expect(events('auth.accepted')).toEqual([]);
  });

  it('logs every accepted request with LOG_ACCEPTED=true (no key id or signature)', async () => {
    const app = createWorker();
    const env: Env = { AUTH_CONFIG, LOG_ACCEPTED: 'true' };
    const signed = await signer.sign(draft('/items/1'));
    for (let i = 0; i < 3; i++) expect((await send(app, env, signed)).status).toBe(200);
    expect((await send(app, env, draft('/items'))).status).toBe(401);
    expect(events('auth.accepted')).toEqual(Array(3).fill({ event: 'auth.accepted', method: 'GET', path: '/items/1', scheme: 'sigv4' }));
    expect(events('auth.rejected')).toHaveLength(1);
    const text = JSON.stringify(out.mock.calls);
    expect(text).not.toContain(demoKey.id);
    expect(text).not.toContain(/Signature=(\w+)/.exec(signed.headers.find(([n]) => n === 'Authorization')![1])![1]);
  });

  it('samples accepted requests at a LOG_ACCEPTED rate, with the random source it was given', async () => {
    const draws = [0.1, 0.6, 0.39, 0.4, 0.95];
    let i = 0;
    const app = createWorker({ random: () => draws[i++ % draws.length]! });
    const env: Env = { AUTH_CONFIG, LOG_ACCEPTED: '0.4' };
    for (let n = 0; n < draws.length; n++) expect((await send(app, env, await signer.sign(draft(`/items/${n}`)))).status).toBe(200);
    expect(i).toBe(draws.length);
    expect(events('auth.accepted').map((e) => e.path)).toEqual(draws.flatMap((d, n) => (d < 0.4 ? [`/items/${n}`] : [])));
  });

  it('follows a changed LOG_ACCEPTED', async () => {
    const app = createWorker();
    const signed = await signer.sign(draft('/items'));
    await send(app, { AUTH_CONFIG, LOG_ACCEPTED: 'true' }, signed);
    await send(app, { AUTH_CONFIG }, signed);
    await send(app, { AUTH_CONFIG, LOG_ACCEPTED: '1' }, signed);
    expect(events('auth.accepted')).toHaveLength(2);
  });

  it('reports an invalid LOG_ACCEPTED once, without its value, and keeps verifying without logging accepted requests', async () => {
    const app = createWorker();
    const value = 'AKIDPASTEDBYMISTAKE-secret-value';
    const env: Env = { AUTH_CONFIG, LOG_ACCEPTED: value };
    for (let n = 0; n < 3; n++) expect((await send(app, env, await signer.sign(draft('/items')))).status).toBe(200);
    expect((await send(app, env, draft('/items'))).status).toBe(401);
    expect(events('auth.accepted')).toEqual([]);
    expect(events('auth.rejected')).toHaveLength(1);
    expect(entries(err)).toEqual([{ event: 'config.invalid', issues: [expect.stringContaining('LOG_ACCEPTED')] }]);
    expect(JSON.stringify(err.mock.calls)).not.toContain(value);
  });
});
