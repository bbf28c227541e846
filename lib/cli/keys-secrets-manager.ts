// Secrets Manager for `edge-auth keys put|check`: the few calls they make, over the AWS SDK v3 client
// (@aws-sdk/client-secrets-manager, imported only when a command names this store). Values travel in
// request bodies only; failures are reported by the SDK error's name, never its message (which can
// quote a secret's name or more).

/** What the keys commands need of Secrets Manager (the SDK's, or a stand-in a test or embedder injects). */
export interface SecretsManagerOps {
  /** A secret's current value as text, or `undefined` when there is no such secret. */
  get(name: string): Promise<string | undefined>;
  /** Writes a new current version of a secret (PutSecretValue), creating the secret when there is none (CreateSecret). */
  put(name: string, value: string): Promise<'created' | 'updated'>;
  /** The names of the secrets whose names start with `prefix`. */
  list(prefix: string): Promise<string[]>;
}

/** Where `--to secrets-manager` / `--from secrets-manager` point: one secret per key (prefix) or one bundle. */
export interface SecretsManagerTarget {
  readonly prefix?: string | undefined;
  readonly bundle?: string | undefined;
  readonly region?: string | undefined;
  readonly endpoint?: string | undefined;
}

/** A Secrets Manager call that failed: the operation and the SDK error's name only. */
export class SecretsManagerCallError extends Error {
  readonly operation: string;
  readonly errorName: string;
  constructor(operation: string, cause: unknown) {
    const name = (cause as { name?: unknown } | null)?.name;
    const message = (cause as { message?: unknown } | null)?.message;
    // The SDK's "Region is missing" has no name of its own; it is the one message read, and only compared.
    const errorName =
      message === 'Region is missing' ? 'RegionMissing' : typeof name === 'string' && /^\w{1,64}$/.test(name) ? name : 'Error';
    super(`Secrets Manager ${operation} failed (${errorName})`);
    this.name = 'SecretsManagerCallError';
    this.operation = operation;
    this.errorName = errorName;
  }
}

const nameOf = (e: unknown) => (e as { name?: unknown } | null)?.name;

/**
 * Secrets Manager through the AWS SDK v3 (credentials and, without `region`, the region from the SDK's
 * usual chain: environment, shared config, instance role).
 *
 * @throws Error with code `ERR_SDK_MISSING` when @aws-sdk/client-secrets-manager is not installed.
 * @example
 * const sm = await openSecretsManager({ region: 'us-east-1' });
 * await sm.put('edge-auth/keys/AKID1', JSON.stringify(record));
 */
export async function openSecretsManager(target: SecretsManagerTarget): Promise<SecretsManagerOps> {
  let sdk: typeof import('@aws-sdk/client-secrets-manager');
  // The SDK warns on stderr that its 2027 releases will need Node 22; edge-auth's stderr carries its one
  // error line and nothing else (set the variable to "false" to see the warning).
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  try {
    sdk = await import('@aws-sdk/client-secrets-manager');
  } catch {
    throw Object.assign(new Error('@aws-sdk/client-secrets-manager is not installed'), { code: 'ERR_SDK_MISSING' });
  }
  const client = new sdk.SecretsManagerClient({
    ...(target.region ? { region: target.region } : {}),
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    maxAttempts: 3,
  });
  return {
    async get(name) {
      try {
        const r = await client.send(new sdk.GetSecretValueCommand({ SecretId: name }));
        if (typeof r.SecretString === 'string') return r.SecretString;
        if (r.SecretBinary) return new TextDecoder('utf-8', { fatal: true }).decode(r.SecretBinary);
        return '';
      } catch (e) {
        if (nameOf(e) === 'ResourceNotFoundException') return undefined;
        throw new SecretsManagerCallError('GetSecretValue', e);
      }
    },
    async put(name, value) {
      try {
        await client.send(new sdk.PutSecretValueCommand({ SecretId: name, SecretString: value }));
        return 'updated';
      } catch (e) {
        if (nameOf(e) !== 'ResourceNotFoundException') throw new SecretsManagerCallError('PutSecretValue', e);
      }
      try {
        await client.send(new sdk.CreateSecretCommand({ Name: name, SecretString: value, Description: 'edge-authorizer key record' }));
        return 'created';
      } catch (e) {
        throw new SecretsManagerCallError('CreateSecret', e);
      }
    },
    async list(prefix) {
      const names: string[] = [];
      let token: string | undefined;
      do {
        let page;
        try {
          page = await client.send(
            new sdk.ListSecretsCommand({
              Filters: [{ Key: 'name', Values: [prefix] }],
              MaxResults: 100,
              ...(token ? { NextToken: token } : {}),
            }),
          );
        } catch (e) {
          throw new SecretsManagerCallError('ListSecrets', e);
        }
        // The name filter matches prefixes of words too; keep exact prefixes only.
        for (const s of page.SecretList ?? []) if (typeof s.Name === 'string' && s.Name.startsWith(prefix)) names.push(s.Name);
        token = page.NextToken;
      } while (token);
      return names.sort();
    },
  };
}
