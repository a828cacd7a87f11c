#!/usr/bin/env node
// Docs-snippet check: type-checks every ```ts block of README.md, the package READMEs and docs/*.md against the
// built packages (libs/*/dist through their package.json `exports`, as an app resolves them).
// Run `npm run build:libs` first. CI: `npm run check:docs`.
//
// Conventions for the docs (HTML comments on the line(s) just above the fence, not rendered):
// - A snippet needs no import lines: names it uses from @orion/protocols, @orion/discovery,
//   @nestjs/common, @nestjs/core, @nestjs/microservices, @nestjs/testing, rxjs and
//   node:fs / node:crypto are imported for it (in that order of preference), unless the
//   snippet imports or declares them itself. Top-level await is allowed.
// - `<!-- snippet-context: declare const order: Order; -->` declares what a fragment takes
//   from the surrounding prose (an app, a registry, a variable).
// - `<!-- snippet: skip (reason) -->` skips an outline that is not code (rare: give a reason).
'use strict';
const { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const ts = require('typescript');

const root = join(__dirname, '..');
const out = join(root, 'dist', 'doc-snippets');
const SOURCES = [
  '@orion/protocols',
  '@orion/discovery',
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/microservices',
  '@nestjs/testing',
  'rxjs',
  'node:fs',
  'node:crypto',
];

function snippetsOf(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```ts') continue;
    const end = lines.findIndex((line, j) => j > i && line.trim() === '```');
    const notes = [];
    // Prettier puts a blank line between the comment and the fence.
    for (let k = i - 1; k >= 0 && (/^<!-- snippet/.test(lines[k].trim()) || lines[k].trim() === ''); k--) {
      if (lines[k].trim() !== '') notes.unshift(lines[k].trim());
      else if (!/^<!-- snippet/.test(lines[k - 1]?.trim() ?? '')) break;
    }
    const skip = notes.find((n) => /^<!-- snippet: skip\b/.test(n));
    if (skip && !/skip \(.+\)/.test(skip))
      throw new Error(`${file}:${i + 1}: a skipped snippet needs a reason: <!-- snippet: skip (why) -->`);
    const context = notes.map((n) => /^<!-- snippet-context: ([\s\S]*) -->$/.exec(n)?.[1]).filter(Boolean);
    found.push({ file, line: i + 2, code: lines.slice(i + 1, end).join('\n'), context, isSkipped: Boolean(skip) });
    i = end;
  }
  return found;
}

/** Exported names of each module, as a program over the snippet dir resolves them. */
function exportsOf(dir) {
  const probe = join(dir, 'probe.mts');
  writeFileSync(probe, SOURCES.map((s, i) => `import * as m${i} from '${s}';`).join('\n') + '\nexport {};\n');
  const program = ts.createProgram([probe], compilerOptions());
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(probe);
  const names = new Map();
  source.statements.filter(ts.isImportDeclaration).forEach((statement, i) => {
    const symbol = checker.getSymbolAtLocation(statement.moduleSpecifier);
    if (!symbol) throw new Error(`cannot resolve ${SOURCES[i]}: run npm run build:libs first`);
    for (const exported of checker.getExportsOfModule(symbol)) if (!names.has(exported.name)) names.set(exported.name, SOURCES[i]);
  });
  rmSync(probe);
  return names;
}

function compilerOptions() {
  return {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: ['node', 'jest'],
    typeRoots: [join(root, 'node_modules', '@types')],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    preserveSymlinks: true,
    noUnusedLocals: false,
  };
}

/** Names a snippet refers to (not property names, comments or strings). */
function identifiersOf(code) {
  const names = new Set();
  const visit = (node) => {
    const isMemberName =
      (ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) ||
      ((ts.isPropertyAssignment(node.parent) || ts.isMethodDeclaration(node.parent) || ts.isPropertySignature(node.parent)) &&
        node.parent.name === node);
    if (ts.isIdentifier(node) && !isMemberName) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(ts.createSourceFile('snippet.mts', code, ts.ScriptTarget.ES2022, true), visit);
  return names;
}

function declaredOrImported(code) {
  const names = new Set();
  for (const m of code.matchAll(/\b(?:class|interface|type|enum|function|const|let|var)\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]);
  for (const m of code.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from/g)) {
    for (const part of m[1].split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop();
      if (name) names.add(name);
    }
  }
  return names;
}

function main() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'node_modules', '@orion'), { recursive: true });
  // The packages as an app installs them: their package.json `exports` decide what resolves.
  for (const lib of ['protocols', 'discovery']) symlinkSync(join(root, 'libs', lib), join(out, 'node_modules', '@orion', lib), 'dir');
  const available = exportsOf(out);
  const docs = [
    'README.md',
    join('libs', 'protocols', 'README.md'),
    join('libs', 'discovery', 'README.md'),
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => join('docs', f)),
  ];
  const snippets = docs.flatMap((doc) => snippetsOf(join(root, doc)));
  const files = new Map();
  let skipped = 0;
  for (const [index, snippet] of snippets.entries()) {
    if (snippet.isSkipped) {
      skipped++;
      continue;
    }
    const own = declaredOrImported(snippet.code + '\n' + snippet.context.join('\n'));
    const bySource = new Map();
    for (const name of identifiersOf(snippet.code + '\n' + snippet.context.join('\n'))) {
      const source = available.get(name);
      if (!source || own.has(name)) continue;
      if (!bySource.has(source)) bySource.set(source, new Set());
      bySource.get(source).add(name);
    }
    const preamble = [...bySource].map(([source, names]) => `import { ${[...names].join(', ')} } from '${source}';`);
    const header = [...preamble, ...snippet.context, `// ---- ${relative(root, snippet.file)}:${snippet.line}`];
    const file = join(out, `snippet-${String(index).padStart(3, '0')}.mts`);
    writeFileSync(file, `${header.join('\n')}\n${snippet.code}\nexport {};\n`);
    files.set(file, { snippet, offset: header.length });
  }
  const program = ts.createProgram([...files.keys()], compilerOptions());
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file && files.has(d.file.fileName));
  for (const d of diagnostics) {
    const { snippet, offset } = files.get(d.file.fileName);
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const where =
      line < offset
        ? `${relative(root, snippet.file)}:${snippet.line} (preamble/context)`
        : `${relative(root, snippet.file)}:${snippet.line + line - offset}`;
    console.error(`${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
  const checked = files.size;
  console.log(
    `doc snippets: ${checked} type-checked, ${skipped} skipped, ${diagnostics.length} errors (generated files in ${relative(root, out)})`,
  );
  if (diagnostics.length > 0) process.exit(1);
}

main();
