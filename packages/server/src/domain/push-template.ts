/**
 * Push templates: `{{ path }}` placeholders over the event's call and caller, e.g.
 * `{{ user.display_name }} is calling you`. Pure and deliberately small: no logic, no HTML escaping (push texts
 * are plain), unknown paths render empty. `display_name` is the user's name, else their id; a call's is its
 * `custom.name` or `custom.title`, else its id.
 */
import type { Call, User } from '@switchboard/protocol';
import { cutOnCodePoint } from './unicode.js';

export interface TemplateScope {
  call: Call;
  user?: User;
}

const PLACEHOLDER = /\{\{\s*([a-zA-Z0-9_.]+)\s*\}\}/g;
/** Rendered texts are cut here: APNs refuses payloads over 4 KB and FCM data over 4 KB. */
export const MAX_RENDERED_LENGTH = 1024;
/**
 * Bidirectional formatting controls (embeddings, overrides, isolates, marks): a user's name carrying U+202E would
 * reverse the rest of the notification text on the recipient's screen, so they never reach a rendered push.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

export function renderTemplate(template: string, scope: TemplateScope): string {
  const root: Record<string, unknown> = {
    call: { ...scope.call, display_name: callDisplayName(scope.call) },
    user: scope.user ? { ...scope.user, display_name: scope.user.name || scope.user.id } : {},
  };
  const out = template.replace(PLACEHOLDER, (_match, path: string) => {
    let value: unknown = root;
    for (const part of path.split('.')) {
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    }
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  });
  return cutOnCodePoint(out.replace(BIDI_CONTROLS, ''), MAX_RENDERED_LENGTH);
}

function callDisplayName(call: Call): string {
  const custom = call.custom as Record<string, unknown>;
  for (const key of ['name', 'title'])
    if (typeof custom?.[key] === 'string' && custom[key]) return custom[key] as string;
  return call.id;
}
