import { execFileSync } from 'node:child_process';

/**
 * Test hosts as Linux network namespaces on one bridge, with addresses from 198.18.0.0/24
 * (RFC 2544's benchmarking range: no real host lives there). Root and iproute2 only.
 */
export class NetnsLab {
  private readonly bridge: string;
  private readonly hosts: string[] = [];

  constructor(private readonly tag = String(process.pid % 10_000)) {
    this.bridge = `obr${tag}`;
  }

  /** Whether this process may build namespaces (root, `ip` present). */
  static unavailableReason(): string | undefined {
    if (process.getuid?.() !== 0) return 'not running as root';
    try {
      execFileSync('ip', ['-V'], { stdio: 'ignore' });
      return undefined;
    } catch {
      return 'iproute2 (ip) is not installed';
    }
  }

  /** Creates the bridge; the test process (root namespace) reaches every host as 198.18.0.254. */
  setUp(): void {
    ip('link', 'add', this.bridge, 'type', 'bridge');
    ip('addr', 'add', '198.18.0.254/24', 'dev', this.bridge);
    ip('link', 'set', this.bridge, 'up');
  }

  /** Adds host `name` with address 198.18.0.<octet>; returns the address. */
  addHost(name: string, octet: number): string {
    const ns = this.ns(name);
    const [outside, inside] = [`o${this.tag}${name}h`, `o${this.tag}${name}n`];
    ip('netns', 'add', ns);
    this.hosts.push(name);
    ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
    ip('link', 'set', inside, 'netns', ns);
    ip('link', 'set', outside, 'master', this.bridge);
    ip('link', 'set', outside, 'up');
    const address = `198.18.0.${octet}`;
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${address}/24`, 'dev', inside);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', inside, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    return address;
  }

  /** Command prefix that runs a program inside host `name`. */
  exec(name: string): string[] {
    return ['ip', 'netns', 'exec', this.ns(name)];
  }

  /** Cuts (or restores) the link of host `name`. */
  setLink(name: string, isUp: boolean): void {
    ip('link', 'set', `o${this.tag}${name}h`, isUp ? 'up' : 'down');
  }

  tearDown(): void {
    for (const name of this.hosts.splice(0)) {
      tryIp('netns', 'del', this.ns(name));
      tryIp('link', 'del', `o${this.tag}${name}h`);
    }
    tryIp('link', 'del', this.bridge);
  }

  private ns(name: string): string {
    return `orion-${this.tag}-${name}`;
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function tryIp(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}
