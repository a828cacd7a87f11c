export { ProtocolMetrics, REQUESTS_TOTAL_METRIC, REQUEST_DURATION_METRIC, REQUESTS_IN_FLIGHT_METRIC } from './protocol-metrics';
export { MetricsController } from './metrics.controller';
export { METRICS_DEFAULT_PATH, METRICS_DEFAULT_BUCKETS, type ProtocolMetricsOptions } from './metrics.options';
export { PromClientMissingError } from './prom-client-missing.error';
