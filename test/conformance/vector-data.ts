/** The shape of ../shared/vectors as loaded by `load-vectors.ts` (Node) and posted into workerd. */
export interface CrtContext {
  readonly credentials: { access_key_id: string; secret_access_key: string; token?: string };
  readonly expiration_in_seconds: number;
  readonly normalize: boolean;
  readonly region: string;
  readonly service: string;
  readonly sign_body: boolean;
  readonly timestamp: string;
  readonly omit_session_token?: boolean;
}

export interface CrtCase {
  readonly name: string;
  readonly context: CrtContext;
  /** file name -> text: request.txt, header-canonical-request.txt, ... */
  readonly files: Readonly<Record<string, string>>;
}

export interface Aws2015Case {
  readonly name: string;
  /** extension -> text: req, creq, sts, authz, sreq */
  readonly files: Readonly<Record<string, string>>;
}

export interface DciCase {
  readonly name: string;
  readonly kind: string;
  readonly [k: string]: unknown;
}

export interface SdkCapture {
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly region: string;
  readonly method: string;
  readonly path: string;
  readonly rawHeaders: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface VectorData {
  readonly crt: readonly CrtCase[];
  readonly aws2015: readonly Aws2015Case[];
  readonly dci: readonly DciCase[];
  readonly sdk: SdkCapture;
}
