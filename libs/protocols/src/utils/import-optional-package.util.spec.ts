import { importOptionalPackage } from './import-optional-package.util';
import { OptionalPackageMissingError } from '../errors/optional-package-missing.error';

describe('importOptionalPackage', () => {
  it('names the package to install when it is not installed', async () => {
    const missing = 'orion-package-that-is-not-installed';
    const error = await importOptionalPackage(missing, 'the feature', () => import(missing)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionalPackageMissingError);
    expect((error as Error).message).toBe(`the feature needs the optional dependency '${missing}': install it (npm i ${missing})`);
  });

  it('returns the module when it is installed', async () => {
    const rxjs = await importOptionalPackage('rxjs', 'the feature', () => import('rxjs'));
    expect(typeof rxjs.of).toBe('function');
  });

  it('passes other load errors through', async () => {
    const broken = new Error('SyntaxError in the package');
    await expect(importOptionalPackage('rxjs', 'the feature', () => Promise.reject(broken))).rejects.toBe(broken);
  });
});
