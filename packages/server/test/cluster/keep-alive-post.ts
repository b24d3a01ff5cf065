/** Raw POSTs over a caller's `http.Agent` (keep-alive sockets), for the drain tests. */
import { type Agent, request } from 'node:http';

export interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

/**
 * One POST on `agent`: `sent` resolves once the whole request was handed to the socket, `answer` rejects when the
 * socket is reset or closed before a whole answer arrived.
 */
export function post(
  agent: Agent,
  url: URL,
  token: string,
  body: unknown,
): { sent: Promise<void>; answer: Promise<Answer> } {
  let sent!: Promise<void>;
  const answer = new Promise<Answer>((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: token,
          'stream-auth-type': 'jwt',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    sent = new Promise((done) => req.end(payload, done));
  });
  return { sent, answer };
}
