import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { ProtocolError } from '@orion/protocols';
import { JsonFileStore } from '../shared/json-file.store';
import { INITIAL_STOCK } from '../shared/mesh.constants';
import { MESH_ENV, type MeshEnv } from '../shared/mesh-env';

export interface StockItem {
  sku: string;
  available: number;
  reserved: number;
  restockedAt?: number;
  restockedBy?: string;
  /** Fencing token of the restock leader that last wrote: an older leader's write is refused. */
  fencingToken?: number;
}

/** Stock per SKU, shared by every inventory instance (see `JsonFileStore`). */
@Injectable()
export class StockRepository {
  private readonly store: JsonFileStore<StockItem>;

  constructor(@Inject(MESH_ENV) env: MeshEnv) {
    this.store = new JsonFileStore(join(env.dataDir, 'stock'));
    for (const [sku, available] of Object.entries(INITIAL_STOCK)) this.store.create(sku, { sku, available, reserved: 0 });
  }

  get skus(): string[] {
    return Object.keys(INITIAL_STOCK);
  }

  get(sku: string): StockItem {
    this.assertKnown(sku);
    return this.store.read(sku)!;
  }

  /** Takes `qty` units; FAILED_PRECONDITION when fewer are left. Returns the item before and after. */
  async reserve(sku: string, qty: number): Promise<{ before: StockItem; after: StockItem }> {
    this.assertKnown(sku);
    let before: StockItem | undefined;
    const after = await this.store.update(sku, (item) => {
      before = item ?? { sku, available: 0, reserved: 0 };
      if (before.available < qty) {
        throw new ProtocolError('FAILED_PRECONDITION', `only ${before.available} ${sku} left`, { sku, available: before.available });
      }
      return { ...before, available: before.available - qty, reserved: before.reserved + qty };
    });
    return { before: before!, after };
  }

  /** Adds stock as the restock leader holding `fencingToken`; refused if a newer leader wrote. */
  async restock(sku: string, amount: number, by: string, fencingToken: number): Promise<StockItem> {
    return this.store.update(sku, (item) => {
      const current = item ?? { sku, available: 0, reserved: 0 };
      if ((current.fencingToken ?? 0) > fencingToken) {
        throw new ProtocolError('ABORTED', `stale restock leader (token ${fencingToken} < ${current.fencingToken})`);
      }
      return { ...current, available: current.available + amount, restockedAt: Date.now(), restockedBy: by, fencingToken };
    });
  }

  private assertKnown(sku: string): void {
    if (!Object.hasOwn(INITIAL_STOCK, sku)) {
      throw ProtocolError.notFound(`unknown sku '${sku}'`, { known: Object.keys(INITIAL_STOCK) });
    }
  }
}
