// TEMPORARY (issue 7): the 'edge-authorizer/fetch' entry does not exist yet; this declares the
// signature the examples are written against, createSignedFetch(signer, { fetch? }). Remove it
// when the package build ships the real entry.
import type { Signer } from '../../lib/core/verifier.ts';

export interface SignedFetchOptions {
  /** The fetch that sends the signed request (default: the global fetch). */
  readonly fetch?: typeof fetch;
}

export declare function createSignedFetch(signer: Signer, options?: SignedFetchOptions): typeof fetch;
