// Types for wxlogin-miniprogram. Structural: no global mini program typings are needed, and
// `wx`, `tt`, `uni` or a test double fit `Host` as they are.

/** A session the developer server granted or confirmed. */
export interface Session {
  /** The token sent with every business request. */
  token: string;
  /** When the session ends: milliseconds since the Unix epoch (compare with `Date.now()`). */
  expiresAt: number;
}

/** What a failed `wx.*` call passes to `fail`. */
export interface WxFailResult {
  errMsg: string;
  errno?: number;
}

/** The developer server's error body, relayed with a `server` failure. */
export interface ServerErrorBody {
  error: string;
  message: string;
  retryAfter?: number;
  errcode?: number;
  rid?: string;
}

export type Step = 'readStorage' | 'checkSession' | 'wxLogin' | 'serverCheck' | 'serverLogin';

export type TransportFailure =
  | { kind: 'timeout' }
  | { kind: 'connection'; message: string }
  | { kind: 'other'; message: string };

/** Why a caller got no session, with everything the world said. */
export type LoginFailure =
  | { kind: 'wxLogin'; errMsg: string; errno: number | null; attempts: number }
  | { kind: 'timeout'; step: Step; attempts: number }
  | { kind: 'transport'; step: Step; error: TransportFailure; attempts: number }
  | { kind: 'server'; step: Step; status: number; error: ServerErrorBody | null; attempts: number }
  | { kind: 'malformedResponse'; step: Step; status: number; detail: string }
  | { kind: 'rejectedAfterRelogin' }
  | { kind: 'loggedOut' };

/** `session()` rejects with this when the world failed (`name === 'WxLoginFailure'`). */
export interface WxLoginFailure extends Error {
  name: 'WxLoginFailure';
  kind: LoginFailure['kind'];
  failure: LoginFailure;
}

/**
 * The adapter itself failed (`name === 'WxLoginError'`): the module did not load
 * (`noWebAssembly`, `badModule`), the options were refused (`badConfig`), or the module
 * trapped (`trap`, after which every call fails).
 */
export interface WxLoginError extends Error {
  name: 'WxLoginError';
  kind: string;
  detail?: unknown;
}

/** The part of `wx.request`'s options and result the adapter uses. */
export interface RequestOptions {
  url: string;
  method?: 'OPTIONS' | 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'TRACE' | 'CONNECT';
  data?: string | object | ArrayBuffer;
  header?: Record<string, string>;
  timeout?: number;
  dataType?: string;
  responseType?: 'text' | 'arraybuffer';
  [option: string]: unknown;
}

export interface RequestSuccess {
  data: unknown;
  statusCode: number;
  header: Record<string, unknown>;
  errMsg?: string;
}

/** The host APIs the adapter calls: `wx` has them all, so do `tt` and `uni`. */
export interface Host {
  login(options: {
    timeout?: number;
    success(result: { code: string; errMsg?: string }): void;
    fail(result: WxFailResult): void;
  }): void;
  checkSession(options: { success(result?: unknown): void; fail(result: WxFailResult): void }): void;
  getStorage?(options: {
    key: string;
    success(result: { data: unknown }): void;
    fail(result: WxFailResult): void;
  }): void;
  getStorageSync?(key: string): unknown;
  setStorage?(options: { key: string; data: unknown }): void;
  setStorageSync?(key: string, data: unknown): void;
  removeStorage?(options: { key: string }): void;
  removeStorageSync?(key: string): void;
  request(options: RequestOptions & {
    success(result: RequestSuccess): void;
    fail(result: WxFailResult): void;
  }): unknown;
}

/** Time and timers; defaults to `Date.now`, `setTimeout` and `clearTimeout`. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

/** What the adapter reports besides results: late answers, doubled callbacks, a dead module. */
export interface Diagnostic {
  type: 'late' | 'duplicateCallback' | 'refused' | 'unknownCommand' | 'dead';
  event?: string;
  command?: string;
  error?: Error;
}

/** The machine's configuration: every field but `baseUrl` is optional; durations in ms. */
export interface LoginConfig {
  /** The developer server, e.g. `https://api.example.com`. */
  baseUrl: string;
  /** `POST` with `{"code": …}`. Default `/login`. */
  loginPath?: string;
  /** `GET` with the token header. Default `/session`. */
  sessionPath?: string;
  /** Default `{name: 'Authorization', scheme: 'Bearer'}`; `scheme: null` sends the bare token. */
  tokenHeader?: { name: string; scheme: string | null };
  /** Default `wxlogin.session`. */
  storageKey?: string;
  timeouts?: { storageMs?: number; checkSessionMs?: number; wxLoginMs?: number; requestMs?: number };
  /** Retries of transient failures: default 500 ms doubling up to 8000 ms, 3 tries per step. */
  backoff?: { initialMs?: number; maxMs?: number; maxAttempts?: number };
  /** The seed of the backoff jitter; defaults to a random value per launch, so clients spread their retries. */
  seed?: number;
  verify?: 'confirmWithServer' | 'trustUntilExpiry' | { confirmIfOlderThanMs: number };
  codeReuse?: 'never' | 'withinCodeLife';
  codeMaxAgeMs?: number;
  reloginWindowMs?: number;
}

export interface LoginOptions extends LoginConfig {
  /** Default: the global `wx`, else `tt`, else `uni`. */
  host?: Host;
  clock?: Clock;
  /** Default `/miniprogram_npm/wxlogin-miniprogram/wxlogin.wasm.br`. */
  wasmPath?: string;
  /** Default: `WXWebAssembly`, `TTWebAssembly`, or Node's `WebAssembly` with the packaged file. */
  instantiate?(path: string, imports: {}): unknown;
  onDiagnostic?(diagnostic: Diagnostic): void;
}

export interface Login {
  /** Settles when the module is loaded; rejects with a `WxLoginError` if it cannot be. */
  readonly ready: Promise<void>;
  /** The session: from memory when valid, else one shared login flow for every caller. */
  session(): Promise<Session>;
  /** The valid session's token from memory, or `null` (loading, logged out, expired). */
  token(): string | null;
  /** Forgets the session and its record; callers still waiting fail with `loggedOut`. */
  logout(): Promise<void>;
  /**
   * `wx.request` with the token header added. On 401 the machine logs in once and the request
   * is replayed once; a 401 after the replay is returned as it is. Rejects with the host's
   * `fail` result, a `WxLoginFailure`, or a timeout if the host never calls back.
   * `success`, `fail` and `complete` in `options` are not called: use the promise.
   */
  request(options: RequestOptions): Promise<RequestSuccess>;
  /** `loading`, `dead`, or the machine's state, e.g. `idle`, `ready`, `obtainingCode`. */
  state(): string;
  /** Fails every waiter and frees the machine. */
  destroy(): Promise<void>;
}

export function createLogin(options: LoginOptions): Login;

/** Where the package's module sits after the devtools' "build npm". */
export const DEFAULT_WASM_PATH: string;
