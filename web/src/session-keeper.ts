import { joinSession, type Session } from './api.ts';

const NAME_KEY = 'votewire.name';

/**
 * Holds who we joined as, and joins again with the same name when the server no longer knows our
 * cookie (its SESSION_SECRET is random per process unless configured, so a restart forgets everyone).
 * Concurrent renewals (a long poll and a vote both getting 401) share one request.
 */
export class SessionKeeper {
  #session: Session | undefined;
  #renewing: Promise<void> | undefined;
  renewals = 0;

  get session(): Session | undefined {
    return this.#session;
  }

  /** The name to prefill: the last one used in this browser, or a guest name. */
  static suggestedName(): string {
    const stored = localStorage.getItem(NAME_KEY);
    if (stored !== null && stored.trim().length > 0) return stored;
    return `Guest ${Math.floor(100 + Math.random() * 900)}`;
  }

  async join(name: string): Promise<Session> {
    const session = await joinSession(name);
    this.#session = session;
    localStorage.setItem(NAME_KEY, session.name);
    return session;
  }

  renew(): Promise<void> {
    this.#renewing ??= this.join(this.#session?.name ?? SessionKeeper.suggestedName())
      .then(() => {
        this.renewals += 1;
      })
      .finally(() => {
        this.#renewing = undefined;
      });
    return this.#renewing;
  }
}
