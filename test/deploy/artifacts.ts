// Shared by the deploy tests: where the build output lives, the expected API routes (the same for
// serverless.yml and the SAM template), a zip reader and a CloudFormation-aware YAML loader.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The build output folder (infra/build.mjs). The one place to change if it moves (e.g. to build/). */
export const BUILD_DIR = 'build';

/**
 * The bundle of each Lambda function, relative to ROOT, and the exports its handlers name. The
 * deployed authorizer carries the configuration the build validated; authorizer-runtime reads
 * AUTH_CONFIG or AUTH_CONFIG_FILE when it runs (for deployments of one's own).
 */
export const LAMBDA_BUNDLES = {
  authorizer: { file: `${BUILD_DIR}/lambda/authorizer/index.mjs`, exports: ['handler'] },
  'authorizer-runtime': { file: `${BUILD_DIR}/lambda/authorizer-runtime/index.mjs`, exports: ['handler'] },
  api: { file: `${BUILD_DIR}/lambda/api/index.mjs`, exports: ['echo', 'items'] },
} as const;

/**
 * The key stores beside each function's bundle (Secrets Manager, the MAuth key service), imported on
 * their first lookup: every function that reads its configuration at run time has them; the deployed
 * authorizer only those the configuration it was built with names (the demo's names none).
 */
export const KEY_STORE_FILES: Record<'authorizer' | 'authorizer-runtime' | 'api', readonly string[]> = {
  authorizer: [],
  'authorizer-runtime': [
    `${BUILD_DIR}/lambda/authorizer-runtime/secrets-manager.mjs`,
    `${BUILD_DIR}/lambda/authorizer-runtime/mauth-key-service.mjs`,
  ],
  api: [`${BUILD_DIR}/lambda/api/secrets-manager.mjs`, `${BUILD_DIR}/lambda/api/mauth-key-service.mjs`],
};

/** Every route behind the authorizer: [API kind, method, path, integration handler export]. */
export const ROUTES: ReadonlyArray<readonly ['rest' | 'http', string, string, 'echo' | 'items']> = [
  ['rest', 'ANY', '/rest/{proxy+}', 'echo'],
  ['rest', 'POST', '/rest/upload', 'items'],
  ['http', 'ANY', '/http/{proxy+}', 'echo'],
];

/** The Secrets Manager resource every function may read (key stores). */
export const SECRETS_RESOURCE_SUFFIX = ':secret:edge-authorizer/*';

export interface ZipEntry {
  name: string;
  data: Buffer;
}

/** The entries of a zip archive (stored or deflated), read through its central directory. */
export function readZip(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive: no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + size);
    if (method !== 0 && method !== 8) throw new Error(`zip entry ${name}: unsupported method ${method}`);
    entries.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

interface JsYaml {
  Type: new (tag: string, options: { kind: 'scalar' | 'sequence' | 'mapping'; construct: (data: unknown) => unknown }) => unknown;
  DEFAULT_SCHEMA: { extend(types: unknown[]): unknown };
  load(text: string, options: { schema: unknown; filename?: string }): unknown;
}

// js-yaml comes with the Serverless Framework (a devDependency); no YAML parser is a direct dependency.
const yaml = createRequire(import.meta.url)('js-yaml') as JsYaml;

const TAGS = ['Ref', 'Condition', 'Base64', 'Cidr', 'FindInMap', 'GetAtt', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub'];
const CONDITIONS = ['And', 'Equals', 'If', 'Not', 'Or'];

/** CloudFormation's short-form tags (`!Ref X`, `!GetAtt A.B`, `!Sub '...'`) read as their long form. */
const CFN_SCHEMA = yaml.DEFAULT_SCHEMA.extend(
  [...TAGS, ...CONDITIONS].flatMap((name) => {
    const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
    return (['scalar', 'sequence', 'mapping'] as const).map(
      (kind) =>
        new yaml.Type(`!${name}`, {
          kind,
          construct: (data) => ({ [key]: name === 'GetAtt' && typeof data === 'string' ? data.split('.') : data }),
        }),
    );
  }),
);

/** A CloudFormation / SAM template written in YAML, as a plain object. */
export function loadCfnYaml(text: string, filename?: string): Record<string, unknown> {
  return yaml.load(text, { schema: CFN_SCHEMA, ...(filename ? { filename } : {}) }) as Record<string, unknown>;
}

export const toolEnv = {
  /** wrangler: no metrics, no Cloudflare API calls, its config inside the project. */
  wrangler: (): NodeJS.ProcessEnv => ({
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    XDG_CONFIG_HOME: join(ROOT, '.xdg'),
  }),
};
