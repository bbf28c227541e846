export {
  createSignedFetch,
  SignedFetchError,
  type SignedFetch,
  type SignedFetchErrorCode,
  type SignedFetchOptions,
} from './signed-fetch.ts';
