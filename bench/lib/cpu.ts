// CPU time of the processes of a run, to report CPU microseconds per request beside req/s: on
// a shared 2-core machine req/s swings with the other load, the CPU a request costs much less.
// This process: process.cpuUsage() (user + system, all threads). Children: utime + stime of
// /proc/<pid>/stat (all threads; in clock ticks, 10 ms at the usual 100 Hz, so a measure needs
// a few seconds of work in total to be precise to a few per cent).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU time (user + system) of process `pid` so far, in microseconds; null where /proc is missing. */
export function processCpuUs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces): state is
    // field 3, utime field 14, stime field 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks();
  } catch {
    return null;
  }
}

export interface CpuSnapshot {
  client: number;
  servers: Array<number | null>;
}

export function cpuSnapshot(serverPids: number[]): CpuSnapshot {
  const usage = process.cpuUsage();
  return { client: usage.user + usage.system, servers: serverPids.map(processCpuUs) };
}

/** Accumulates CPU time over several measured windows of one contender. */
export class CpuAccount {
  clientUs = 0;
  serverUs: Array<number | null>;
  requests = 0;

  constructor(readonly serverPids: number[]) {
    this.serverUs = serverPids.map(() => 0);
  }

  start(): CpuSnapshot {
    return cpuSnapshot(this.serverPids);
  }

  stop(before: CpuSnapshot, requests: number): void {
    const after = cpuSnapshot(this.serverPids);
    this.clientUs += after.client - before.client;
    this.serverUs = this.serverUs.map((sum, i) => {
      const a = after.servers[i];
      const b = before.servers[i];
      return sum === null || a === null || b === null ? null : sum + a - b;
    });
    this.requests += requests;
  }

  /** µs per request: the client process, each server process, and the servers' sum. */
  perRequest(): CpuPerRequest {
    const per = (us: number) => (this.requests > 0 ? Math.round((us / this.requests) * 10) / 10 : null);
    const servers = this.serverUs.map((us) => (us === null ? null : per(us)));
    const known = this.serverUs.filter((us): us is number => us !== null);
    return {
      client: per(this.clientUs),
      server: known.length === this.serverUs.length && known.length > 0 ? per(known.reduce((a, b) => a + b, 0)) : null,
      servers,
    };
  }
}

export interface CpuPerRequest {
  /** The bench process (the client, plus the load generator's own small share). */
  client: number | null;
  /** Sum over the server processes the contender calls. */
  server: number | null;
  /** Each server process, in the order of the contender's serverPids. */
  servers: Array<number | null>;
}
