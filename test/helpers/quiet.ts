/**
 * Does nothing, on purpose: the listener for an 'error' event that a test provokes or expects (a reset
 * after the answer, a probe of a Redis that is not up yet), which Node would otherwise throw as unhandled.
 */
export function ignore(): void {
  // Having a listener is the point.
}

/** A feed logger that prints nothing: for feeds whose Redis a test takes away on purpose. */
export const quietLogger = { info: ignore, warn: ignore, error: ignore };
