import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { JsonFileStore } from '../shared/json-file.store';
import { MESH_ENV, type MeshEnv } from '../shared/mesh-env';

export interface Order {
  id: string;
  sku: string;
  qty: number;
  status: 'confirmed';
  createdAt: string;
  /** Orders instance that took the order. */
  takenBy: string;
  /** Inventory instance that reserved the stock. */
  reservedBy?: string;
  stockLeft: number;
}

/** Orders, shared by every orders instance (see `JsonFileStore`): any instance can read any order. */
@Injectable()
export class OrdersRepository {
  private readonly store: JsonFileStore<Order>;

  constructor(@Inject(MESH_ENV) env: MeshEnv) {
    this.store = new JsonFileStore(join(env.dataDir, 'orders'));
  }

  newId(): string {
    return `ord-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  }

  save(order: Order): void {
    this.store.write(order.id, order);
  }

  find(id: string): Order | undefined {
    return /^ord-[a-z0-9]+-[a-f0-9]+$/.test(id) ? this.store.read(id) : undefined;
  }
}
