export {
  createSignedFetch,
  SignedFetchError,
  type SignedFetch,
  type SignedFetchErrorCode,
  type SignedFetchOptions,
} from './signed-fetch.ts';
export { mauthSigner } from './mauth.ts';
