export * from './types.ts';
export * from './feed.ts';
export { MemoryFeed, type MemoryFeedOptions } from './memory-feed.ts';
export { DEFAULT_CANDIDATES, validateCandidates } from './ballot.ts';
