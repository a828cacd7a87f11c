/**
 * Thrown when a feature needs an optional peer dependency that is not installed, naming
 * the package to install (e.g. `aedes` for `startEmbeddedMqttBroker()`, `mqtt` for
 * `MqttClient`).
 *
 * @publicApi
 */
export class OptionalPackageMissingError extends Error {
  override readonly name = 'OptionalPackageMissingError';

  constructor(
    readonly packageName: string,
    feature: string,
    cause?: unknown,
  ) {
    super(`${feature} needs the optional dependency '${packageName}': install it (npm i ${packageName})`, { cause });
  }
}
