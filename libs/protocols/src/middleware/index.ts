export { CorrelationIdMiddleware } from './correlation-id.middleware';
export { DeadlineMiddleware } from './deadline.middleware';
export {
  InFlightLimitMiddleware,
  DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT,
  DEFAULT_MAX_IN_FLIGHT_PER_LISTENER,
} from './in-flight-limit.middleware';
export { LoggingMiddleware } from './logging.middleware';
export { ProtocolTimings, type RequestTiming } from './protocol-timings';
