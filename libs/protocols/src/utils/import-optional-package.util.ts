import { OptionalPackageMissingError } from '../errors/optional-package-missing.error';

/**
 * `import(packageName)`, failing with an `OptionalPackageMissingError` that names the
 * package when it is not installed. Other load errors (a broken install) pass through.
 */
export async function importOptionalPackage<T>(packageName: string, feature: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isNotFound(error, packageName)) throw new OptionalPackageMissingError(packageName, feature, error);
    throw error;
  }
}

function isNotFound(error: unknown, packageName: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(`'${packageName}'`)
  );
}
