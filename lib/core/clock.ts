/** Milliseconds since the epoch. Injected everywhere time matters so tests can pin it. */
export type Clock = () => number;

/** The real clock (`Date.now()`): the default wherever a `clock` option is left out. */
export const systemClock: Clock = () => Date.now();
