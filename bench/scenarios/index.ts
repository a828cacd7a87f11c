import type { Scenario } from '../lib/scenario';
import { failover } from './failover';
import { overhead } from './overhead';
import { peer } from './peer';
import { pickCost } from './pick-cost';
import { registryScale } from './registry-scale';
import { slowInstance } from './slow-instance';
import { tracingCost } from './tracing-cost';

/** Every scenario, in the order `npm run bench` runs them. */
export const SCENARIOS: Scenario[] = [overhead, peer, slowInstance, failover, pickCost, registryScale, tracingCost];
