export declare const root: string;
export declare const SOURCE_CONDITION: string;
export declare const DEMO_LAMBDA_CONFIG: string;
/** The file beside a Lambda function's bundle that holds its Secrets Manager key store, imported on the first lookup. */
export declare const KEY_STORE_FILE: string;
/** Every key store file a Lambda function's bundle may import on first use (`secrets-manager.mjs`, `mauth-key-service.mjs`). */
export declare const KEY_STORE_FILES: readonly string[];
export declare const ENTRIES: ReadonlyArray<{ name: string; entry: string; outfile: string }>;
export interface BuildOptions {
  /** The configuration the authorizer is built with, relative to the project (default: AUTH_CONFIG_FILE, else the demo's). */
  readonly authConfigFile?: string;
  /** Where the `build/` outputs go instead (tests). */
  readonly outDir?: string;
}
export declare function prevalidatedConfig(file: string): Promise<{ file: string; config: unknown; sha256: string }>;
export declare function build(names?: readonly string[], options?: BuildOptions): Promise<Record<string, unknown>>;
