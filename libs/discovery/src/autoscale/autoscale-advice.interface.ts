/**
 * What the advisor recommends for a service: more instances, fewer, or as it is.
 *
 * @publicApi
 */
export type AutoscaleRecommendation = 'scale-up' | 'scale-down' | 'steady';

/**
 * One evaluation of one service by the `AutoscaleAdvisor`.
 *
 * @publicApi
 */
export interface AutoscaleAdvice {
  service: string;
  /** Live instances that are not draining. */
  currentInstances: number;
  /**
   * Mean utilization (0..1 and beyond) of the passing instances that report load;
   * undefined when none does (then the advice holds the current count).
   */
  utilization: number | undefined;
  /** The utilization aimed at. */
  target: number;
  /**
   * `ceil(current × utilization / target)`, within the tolerance, bounds and the
   * scale-down stabilization window.
   */
  desiredInstances: number;
  recommendation: AutoscaleRecommendation;
  /** Epoch ms of the evaluation. */
  at: number;
}
