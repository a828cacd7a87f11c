/// <reference types="jest" />
import { sleep } from '../../registry/testing/contract-helpers.util';
import type { LeadershipLease } from '../leader-elector.interface';
import type { LeaderContractContext } from './leader-elector.contract';

/** One term as the holder lived it: from the grant it received until it stopped acting. */
interface ObservedTerm {
  leaderId: string;
  fencingToken: number;
  start: number;
  end: number;
}

const CANDIDATES = 5;

/**
 * The safety property, under contention: many candidates campaign, hold for random times,
 * sometimes renew, resign or just let the lease expire. No two holders may act at once
 * (each acts only until `validUntil`), and tokens strictly increase in grant order.
 */
export function describeLeaderSafetyContract(ctx: LeaderContractContext): void {
  const ttlMs = Math.max(100, Math.round(ctx.timing.ttlMs / 2));

  describe('safety', () => {
    it(`should never have two acting leaders among ${CANDIDATES} concurrent campaigners`, async () => {
      const electors = await Promise.all(Array.from({ length: CANDIDATES }, () => ctx.elector()));
      const terms: ObservedTerm[] = [];
      const stopAt = Date.now() + ctx.timing.stressDurationMs;

      // Half the holders act for their whole term (up to validUntil), where a backend that
      // grants too early would overlap; the others for a random part of it.
      const hold = async (lease: LeadershipLease): Promise<void> => {
        const wanted = Math.random() < 0.5 ? Infinity : Date.now() + Math.random() * ttlMs * 0.6;
        const until = Math.min(wanted, lease.validUntil);
        if (until > Date.now()) await sleep(until - Date.now());
      };

      const run = async (n: number): Promise<void> => {
        const elector = electors[n];
        const leaderId = `candidate-${n}`;
        while (Date.now() < stopAt) {
          let lease = await elector.campaign('safety', leaderId, { ttlMs });
          if (!lease) {
            await sleep(2 + Math.random() * 10);
            continue;
          }
          const term: ObservedTerm = { leaderId, fencingToken: lease.fencingToken, start: Date.now(), end: 0 };
          terms.push(term);
          await hold(lease);
          if (Math.random() < 0.3) {
            try {
              lease = await elector.renew(lease);
              await hold(lease);
            } catch {
              // Lost already (slow renew): stop acting, as a real holder would.
            }
          }
          // The holder acted at most until validUntil: that is what the guarantee covers.
          term.end = Math.min(Date.now(), lease.validUntil);
          if (Math.random() < 0.7) await elector.resign(lease);
          else await sleep(ttlMs); // let it expire; others take over meanwhile
        }
      };
      await Promise.all(electors.map((_e, n) => run(n)));

      expect(terms.length).toBeGreaterThanOrEqual(5);
      expect(new Set(terms.map((t) => t.leaderId)).size).toBeGreaterThan(1);
      expect(new Set(terms.map((t) => t.fencingToken)).size).toBe(terms.length);
      // Terms a holder could act on (received before validUntil) were received in grant order.
      const acted = terms.filter((t) => t.end > t.start);
      for (let i = 1; i < acted.length; i++) {
        expect(acted[i].fencingToken).toBeGreaterThan(acted[i - 1].fencingToken);
      }
      // Terms sorted by token are the grant order; each must start after every earlier one ended.
      let latestEnd = -Infinity;
      for (const term of [...terms].sort((x, y) => x.fencingToken - y.fencingToken)) {
        if (term.end > term.start) {
          expect(term.start).toBeGreaterThanOrEqual(latestEnd);
          latestEnd = Math.max(latestEnd, term.end);
        }
      }
    });
  });
}
