/**
 * Just enough SDP reading to check a publisher offer against its declared tracks before werift applies it: which
 * m-sections exist, their kind, mid and direction. A full parse is werift's job; this only has to be strict.
 */
export interface MediaSection {
  kind: string;
  mid: string | undefined;
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** Port 0: the section is rejected / stopped. */
  rejected: boolean;
}

const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

export function mediaSections(sdp: string): MediaSection[] {
  const sections: MediaSection[] = [];
  let current: MediaSection | undefined;
  for (const raw of sdp.split('\n')) {
    const line = raw.trimEnd();
    if (line.startsWith('m=')) {
      const [kind = '', port = ''] = line.slice(2).split(' ');
      current = { kind, mid: undefined, direction: 'sendrecv', rejected: port === '0' };
      sections.push(current);
    } else if (current && line.startsWith('a=mid:')) {
      current.mid = line.slice('a=mid:'.length);
    } else if (current && line.startsWith('a=') && DIRECTIONS.has(line.slice(2))) {
      current.direction = line.slice(2) as MediaSection['direction'];
    }
  }
  return sections;
}

/** A section that sends media to the SFU. */
export function isSending(section: MediaSection): boolean {
  return (
    !section.rejected &&
    (section.kind === 'audio' || section.kind === 'video') &&
    (section.direction === 'sendonly' || section.direction === 'sendrecv')
  );
}
