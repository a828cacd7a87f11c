import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const SCRIPT = join(__dirname, '..', 'scripts', 'check-layers.js');

/** A throw-away tree of the repo's layout: path under the root -> source. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'orion-layers-'));
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
  return root;
}

/** A clean base: core <- transports <- runtime <- discovery, one folder each. */
const BASE: Record<string, string> = {
  'libs/protocols/src/errors/protocol.error.ts': 'export class ProtocolError extends Error {}\n',
  'libs/protocols/src/interfaces/a.interface.ts': "import type { B } from './b.interface';\nexport interface A { b?: B }\n",
  'libs/protocols/src/interfaces/b.interface.ts': "import type { A } from './a.interface';\nexport interface B { a?: A }\n",
  'libs/protocols/src/transports/tcp/tcp.server.ts':
    "import { ProtocolError } from '../../errors/protocol.error';\nimport data from './data.json';\nexport class TcpServer { e = ProtocolError; d = data; }\n",
  'libs/protocols/src/transports/tcp/data.json': '{}\n',
  'libs/protocols/src/start-protocols.ts':
    "import { TcpServer } from './transports/tcp/tcp.server';\nexport const start = () => new TcpServer();\n",
  'libs/protocols/src/index.ts': "export * from './start-protocols';\nexport * from './errors/protocol.error';\n",
  'libs/discovery/src/registrar.ts': "import { start } from '@orion/protocols';\nexport const register = start;\n",
};

function check(extra: Record<string, string>): { status: number | null; output: string } {
  const root = tree({ ...BASE, ...extra });
  try {
    const run = spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' });
    return { status: run.status, output: run.stdout + run.stderr };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('scripts/check-layers.js', () => {
  it('passes a tree whose imports only go down (a type cycle within a layer is allowed)', () => {
    const { status, output } = check({});
    expect(output).toContain('no import cycles, no import from a lower layer into a higher one');
    expect(status).toBe(0);
  });

  it('fails on a cycle of runtime imports, naming its files', () => {
    const { status, output } = check({
      'libs/protocols/src/utils/x.util.ts': "import { y } from './y.util';\nexport const x = () => y;\n",
      'libs/protocols/src/utils/y.util.ts': "import { x } from './x.util.js';\nexport const y = () => x;\n",
    });
    expect(output).toMatch(/cycle of 2 files: libs\/protocols\/src\/utils\/[xy]\.util\.ts -> .* -> /);
    expect(status).toBe(1);
  });

  it('fails on a type import from the core into a transport', () => {
    const { status, output } = check({
      'libs/protocols/src/interfaces/c.interface.ts':
        "import type { TcpServer } from '../transports/tcp/tcp.server';\nexport type C = TcpServer;\n",
    });
    expect(output).toContain(
      'layer: libs/protocols/src/interfaces/c.interface.ts (core) imports type libs/protocols/src/transports/tcp/tcp.server.ts (transports)',
    );
    expect(status).toBe(1);
  });

  it('fails on a transport importing the runtime, and on @orion/protocols importing @orion/discovery', () => {
    const { status, output } = check({
      'libs/protocols/src/transports/udp/udp.server.ts': "import { start } from '../../start-protocols';\nexport const s = start;\n",
      'libs/protocols/src/metrics/m.ts': "import { register } from '@orion/discovery/registrar';\nexport const m = register;\n",
    });
    expect(output).toContain(
      'layer: libs/protocols/src/transports/udp/udp.server.ts (transports) imports libs/protocols/src/start-protocols.ts (runtime)',
    );
    expect(output).toContain('layer: libs/protocols/src/metrics/m.ts (runtime) imports libs/discovery/src/registrar.ts (discovery)');
    expect(output).toContain('2 problem(s)');
    expect(status).toBe(1);
  });

  it("counts a transport's descriptor as runtime (it may import start-up's pieces)", () => {
    const { status } = check({
      'libs/protocols/src/transports/tcp/tcp.descriptor.ts':
        "import { start } from '../../start-protocols';\nexport const TCP_DESCRIPTOR = { start };\n",
    });
    expect(status).toBe(0);
  });
});
