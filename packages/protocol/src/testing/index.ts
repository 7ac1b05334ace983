/**
 * Test support every package's tests share (`@desk/protocol/testing`): protocol is the one
 * package all others depend on and it depends on none of them, so importing this makes no
 * cycle. Never imported by product code.
 */
export { seededRandom, type SeededRandom } from './seededRandom.ts';
export { holdsWithin, until } from './until.ts';
