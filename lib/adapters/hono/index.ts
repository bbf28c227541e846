export { edgeAuth, type EdgeAuthOptions, type EdgeAuthVariables, type AuthLogEntry } from './middleware.ts';
