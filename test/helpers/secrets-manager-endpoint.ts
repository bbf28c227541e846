// A local Secrets Manager: a node:http server on 127.0.0.1 (an ephemeral port) that speaks the
// JSON 1.1 protocol the SDK uses (POST /, X-Amz-Target: secretsmanager.GetSecretValue; PutSecretValue,
// CreateSecret and ListSecrets for edge-auth keys put|check) and answers
// errors in AWS's shape (HTTP 400, {"__type", "message"}, x-amzn-errortype). Every request's SigV4
// signature is checked with our own verifier (region us-east-1, service secretsmanager, the test
// access key as an inline key) and refused with 403 when it fails, so every test that goes through
// the SDK also proves our verifier against the official signer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback } from './net.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import type { SignedRequest } from '../../lib/core/request.ts';

export const TEST_REGION = 'us-east-1';
export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIDSECRETSMANAGERTEST',
  secretAccessKey: 'test-only-secret-access-key-for-the-local-endpoint',
} as const;

/** One version of a secret: its value (string or binary) and the stages it carries. */
export interface StoredVersion {
  readonly versionId: string;
  readonly stages: string[];
  readonly string?: string;
  readonly binary?: Uint8Array;
}

/** How the endpoint misbehaves for the next requests (until changed): per fault, one answer. */
export type EndpointFault =
  | { readonly kind: 'none' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'status-500' }
  | { readonly kind: 'throttle' }
  | { readonly kind: 'malformed-json' }
  | { readonly kind: 'access-denied' }
  | { readonly kind: 'down' };

export interface CallRecord {
  readonly target: string;
  readonly secretId?: string;
  readonly stage?: string;
  readonly signatureOk: boolean;
}

export interface SecretsManagerEndpoint {
  readonly url: string;
  /** Every request that reached the server, in order (refused ones too). */
  readonly calls: CallRecord[];
  /** GetSecretValue calls (optionally of one secret and stage). */
  count(secretId?: string, stage?: string): number;
  /** Sets a secret's versions (replacing them). */
  put(name: string, versions: StoredVersion[]): void;
  /** Marks a secret for deletion: GetSecretValue answers InvalidRequestException. */
  markDeleted(name: string): void;
  remove(name: string): void;
  fault: EndpointFault;
  /** When set, the fault hits only GetSecretValue calls for this version stage. */
  faultStage: string | undefined;
  /** The most names one ListSecrets page holds (default: the request's MaxResults, else 100). */
  listPageSize: number | undefined;
  /** A secret's AWSCURRENT string, as PutSecretValue or CreateSecret left it. */
  current(name: string): string | undefined;
  close(): Promise<void>;
}

const verifierConfig = loadConfig(
  JSON.stringify({
    schemes: { sigv4: { region: TEST_REGION, service: 'secretsmanager' } },
    routes: [{ path: '*' }],
    keys: [{ id: TEST_CREDENTIALS.accessKeyId, secret: TEST_CREDENTIALS.secretAccessKey, principal: 'sdk-test' }],
  }),
);

function awsError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ __type: type, message });
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type, 'x-amzn-requestid': 'test' });
  res.end(body);
}

function toSignedRequest(req: IncomingMessage, body: Uint8Array): SignedRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers: Array<[string, string]> = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
  return { method: req.method ?? 'GET', path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1), headers, body };
}

/** Starts the endpoint on 127.0.0.1 at an ephemeral port. */
export async function startSecretsManagerEndpoint(): Promise<SecretsManagerEndpoint> {
  const auth = createAuthenticator(verifierConfig);
  const secrets = new Map<string, { versions: StoredVersion[]; deleted: boolean }>();
  const calls: CallRecord[] = [];
  const endpoint = {
    fault: { kind: 'none' } as EndpointFault,
    faultStage: undefined as string | undefined,
    listPageSize: undefined as number | undefined,
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // For tests that run a Lambda bundle in another process: how many GetSecretValue calls came so far.
    if (req.method === 'GET' && req.url === '/__calls') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ count: calls.filter((c) => c.target === 'secretsmanager.GetSecretValue').length }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = new Uint8Array(Buffer.concat(chunks));
    const target = String(req.headers['x-amz-target'] ?? '');
    const verified = await auth.authenticate(toSignedRequest(req, body));
    let input: {
      SecretId?: unknown;
      VersionStage?: unknown;
      Name?: unknown;
      SecretString?: unknown;
      Filters?: unknown;
      MaxResults?: unknown;
      NextToken?: unknown;
    } = {};
    try {
      input = JSON.parse(Buffer.from(body).toString('utf8')) as typeof input;
    } catch {
      /* answered below */
    }
    // CreateSecret names its secret in Name, the other operations in SecretId.
    const secretId = typeof input.SecretId === 'string' ? input.SecretId : typeof input.Name === 'string' ? input.Name : undefined;
    const stage = typeof input.VersionStage === 'string' ? input.VersionStage : 'AWSCURRENT';
    calls.push({ target, ...(secretId !== undefined ? { secretId, stage } : {}), signatureOk: verified.ok });
    if (!verified.ok)
      return awsError(
        res,
        403,
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided.',
      );

    const fault: EndpointFault = endpoint.faultStage === undefined || endpoint.faultStage === stage ? endpoint.fault : { kind: 'none' };
    if (fault.kind === 'down') {
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault.kind === 'status-500') return awsError(res, 500, 'InternalServiceError', 'An error occurred on the server side.');
    if (fault.kind === 'throttle') return awsError(res, 400, 'ThrottlingException', 'Rate exceeded');
    if (fault.kind === 'access-denied')
      return awsError(
        res,
        400,
        'AccessDeniedException',
        `User is not authorized to perform secretsmanager:GetSecretValue on ${secretId ?? ''}`,
      );
    if (fault.kind === 'malformed-json') {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      return void res.end('{"ARN": "arn:aws:secretsmanager:us-east-1:1:secret:x", "SecretString": ');
    }

    // Writes (edge-auth keys put): PutSecretValue adds an AWSCURRENT version to a secret that exists (the
    // previous current one becomes AWSPREVIOUS); CreateSecret makes a secret that does not.
    if (target === 'secretsmanager.PutSecretValue' || target === 'secretsmanager.CreateSecret') {
      const create = target === 'secretsmanager.CreateSecret';
      if (secretId === undefined)
        return awsError(res, 400, 'InvalidParameterException', create ? 'Name is required' : 'SecretId is required');
      if (typeof input.SecretString !== 'string') return awsError(res, 400, 'InvalidParameterException', 'SecretString is required');
      const existing = secrets.get(secretId);
      if (create && existing)
        return awsError(res, 400, 'ResourceExistsException', `The operation failed because the secret ${secretId} already exists.`);
      if (!create && !existing) return awsError(res, 400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      if (existing?.deleted)
        return awsError(
          res,
          400,
          'InvalidRequestException',
          `You can't perform this operation on the secret ${secretId} because it was marked for deletion.`,
        );
      const versionId = `v${calls.length}`;
      const older = (existing?.versions ?? []).map((v) => ({
        ...v,
        stages: v.stages.includes('AWSCURRENT') ? ['AWSPREVIOUS'] : v.stages.filter((st) => st !== 'AWSPREVIOUS'),
      }));
      secrets.set(secretId, { versions: [{ versionId, stages: ['AWSCURRENT'], string: input.SecretString }, ...older], deleted: false });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      return void res.end(
        JSON.stringify({
          ARN: `arn:aws:secretsmanager:${TEST_REGION}:123456789012:secret:${secretId}-AbCdEf`,
          Name: secretId,
          VersionId: versionId,
          ...(create ? {} : { VersionStages: ['AWSCURRENT'] }),
        }),
      );
    }
    // ListSecrets with a "name" filter (prefixes), paged by NextToken (an offset here).
    if (target === 'secretsmanager.ListSecrets') {
      const filters = Array.isArray(input.Filters) ? (input.Filters as Array<{ Key?: unknown; Values?: unknown }>) : [];
      const prefixes = filters.flatMap((f) =>
        f?.Key === 'name' && Array.isArray(f.Values) ? f.Values.filter((v) => typeof v === 'string') : [],
      );
      const names = [...secrets.keys()]
        .filter((n) => !secrets.get(n)!.deleted && (prefixes.length === 0 || prefixes.some((p) => n.startsWith(p))))
        .sort();
      const size = endpoint.listPageSize ?? (typeof input.MaxResults === 'number' ? input.MaxResults : 100);
      const start = typeof input.NextToken === 'string' ? Number(input.NextToken) : 0;
      const page = names.slice(start, start + size);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      return void res.end(
        JSON.stringify({
          SecretList: page.map((n) => ({ ARN: `arn:aws:secretsmanager:${TEST_REGION}:123456789012:secret:${n}-AbCdEf`, Name: n })),
          ...(start + size < names.length ? { NextToken: String(start + size) } : {}),
        }),
      );
    }
    if (target !== 'secretsmanager.GetSecretValue') return awsError(res, 400, 'UnknownOperationException', 'unknown operation');
    if (secretId === undefined) return awsError(res, 400, 'InvalidParameterException', 'SecretId is required');
    const secret = secrets.get(secretId);
    if (!secret) return awsError(res, 400, 'ResourceNotFoundException', `Secrets Manager can't find the specified secret ${secretId}.`);
    if (secret.deleted)
      return awsError(
        res,
        400,
        'InvalidRequestException',
        `You can't perform this operation on the secret ${secretId} because it was marked for deletion.`,
      );
    const version = secret.versions.find((v) => v.stages.includes(stage));
    if (!version)
      return awsError(
        res,
        400,
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
      );
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(
      JSON.stringify({
        ARN: `arn:aws:secretsmanager:${TEST_REGION}:123456789012:secret:${secretId}-AbCdEf`,
        Name: secretId,
        VersionId: version.versionId,
        VersionStages: version.stages,
        CreatedDate: 1_700_000_000,
        ...(version.string !== undefined ? { SecretString: version.string } : {}),
        ...(version.binary !== undefined ? { SecretBinary: Buffer.from(version.binary).toString('base64') } : {}),
      }),
    );
  };

  const server = await listenOnLoopback(handle, (res) => awsError(res, 500, 'InternalServiceError', 'test endpoint failed'));

  return Object.assign(endpoint, {
    url: server.url,
    calls,
    count(id?: string, stage?: string) {
      return calls.filter(
        (c) =>
          c.target === 'secretsmanager.GetSecretValue' &&
          (id === undefined || c.secretId === id) &&
          (stage === undefined || c.stage === stage),
      ).length;
    },
    put(name: string, versions: StoredVersion[]) {
      secrets.set(name, { versions, deleted: false });
    },
    current(name: string) {
      return secrets.get(name)?.versions.find((v) => v.stages.includes('AWSCURRENT'))?.string;
    },
    markDeleted(name: string) {
      const s = secrets.get(name);
      if (s) s.deleted = true;
    },
    remove(name: string) {
      secrets.delete(name);
    },
    close: () => server.close(),
  });
}
