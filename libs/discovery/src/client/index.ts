export { BalancedClientsModule } from './balanced-clients.module';
export { BalancedClientProxy } from './balanced-client.proxy';
export type {
  BalancedClientOptions,
  BalancedClientAsyncOptions,
  BalancedCallOptions,
  BalancedTransport,
  RetryOptions,
  OutlierDetectionOptions,
} from './balanced-client.options';
export type { BalancedClientStats, InstanceCallStats, BroadcastResult } from './balanced-client-stats.interface';
export { RetryBudget } from './retry-budget';
export { OutlierDetector } from './outlier-detector';
export { TRANSPORT_CLIENTS, type TransportClient } from './transport-clients';
export { BalancedClientMetrics } from './balanced-client.metrics';
export type { BalancedHttpRequest } from './balanced-client.proxy';
