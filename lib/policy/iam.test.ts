import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.ts';
import { parseApiArn, principalPolicy, singlePolicy } from './iam.ts';

const routes = loadConfig({
  schemes: { sigv4: { region: 'r', service: 's' } },
  routes: [
    { path: '/health', methods: ['GET'], public: true },
    { path: '/admin/*', permissions: ['admin'] },
    { path: '/items', methods: ['GET', 'POST'], permissions: ['items'] },
    { path: '*' },
  ],
}).routes;
const api = parseApiArn('arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/items')!;

describe('parseApiArn', () => {
  it.each([
    [
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/items/1',
      { prefix: 'arn:aws:execute-api:eu-west-1:123456789012:abc123', stage: 'prod', method: 'GET', path: 'items/1' },
    ],
    ['arn:aws:execute-api:us-east-1:123456789012:abc123/$default/POST/', { stage: '$default', method: 'POST', path: '' }],
    ['arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/dev/ANY/x', { stage: 'dev', method: 'ANY', path: 'x' }],
  ])('%s', (arn, expected) => {
    expect(parseApiArn(arn)).toMatchObject(expected);
  });
  it('refuses other ARNs', () => {
    expect(parseApiArn('arn:aws:lambda:us-east-1:123456789012:function:f')).toBeUndefined();
  });
});

describe('principalPolicy', () => {
  it('allows every route, and denies nothing, for a principal that every route admits', () => {
    const p = principalPolicy(api, routes, { id: 'root', permissions: ['items', 'admin'] })!;
    expect(p.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: [
          `${api.prefix}/prod/GET/health`,
          `${api.prefix}/prod/*/admin/*`,
          `${api.prefix}/prod/GET/items`,
          `${api.prefix}/prod/POST/items`,
          `${api.prefix}/prod/*/*`,
        ],
      },
    ]);
  });
  it('also names the call being answered, and is none when nothing at all would be allowed', () => {
    const own = `${api.prefix}/prod/HEAD/Items`;
    const p = principalPolicy(api, routes, { id: 'root', permissions: ['items', 'admin'] }, [own])!;
    expect(p.Statement[0]!.Resource.at(-1)).toBe(own);
    expect(principalPolicy(api, [], { id: 'root', permissions: [] })).toBeUndefined();
    expect(principalPolicy(api, [], { id: 'root', permissions: [] }, [own])!.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [own] },
    ]);
  });
  it('has none for a principal that some route refuses (IAM cannot deny that route as the route table reads it)', () => {
    // An Allow of "*" beside a Deny of "admin/*" would still let "Admin/users", "admin;v=1/users" or "admin" through.
    expect(principalPolicy(api, routes, { id: 'u', permissions: ['items'] })).toBeUndefined();
    expect(principalPolicy(api, routes, { id: 'nobody', permissions: [] })).toBeUndefined();
  });
  it('single policies name one ARN', () => {
    expect(singlePolicy('Deny', 'arn:x')).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: ['arn:x'] }],
    });
  });

  it('turns an Allow for a path with an IAM wildcard into a Deny (it would cover other routes)', () => {
    const star = 'arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/items/*';
    const question = 'arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/items/a?b';
    expect(singlePolicy('Allow', star).Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [star] }]);
    expect(singlePolicy('Allow', question).Statement[0]!.Effect).toBe('Deny');
    expect(singlePolicy('Allow', 'arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/items/1').Statement[0]!.Effect).toBe('Allow');
  });
});
