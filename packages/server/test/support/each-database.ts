/**
 * `eachDatabase('calls', (t) => { it(...) })` declares the same suite once per dialect, each with its own started
 * node (fresh database), so SQLite and PostgreSQL pass exactly the same tests.
 */
import { after, before, describe } from 'node:test';
import { testDialects } from './databases.js';
import { startTestNode, type TestNode, type TestNodeOptions } from './test-node.js';

const dialects = await testDialects();

export function eachDatabase(
  name: string,
  body: (node: () => TestNode) => void,
  options: Pick<TestNodeOptions, 'config' | 'resolve'> = {},
): void {
  for (const dialect of dialects) {
    describe(`${name} [${dialect}]`, () => {
      let current: TestNode | undefined;
      before(async () => {
        current = await startTestNode(dialect, options);
      });
      after(async () => {
        await current?.stop();
      });
      body(() => {
        if (!current) throw new Error('test node not started');
        return current;
      });
    });
  }
}
