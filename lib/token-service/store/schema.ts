// The token service's tables as kysely sees them. The same types serve PostgreSQL and SQLite/D1, so
// every column uses a representation both agree on: timestamps are ISO-8601 UTC text
// (`Date.prototype.toISOString()`, fixed width, so text order is time order), booleans are integers 0/1,
// and counts are plain integers. The one bigint column, `rate_counters.window_start`, is only written and
// compared, never read back (`pg` answers bigint as a string).

/** A stored user (see `User` in ../types.ts for the meaning of each field). */
export interface UsersTable {
  /** md5 hex of the email. */
  id: string;
  provider_id: string;
  /** As shown; lower-cased when the store writes it. */
  username: string;
  /** `username.toLowerCase()`, computed in JS so both dialects agree (SQLite's lower() is ASCII-only); unique. */
  username_lower: string;
  name: string | null;
  email: string;
  avatar_url: string | null;
  /** ISO-8601 UTC text. */
  join_date: string;
  /** 0 or 1. */
  username_chosen: number;
}

/** A login attempt's one-time state (OAuth `state` and the PKCE verifier). */
export interface LoginStatesTable {
  id: string;
  provider: string;
  code_verifier: string;
  /** ISO-8601 UTC text. */
  expires_at: string;
}

/** Fixed-window rate counters; primary key (key, window_start). */
export interface RateCountersTable {
  key: string;
  /** The window's start, in whole seconds since the epoch. */
  window_start: number;
  count: number;
}

/** The kysely database type of the token service's store. */
export interface Database {
  users: UsersTable;
  login_states: LoginStatesTable;
  rate_counters: RateCountersTable;
}
