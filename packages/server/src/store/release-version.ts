/**
 * Orders release versions (`MAJOR.MINOR.PATCH`, optionally `-prerelease`), as semver does for what a compatibility
 * marker needs: a prerelease comes before its release (`0.2.0-rc.1` < `0.2.0`), prereleases compare as text.
 */

const VERSION = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function isReleaseVersion(version: string): boolean {
  return VERSION.test(version);
}

/** Negative when `a` is older than `b`, 0 when equal, positive when newer; throws on a malformed version. */
export function compareVersions(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < 3; i++) {
    const diff = (pa.numbers[i] ?? 0) - (pb.numbers[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  if (pa.pre === pb.pre) return 0;
  if (pa.pre === undefined) return 1;
  if (pb.pre === undefined) return -1;
  return pa.pre < pb.pre ? -1 : 1;
}

function parse(version: string): { numbers: number[]; pre: string | undefined } {
  const match = VERSION.exec(version);
  if (!match) throw new Error(`not a release version (MAJOR.MINOR.PATCH): ${version}`);
  return { numbers: [Number(match[1]), Number(match[2]), Number(match[3])], pre: match[4] };
}
