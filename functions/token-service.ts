/**
 * The token service Worker that wrangler.token-service.toml deploys: lib/token-service/worker.ts with
 * no permission functions or hooks in code (services come from TOKEN_SERVICE_CONFIG). A Worker of
 * your own can pass them: `export default createTokenServiceWorker({ permissionFunctions, hooks })`.
 */
import { createTokenServiceWorker } from '../lib/token-service/worker.ts';

export type { TokenServiceEnv } from '../lib/token-service/worker.ts';

export default createTokenServiceWorker();
