import type { KeyRecord } from './types.ts';

/** Whether a record may sign for `scheme` at `nowSeconds`: enabled, in its validity window, right scheme. */
export function isUsable(record: KeyRecord, scheme: string, nowSeconds: number): boolean {
  if (record.disabled) return false;
  if (record.scheme !== undefined && record.scheme !== scheme) return false;
  if (record.notBefore !== undefined && nowSeconds < record.notBefore) return false;
  if (record.expiresAt !== undefined && nowSeconds >= record.expiresAt) return false;
  return record.secrets.length > 0 || (record.publicKeys?.length ?? 0) > 0;
}
