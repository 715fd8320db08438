import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>;
type Bindings = Parameters<ChildLoggerFactory>[1];
type ChildLoggerOptions = Parameters<ChildLoggerFactory>[2];
type Level = FastifyBaseLogger['level'];

/** What a pino log method takes: an object or a message first, then a message and format arguments. */
type LogArguments = [objOrMessage: unknown, message?: string, ...formatArguments: unknown[]];

/**
 * A request's logger, made when something is first logged for the request. Fastify gives every request a
 * child of the server's logger bound to its request id, and pino's child() builds the bindings' JSON and a
 * new logger object each time: a cost every poll paid, while with request logging off almost no request
 * logs anything (errors and client faults do). The first log call makes that same child, with the same
 * bindings and options, so every line logged for a request reads as it did.
 */
class DeferredRequestLogger implements FastifyBaseLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #logger(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  get level(): Level {
    return this.#child?.level ?? this.#options.level ?? this.#parent.level;
  }

  set level(level: Level) {
    this.#logger().level = level;
  }

  fatal(...args: LogArguments): void {
    this.#logger().fatal(...args);
  }

  error(...args: LogArguments): void {
    this.#logger().error(...args);
  }

  warn(...args: LogArguments): void {
    this.#logger().warn(...args);
  }

  info(...args: LogArguments): void {
    this.#logger().info(...args);
  }

  debug(...args: LogArguments): void {
    this.#logger().debug(...args);
  }

  trace(...args: LogArguments): void {
    this.#logger().trace(...args);
  }

  silent(...args: LogArguments): void {
    this.#logger().silent(...args);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger().child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: each request's logger is made on first use (see DeferredRequestLogger). */
export const deferredRequestLogger: ChildLoggerFactory = function deferredRequestLogger(logger, bindings, options) {
  return new DeferredRequestLogger(logger, bindings, options);
};
