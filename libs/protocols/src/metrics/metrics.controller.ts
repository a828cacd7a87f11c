import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ProtocolMetrics } from './protocol-metrics';

/**
 * Serves `GET /metrics` (or the configured `metrics.path`) as Prometheus text from the
 * metrics registry.
 *
 * NOTE: the path comes from module options that may be built asynchronously
 * (`forRootAsync`), so it cannot be a static `@Controller` route: the route is added on the
 * HTTP adapter at init instead, after the controllers' routes and before Nest's
 * not-found handler. It therefore bypasses global guards and interceptors, as a scrape
 * endpoint should, and is not counted in the request metrics.
 *
 * @publicApi
 */
@Injectable()
export class MetricsController implements OnModuleInit {
  private isRouteAdded = false;

  constructor(
    private readonly metrics: ProtocolMetrics,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter;
    const path = this.metrics.path;
    // NOTE: hybrid apps run init hooks once per connected microservice too.
    if (this.isRouteAdded || !adapter || path === undefined) return;
    this.isRouteAdded = true;
    adapter.get(path, (_request: unknown, response: unknown) => void this.scrape(response));
  }

  private async scrape(response: unknown): Promise<void> {
    const adapter = this.adapterHost.httpAdapter;
    try {
      const body = await this.metrics.render();
      adapter.setHeader(response, 'content-type', this.metrics.contentType);
      adapter.setHeader(response, 'cache-control', 'no-store');
      adapter.reply(response, body, 200);
    } catch (error) {
      adapter.setHeader(response, 'content-type', 'text/plain; charset=utf-8');
      adapter.reply(response, `# metrics collection failed: ${(error as Error).message ?? String(error)}\n`, 500);
    }
  }
}
