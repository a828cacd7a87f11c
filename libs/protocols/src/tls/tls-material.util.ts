import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions, type TlsOptions as NodeTlsOptions } from 'node:tls';
import type { NestApplicationOptions } from '@nestjs/common';
import { InvalidTlsOptionError } from './invalid-tls-option.error';
import {
  tlsClientCertNeedsCaMessage,
  tlsMissingMessage,
  tlsNotPemMessage,
  tlsPairMessage,
  tlsUnreadableFileMessage,
  tlsUnusableMessage,
  tlsWrongTypeMessage,
} from './tls.messages';
import type { ClientTlsOptions, TlsMaterial, TlsOptions } from './tls.options';

const PEM_MARK = '-----BEGIN';

/**
 * A listener's TLS material, read and checked.
 * @internal
 */
export interface ServerTlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer[];
  requestClientCert: boolean;
}

/**
 * A client's TLS material, read and checked.
 * @internal
 */
export interface ClientTlsMaterial {
  ca?: Buffer[];
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  rejectUnauthorized: boolean;
}

/**
 * PEM text as is; a Buffer as is; any other string is a file path, read now. `option`
 * names the option in errors (`grpc.tls.cert`).
 * @internal
 */
export function readTlsMaterial(value: unknown, option: string): Buffer {
  if (Buffer.isBuffer(value)) {
    if (!value.includes(PEM_MARK)) throw new InvalidTlsOptionError(tlsNotPemMessage(option, 'a Buffer'));
    return value;
  }
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidTlsOptionError(tlsWrongTypeMessage(option));
  if (value.trimStart().startsWith(PEM_MARK)) return Buffer.from(value);
  let content: Buffer;
  try {
    content = readFileSync(value);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new InvalidTlsOptionError(tlsUnreadableFileMessage(option, value, reason), { cause: error });
  }
  if (!content.includes(PEM_MARK)) throw new InvalidTlsOptionError(tlsNotPemMessage(option, `the file '${value}'`));
  return content;
}

function readOptional(value: TlsMaterial | undefined, option: string): Buffer | undefined {
  return value === undefined ? undefined : readTlsMaterial(value, option);
}

function readCa(value: TlsMaterial | TlsMaterial[] | undefined, option: string): Buffer[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return [readTlsMaterial(value, option)];
  return value.map((item, index) => readTlsMaterial(item, `${option}[${index}]`));
}

/** Lets OpenSSL parse the material now, so a bad key or a cert/key mismatch fails at startup. */
function checkUsable(options: SecureContextOptions, option: string): void {
  try {
    createSecureContext(options);
  } catch (error) {
    throw new InvalidTlsOptionError(tlsUnusableMessage(option, (error as Error).message), { cause: error });
  }
}

/**
 * Reads and checks a listener's `tls` option; `option` is its name (`tcp.tls`).
 * @internal
 */
export function loadServerTls(options: TlsOptions, option: string): ServerTlsMaterial {
  if (options.cert === undefined) throw new InvalidTlsOptionError(tlsMissingMessage(`${option}.cert`));
  if (options.key === undefined) throw new InvalidTlsOptionError(tlsMissingMessage(`${option}.key`));
  const material: ServerTlsMaterial = {
    cert: readTlsMaterial(options.cert, `${option}.cert`),
    key: readTlsMaterial(options.key, `${option}.key`),
    ca: readCa(options.ca, `${option}.ca`),
    requestClientCert: options.requestClientCert === true,
  };
  if (material.requestClientCert && !material.ca) throw new InvalidTlsOptionError(tlsClientCertNeedsCaMessage(option));
  checkUsable({ cert: material.cert, key: material.key, ca: material.ca }, option);
  return material;
}

/**
 * Reads and checks a client's `tls` option; `option` is its name (`tls`).
 * @internal
 */
export function loadClientTls(options: ClientTlsOptions, option: string): ClientTlsMaterial {
  if ((options.cert === undefined) !== (options.key === undefined)) throw new InvalidTlsOptionError(tlsPairMessage(option));
  const material: ClientTlsMaterial = {
    ca: readCa(options.ca, `${option}.ca`),
    cert: readOptional(options.cert, `${option}.cert`),
    key: readOptional(options.key, `${option}.key`),
    servername: options.servername,
    rejectUnauthorized: options.rejectUnauthorized !== false,
  };
  checkUsable({ cert: material.cert, key: material.key, ca: material.ca }, option);
  return material;
}

/**
 * Several PEM blocks as one (what grpc-js takes for its root certificates).
 * @internal
 */
export function joinPem(pems: Buffer[]): Buffer {
  return Buffer.concat(pems.flatMap((pem) => [pem, Buffer.from('\n')]));
}

/**
 * Options of `tls.createServer` / `https.createServer` for a listener: with
 * `requestClientCert`, a client certificate is required and verified against `ca`.
 * @internal
 */
export function serverTlsOptions(material: ServerTlsMaterial): NodeTlsOptions {
  return {
    cert: material.cert,
    key: material.key,
    ...(material.ca ? { ca: material.ca } : {}),
    requestCert: material.requestClientCert,
    rejectUnauthorized: true,
  };
}

/**
 * What a client passes to `tls.connect`.
 * @internal
 */
export interface ClientTlsConnectOptions {
  ca?: Buffer[];
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  rejectUnauthorized: boolean;
}

/**
 * Options of `tls.connect` (and of ws, https and mqtt.js, which pass them on) for a client.
 * @internal
 */
export function clientTlsOptions(material: ClientTlsMaterial): ClientTlsConnectOptions {
  const options: ClientTlsConnectOptions = { rejectUnauthorized: material.rejectUnauthorized };
  if (material.ca) options.ca = material.ca;
  if (material.cert) options.cert = material.cert;
  if (material.key) options.key = material.key;
  // NOTE: only a name given on purpose: Node refuses an IP address as SNI server name.
  if (material.servername) options.servername = material.servername;
  return options;
}

/**
 * `httpsOptions` for `NestFactory.create(AppModule, { httpsOptions })` from Orion's TLS
 * options (files read now). Not needed with `ProtocolsModule`'s `http.tls`, which
 * `startProtocols` applies itself; use it for an app that serves HTTPS without Orion's
 * HTTP listener options, or that wants Nest to build the HTTPS server from the start.
 *
 * @publicApi
 */
export function httpsOptionsFrom(tls: TlsOptions, option = 'http.tls'): NonNullable<NestApplicationOptions['httpsOptions']> {
  const { cert, key, ca, requestCert, rejectUnauthorized } = serverTlsOptions(loadServerTls(tls, option));
  return { cert, key, ca, requestCert, rejectUnauthorized };
}
