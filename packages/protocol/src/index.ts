export * from './capabilities.js';
export * from './errors.js';
export * from './events.js';
export * from './ids.js';
export * from './models.js';
export * from './requests.js';
export * from './responses.js';
export * from './settings.js';
