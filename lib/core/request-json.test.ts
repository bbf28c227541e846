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

  describe('issues never quote the document', () => {
    const SECRET = 'PROD-TOKEN-51d0c3aa7e';
    const NUMBER = 12345678901234568;
    it.each([
      ['a method that is a secret', { method: `${SECRET}!`, url: '/' }, 'method: must be an HTTP method'],
      ['a url that is a number', { method: 'GET', url: NUMBER }, 'url: expected a string, got a number'],
      ['a url with a secret in a bad form', { method: 'GET', url: `ftp://${SECRET}/` }, 'url: must be an absolute'],
      ['a header value that is a number', { method: 'GET', url: '/', headers: [['Authorization', NUMBER]] }, 'headers: must be'],
      ['a header value that is an object', { method: 'GET', url: '/', headers: { authorization: { v: SECRET } } }, 'headers: must be'],
      ['headers that are a string', { method: 'GET', url: '/', headers: SECRET }, 'headers: must be'],
      ['a body that is a number', { method: 'GET', url: '/', body: NUMBER }, 'body: expected a string, got a number'],
      ['a bodyBase64 that is not base64', { method: 'GET', url: '/', bodyBase64: `${SECRET}!` }, 'bodyBase64: must be base64'],
      ['a secret in an unknown field', { method: 'GET', url: '/', token: SECRET }, 'token: unknown field'],
      ['a document that is a string', SECRET, '(request): expected an object, got a string'],
    ])('%s', (_label, doc, expected) => {
      let error: unknown;
      try {
        fromRequestJson(doc);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RequestJsonError);
      const text = JSON.stringify([(error as RequestJsonError).message, (error as RequestJsonError).issues]);
      expect(text).toContain(expected);
      expect(text).not.toContain(SECRET.slice(0, 10));
      expect(text).not.toContain(String(NUMBER));
    });
  });
});
