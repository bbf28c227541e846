import { describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../core/request.ts';
import { splitUrl } from '../../core/request.ts';
import { createMemoryKeyStore } from '../../keys/memory.ts';
import { canonicalQuery, queryPairs } from './canonical.ts';
import type { SigV4Algorithm } from './constants.ts';
import { createSigV4Signer } from './signer.ts';
import { createSigV4Verifier } from './verifier.ts';

/*
 * Known answers from the REAL python-dciauth client, as python-requests puts them on the wire.
 *
 * Provenance: python-dciauth 4.0.1 (github.com/distributedci/python-dciauth at af94b8e0, the same
 * dciauth/ code as redhat-cip/python-dciauth 92d0cca "Fix query string generator"), python-requests
 * 2.34.2, Python 3.11.7, Flask 3.1.3 / Werkzeug 3.1.8, run locally on 2026-11-25 with the fetched
 * source on PYTHONPATH (not part of this repository). Each request was made as the python-dciauth
 * README shows (an HmacAuthBase given to requests), `requests.request(method, url, params=..., json=..., auth=auth)`
 * with `auth = HmacAuthBase(access_key, secret_key, region="BHS3", service="api")` (DCI2, the default)
 * or with `service_key="aws4_request", algorithm="AWS4-HMAC-SHA256"` (the README's AWS4 settings),
 * its clock frozen at 2026-11-24T12:00:00Z; a loopback socket on 127.0.0.1:58123 recorded the request
 * line, headers and body as received. "clientCanonicalQuery" is the client's own canonical query
 * (HmacSignature over dict(parse_qsl(query))); "serverCanonicalQuery" and "serverAccepts" come from
 * python-dciauth's server side, FlaskHmacSignature(...).add_request(flask.request).is_valid(secret),
 * run on the same bytes in a Flask test request context (what dci-control-server does).
 *
 * What they show: requests sends a space as "+" (and "+" as %2B); both sides form-decode the query
 * ("+" is a space), quote keys and values with quote(safe="_.-~") and sort the quoted pairs. The
 * one case the server refuses is its own client's: parse_qsl drops blank values that Flask keeps.
 */
const ACCESS_KEY = 'remoteci/464cc0a3-d638-4081-a69e-4c80261f3ba5';
const SECRET = 'dciauth-vector-secret-0001';
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

interface Vector {
  readonly name: string;
  readonly requestLine: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
  readonly clientCanonicalQuery: string;
  readonly serverCanonicalQuery: string;
  readonly serverAccepts: boolean;
}

const VECTORS: Vector[] = [
  {
    name: 'params-heart',
    requestLine: 'GET /api/v1/jobs?foo=I+%E2%9D%A4+bar HTTP/1.1',
    headers: [
      ['User-Agent', 'python-requests/2.34.2'],
      ['Accept-Encoding', 'gzip, deflate'],
      ['Accept', '*/*'],
      ['Connection', 'keep-alive'],
      ['host', '127.0.0.1:58123'],
      ['x-dci-date', '20261124T120000Z'],
      [
        'authorization',
        'DCI2-HMAC-SHA256 Credential=remoteci/464cc0a3-d638-4081-a69e-4c80261f3ba5/20261124/BHS3/api/dci2_request, SignedHeaders=host;x-dci-date, Signature=8614cba784172916705da4f72e591d13a970a8aee334e789d8db8c3a8cd13ba9',
      ],
    ],
    body: '',
    clientCanonicalQuery: 'foo=I%20%E2%9D%A4%20bar',
    serverCanonicalQuery: 'foo=I%20%E2%9D%A4%20bar',
    serverAccepts: true,
  },
  {
    name: 'params-heart-aws4',
    requestLine: 'GET /api/v1/jobs?foo=I+%E2%9D%A4+bar HTTP/1.1',
    headers: [
      ['User-Agent', 'python-requests/2.34.2'],
      ['Accept-Encoding', 'gzip, deflate'],
      ['Accept', '*/*'],
      ['Connection', 'keep-alive'],
      ['host', '127.0.0.1:58123'],
      ['x-amz-date', '20261124T120000Z'],
      [
        'authorization',
        'AWS4-HMAC-SHA256 Credential=remoteci/464cc0a3-d638-4081-a69e-4c80261f3ba5/20261124/BHS3/api/aws4_request, SignedHeaders=host;x-amz-date, Signature=36e45abcb6506a68beebd4fd82860f3b2edab7c28ae9e9f0fab9fe54942e3ee2',
      ],
    ],
    body: '',
    clientCanonicalQuery: 'foo=I%20%E2%9D%A4%20bar',
    serverCanonicalQuery: 'foo=I%20%E2%9D%A4%20bar',
    serverAccepts: true,
  },
  {
    name: 'space-as-plus',
    requestLine: 'GET /api/v1/jobs?q=hello+world&limit=10 HTTP/1.1',
    headers: [
      ['User-Agent', 'python-requests/2.34.2'],
      ['Accept-Encoding', 'gzip, deflate'],
      ['Accept', '*/*'],
      ['Connection', 'keep-alive'],
      ['host', '127.0.0.1:58123'],
      ['x-dci-date', '20261124T120000Z'],
      [
        'authorization',
        'DCI2-HMAC-SHA256 Credential=remoteci/464cc0a3-d638-4081-a69e-4c80261f3ba5/20261124/BHS3/api/dci2_request, SignedHeaders=host;x-dci-date, Signature=ea3acaf627778c447043d1a34be77010e3bc0b45b94479b7703782bfec2e7cf7',
      ],
    ],
    body: '',
    clientCanonicalQuery: 'limit=10&q=hello%20world',
    serverCanonicalQuery: 'limit=10&q=hello%20world',
    serverAccepts: true,
  },
  {
    name: 'literal-plus-as-%2B',
    requestLine: 'GET /api/v1/jobs?q=a%2Bb&where=1+%2B+1+%3D+2 HTTP/1.1',
    headers: [
      ['User-Agent', 'python-requests/2.34.2'],
      ['Accept-Encoding', 'gzip, deflate'],
      ['Accept', '*/*'],
      ['Connection', 'keep-alive'],
      ['host', '127.0.0.1:58123'],
      ['x-dci-date', '20261124T120000Z'],
      [
        'authorization',
        'DCI2-HMAC-SHA256 Credential=remoteci/464cc0a3-d638-4081-a69e-4c80261f3ba5/20261124/BHS3/api/dci2_request, SignedHeaders=host;x-dci-date, Signature=195a3fef75fd54f29b77c9fc0e8847e83bb8c1076842f4ead70f6dac6237323b',
      ],
    ],
    body: '',
    clientCanonicalQuery: 'q=a%2Bb&where=1%20%2B%201%20%3D%202',
    serverCanonicalQuery: 'q=a%2Bb&where=1%20%2B%201%20%3D%202',
    serverAccepts: true,
  },
  {
    name: 'space-as-%20-in-url',
    requestLine: 'GET /api/v1/jobs?q=hello%20world&sort=-created_at HTTP/1.1',
    headers: [
      ['User-Agent', 'python-requests/2.34.2'],
      ['Accept-Encoding', 'gzip, deflate'],
      ['Accept', '*/*'],
      ['Connection', 'keep-alive'],
      ['host', '127.0.0.1:58123'],
      ['x-dci-date', '20261124T120000Z'],
      [
        'authorization',
        'DCI2-HMAC-SHA256 Credential=remoteci/464cc0a3-d638-4081-a69e-4c80261f3ba5/20261124/BHS3/api/dci2_request, SignedHeaders=host;x-dci-date, Signature=b628a4f5c460b199634fbab91158da8fa279acfd1486b69a3501bf2fc692670b',
      ],
    ],
    body: '',
    clientCanonicalQuery: 'q=hello%20world&sort=-created_at',
    serverCanonicalQuery: 'q=hello%20world&sort=-created_at',
    serverAccepts: true,
  },
  {
    name: 'plus-in-url',
    requestLine: 'GET /api/v1/jobs?q=hello+world+again HTTP/1.1',
    headers: [
      ['User-Agent', 'python-requests/2.34.2'],
      ['Accept-Encoding', 'gzip, deflate'],
      ['Accept', '*/*'],
      ['Connection', 'keep-alive'],
      ['host', '127.0.0.1:58123'],
      ['x-dci-date', '20261124T120000Z'],
      [
        'authorization',
        'DCI2-HMAC-SHA256 Credential=remoteci/464cc0a3-d638-4081-a69e-4c80261f3ba5/20261124/BHS3/api/dci2_request, SignedHeaders=host;x-dci-date, Signature=73ec0ce6ddc2b57e7227ced5c2485a85053d553ee6b45382c52f05b93688d024',
      ],
    ],
    body: '',
    clientCanonicalQuery: 'q=hello%20world%20again',
    serverCanonicalQuery: 'q=hello%20world%20again',
    serverAccepts: true,
  },
  {
    name: 'query-filter-with-parens',
    requestLine:
      'GET /api/v1/jobs?query=%28%28components.type%3Docp%29+and+%28components.version%3D~4.14.30%2A%29%29&offset=1&limit=2&sort=-created_at HTTP/1.1',
    headers: [
      ['User-Agent', 'python-requests/2.34.2'],
      ['Accept-Encoding', 'gzip, deflate'],
      ['Accept', '*/*'],
      ['Connection', 'keep-alive'],
      ['host', '127.0.0.1:58123'],
      ['x-dci-date', '20261124T120000Z'],
      [
        'authorization',
        'DCI2-HMAC-SHA256 Credential=remoteci/464cc0a3-d638-4081-a69e-4c80261f3ba5/20261124/BHS3/api/dci2_request, SignedHeaders=host;x-dci-date, Signature=f93e37a761b9818d53e33d56cc0b9fdc4ee4e73a888caca0c34ac60970f7a42e',
      ],
    ],
    body: '',
    clientCanonicalQuery:
      'limit=2&offset=1&query=%28%28components.type%3Docp%29%20and%20%28components.version%3D~4.14.30%2A%29%29&sort=-created_at',
    serverCanonicalQuery:
      'limit=2&offset=1&query=%28%28components.type%3Docp%29%20and%20%28components.version%3D~4.14.30%2A%29%29&sort=-created_at',
    serverAccepts: true,
  },
  {
    name: 'non-ascii-key-and-value',
    requestLine: 'GET /api/v1/topics?n%C3%A4m%C3%A9=%C3%9Cberpr%C3%BCfung+%E2%9C%93&emoji=%F0%9F%9A%80 HTTP/1.1',
    headers: [
      ['User-Agent', 'python-requests/2.34.2'],
      ['Accept-Encoding', 'gzip, deflate'],
      ['Accept', '*/*'],
      ['Connection', 'keep-alive'],
      ['host', '127.0.0.1:58123'],
      ['x-dci-date', '20261124T120000Z'],
      [
        'authorization',
        'DCI2-HMAC-SHA256 Credential=remoteci/464cc0a3-d638-4081-a69e-4c80261f3ba5/20261124/BHS3/api/dci2_request, SignedHeaders=host;x-dci-date, Signature=7fa2a7cf2ddca5572bfed3ad280ef113178c7ea536d0fd39c116a06e489a57d9',
      ],
    ],
    body: '',
    clientCanonicalQuery: 'emoji=%F0%9F%9A%80&n%C3%A4m%C3%A9=%C3%9Cberpr%C3%BCfung%20%E2%9C%93',
    serverCanonicalQuery: 'emoji=%F0%9F%9A%80&n%C3%A4m%C3%A9=%C3%9Cberpr%C3%BCfung%20%E2%9C%93',
    serverAccepts: true,
  },
  {
    name: 'sorted-by-quoted-key',
    requestLine: 'GET /api/v1/jobs?aZ=2&a%5B=1&a+b=3 HTTP/1.1',
    headers: [
      ['User-Agent', 'python-requests/2.34.2'],
      ['Accept-Encoding', 'gzip, deflate'],
      ['Accept', '*/*'],
      ['Connection', 'keep-alive'],
      ['host', '127.0.0.1:58123'],
      ['x-dci-date', '20261124T120000Z'],
      [
        'authorization',
        'DCI2-HMAC-SHA256 Credential=remoteci/464cc0a3-d638-4081-a69e-4c80261f3ba5/20261124/BHS3/api/dci2_request, SignedHeaders=host;x-dci-date, Signature=41cd5e0ed26509ccc9932554ccbb0fe893ab8c42bed1a8f22bd7bd7f0dbbf5df',
      ],
    ],
    body: '',
    clientCanonicalQuery: 'a%20b=3&a%5B=1&aZ=2',
    serverCanonicalQuery: 'a%20b=3&a%5B=1&aZ=2',
    serverAccepts: true,
  },
  {
    name: 'post-json-with-query',
    requestLine: 'POST /api/v1/jobs?note=x+y%2Bz HTTP/1.1',
    headers: [
      ['User-Agent', 'python-requests/2.34.2'],
      ['Accept-Encoding', 'gzip, deflate'],
      ['Accept', '*/*'],
      ['Connection', 'keep-alive'],
      ['Content-Length', '26'],
      ['Content-Type', 'application/json'],
      ['host', '127.0.0.1:58123'],
      ['x-amz-date', '20261124T120000Z'],
      [
        'authorization',
        'AWS4-HMAC-SHA256 Credential=remoteci/464cc0a3-d638-4081-a69e-4c80261f3ba5/20261124/BHS3/api/aws4_request, SignedHeaders=host;x-amz-date, Signature=651d53590dc833dc4d9379a512ac552997ca24044ce4a71d53e8a1f9e850895b',
      ],
    ],
    body: '{"name": "I\'m \\u2764 bar"}',
    clientCanonicalQuery: 'note=x%20y%2Bz',
    serverCanonicalQuery: 'note=x%20y%2Bz',
    serverAccepts: true,
  },
  {
    name: 'path-with-space-and-non-ascii',
    requestLine: 'GET /api/v1/files/a%20b/%C3%BC%5E1.txt?v=1+2 HTTP/1.1',
    headers: [
      ['User-Agent', 'python-requests/2.34.2'],
      ['Accept-Encoding', 'gzip, deflate'],
      ['Accept', '*/*'],
      ['Connection', 'keep-alive'],
      ['host', '127.0.0.1:58123'],
      ['x-dci-date', '20261124T120000Z'],
      [
        'authorization',
        'DCI2-HMAC-SHA256 Credential=remoteci/464cc0a3-d638-4081-a69e-4c80261f3ba5/20261124/BHS3/api/dci2_request, SignedHeaders=host;x-dci-date, Signature=4b9be175c75699f7e8006e68b1442481d2b606ea620d5ea4f9d1907bcb1bde44',
      ],
    ],
    body: '',
    clientCanonicalQuery: 'v=1%202',
    serverCanonicalQuery: 'v=1%202',
    serverAccepts: true,
  },
  {
    name: 'empty-value',
    requestLine: 'GET /api/v1/jobs?empty=&limit=5 HTTP/1.1',
    headers: [
      ['User-Agent', 'python-requests/2.34.2'],
      ['Accept-Encoding', 'gzip, deflate'],
      ['Accept', '*/*'],
      ['Connection', 'keep-alive'],
      ['host', '127.0.0.1:58123'],
      ['x-dci-date', '20261124T120000Z'],
      [
        'authorization',
        'DCI2-HMAC-SHA256 Credential=remoteci/464cc0a3-d638-4081-a69e-4c80261f3ba5/20261124/BHS3/api/dci2_request, SignedHeaders=host;x-dci-date, Signature=58e4cd04ea09d14e2fd1fe6924a17e40c90382a5457c218a066bb235fd3f98b3',
      ],
    ],
    body: '',
    clientCanonicalQuery: 'limit=5',
    serverCanonicalQuery: 'empty=&limit=5',
    serverAccepts: false,
  },
];

function wireRequest(v: Vector): SignedRequest {
  const [method, target] = v.requestLine.split(' ') as [string, string];
  const { path, query } = splitUrl(target);
  return { method, path, query, headers: v.headers, body: new TextEncoder().encode(v.body) };
}

const algorithmOf = (v: Vector) => /^(\S+) /.exec(v.headers.find(([n]) => n.toLowerCase() === 'authorization')![1])![1] as SigV4Algorithm;

const verifier = createSigV4Verifier({
  keys: createMemoryKeyStore([{ id: ACCESS_KEY, secrets: [SECRET], principal: 'remoteci', permissions: [] }]),
  region: 'BHS3',
  service: 'api',
  algorithms: ['DCI2-HMAC-SHA256', 'AWS4-HMAC-SHA256'],
  profile: 'dciauth',
  clock: () => NOW,
});

describe('python-dciauth HmacAuthBase requests sent by python-requests (dciauth profile)', () => {
  it.each(VECTORS.map((v) => [v.name, v] as const))('%s: verified as its server verifies it', async (_name, v) => {
    const result = await verifier.verify(wireRequest(v));
    if (v.serverAccepts) expect(result).toMatchObject({ ok: true, keyId: ACCESS_KEY });
    else expect(result).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } });
  });

  it.each(VECTORS.map((v) => [v.name, v] as const))('%s: canonical query as the server builds it', (_name, v) => {
    expect(canonicalQuery(queryPairs(wireRequest(v).query, 'dciauth'), 'dciauth')).toBe(v.serverCanonicalQuery);
  });

  it.each(VECTORS.filter((v) => v.serverAccepts).map((v) => [v.name, v] as const))(
    '%s: our signer writes the same Authorization header',
    async (_name, v) => {
      const req = wireRequest(v);
      const signer = createSigV4Signer({
        keyId: ACCESS_KEY,
        secret: SECRET,
        region: 'BHS3',
        service: 'api',
        algorithm: algorithmOf(v),
        profile: 'dciauth',
        clock: () => NOW,
      });
      const unsigned = { ...req, headers: req.headers.filter(([n]) => !/^(authorization|x-dci-date|x-amz-date)$/i.test(n)) };
      const ours = (await signer.sign(unsigned)).headers.find(([n]) => n === 'Authorization')?.[1];
      expect(ours).toBe(req.headers.find(([n]) => n === 'authorization')?.[1]);
      expect(v.clientCanonicalQuery).toBe(v.serverCanonicalQuery);
    },
  );

  it('refuses the params={"foo": "I ❤ bar"} request once a "+" (a space) is replaced by %2B (a plus)', async () => {
    const req = wireRequest(VECTORS.find((v) => v.name === 'params-heart')!);
    expect(req.query).toBe('foo=I+%E2%9D%A4+bar');
    expect(await verifier.verify(req)).toMatchObject({ ok: true });
    for (const query of ['foo=I%2B%E2%9D%A4+bar', 'foo=I+%E2%9D%A4%2Bbar', 'foo=I+%E2%9D%A4+bar&x=1', 'foo=I+%E2%9D%A5+bar']) {
      expect(await verifier.verify({ ...req, query })).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } });
    }
    // A space sent as %20 is the same form-decoded value, as Flask reads it.
    expect(await verifier.verify({ ...req, query: 'foo=I%20%E2%9D%A4%20bar' })).toMatchObject({ ok: true });
  });

  it('keeps "+" a literal plus in the aws profile', async () => {
    const aws = createSigV4Verifier({
      keys: createMemoryKeyStore([{ id: ACCESS_KEY, secrets: [SECRET], principal: 'remoteci', permissions: [] }]),
      region: 'BHS3',
      service: 'api',
      algorithms: ['DCI2-HMAC-SHA256', 'AWS4-HMAC-SHA256'],
      clock: () => NOW,
    });
    const req = wireRequest(VECTORS.find((v) => v.name === 'params-heart')!);
    expect(await aws.verify(req)).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } });
    expect(canonicalQuery(queryPairs('q=a+b', 'aws'), 'aws')).toBe('q=a%2Bb');
  });
});
