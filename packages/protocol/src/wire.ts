/**
 * `@switchboard/protocol/wire`: the contract without its schemas. Constants (error and close codes, event types,
 * capabilities, id patterns) and every TypeScript type, but no TypeBox value: importing the package's main entry
 * builds every request, model and settings schema at load, which is most of a browser bundle that only needs a
 * handful of constants. Browser code (the SDK's client side, `@switchboard/client`) imports this entry; the server
 * keeps importing the main one, which validates with the schemas.
 *
 * Rule for this file: runtime re-exports only from modules that import no `typebox` value (`import type` is fine);
 * everything else is `export type`. The SDK's bundle test fails when a schema leaks in.
 */
export * from './capabilities.js';
export type * from './cluster.js';
export * from './errors.js';
export * from './events.js';
export * from './ids.js';
export type * from './models.js';
export type * from './push.js';
export * from './realtime.js';
export type * from './requests.js';
export type * from './responses.js';
export type * from './settings.js';
export type * from './webhooks.js';
