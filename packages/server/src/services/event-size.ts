/**
 * The bound on one call event's size. Every event is written to the outbox, handed to every node through the bus
 * and decoded there, and sent to every recipient: its size multiplies. What makes an event large is client data
 * (custom objects, user details, member lists) and the session's participants embedded in its `call`.
 *
 * An event over the bound first loses embedded participants (that list is already partial in events, and
 * `participants_count_by_role` still counts everyone); if it is still over, the write that made it is refused with
 * code 4, rolled back whole, and the client learns what to send less of.
 */
import type { CallEvent } from '@switchboard/protocol';
import { type ApiError, inputError } from '../domain/errors.js';

export function eventBytes(event: CallEvent): number {
  return Buffer.byteLength(JSON.stringify(event));
}

/** `event`, or a copy with fewer embedded participants that fits `maxBytes` (0: no bound); throws when none does. */
export function fitEvent(event: CallEvent, maxBytes: number): CallEvent {
  if (maxBytes <= 0) return event;
  let bytes = eventBytes(event);
  if (bytes <= maxBytes) return event;
  let fitted = event;
  let participants = event.call.session?.participants ?? [];
  while (participants.length > 0 && bytes > maxBytes) {
    participants = participants.slice(0, Math.floor(participants.length / 2));
    const session = fitted.call.session;
    if (!session) break;
    fitted = { ...fitted, call: { ...fitted.call, session: { ...session, participants } } } as CallEvent;
    bytes = eventBytes(fitted);
  }
  if (bytes <= maxBytes) return fitted;
  throw eventTooLarge(event.type, bytes, maxBytes);
}

function eventTooLarge(type: string, bytes: number, maxBytes: number): ApiError {
  return inputError(
    `this request would publish a ${type} event of ${bytes} bytes, over the ${maxBytes}-byte limit ` +
      '(SWITCHBOARD_MAX_EVENT_BYTES): send less custom data, or fewer members at once',
  );
}
