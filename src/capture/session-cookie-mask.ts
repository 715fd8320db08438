import { SESSION_COOKIE } from '../http/session.ts';

/**
 * The `sid` value in a Cookie or Set-Cookie header replaced by as many `*` as it had characters: the
 * capture shows that the cookie crossed and how big it was, never the value (it is the session itself).
 * Only header lines are touched, so sizes stay what they were on the wire.
 */
const SID_IN_HEADER = new RegExp(`^((?:cookie|set-cookie):(?:[^\\r\\n]*?[;,])?\\s*${SESSION_COOKIE}=)([^;,\\r\\n]*)`, 'gim');

export function maskSessionCookie(head: string): string {
  return head.replace(SID_IN_HEADER, (_match, before: string, value: string) => before + '*'.repeat(value.length));
}
