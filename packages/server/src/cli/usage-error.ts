/** A mistake in how the CLI was invoked: printed with the usage text, exit code 2 (1 is for failed checks). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
