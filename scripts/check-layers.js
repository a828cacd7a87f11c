#!/usr/bin/env node
// Layer check for libs/protocols/src and libs/discovery/src (docs/architecture.md, "Layers"):
// fails on (a) an import cycle between files, and (b) an import from a lower layer into a
// higher one. Type-only imports (`import type`, `export type`, `{ type A }` only) count for
// (b) but not for (a): they are erased, so they cannot run modules in a wrong order, and a
// class and its options naming each other is fine; a type import across layers the wrong
// way (issue 13's interfaces/ <-> transports/udp) is still caught, by (b).
// Spec files are left out: they are not part of the packages. CI: `npm run check:layers`.
// `--graph` prints every file's layer and imports (to see why a check fails); `--root <dir>`
// checks another tree of the same layout (the script's own test does).
'use strict';
const { existsSync, readFileSync, readdirSync, statSync } = require('node:fs');
const { dirname, join, relative, resolve, sep } = require('node:path');
const ts = require('typescript');

const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? resolve(process.argv[rootArg + 1]) : join(__dirname, '..');
const SOURCES = ['libs/protocols/src', 'libs/discovery/src'];
const ALIASES = { '@orion/protocols': 'libs/protocols/src', '@orion/discovery': 'libs/discovery/src' };

/** Lowest first; a file may import from its own layer and the ones below. */
const LAYERS = ['core', 'transports', 'runtime', 'discovery'];
/** Paths under libs/protocols/src of the core (a trailing / names a folder). */
const PROTOCOLS_CORE = [
  'errors/',
  'context/',
  'interfaces/',
  'tls/',
  'utils/',
  'logging/',
  'tracing/',
  'protocols.constants.ts',
  'protocols.messages.ts',
];

/**
 * Files whose folder is in another layer than their role (docs/architecture.md says why
 * each; they move to their layer's folder when files can move). Patterns under
 * libs/protocols/src; * matches within one path segment.
 */
const FILE_LAYERS = [
  // A transport's part in start-up: built from the module options with the runtime's dispatch.
  ['transports/transport.descriptor.ts', 'runtime'],
  ['transports/transport-descriptors.ts', 'runtime'],
  ['transports/*/*.descriptor.ts', 'runtime'],
  // The module's options and stats: they name every transport's options and counters.
  ['interfaces/protocols-options.interface.ts', 'runtime'],
  ['interfaces/protocols-stats.interface.ts', 'runtime'],
  // Start-up's HTTP set-up: answers unreadable bodies with the runtime's unknown-route filter.
  ['utils/http-input-limits.util.ts', 'runtime'],
  // The direct path's outcome as Nest reply packets: used by the transports' servers only.
  ['dispatch/nest-reply-packets.ts', 'transports'],
  // MQTT topic-filter matching, no imports: used by the bridge and the embedded broker.
  ['bridge/topic-filter.util.ts', 'core'],
].map(([pattern, layer]) => [new RegExp('^' + pattern.replace(/\./g, '\\.').replace(/\*/g, '[^/]*') + '$'), layer]);

function layerOf(file) {
  const rel = relative(root, file).split(sep).join('/');
  if (rel.startsWith('libs/discovery/src/')) return 'discovery';
  const inner = rel.slice('libs/protocols/src/'.length);
  const override = FILE_LAYERS.find(([pattern]) => pattern.test(inner));
  if (override) return override[1];
  if (inner.startsWith('transports/')) return 'transports';
  if (PROTOCOLS_CORE.some((p) => (p.endsWith('/') ? inner.startsWith(p) : inner === p))) return 'core';
  return 'runtime';
}

function sourceFiles(dir) {
  const files = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/** The file a specifier names, or undefined for a package outside the two libs. */
function resolveSpecifier(from, specifier) {
  let base;
  if (specifier.startsWith('.')) base = resolve(dirname(from), specifier);
  else {
    const alias = Object.keys(ALIASES).find((a) => specifier === a || specifier.startsWith(a + '/'));
    if (!alias) return undefined;
    base = join(root, ALIASES[alias], specifier.slice(alias.length));
  }
  // A data file (JSON) is no module of the layers.
  if (!/\.[cm]?[jt]s$/.test(base) && existsSync(base) && statSync(base).isFile()) return undefined;
  base = base.replace(/\.js$/, '');
  for (const candidate of [base + '.ts', join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  throw new Error(`${relative(root, from)}: cannot resolve '${specifier}'`);
}

/** Every import/export-from of a file: `{ target, typeOnly }`. */
function importsOf(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const found = [];
  for (const statement of source.statements) {
    const isImport = ts.isImportDeclaration(statement);
    if (!isImport && !(ts.isExportDeclaration(statement) && statement.moduleSpecifier)) continue;
    const target = resolveSpecifier(file, statement.moduleSpecifier.text);
    if (!target) continue;
    let typeOnly;
    if (isImport) {
      const clause = statement.importClause;
      const named = clause?.namedBindings;
      typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (!clause.name &&
            named !== undefined &&
            ts.isNamedImports(named) &&
            named.elements.length > 0 &&
            named.elements.every((e) => e.isTypeOnly)));
    } else {
      const clause = statement.exportClause;
      typeOnly =
        statement.isTypeOnly ||
        (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
    }
    found.push({ target, typeOnly });
  }
  return found;
}

/** Strongly connected components of more than one file (or a file importing itself): Tarjan. */
function cycles(graph) {
  let index = 0;
  const indexOf = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const result = [];
  const visit = (node) => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), indexOf.get(next)));
    }
    if (low.get(node) !== indexOf.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) result.push(component);
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);
  return result;
}

/** One cycle through the component, as a readable chain `a -> b -> a`. */
function chain(graph, component) {
  const members = new Set(component);
  const start = component[component.length - 1];
  const path = [start];
  const seen = new Set([start]);
  for (let node = start; ;) {
    const next =
      graph.get(node).find((n) => members.has(n) && (n === start || !seen.has(n))) ?? graph.get(node).find((n) => members.has(n));
    path.push(next);
    if (seen.has(next)) break;
    seen.add(next);
    node = next;
  }
  return path.map((f) => relative(root, f)).join(' -> ');
}

function main() {
  const files = SOURCES.flatMap((dir) => sourceFiles(join(root, dir)));
  const graph = new Map();
  const problems = [];
  for (const file of files) {
    const edges = importsOf(file);
    graph.set(
      file,
      edges.filter((e) => !e.typeOnly).map((e) => e.target),
    );
    const layer = layerOf(file);
    for (const { target, typeOnly } of edges) {
      const targetLayer = layerOf(target);
      if (LAYERS.indexOf(targetLayer) > LAYERS.indexOf(layer)) {
        problems.push(
          `layer: ${relative(root, file)} (${layer}) imports${typeOnly ? ' type' : ''} ${relative(root, target)} (${targetLayer})`,
        );
      }
    }
    if (process.argv.includes('--graph')) {
      console.log(`${relative(root, file)} [${layer}]`);
      for (const e of edges) console.log(`  -> ${relative(root, e.target)} [${layerOf(e.target)}]${e.typeOnly ? ' (type)' : ''}`);
    }
  }
  for (const component of cycles(graph)) {
    problems.push(`cycle of ${component.length} files: ${chain(graph, component)}`);
  }
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    console.error(`check-layers: ${problems.length} problem(s); layers and rules: docs/architecture.md`);
    process.exit(1);
  }
  console.log(`check-layers: ${files.length} files, no import cycles, no import from a lower layer into a higher one`);
}

main();
