export { ProtocolError, type ProtocolErrorBody } from './protocol.error';
export { STATUS_CODES, HTTP_STATUS_BY_CODE, type StatusCode } from './status-code';
export { toProtocolError } from './to-protocol-error.util';
export { OptionalPackageMissingError } from './optional-package-missing.error';
