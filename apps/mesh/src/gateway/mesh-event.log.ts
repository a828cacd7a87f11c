import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';

export type MeshEventKind = 'joined' | 'left' | 'status' | 'leader' | 'inventory.low' | 'inventory.restocked';

export interface MeshEvent {
  at: number;
  kind: MeshEventKind;
  text: string;
}

const KEEP = 40;

/** The newest mesh events (instances coming and going, leaders, MQTT events) for the dashboard. */
@Injectable()
export class MeshEventLog {
  private readonly entries: MeshEvent[] = [];
  readonly added$ = new Subject<MeshEvent>();

  add(kind: MeshEventKind, text: string): void {
    const event = { at: Date.now(), kind, text };
    this.entries.unshift(event);
    this.entries.length = Math.min(this.entries.length, KEEP);
    this.added$.next(event);
  }

  list(): MeshEvent[] {
    return [...this.entries];
  }
}
