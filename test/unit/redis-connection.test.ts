import { describe, expect, it } from 'vitest';
import { isClusterUrl, parseClusterUrl, redactUrl } from '../../src/feed/redis-connection.ts';
import { keyPattern, redisKeys } from '../../src/feed/redis-schema.ts';
import { voteIdKey } from '../../src/feed/recent-votes.ts';

describe('the FEED address of a Redis Cluster', () => {
  it('reads every node, the credentials and TLS from redis+cluster:// and rediss+cluster://', () => {
    expect(parseClusterUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      tls: false,
    });
    expect(parseClusterUrl('rediss+cluster://feed:p%40ss@redis.example:6380,[::1]:7000/')).toEqual({
      nodes: [
        { host: 'redis.example', port: 6380 },
        { host: '::1', port: 7000 },
      ],
      username: 'feed',
      password: 'p@ss',
      tls: true,
    });
    expect(parseClusterUrl('redis+cluster://:secret@h:1')).toEqual({ nodes: [{ host: 'h', port: 1 }], password: 'secret', tls: false });
  });

  it('reads a user without a password, one-letter users, spaces after the commas, and ports 1 to 65535', () => {
    expect(parseClusterUrl('redis+cluster://feed@h:1')).toEqual({ nodes: [{ host: 'h', port: 1 }], username: 'feed', tls: false });
    expect(parseClusterUrl('redis+cluster://u:pw@h:65535')).toEqual({ nodes: [{ host: 'h', port: 65535 }], username: 'u', password: 'pw', tls: false });
    expect(parseClusterUrl('redis+cluster://h1:7000, h2:7001')).toEqual({
      nodes: [
        { host: 'h1', port: 7000 },
        { host: 'h2', port: 7001 },
      ],
      tls: false,
    });
  });

  it('refuses a node without a port, a port out of range, and a database number, masking the password in the message', () => {
    expect(() => parseClusterUrl('redis+cluster://:secret@h1:7000,h2')).toThrow('FEED "redis+cluster://:***@h1:7000,h2": "h2" is not host:port');
    expect(() => parseClusterUrl('redis+cluster://h:70000')).toThrow('"h:70000" is not host:port');
    expect(() => parseClusterUrl('redis+cluster://h:7000/2')).toThrow('is not a cluster URL of the form');
    expect(() => parseClusterUrl('redis+cluster://h:0')).toThrow('"h:0" is not host:port');
    expect(() => parseClusterUrl('redis+cluster://h:7000x')).toThrow('"h:7000x" is not host:port');
    // An IPv6 address needs its brackets: without them its last group would pass for the port.
    expect(() => parseClusterUrl('redis+cluster://::1:7000')).toThrow('"::1:7000" is not host:port');
    expect(() => parseClusterUrl('xredis+cluster://h:7000')).toThrow('is not a cluster URL of the form');
  });

  it('tells cluster URLs from single-server ones and masks passwords in both', () => {
    expect(isClusterUrl('redis+cluster://h:1')).toBe(true);
    expect(isClusterUrl('rediss+cluster://h:1')).toBe(true);
    expect(isClusterUrl('redis://h:1')).toBe(false);
    // The scheme decides, not a cluster URL further on.
    expect(isClusterUrl('redis://h:1/?next=redis+cluster://h:2')).toBe(false);
    expect(redactUrl('redis+cluster://user:secret@h1:1,h2:2')).toBe('redis+cluster://user:***@h1:1,h2:2');
    expect(redactUrl('redis://user:secret@h1:1')).toBe('redis://user:***@h1:1');
    // An @ left unencoded in the password does not leave its tail showing.
    expect(redactUrl('redis://user:p@ss@h1:1')).toBe('redis://user:***@h1:1');
  });

  it('masks a password that holds an unencoded / or @, in a URL the URL parser refuses and in a cluster URL', () => {
    expect(redactUrl('redis://user:pa/ss@h1:1')).toBe('redis://user:***@h1:1');
    expect(redactUrl('rediss://:pa/s@s@h1:1/0')).toBe('rediss://:***@h1:1/0');
    expect(redactUrl('redis+cluster://user:pa/ss@h1:1,h2:2')).toBe('redis+cluster://user:***@h1:1,h2:2');
    expect(redactUrl('redis+cluster://user:p@ss@h1:1')).toBe('redis+cluster://user:***@h1:1');
    // Refused as a cluster URL, and the refusal does not show the password either.
    expect(() => parseClusterUrl('redis+cluster://user:pa/ss@h1:7000')).toThrow('FEED "redis+cluster://user:***@h1:7000" is not a cluster URL');
    // Nothing to mask without credentials.
    expect(redactUrl('redis+cluster://h1:1,h2:2')).toBe('redis+cluster://h1:1,h2:2');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});

describe('the Redis key names of a feed', () => {
  it('puts every key under the prefix as one hash tag, so a cluster keeps them in one slot', () => {
    const keys = redisKeys('votewire:');
    expect([keys.counts, keys.seq, keys.events, keys.vote('u_1', 'v1'), keys.voteLimit]).toEqual([
      '{votewire:}counts',
      '{votewire:}seq',
      '{votewire:}events',
      `{votewire:}vote:${voteIdKey('u_1', 'v1')}`,
      '{votewire:}vote-limit:',
    ]);
    expect(() => redisKeys('')).toThrow('must not be empty');
  });

  it('matches exactly the keys of one prefix in SCAN, glob characters in the prefix included', () => {
    expect(keyPattern('votewire:')).toBe('{votewire:}*');
    expect(keyPattern('a*b?[c]\\:')).toBe('{a\\*b\\?\\[c\\]\\\\:}*');
  });
});
