// Preloaded (`node --import`) into a process that must run compiled JavaScript only: any module that would load
// tsx or a TypeScript file fails to resolve, so a start that quietly fell back to the sources fails loudly.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (/\\/node_modules\\/tsx\\/|\\.[cm]?ts$/.test(resolved.url)) throw new Error('compiled run loaded ' + resolved.url);
  return resolved;
}`)}`,
);
