// infra/sam/template.yaml, the AWS SAM equivalent of serverless.yml. No SAM validator installs here
// (cfn-lint and sam-translator are Python; npm's cfn-lint 1.x predates HttpApi, Auth and
// Architectures and rejects valid templates), so the template is parsed with CloudFormation's
// short-form tags and checked for what the translator would refuse and for what it must say:
// runtime, handlers the build produces, TTL 0 authorizers without identity sources, the routes of
// serverless.yml, the Secrets Manager policy.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLES, loadCfnYaml, ROOT, ROUTES, SECRETS_RESOURCE_SUFFIX } from './artifacts.ts';

const TEMPLATE = join(ROOT, 'infra', 'sam', 'template.yaml');

type Resource = { Type: string; Properties: Record<string, unknown> };
type Authorizer = Record<string, unknown> & { Identity?: Record<string, unknown> };

// From aws-sam-translator's Globals (Function): everything but Role, Policies, FunctionName, Events.
const FUNCTION_GLOBALS = new Set(
  (
    'Handler Runtime CodeUri DeadLetterQueue Description MemorySize Timeout VpcConfig Environment Tags PropagateTags Tracing ' +
    'KmsKeyArn AutoPublishAlias AutoPublishAliasAllProperties Layers DeploymentPreference RolePath PermissionsBoundary ' +
    'ReservedConcurrentExecutions ProvisionedConcurrencyConfig AssumeRolePolicyDocument EventInvokeConfig FileSystemConfigs ' +
    'CodeSigningConfigArn Architectures SnapStart EphemeralStorage FunctionUrlConfig RuntimeManagementConfig LoggingConfig ' +
    'RecursiveLoop SourceKMSKeyArn'
  ).split(' '),
);
const IDENTITY_SOURCES = ['Header', 'Headers', 'QueryStrings', 'StageVariables', 'Context'];

describe('infra/sam/template.yaml', () => {
  const template = loadCfnYaml(readFileSync(TEMPLATE, 'utf8'), TEMPLATE);
  const resources = template.Resources as Record<string, Resource>;
  const globals = (template.Globals as { Function: Record<string, unknown> }).Function;
  const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Serverless::Function');
  const api = (type: string) => Object.entries(resources).find(([, r]) => r.Type === type)!;
  let built: Record<string, { exports: string[] }>;

  beforeAll(async () => {
    const { build } = await import('../../infra/build.mjs');
    const metafiles = (await build(['authorizer', 'api'])) as Record<string, { outputs: Record<string, { exports: string[] }> }>;
    built = Object.assign({}, ...Object.values(metafiles).map((m) => m.outputs));
  }, 60_000);

  it('is a SAM template whose Globals hold only what SAM accepts there', () => {
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(template.Transform).toBe('AWS::Serverless-2016-10-31');
    expect(Object.keys(globals).filter((k) => !FUNCTION_GLOBALS.has(k))).toEqual([]);
    expect(Object.keys(template.Globals as object)).toEqual(['Function']);
  });

  it('runs every function on nodejs22.x', () => {
    expect(functions.length).toBe(3);
    expect(globals.Runtime).toBe('nodejs22.x');
    for (const [, f] of functions) expect(f.Properties.Runtime ?? globals.Runtime).toBe('nodejs22.x');
  });

  it('points every handler at an export of an esbuild bundle the build produces', () => {
    for (const [id, f] of functions) {
      const dir = resolve(dirname(TEMPLATE), String(f.Properties.CodeUri));
      const [file, name] = String(f.Properties.Handler).split('.');
      const bundle = relative(ROOT, join(dir, `${file}.mjs`)).replace(/\\/g, '/');
      expect(
        Object.values(LAMBDA_BUNDLES).some((b) => b.file === bundle),
        `${id}: ${bundle} is not a bundle of the build`,
      ).toBe(true);
      expect(built[bundle], `${id}: the build wrote no ${bundle}`).toBeDefined();
      expect(built[bundle]!.exports, `${id}: ${bundle} does not export ${name}`).toContain(name);
    }
  });

  it('caches no authorizer answer (TTL 0) and sets no identity source, on the REST and the HTTP API', () => {
    const [, rest] = api('AWS::Serverless::Api');
    const [, http] = api('AWS::Serverless::HttpApi');
    for (const [label, a] of [
      ['REST', rest],
      ['HTTP', http],
    ] as const) {
      const auth = a.Properties.Auth as { DefaultAuthorizer: string; Authorizers: Record<string, Authorizer> };
      const authorizers = Object.entries(auth.Authorizers);
      expect(authorizers.length, label).toBe(1);
      const [name, authorizer] = authorizers[0]!;
      expect(auth.DefaultAuthorizer, label).toBe(name);
      expect(authorizer.FunctionArn, label).toEqual({ 'Fn::GetAtt': ['AuthorizerFunction', 'Arn'] });
      expect(authorizer.Identity, label).toEqual({ ReauthorizeEvery: 0 });
      for (const source of IDENTITY_SOURCES) expect(authorizer.Identity![source], `${label} ${source}`).toBeUndefined();
    }
    // HTTP API on its $default stage, as serverless.yml deploys it: no stage in the URL or rawPath.
    expect(http.Properties.StageName).toBeUndefined();
    const restAuthorizer = Object.values((rest.Properties.Auth as { Authorizers: Record<string, Authorizer> }).Authorizers)[0]!;
    expect(restAuthorizer.FunctionPayloadType).toBe('REQUEST');
    const httpAuthorizer = Object.values((http.Properties.Auth as { Authorizers: Record<string, Authorizer> }).Authorizers)[0]!;
    expect(httpAuthorizer).toMatchObject({
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      EnableFunctionDefaultPermissions: true,
    });
  });

  it('has the routes of serverless.yml, on the echo and items functions', () => {
    const [restId] = api('AWS::Serverless::Api');
    const [httpId] = api('AWS::Serverless::HttpApi');
    const found = functions.flatMap(([id, f]) =>
      Object.values((f.Properties.Events ?? {}) as Record<string, { Type: string; Properties: Record<string, unknown> }>).map((e) => {
        const kind = e.Type === 'Api' ? 'rest' : e.Type === 'HttpApi' ? 'http' : e.Type;
        const ref = (e.Properties.RestApiId ?? e.Properties.ApiId) as { Ref: string };
        expect(ref.Ref).toBe(kind === 'rest' ? restId : httpId);
        return [kind, String(e.Properties.Method).toUpperCase(), e.Properties.Path, id.replace('Function', '').toLowerCase()];
      }),
    );
    expect(found.sort()).toEqual([...ROUTES].map((r) => [...r]).sort());
  });

  it('gives every function a role that may read edge-authorizer/* secrets in Secrets Manager', () => {
    for (const [id, f] of functions) {
      const role = f.Properties.Role as { 'Fn::GetAtt': [string, string] } | undefined;
      expect(role, id).toBeDefined();
      const policies = resources[role!['Fn::GetAtt'][0]]!.Properties.Policies as Array<{
        PolicyDocument: { Statement: Array<Record<string, unknown>> };
      }>;
      const statement = policies
        .flatMap((p) => p.PolicyDocument.Statement)
        .find((s) => (s.Action as string[]).includes('secretsmanager:GetSecretValue'));
      expect(statement, id).toMatchObject({ Effect: 'Allow' });
      expect(JSON.stringify(statement!.Resource).endsWith(`${SECRETS_RESOURCE_SUFFIX}"}`), id).toBe(true);
    }
  });

  it('reads the configuration from a file in the package, as the bundles expect', () => {
    const variables = (globals.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.AUTH_CONFIG_FILE).toEqual({ Ref: 'AuthConfigFile' });
    expect((template.Parameters as Record<string, { Default?: string }>).AuthConfigFile!.Default).toBe('auth-config.json');
  });
});
