export { composeNode, type NodeOptions, type SwitchboardNode } from './app/compose.js';
export { type Config, loadConfig, SETTINGS } from './app/config.js';
