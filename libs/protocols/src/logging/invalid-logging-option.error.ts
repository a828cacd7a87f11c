/**
 * Thrown when a log format or level (from options or from `LOG_FORMAT` /
 * `LOG_LEVEL`) is not one of the valid values. The message lists them, so a
 * typo in a deployment fails at startup with the fix in the error text.
 *
 * @publicApi
 */
export class InvalidLoggingOptionError extends Error {
  override readonly name = 'InvalidLoggingOptionError';
}
