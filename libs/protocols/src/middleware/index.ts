export { CorrelationIdMiddleware } from './correlation-id.middleware';
export { DeadlineMiddleware } from './deadline.middleware';
export { LoggingMiddleware } from './logging.middleware';
export { ProtocolTimings, type RequestTiming } from './protocol-timings';
