// `serverless package` (Serverless Framework v3, offline: no AWS call) on the shipped serverless.yml
// after `npm run build`'s build(): the CloudFormation it would deploy and the zips it would upload.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigV4Signer } from '../../lib/schemes/sigv4/signer.ts';
import { restAuthorizerEvent } from '../fixtures/apigw.ts';
import { KEY_STORE_FILES, LAMBDA_BUNDLES, readZip, ROOT, ROUTES, SECRETS_RESOURCE_SUFFIX, type ZipEntry } from './artifacts.ts';

const run = promisify(execFile);
type Resource = { Type: string; Properties: Record<string, unknown> };

describe('serverless package --stage dev', () => {
  let out: string;
  let resources: Record<string, Resource>;
  let zips: Record<string, ZipEntry[]>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  /** `serverless package` into `dir`, with the shipped defaults plus `extra` in the environment. */
  async function slsPackage(dir: string, extra: Record<string, string>): Promise<void> {
    const home = join(ROOT, '.home');
    mkdirSync(home, { recursive: true });
    const { AUTH_CONFIG_FILE: _file, AUTH_CONFIG: _text, ...env } = process.env;
    await run(
      process.execPath,
      [join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js'), 'package', '--stage', 'dev', '--package', dir],
      {
        cwd: ROOT,
        timeout: 90_000,
        env: {
          ...env,
          ...extra,
          HOME: home,
          SLS_TELEMETRY_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
          SLS_DEPRECATION_DISABLE: '*',
          AWS_ACCESS_KEY_ID: 'offline',
          AWS_SECRET_ACCESS_KEY: 'offline',
        },
      },
    );
  }

  beforeAll(async () => {
    const { build } = await import('../../infra/build.mjs');
    await build(['authorizer', 'api']);
    out = mkdtempSync(join(tmpdir(), 'edge-auth-sls-'));
    // The shipped defaults: no AUTH_CONFIG_FILE or AUTH_CONFIG from the calling shell.
    await slsPackage(out, {});
    const template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as {
      Resources: Record<string, Resource>;
    };
    resources = template.Resources;
    zips = Object.fromEntries(['authorizer', 'echo', 'items'].map((f) => [f, readZip(readFileSync(join(out, `${f}.zip`)))]));
  }, 120_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('never caches an authorizer answer: TTL 0 on every authorizer, REST and HTTP API', () => {
    const authorizers = [...ofType('AWS::ApiGateway::Authorizer'), ...ofType('AWS::ApiGatewayV2::Authorizer')];
    expect(authorizers.length).toBe(2);
    for (const [, a] of authorizers) expect(a.Properties.AuthorizerResultTtlInSeconds).toBe(0);
  });

  it('sets no identity source, so presigned URLs reach the authorizer', () => {
    const [[, rest]] = ofType('AWS::ApiGateway::Authorizer') as [[string, Resource]];
    expect(rest.Properties).toMatchObject({ Type: 'REQUEST' });
    expect(rest.Properties.IdentitySource ?? '').toBe('');
    const [[, http]] = ofType('AWS::ApiGatewayV2::Authorizer') as [[string, Resource]];
    expect(http.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
    });
    expect(http.Properties.IdentitySource ?? []).toEqual([]);
    for (const a of [rest, http]) expect(JSON.stringify(a.Properties.AuthorizerUri)).toContain('AuthorizerLambdaFunction');
  });

  it('puts the REST and HTTP API routes behind the authorizer, each on its integration', () => {
    const restPath = (id: string): string => {
      const r = resources[id]!;
      const parent = r.Properties.ParentId as { Ref?: string };
      return (parent.Ref ? restPath(parent.Ref) : '') + '/' + String(r.Properties.PathPart);
    };
    const restAuthorizer = ofType('AWS::ApiGateway::Authorizer')[0]![0];
    const httpAuthorizer = ofType('AWS::ApiGatewayV2::Authorizer')[0]![0];
    const functionOf = (uri: unknown) => /"(\w+)LambdaFunction","Arn"/.exec(JSON.stringify(uri))?.[1]?.toLowerCase();
    const found = [
      ...ofType('AWS::ApiGateway::Method').map(([, m]) => {
        expect(m.Properties).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: restAuthorizer } });
        const resource = (m.Properties.ResourceId as { Ref: string }).Ref;
        return ['rest', m.Properties.HttpMethod, restPath(resource), functionOf((m.Properties.Integration as { Uri: unknown }).Uri)];
      }),
      ...ofType('AWS::ApiGatewayV2::Route').map(([, r]) => {
        expect(r.Properties).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: httpAuthorizer } });
        const [method, path] = String(r.Properties.RouteKey).split(' ');
        const integration = /"Ref":"(\w+)"/.exec(JSON.stringify(r.Properties.Target))![1]!;
        return ['http', method === 'ANY' ? 'ANY' : method, path, functionOf(resources[integration]!.Properties.IntegrationUri)];
      }),
    ];
    expect(found.sort()).toEqual([...ROUTES].map((r) => [...r]).sort());
  });

  it('runs every function on nodejs22.x with a handler that its own zip holds', async () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual(['AuthorizerLambdaFunction', 'EchoLambdaFunction', 'ItemsLambdaFunction']);
    for (const [id, f] of functions) {
      expect(f.Properties.Runtime).toBe('nodejs22.x');
      const handler = String(f.Properties.Handler);
      const file = handler.slice(0, handler.lastIndexOf('.')) + '.mjs';
      const name = handler.slice(handler.lastIndexOf('.') + 1);
      const bundle = Object.values(LAMBDA_BUNDLES).find((b) => b.file === file);
      expect(bundle, `${id}: ${handler} is not one of the build's bundles`).toBeDefined();
      expect(bundle!.exports as readonly string[]).toContain(name);
      const zip = zips[id.replace('LambdaFunction', '').toLowerCase()]!;
      expect(zip.map((e) => e.name)).toContain(file);
      const mod = (await import(pathToFileURL(join(ROOT, file)).href)) as Record<string, unknown>;
      expect(typeof mod[name], `${file} exports ${name}`).toBe('function');
    }
  });

  it('packs only the function bundle (and its key store file), and the configuration it names, byte for byte as built', () => {
    for (const [fn, entries] of Object.entries(zips)) {
      const bundle = fn === 'authorizer' ? LAMBDA_BUNDLES.authorizer.file : LAMBDA_BUNDLES.api.file;
      const store = fn === 'authorizer' ? KEY_STORE_FILES.authorizer : KEY_STORE_FILES.api;
      const config = (
        resources[`${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`]!.Properties.Environment as {
          Variables: Record<string, string>;
        }
      ).Variables.AUTH_CONFIG_FILE!;
      expect(entries.map((e) => e.name).sort()).toEqual([bundle, config, ...store].sort());
      for (const e of entries) expect(e.data.equals(readFileSync(join(ROOT, e.name))), e.name).toBe(true);
    }
  });

  it('packs an authorizer built with the configuration its zip holds: unzipped as in Lambda, it allows a signed request', async () => {
    const task = mkdtempSync(join(tmpdir(), 'edge-auth-sls-task-'));
    try {
      for (const e of zips.authorizer!) {
        mkdirSync(dirname(join(task, e.name)), { recursive: true });
        writeFileSync(join(task, e.name), e.data);
      }
      const variables = (resources.AuthorizerLambdaFunction!.Properties.Environment as { Variables: Record<string, string> }).Variables;
      const signer = createSigV4Signer({
        keyId: 'AKIDEMO00000000000001',
        secret: 'demo-only-secret-do-not-use-in-production-1',
        region: 'us-east-1',
        service: 'execute-api',
      });
      const signed = await signer.sign({
        method: 'GET',
        path: '/dev/rest/items',
        query: '',
        headers: [['Host', 'api.test']],
        body: new Uint8Array(),
      });
      const event = restAuthorizerEvent(signed, { stage: 'dev' });
      const script = `const m = await import(${JSON.stringify(pathToFileURL(join(task, LAMBDA_BUNDLES.authorizer.file)).href)});
        process.stdout.write('\\n' + JSON.stringify(await m.handler(${JSON.stringify(event)})));`;
      const { AUTH_CONFIG_FILE: _file, AUTH_CONFIG: _text, ...env } = process.env;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: tmpdir(),
        env: { ...env, LAMBDA_TASK_ROOT: task, AUTH_CONFIG_FILE: variables.AUTH_CONFIG_FILE! },
      });
      expect(JSON.parse(stdout.trim().split('\n').pop()!)).toMatchObject({ principalId: 'demo-user' });
    } finally {
      rmSync(task, { recursive: true, force: true });
    }
  });

  it('packs the configuration AUTH_CONFIG_FILE names at deploy time, not the demo one', async () => {
    const own = mkdtempSync(join(tmpdir(), 'edge-auth-sls-own-'));
    try {
      await slsPackage(own, { AUTH_CONFIG_FILE: 'infra/demo-config.json' });
      for (const f of ['authorizer', 'echo', 'items']) {
        const names = readZip(readFileSync(join(own, `${f}.zip`))).map((e) => e.name);
        expect(names).toContain('infra/demo-config.json');
        expect(names).not.toContain('infra/lambda-demo-config.json');
      }
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  }, 120_000);

  it('lets the functions read edge-authorizer/* secrets in Secrets Manager', () => {
    const [[, role]] = ofType('AWS::IAM::Role') as [[string, Resource]];
    const statements = (role.Properties.Policies as Array<{ PolicyDocument: { Statement: Array<Record<string, unknown>> } }>).flatMap(
      (p) => p.PolicyDocument.Statement,
    );
    const secrets = statements.find((s) => (s.Action as string[]).includes('secretsmanager:GetSecretValue'));
    expect(secrets).toBeDefined();
    expect(secrets!.Effect).toBe('Allow');
    expect(JSON.stringify(secrets!.Resource)).toContain(SECRETS_RESOURCE_SUFFIX.replace(':secret:', 'secret:'));
  });
});
