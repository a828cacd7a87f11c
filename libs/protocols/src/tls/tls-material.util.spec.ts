import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { InvalidTlsOptionError } from './invalid-tls-option.error';
import { tlsFailureMessage } from './tls-failure.util';
import { clientTlsOptions, httpsOptionsFrom, loadClientTls, loadServerTls, readTlsMaterial } from './tls-material.util';

describe('TLS material', () => {
  let dir: string;
  let cert: string;
  let key: string;
  let otherKey: string;
  let certPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orion-tls-unit-'));
    const [pems, other] = await Promise.all([
      generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' }),
      generate([{ name: 'commonName', value: 'other' }], { keyType: 'ec', algorithm: 'sha256' }),
    ]);
    cert = pems.cert;
    key = pems.private;
    otherKey = other.private;
    certPath = join(dir, 'cert.pem');
    writeFileSync(certPath, cert);
    writeFileSync(join(dir, 'not-pem.txt'), 'hello');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('readTlsMaterial', () => {
    it('should take PEM text and Buffers as they are, and read any other string as a file', () => {
      expect(readTlsMaterial(cert, 'x.cert').toString()).toBe(cert);
      const buffer = Buffer.from(cert);
      expect(readTlsMaterial(buffer, 'x.cert')).toBe(buffer);
      expect(readTlsMaterial(certPath, 'x.cert').toString()).toBe(cert);
      expect(readTlsMaterial(`\n  ${cert}`, 'x.cert').toString()).toContain('-----BEGIN CERTIFICATE-----');
    });

    it('should name the option and the path of a file that cannot be read', () => {
      const missing = join(dir, 'missing.pem');
      expect(() => readTlsMaterial(missing, 'grpc.tls.key')).toThrow(InvalidTlsOptionError);
      expect(() => readTlsMaterial(missing, 'grpc.tls.key')).toThrow(`'grpc.tls.key'`);
      expect(() => readTlsMaterial(missing, 'grpc.tls.key')).toThrow(`'${missing}' cannot be read: ENOENT`);
    });

    it('should refuse material without a PEM block, and values of the wrong type', () => {
      expect(() => readTlsMaterial(join(dir, 'not-pem.txt'), 'tls.ca')).toThrow(
        /'tls\.ca' \(the file '.*not-pem\.txt'\) holds no PEM block/,
      );
      expect(() => readTlsMaterial(Buffer.from('DER?'), 'tls.ca')).toThrow(/holds no PEM block/);
      expect(() => readTlsMaterial('', 'tls.ca')).toThrow(/must be PEM text, a Buffer holding PEM, or the path of a PEM file/);
      expect(() => readTlsMaterial(42, 'tls.ca')).toThrow(InvalidTlsOptionError);
    });
  });

  describe('loadServerTls', () => {
    it('should read cert, key and every CA, and turn requestClientCert into a required, verified client certificate', () => {
      const material = loadServerTls({ cert: certPath, key, ca: [cert, Buffer.from(cert)], requestClientCert: true }, 'tcp.tls');
      expect(material.ca).toHaveLength(2);
      expect(httpsOptionsFrom({ cert, key, ca: cert, requestClientCert: true })).toMatchObject({
        requestCert: true,
        rejectUnauthorized: true,
      });
    });

    it('should name the failing entry of a CA list', () => {
      expect(() => loadServerTls({ cert, key, ca: [cert, join(dir, 'nope.pem')] }, 'tcp.tls')).toThrow(`'tcp.tls.ca[1]'`);
    });

    it('should refuse mutual TLS without a CA and a key that does not match the certificate', () => {
      expect(() => loadServerTls({ cert, key, requestClientCert: true }, 'grpc.tls')).toThrow(`'grpc.tls.ca'`);
      expect(() => loadServerTls({ cert, key: otherKey }, 'http.tls')).toThrow(/'http\.tls' cannot be used/);
      expect(() => loadServerTls({ cert } as never, 'http.tls')).toThrow(`'http.tls.key' is required`);
    });
  });

  describe('loadClientTls', () => {
    it('should want cert and key together, and verify the server unless told otherwise', () => {
      expect(() => loadClientTls({ cert }, 'tls')).toThrow(`'tls.cert' and 'tls.key' go together`);
      expect(clientTlsOptions(loadClientTls({}, 'tls'))).toEqual({ rejectUnauthorized: true });
      expect(clientTlsOptions(loadClientTls({ ca: cert, servername: 'svc', rejectUnauthorized: false }, 'tls'))).toEqual({
        ca: [Buffer.from(cert)],
        servername: 'svc',
        rejectUnauthorized: false,
      });
    });
  });

  describe('tlsFailureMessage', () => {
    it('should explain TLS failures and leave other errors alone', () => {
      const unknownCa = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
      expect(tlsFailureMessage(unknownCa)).toBe(
        "TLS handshake failed: the server's certificate is not signed by a trusted CA (SELF_SIGNED_CERT_IN_CHAIN)",
      );
      expect(tlsFailureMessage({ code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' })).toContain('requires a client certificate');
      expect(tlsFailureMessage({ code: 'ERR_SSL_SOMETHING_NEW', message: 'odd' })).toBe(
        'TLS handshake failed: odd (ERR_SSL_SOMETHING_NEW)',
      );
      expect(tlsFailureMessage({ code: 'ECONNREFUSED' })).toBeUndefined();
      expect(tlsFailureMessage(new Error('plain'))).toBeUndefined();
    });
  });
});
