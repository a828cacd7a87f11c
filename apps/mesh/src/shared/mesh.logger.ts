import { closeSync, openSync, writeSync } from 'node:fs';
import type { LoggerService, LogLevel } from '@nestjs/common';
import { createLoggerFromEnv, type LogStream, type OrionLogger } from '@orion/protocols';

/**
 * Logger of a mesh process started by the launcher: everything (LOG_LEVEL, default info)
 * goes to the instance's log file, and warnings and errors also reach the console,
 * tagged with the instance id, so the launcher's terminal stays readable. Without a log
 * file it is the plain `createLoggerFromEnv()` logger. Format: LOG_FORMAT (tree | json).
 */
export class MeshLogger implements LoggerService {
  private readonly targets: OrionLogger[];
  private readonly fd?: number;

  constructor(instanceId: string, logFile?: string) {
    if (!logFile) {
      this.targets = [createLoggerFromEnv()];
      return;
    }
    const fd = openSync(logFile, 'a');
    this.fd = fd;
    const file: LogStream = { write: (chunk: string) => writeSync(fd, chunk) };
    const terminal: LogStream = { write: (chunk: string) => process.stderr.write(tag(chunk, instanceId)), isTTY: process.stderr.isTTY };
    const consoleLogger = createLoggerFromEnv(process.env, { stream: terminal });
    consoleLogger.setLogLevels(['warn']);
    this.targets = [createLoggerFromEnv(process.env, { stream: file }), consoleLogger];
  }

  log(message: unknown, ...rest: unknown[]): void {
    for (const target of this.targets) target.log(message, ...rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    for (const target of this.targets) target.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    // NOTE: a failed request (an out-of-stock order...) is the caller's news, not the
    // operator's: it goes to the log file only, or the console would scroll with them.
    const targets = isRequestFailure(message) ? this.targets.slice(0, 1) : this.targets;
    for (const target of targets) target.warn(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    for (const target of this.targets) target.debug(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    for (const target of this.targets) target.verbose(message, ...rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    for (const target of this.targets) target.fatal(message, ...rest);
  }
  setLogLevels(levels: LogLevel[]): void {
    this.targets[0].setLogLevels(levels);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
  }
}

/** The per-request entry of the protocols logging middleware. */
function isRequestFailure(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { message?: unknown }).message === 'request failed';
}

/** Marks a console entry with the instance: `orders-1 ▸ [time] WARN | ...`, or an `instance` field in JSON. */
function tag(entry: string, instanceId: string): string {
  return entry.startsWith('{') ? `{"instance":${JSON.stringify(instanceId)},${entry.slice(1)}` : `${instanceId} ▸ ${entry}`;
}
