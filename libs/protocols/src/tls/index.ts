export type { TlsMaterial, TlsOptions, ClientTlsOptions } from './tls.options';
export { InvalidTlsOptionError } from './invalid-tls-option.error';
export { httpsOptionsFrom } from './tls-material.util';
