// Test helper: runs export-spans.fixture.ts in a child process and returns the ids it printed.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '../../..');

/** Ids of the two spans the fixture exported: a server span and a client attempt inside it. */
export interface ExportedSpans {
  traceId: string;
  rootSpanId: string;
  childSpanId: string;
}

/** Exports the fixture's spans with `env` added to this process's environment (OTEL_* variables). */
export function exportSpans(env: Record<string, string>, service = 'fixture', instanceId = 'fixture-1'): Promise<ExportedSpans> {
  const args = ['-r', join(REPO_ROOT, 'test/harness/register-ts.js'), join(__dirname, 'export-spans.fixture.ts'), service, instanceId];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout.trim().split('\n').pop()!) as ExportedSpans),
    ),
  );
}
