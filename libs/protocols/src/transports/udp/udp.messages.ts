/** Error and log text of the UDP transport. */

export const UDP_DATAGRAM_TOO_LARGE = (size: number, max: number): string => `datagram of ${size} bytes exceeds the ${max}-byte limit`;

export const UDP_REQUEST_TOO_LARGE = (pattern: string, size: number, max: number): string =>
  `'${pattern}' encodes to a ${size}-byte datagram, over the ${max}-byte limit (raise maxDatagramBytes on both sides, up to 65507, or send less)`;

export const UDP_REPLY_TOO_LARGE = (size: number, max: number): string =>
  `reply of ${size} bytes exceeds the ${max}-byte datagram limit of this server`;

export const UDP_REPLY_AMPLIFIED = (size: number, max: number): string =>
  `reply of ${size} B is over 3x the unsigned request (${max} B): pad the request, set hmacKey, or use another transport`;

export const UDP_NOT_JSON = (): string => 'datagram is not a UTF-8 JSON object';

export const UDP_NOT_SERIALIZABLE = (what: string): string => `${what} is not JSON-serializable`;

export const UDP_UNSUPPORTED_VERSION = (version: number, supported: number): string =>
  `wire version ${version} is not supported; this peer speaks version ${supported}`;

export const UDP_INVALID_FIELD = (field: string, expected: string): string => `datagram field '${field}' must be ${expected}`;

export const UDP_NO_ENDPOINT = (pattern: string): string => `no UDP endpoint '${pattern}'`;

export const UDP_CLIENT_CLOSED = (): string => 'UDP client closed before the reply arrived';

export const UDP_SEND_FAILED = (code: string): string => `UDP send failed: ${code}`;

export const UDP_INVALID_OPTION = (option: string, expected: string): string => `UDP: option '${option}' must be ${expected}`;
