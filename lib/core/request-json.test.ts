import { describe, expect, it } from 'vitest';
import { fromRequestJson, RequestJsonError, toRequestJson } from './request-json.ts';

describe('request.json', () => {
  it('keeps the raw path and query and adds Host from the URL', () => {
    const r = fromRequestJson({ method: 'get', url: 'https://api.example.com:8443/a/./b%2Fc?x=1&y=a+b#frag', headers: { Accept: '*/*' } });
    expect(r).toMatchObject({ method: 'GET', path: '/a/./b%2Fc', query: 'x=1&y=a+b' });
    expect(r.headers).toEqual([
      ['Host', 'api.example.com:8443'],
      ['Accept', '*/*'],
    ]);
  });
  it('keeps header pairs, duplicates and an explicit Host', () => {
    const r = fromRequestJson({
      method: 'POST',
      url: 'http://h/',
      headers: [
        ['host', 'other'],
        ['X-A', '1'],
        ['X-A', '2'],
      ],
      body: 'hé',
    });
    expect(r.headers).toEqual([
      ['host', 'other'],
      ['X-A', '1'],
      ['X-A', '2'],
    ]);
    expect(new TextDecoder().decode(r.body)).toBe('hé');
  });
  it('reads bodyBase64 and writes non-UTF-8 bodies back as base64', () => {
    const r = fromRequestJson({ method: 'PUT', url: '/bin', bodyBase64: 'AAH//g==' });
    expect([...r.body!]).toEqual([0, 1, 255, 254]);
    expect(toRequestJson(r, 'http://h')).toMatchObject({ url: 'http://h/bin', bodyBase64: 'AAH//g==' });
  });
  it.each([
    [{ url: '/' }, 'method'],
    [{ method: 'GET', url: 'ftp://x/' }, 'url'],
    [{ method: 'GET', url: '/', headers: [['bad name', 'v']] }, 'headers'],
    [{ method: 'GET', url: '/', body: 'a', bodyBase64: 'YQ==' }, 'body'],
    [{ method: 'GET', url: '/', extra: 1 }, 'extra'],
  ])('names the bad field of %j', (doc, field) => {
    try {
      fromRequestJson(doc);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(RequestJsonError);
      expect((e as RequestJsonError).message).toContain(field);
    }
  });
});
