// node:test's spec reporter, except that the closing summary counts cancelled tests as failed: a test cancelled by
// a failed hook or a timeout did not pass, and a summary reading "fail 0" must never close a run that had one.
// The line then reads `fail N (M cancelled: ...)`; the spec reporter's list of failing tests names each of them.
// A synchronous Transform like spec itself: with --test-force-exit an asynchronous one would lose the summary.
import { Transform } from 'node:stream';
import { spec } from 'node:test/reporters';

const SUMMARY = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /;

// `spec` is a factory (it constructs its own class), so it is wrapped, not extended: its formatting is called as is.
export default class CancelledAsFailed extends Transform {
  #spec = spec();
  /** The root test's summary diagnostics (they come last, `fail` before `cancelled`), held until the end. */
  #summary = [];

  constructor() {
    super({ writableObjectMode: true });
  }

  _transform(event, encoding, callback) {
    if (event.type === 'test:diagnostic' && event.data.nesting === 0 && SUMMARY.test(event.data.message)) {
      this.#summary.push(event);
      callback();
    } else {
      this.#spec._transform(event, encoding, callback);
    }
  }

  _flush(callback) {
    const count = (name) =>
      Number(this.#summary.find((e) => e.data.message.startsWith(`${name} `))?.data.message.split(' ')[1] ?? 0);
    const cancelled = count('cancelled');
    for (const event of this.#summary) {
      const message =
        cancelled > 0 && event.data.message.startsWith('fail ')
          ? `fail ${count('fail') + cancelled} (${cancelled} cancelled: a hook failed or a time limit stopped them)`
          : event.data.message;
      this.#spec._transform({ ...event, data: { ...event.data, message } }, 'utf8', (err, out) => {
        if (!err && out) this.push(out);
      });
    }
    this.#spec._flush(callback);
  }
}
