import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { AutoscaleAdvisor } from './autoscale-advisor';
import { AUTOSCALE_HTTP_PATH } from './autoscale.options';

/**
 * The advisor's latest advice as JSON on the HTTP listener, for dashboards:
 * `GET /autoscale` → `{ target, services: AutoscaleAdvice[] }`,
 * `GET /autoscale/:service` → one `AutoscaleAdvice` (404 when unknown).
 * Left out with `AutoscaleModule.forRoot({ isHttpEnabled: false })`.
 *
 * @publicApi
 */
@Controller(AUTOSCALE_HTTP_PATH)
export class AutoscaleController {
  constructor(private readonly advisor: AutoscaleAdvisor) {}

  @Get()
  list() {
    return { target: this.advisor.target, services: this.advisor.current() };
  }

  @Get(':service')
  one(@Param('service') service: string) {
    const advice = this.advisor.current().find((a) => a.service === service);
    if (!advice) throw new NotFoundException(`no autoscale advice for '${service}'`);
    return advice;
  }
}
