// What every scenario module exports and returns.

export interface ScenarioContext {
  /** A tiny pass (CI): same code paths, small counts, no meaningful timings. */
  isSmoke: boolean;
  /** Human-readable output (tables); goes to the terminal, never into the JSON. */
  log(line?: string): void;
}

export interface Goal {
  goal: string;
  target: string;
  /** The measured value the goal is judged on (null when it could not be measured). */
  value: number | string | null;
  /** null: not judged (smoke run, or the measure is missing). */
  met: boolean | null;
  note?: string;
}

export interface ScenarioOutput {
  /** Every measured figure, scenario-specific shape (documented in docs/benchmarks.md). */
  figures: Record<string, unknown>;
  /** Headline ratios, `ours / baseline` (higher is better unless the name says otherwise). */
  ratios: Record<string, number | null>;
  goals: Goal[];
  /** Settings of the run (counts, durations) so results can be compared. */
  settings: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  title: string;
  /** Rough upper bound of a full run, for the runner's watchdog. */
  budgetMs: number;
  /** Extra node flags of the scenario's process. */
  nodeFlags?: string[];
  run(ctx: ScenarioContext): Promise<ScenarioOutput>;
}

/** `met` only when the run is a real one. */
export function judge(
  ctx: ScenarioContext,
  goal: string,
  target: string,
  value: number | null,
  isMet: (v: number) => boolean,
  note?: string,
): Goal {
  return { goal, target, value, met: ctx.isSmoke || value === null ? null : isMet(value), ...(note ? { note } : {}) };
}

/** A markdown table (aligned), so terminal output can be pasted into the docs. */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = [headers, ...rows.map((row) => row.map((c) => (c === null || c === undefined ? '–' : String(c))))];
  const widths = headers.map((_h, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [
    line(cells[0]),
    `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : '-'.repeat(w - 1) + ':')).join(' | ')} |`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

export const fmt = {
  int: (x: number | null | undefined): string => (x === null || x === undefined ? '–' : Math.round(x).toLocaleString('en-US')),
  ms: (x: number | null | undefined): string =>
    x === null || x === undefined ? '–' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2),
  ratio: (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${x.toFixed(2)}x`),
  us: (x: number | null | undefined): string => (x === null || x === undefined ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(1)),
  pct: (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(2)} %`),
};
