import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ProtocolError } from '@orion/protocols';
import type { Request } from 'express';

/** Methods that change nothing: any origin may send them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Names the demo is reached by on this machine; more with MESH_ALLOWED_HOSTS (comma-separated). */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** `host[:port]` → host, lower-case (IPv6 literals keep their brackets). */
function hostName(hostHeader: string): string {
  const text = hostHeader.trim().toLowerCase();
  return text.startsWith('[') ? text.slice(0, text.indexOf(']') + 1) : text.split(':')[0];
}

const denied = (message: string): ProtocolError => new ProtocolError('PERMISSION_DENIED', message);

function allowedHosts(extra: string | undefined): ReadonlySet<string> {
  const hosts = [...LOOPBACK_HOSTS, ...(extra ?? '').split(',')].map((host) => host.trim().toLowerCase());
  return new Set(hosts.filter((host) => host !== ''));
}

/**
 * Refuses state-changing HTTP requests (POST, PUT, PATCH, DELETE) of the gateway that come
 * from another site: a `Host` that is not this machine's (a DNS-rebinding page), an
 * `Origin` other than the `Host` itself, or `Sec-Fetch-Site: cross-site`. A page on another
 * origin can then not place orders or start traffic through a visitor's browser; callers
 * without a browser (curl, scripts) send no `Origin` and pass. PERMISSION_DENIED (403).
 */
@Injectable()
export class SameOriginGuard implements CanActivate {
  private readonly allowedHosts = allowedHosts(process.env.MESH_ALLOWED_HOSTS);

  canActivate(ctx: ExecutionContext): boolean {
    if (ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(req.method)) return true;
    const host = req.headers.host ?? '';
    if (!this.allowedHosts.has(hostName(host))) throw denied(`requests for host '${hostName(host)}' are not served here`);
    const origin = req.headers.origin;
    if (origin !== undefined && !this.isSameOrigin(origin, host)) {
      throw denied('cross-origin requests may not change state');
    }
    if (req.headers['sec-fetch-site'] === 'cross-site') throw denied('cross-site requests may not change state');
    return true;
  }

  private isSameOrigin(origin: string, host: string): boolean {
    try {
      return new URL(origin).host.toLowerCase() === host.toLowerCase();
    } catch {
      return false;
    }
  }
}
