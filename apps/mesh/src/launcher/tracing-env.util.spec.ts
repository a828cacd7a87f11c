import { OTLP_TOKEN_HEADER } from '../shared/mesh.constants';
import { meshTracingEnv } from './tracing-env.util';

describe('meshTracingEnv', () => {
  const gateway = 'http://127.0.0.1:3000';

  it("should point every process at the gateway's receiver with a fresh token when no collector is set", () => {
    const { env, shown } = meshTracingEnv(gateway, {});
    expect(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).toBe(`${gateway}/v1/traces`);
    expect(env.MESH_OTLP_TOKEN).toMatch(/^[0-9a-f]{48}$/);
    expect(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS).toBe(`${OTLP_TOKEN_HEADER}=${env.MESH_OTLP_TOKEN}`);
    expect(env.OTEL_BSP_SCHEDULE_DELAY).toBe('500');
    expect(shown).toContain(`${gateway}/v1/traces`);
    expect(meshTracingEnv(gateway, {}).env.MESH_OTLP_TOKEN).not.toBe(env.MESH_OTLP_TOKEN);
  });

  it("should keep the user's headers and batch delay", () => {
    const { env } = meshTracingEnv(gateway, { OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'a=1', OTEL_BSP_SCHEDULE_DELAY: '2000' });
    expect(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS).toBe(`a=1,${OTLP_TOKEN_HEADER}=${env.MESH_OTLP_TOKEN}`);
    expect(env.OTEL_BSP_SCHEDULE_DELAY).toBe('2000');
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://user:pw@collector:4318' }, 'exported to http://collector:4318'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, 'exported to http://collector:4318/v1/traces'],
    [{ OTEL_TRACES_EXPORTER: 'none' }, 'off'],
    [{ OTEL_SDK_DISABLED: 'true' }, 'off'],
  ])('should add nothing (no token to a foreign collector) for %j', (userEnv, shown) => {
    const result = meshTracingEnv(gateway, userEnv);
    expect(result.env).toEqual({});
    expect(result.shown.startsWith(shown)).toBe(true);
  });
});
