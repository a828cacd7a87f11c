import { Injectable } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import type { Protocol } from '../interfaces/protocol.interface';

/** @publicApi */
export interface RequestTiming {
  protocol: Protocol;
  pattern: string;
  durationMs: number;
  /** `OK` or the canonical error code. */
  outcome: string;
  isEvent: boolean;
}

/**
 * The timing hook: one record per finished request on any protocol, plus the number of
 * requests in flight. Metrics and load reports subscribe to it.
 *
 * @publicApi
 */
@Injectable()
export class ProtocolTimings {
  private readonly records = new Subject<RequestTiming>();
  private inFlightCount = 0;

  readonly records$: Observable<RequestTiming> = this.records.asObservable();

  get inFlight(): number {
    return this.inFlightCount;
  }

  started(): void {
    this.inFlightCount++;
  }

  finished(timing: RequestTiming): void {
    this.inFlightCount--;
    this.records.next(timing);
  }
}
