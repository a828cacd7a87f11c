import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header, NotFoundException, Param, Redirect, Res, Sse, type MessageEvent } from '@nestjs/common';
import type { Response } from 'express';
import { Endpoint, Msg, ProtocolError } from '@orion/protocols';
import { map, type Observable } from 'rxjs';
import { DemoTrafficService } from './demo-traffic.service';
import { MeshViewService } from './mesh-view.service';

/** The dashboard's files: plain HTML, CSS and JS next to this file, read once. */
const ASSETS = {
  'dashboard.css': 'text/css; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'traces.js': 'text/javascript; charset=utf-8',
} as const;
const read = (name: string) => readFileSync(join(__dirname, 'dashboard', name), 'utf8');

/**
 * `/dashboard`: the live mesh view. The page loads `/api/mesh/stream` (server-sent events,
 * one snapshot per second and on every change); `/api/mesh` is the same snapshot once,
 * also on WebSocket as pattern `mesh.view`.
 */
@Controller()
export class DashboardController {
  private readonly page = read('index.html');
  private readonly assets = new Map(Object.keys(ASSETS).map((name) => [name, read(name)]));

  constructor(
    private readonly view: MeshViewService,
    private readonly traffic: DemoTrafficService,
  ) {}

  @Get()
  @Redirect('/dashboard')
  root() {}

  @Get('dashboard')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  dashboard(): string {
    return this.page;
  }

  @Get('dashboard/:asset')
  @Header('cache-control', 'no-store')
  asset(@Param('asset') name: string, @Res({ passthrough: true }) response: Response): string {
    const body = this.assets.get(name);
    if (!body) throw new NotFoundException(`no dashboard asset '${name}'`);
    response.type(ASSETS[name as keyof typeof ASSETS]);
    return body;
  }

  @Sse('api/mesh/stream')
  stream(): Observable<MessageEvent> {
    return this.view.snapshot$.pipe(map((snapshot) => ({ data: snapshot })));
  }

  @Endpoint('mesh.view', { protocols: ['http', 'ws'], http: { method: 'GET', path: '/api/mesh' } })
  mesh() {
    return this.view.snapshot();
  }

  @Endpoint('demo.traffic', { protocols: ['http', 'ws'], http: { method: 'POST', path: '/api/demo/traffic' } })
  setTraffic(@Msg() request: { rps?: unknown }) {
    const rps = Number(request?.rps);
    if (!Number.isFinite(rps)) throw ProtocolError.invalidArgument('rps must be a number (0 stops the background orders)');
    return this.traffic.setRate(rps);
  }

  @Endpoint('demo.burst', { protocols: ['http', 'ws'], http: { method: 'POST', path: '/api/demo/burst' } })
  burst(@Msg() request: { count?: unknown }) {
    return this.traffic.burst(Number(request?.count ?? 20));
  }
}
