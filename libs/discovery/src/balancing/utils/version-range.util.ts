import { Range, valid } from 'semver';
import { InvalidVersionRoutingError } from '../errors/invalid-version-routing.error';

/**
 * One share of a version split: instances whose version satisfies `version` (a semver range)
 * get `weight` parts of the traffic.
 *
 * @publicApi
 */
export interface VersionSplitEntry {
  /** Semver range, e.g. `2.0.x`, `^2.1.0`, `>=2.1.0 <2.2.0`. */
  readonly version: string;
  /** Relative share: finite, >= 0 (0 = no split traffic, reachable by a pin only). */
  readonly weight: number;
}

/**
 * Version routing of one client: a range filter and/or a weighted split by range.
 *
 * @publicApi
 */
export interface VersionRoutingOptions {
  /** Only instances whose version satisfies this semver range are candidates. */
  readonly version?: string;
  /** Traffic split by version range, in order: an instance matching two ranges belongs to the first. */
  readonly versionSplit?: readonly VersionSplitEntry[];
}

/**
 * NOTE: prereleases count as their version (`2.1.0-canary.1` is in `2.1.x`): a canary is often
 * published as a prerelease, and npm's default (prereleases only match ranges naming one)
 * would leave it out of every split.
 */
const RANGE_OPTIONS = Object.freeze({ includePrerelease: true });

/** The parsed range, or `undefined` when `range` is not a semver range (a blank string is not one). */
export function parseVersionRange(range: unknown): Range | undefined {
  if (typeof range !== 'string' || range.trim() === '') return undefined;
  try {
    return new Range(range, RANGE_OPTIONS);
  } catch {
    return undefined;
  }
}

/** True when `version` is a valid semver version inside `range`; a missing or invalid version never is. */
export function isVersionInRange(version: string | undefined, range: Range): boolean {
  return typeof version === 'string' && valid(version) !== null && range.test(version);
}

/**
 * The range pinned for `service` in a pin header (`orders@2.1.x, inventory@^3`), or
 * `undefined`. Entries are comma-separated `<service>@<range>`; entries for other services
 * and malformed entries are ignored here (they may be meant for another hop). Allocates only
 * the returned range.
 */
export function findVersionPin(header: string | undefined, service: string): string | undefined {
  if (header === undefined || header === '') return undefined;
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(',', start);
    if (end < 0) end = header.length;
    const at = header.indexOf('@', start);
    if (at > start && at < end && header.slice(start, at).trim() === service) return header.slice(at + 1, end).trim();
    start = end + 1;
  }
  return undefined;
}

/**
 * Checks `version` and `versionSplit` and throws an {@link InvalidVersionRoutingError} naming
 * the option and its value: ranges must be semver ranges, a split a non-empty array of
 * `{ version, weight }` with finite weights >= 0 adding up to more than 0.
 */
export function assertVersionRouting(options: VersionRoutingOptions, owner: string): void {
  const fail = (option: string, value: unknown, expected: string): never => {
    throw new InvalidVersionRoutingError(owner, option, value, expected);
  };
  const { version, versionSplit } = options;
  if (version !== undefined && parseVersionRange(version) === undefined) fail('version', version, 'a semver range such as ^2.0.0');
  if (versionSplit === undefined) return;
  if (!Array.isArray(versionSplit) || versionSplit.length === 0) {
    fail('versionSplit', versionSplit, 'a non-empty array of { version, weight }');
  }
  let total = 0;
  versionSplit.forEach((entry: Partial<VersionSplitEntry> | undefined, i) => {
    if (typeof entry !== 'object' || entry === null) fail(`versionSplit[${i}]`, entry, '{ version, weight }');
    if (parseVersionRange(entry!.version) === undefined) fail(`versionSplit[${i}].version`, entry!.version, 'a semver range such as 2.0.x');
    const weight = entry!.weight;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      fail(`versionSplit[${i}].weight`, weight, 'a finite number >= 0');
    }
    total += weight!;
  });
  if (!(total > 0))
    fail(
      'versionSplit',
      versionSplit.map((e) => e.weight),
      'weights adding up to more than 0',
    );
}
