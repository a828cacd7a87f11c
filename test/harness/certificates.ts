import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** One certificate and its key: PEM text and the files they were written to. */
export interface TestCertificate {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

/**
 * Throwaway certificates for the TLS suites, written to a temp directory:
 *
 * - `ca`: the test CA;
 * - `server`: signed by `ca`, for `127.0.0.1` and `localhost` (serverAuth);
 * - `client`: signed by `ca` (clientAuth), for mutual TLS;
 * - `otherCa` and `otherClient`: an unrelated CA and a client certificate it signed, which
 *   listeners must refuse (and which a client trusts to be refused by a listener).
 */
export interface TestCertificates {
  dir: string;
  ca: TestCertificate;
  server: TestCertificate;
  client: TestCertificate;
  otherCa: TestCertificate;
  otherClient: TestCertificate;
  /** Deletes the directory. */
  remove(): void;
}

type Profile = 'ca' | 'server' | 'client';
type Extensions = NonNullable<NonNullable<Parameters<typeof generate>[1]>['extensions']>;

const EXTENSIONS: Record<Profile, Extensions> = {
  ca: [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ],
  server: [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ],
  client: [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ],
};

/**
 * Generates the certificates in process with `selfsigned` (P-256 keys, SHA-256, valid two
 * days): a few tens of ms each, no `openssl` processes. Call once per test file, in
 * `beforeAll`; `remove()` in `afterAll`.
 */
export async function generateTestCertificates(): Promise<TestCertificates> {
  const dir = mkdtempSync(join(tmpdir(), 'orion-tls-'));
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 2 * 24 * 3600_000);
  const make = async (name: string, commonName: string, profile: Profile, signer?: TestCertificate): Promise<TestCertificate> => {
    const pems = await generate([{ name: 'commonName', value: commonName }], {
      keyType: 'ec',
      algorithm: 'sha256',
      notBeforeDate,
      notAfterDate,
      extensions: EXTENSIONS[profile],
      ...(signer ? { ca: { key: signer.key, cert: signer.cert } } : {}),
    });
    const certPath = join(dir, `${name}.crt`);
    const keyPath = join(dir, `${name}.key`);
    writeFileSync(certPath, pems.cert);
    writeFileSync(keyPath, pems.private, { mode: 0o600 });
    return { cert: pems.cert, key: pems.private, certPath, keyPath };
  };
  const [ca, otherCa] = await Promise.all([make('ca', 'Orion Test CA', 'ca'), make('other-ca', 'Unrelated Test CA', 'ca')]);
  const [server, client, otherClient] = await Promise.all([
    make('server', 'localhost', 'server', ca),
    make('client', 'orion-test-client', 'client', ca),
    make('other-client', 'unrelated-client', 'client', otherCa),
  ]);
  return { dir, ca, server, client, otherCa, otherClient, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
