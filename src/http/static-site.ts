import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import { HASHED_FILE } from './hashed-files.ts';

/** A hashed bundle never changes under its name: a browser may keep it for a year without asking again. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (index.html): kept, but asked about each time (a 304 on an unchanged ETag). */
export const REVALIDATE = 'no-cache';

/**
 * The demo's files, with the security headers a page needs. Not wrapped in fastify-plugin on purpose:
 * helmet's hooks then stay in this plugin's own context and reach only these files, never the /api
 * routes, whose every byte the bench counts (a poll's answer must not grow by a kilobyte of headers).
 */
export default async function staticSite(app: FastifyInstance, options: { root: string }): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        // Only the page's own files: no inline script or style, nothing from another origin. `connect-src
        // 'self'` covers the page's own WebSocket too (ws: and wss: to the same host, as CSP Level 3 says).
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // The empty icon in index.html is a `data:` URL (so no /favicon.ico request).
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // No `upgrade-insecure-requests`: the demo is also opened over plain http on a LAN address
        // (docs/demo.md), where upgrading its requests to https would break every one of them.
      },
    },
    // Plain-http LAN use again: a year of HSTS on a host is the deployment's decision (its TLS proxy), not the demo's.
    strictTransportSecurity: false,
    // Stryker disable next-line ObjectLiteral: no-referrer is also helmet's default policy; it is spelled out so the page's policy reads here
    referrerPolicy: { policy: 'no-referrer' },
    // X-Frame-Options for browsers that predate frame-ancestors.
    frameguard: { action: 'deny' },
  });
  await app.register(fastifyStatic, {
    root: options.root,
    // Stryker disable next-line StringLiteral: @fastify/static turns an empty prefix into '/' (it appends the trailing slash)
    prefix: '/',
    index: ['index.html'],
    // web/build.ts writes a .br and a .gz beside every text file: the best the browser accepts is sent as it is.
    preCompressed: true,
    // Stryker disable next-line BooleanLiteral: setHeaders below sets cache-control on every file answer (a 304 too), over the one send would make
    cacheControl: false,
    setHeaders(reply, path) {
      reply.header('cache-control', HASHED_FILE.test(basename(path)) ? IMMUTABLE : REVALIDATE);
    },
  });
}
