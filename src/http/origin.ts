import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { sendError } from './errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    originPolicy: OriginPolicy;
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
const ANY_ADDRESS_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/** "::1" -> "[::1]": a host as it is written in a URL. */
function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The page origins that may open the WebSocket and SSE feeds: the server's own and ALLOWED_ORIGINS.
 * The server's own is PUBLIC_ORIGIN, or `http://HOST:PORT` (`https://` with TLS) without it; when the server listens on a
 * loopback address (or on every address, 0.0.0.0), `http://localhost:PORT`, `http://127.0.0.1:PORT` and
 * `http://[::1]:PORT` are its own too, since no other server can answer there. The `Host` header plays no
 * part: a foreign site's page can be loaded under any Host name it likes (DNS rebinding).
 */
export class OriginPolicy {
  #allowed: ReadonlySet<string>;
  readonly #config: Pick<Config, 'host' | 'publicOrigin' | 'allowedOrigins'> & { tls?: boolean };

  /** `tls`: the server speaks HTTPS, so its own origins are https:// ones. */
  constructor(config: Pick<Config, 'host' | 'port' | 'publicOrigin' | 'allowedOrigins'> & { tls?: boolean }) {
    this.#config = config;
    this.#allowed = this.#originsAt(config.port);
  }

  /** The port the server really listens on (PORT=0 picks one). */
  listeningOn(port: number): void {
    this.#allowed = this.#originsAt(port);
  }

  /** True for a request without an Origin (curl, the bench, other non-browser clients) or from an allowed one. */
  allows(origin: string | undefined): boolean {
    return origin === undefined || this.#allowed.has(origin);
  }

  get origins(): readonly string[] {
    return [...this.#allowed];
  }

  /** True when the server listens on every address and nobody said which name its pages are opened by. */
  get guessesPublicOrigin(): boolean {
    return this.#config.publicOrigin === undefined && ANY_ADDRESS_HOSTS.has(this.#config.host);
  }

  #originsAt(port: number): ReadonlySet<string> {
    const { host, publicOrigin, allowedOrigins, tls } = this.#config;
    const scheme = tls === true ? 'https' : 'http';
    const own: string[] = [];
    if (publicOrigin !== undefined) own.push(publicOrigin);
    else if (!ANY_ADDRESS_HOSTS.has(host)) own.push(new URL(`${scheme}://${urlHost(host)}:${port}`).origin);
    if (LOOPBACK_HOSTS.has(host) || ANY_ADDRESS_HOSTS.has(host)) {
      for (const name of ['localhost', '127.0.0.1', '[::1]']) own.push(new URL(`${scheme}://${name}:${port}`).origin);
    }
    return new Set([...own, ...allowedOrigins]);
  }
}

/** Decorates `originPolicy` and keeps it true to the port the server listens on. */
const originPlugin: FastifyPluginAsync = async (app) => {
  const policy = new OriginPolicy(app.config);
  app.decorate('originPolicy', policy);
  app.addHook('onListen', async function learnListeningPort() {
    const address = app.server.address();
    if (address !== null && typeof address === 'object') policy.listeningOn(address.port);
    if (policy.guessesPublicOrigin) {
      app.log.warn(
        `HOST=${app.config.host} without PUBLIC_ORIGIN: WebSocket and SSE accept pages from ${policy.origins.join(', ')} only. ` +
          `Set PUBLIC_ORIGIN to the address people open the demo by (e.g. ${app.config.tls ? 'https' : 'http'}://192.168.1.20:3000).`,
      );
    }
  });
};

export default fp(originPlugin, { name: 'votewire-origin', dependencies: ['votewire-context'] });

/** A preValidation hook that answers 403 `forbidden_origin` to a browser page from a foreign site. */
export function refuseForeignOrigin(policy: OriginPolicy) {
  return async function checkOrigin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!policy.allows(request.headers.origin)) {
      await sendError(reply, 403, 'forbidden_origin', `Origin ${request.headers.origin} may not open this feed`);
    }
  };
}
