/** The environment variable that forces every endpoint through Nest's pipeline. */
export const HANDLER_PATH_ENV = 'ORION_HANDLER_PATH';

/**
 * `ORION_HANDLER_PATH=nest` sends every endpoint through Nest's interceptor pipeline (to
 * compare the two paths, or to rule the direct path out); unset or `direct`: endpoints
 * that can take the direct path do. Anything else is refused at start-up.
 */
export function isDirectPathAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[HANDLER_PATH_ENV];
  if (value === undefined || value === '' || value === 'direct') return true;
  if (value === 'nest') return false;
  throw new RangeError(`${HANDLER_PATH_ENV} must be 'direct' or 'nest', not '${value}'`);
}
