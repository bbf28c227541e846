export { edgeAuth, type EdgeAuthOptions, type EdgeAuthVariables, type AuthLogEntry } from './middleware.ts';
export { headersWithoutCredentials, queryWithoutCredentials, PRINCIPAL_HEADER, SCHEME_HEADER } from '../forward.ts';
export { toSignedRequest } from '../fetch-request.ts';
export { openWorkerKeyStore, type WorkerKeyStoreOptions, type KeyStoreLogEntry } from '../../keys/open-store.ts';
