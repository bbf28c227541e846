import { describe, expect, it } from 'vitest';
import { isHttpsOrLoopbackHttp, isLoopbackHost } from './loopback.ts';

describe('which key-source URLs need no insecureHttp', () => {
  it.each([
    // https anywhere; http to this machine, however the URL parser is asked to spell it.
    ['https://mauth.example.com', true],
    ['https://10.0.0.5:7000/base', true],
    ['http://127.0.0.1:8080', true],
    ['http://127.255.0.9', true],
    ['http://localhost:1', true],
    ['HTTP://LOCALHOST', true],
    ['http://[::1]:8080', true],
    ['http://[0:0:0:0:0:0:0:1]', true],
    ['http://0x7f.1', true], // the URL parser reads it as 127.0.0.1
    ['http://2130706433', true], // 127.0.0.1 as one number
    ['http://evil.example@127.0.0.1', true], // user info: the host is 127.0.0.1
    // Anything else over plain http, and what cannot be read at all.
    ['http://mauth.example.com', false],
    ['http://10.0.0.5:7000', false],
    ['http://127.0.0.1.evil.example', false],
    ['http://localhost.evil.example', false],
    ['http://localhost.', false],
    ['http://127.0.0.1@evil.example', false],
    ['http://[::ffff:127.0.0.1]', false],
    ['http://0.0.0.0', false],
    ['ftp://127.0.0.1', false],
    ['http://x.example:99999', false],
    ['not a url', false],
    ['', false],
  ])('%s -> %s', (url, ok) => {
    expect(isHttpsOrLoopbackHttp(url)).toBe(ok);
  });

  it('knows loopback host names as the URL parser gives them', () => {
    for (const host of ['localhost', '[::1]', '127.0.0.1', '127.1.2.3']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['127.0.0.1.example', 'localhost.', '[::ffff:7f00:1]', '0.0.0.0', '128.0.0.1', ''])
      expect(isLoopbackHost(host)).toBe(false);
  });
});
