export { AutoscaleModule } from './autoscale.module';
export { AUTOSCALE_MODULE_OPTIONS } from './autoscale.module-definition';
export { AutoscaleAdvisor } from './autoscale-advisor';
export { AutoscaleController } from './autoscale.controller';
export { AutoscaleMetrics } from './autoscale.metrics';
export { ScaleRecommender } from './scale-recommender';
export { InvalidAutoscaleOptionError } from './invalid-autoscale-option.error';
export type { AutoscaleAdvice, AutoscaleRecommendation } from './autoscale-advice.interface';
export {
  AUTOSCALE_DEFAULT_TARGET,
  AUTOSCALE_DEFAULT_STABILIZATION_WINDOW_MS,
  AUTOSCALE_DEFAULT_INTERVAL_MS,
  AUTOSCALE_DEFAULT_TOLERANCE,
  AUTOSCALE_DEFAULT_CAPACITY,
  AUTOSCALE_HTTP_PATH,
  type AutoscaleOptions,
  type AutoscaleMetric,
  type InstanceUtilizationFn,
} from './autoscale.options';
