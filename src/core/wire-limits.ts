/**
 * Upper bounds on numbers in request envelopes. They are far above any real model's limits (which the upstream
 * enforces itself) and exist so that absurd values are refused at the edge, before anything is reserved or forwarded.
 */
export const tokensMax = 100_000_000
/** Most items any list in a request envelope may have (messages, tools, input items). */
export const listItemsMax = 100_000
/** Longest model id accepted. */
export const modelIdLengthMax = 256
