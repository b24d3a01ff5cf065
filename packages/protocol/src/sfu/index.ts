/**
 * `@switchboard/protocol/sfu`: the SFU signaling protocol on its own, so a browser client imports it without the
 * REST schemas of the package's main entry.
 */
export * from './messages.js';
export * from './validate.js';
