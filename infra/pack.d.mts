export interface PackResult {
  readonly filename: string;
  readonly tarball: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly entryCount: number;
  readonly files: ReadonlyArray<{ path: string; size: number }>;
}
export declare function npm(args: readonly string[], cwd: string): string;
export declare function packPackage(dir: string): PackResult;
export declare function createConsumer(dir: string, options: { tarball: string; extra?: readonly string[] }): string;
