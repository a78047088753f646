/**
 * When and how long to wait before trying a registry request again, and the one retry loop every
 * request, upload and login goes through. Pure, except the injected sleep.
 */

export interface RetryPolicy {
  /** tries in all, the first included */
  readonly attempts: number
  readonly baseMs: number
  readonly capMs: number
  readonly sleep: (ms: number) => Promise<void>
  /** 0 ≤ r < 1, for jitter */
  readonly random: () => number
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  baseMs: 250,
  capMs: 8000,
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
  random: Math.random
}

/** The longest wait a `Retry-After` gets: a registry asking for more is not waited for that long. */
export const MAX_RETRY_AFTER_MS = 20_000

/** Waiting a registry may cost one step in all: past it, nothing to that registry is tried again. */
export const DEFAULT_BUDGET_MS = 60_000

/**
 * The waits left for one registry in this step. Every retry of every request to it draws from
 * the same budget, so a registry that refuses everything fails the step in bounded time,
 * whatever it asks for.
 */
export class RetryBudget {
  private spent = 0
  constructor(readonly ms: number = DEFAULT_BUDGET_MS) {}

  /** Takes `wait` from the budget; false (nothing taken) when it does not fit. */
  spend(wait: number): boolean {
    if (this.spent + wait > this.ms) {
      this.spent = this.ms
      return false
    }
    this.spent += wait
    return true
  }

  get exhausted(): boolean {
    return this.spent >= this.ms
  }
}

/** 429 and the 5xx answers that say "try again". */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED'
])

/** A connection-level failure worth another try (fetch wraps the cause). */
export function isRetryableError(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    const code = (cur as {code?: unknown}).code
    if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true
    if (cur instanceof Error && /socket hang up|other side closed|terminated/i.test(cur.message)) return true
    cur = (cur as {cause?: unknown}).cause
  }
  return false
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const seconds = Number(header.trim())
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * The wait before try `attempt + 1` (attempt counts from 1): the server's
 * Retry-After when it gives one (capped at MAX_RETRY_AFTER_MS), else capped
 * exponential backoff with full jitter.
 */
export function retryDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'capMs' | 'random'>,
  retryAfter: string | null,
  now: number
): number {
  const asked = retryAfterMs(retryAfter, now)
  if (asked !== undefined) return Math.min(asked, MAX_RETRY_AFTER_MS)
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1))
  return Math.floor(policy.random() * ceiling)
}

/** What makes an attempt worth repeating. */
export interface RetryRules<T> {
  /** a result to try again (its Retry-After, and how to let go of it first); undefined: keep it */
  readonly result?: (r: T) => {readonly retryAfter: string | null; readonly discard: () => Promise<void>} | undefined
  /** an error to try again after */
  readonly error?: (e: unknown, attempt: number) => boolean
  /** the Retry-After an error carries (the answer it was made from asked for a wait) */
  readonly retryAfter?: (e: unknown) => string | null
}

/**
 * Runs `op` until it gives a result the rules keep, the policy's attempts are used up, or the
 * budget has no room for the next wait: then the last result is returned (or its error thrown).
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  budget: RetryBudget,
  rules: RetryRules<T>,
  op: (attempt: number) => Promise<T>
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let wait: number
    try {
      const r = await op(attempt)
      const again = rules.result?.(r)
      if (again === undefined) return r
      wait = retryDelay(attempt, policy, again.retryAfter, Date.now())
      if (attempt >= policy.attempts || !budget.spend(wait)) return r
      await again.discard()
    } catch (e) {
      if (rules.error?.(e, attempt) !== true) throw e
      wait = retryDelay(attempt, policy, rules.retryAfter?.(e) ?? null, Date.now())
      if (attempt >= policy.attempts || !budget.spend(wait)) throw e
    }
    await policy.sleep(wait)
  }
}
