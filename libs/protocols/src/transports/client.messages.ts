/** Error text of Orion's WebSocket, gRPC, MQTT and HTTP clients, one function per case. */

export const CLIENT_CLOSED = (client: string): string => `${client} was closed before the call ended`;

export const CLIENT_CONNECT_FAILED = (client: string, target: string, reason: string): string =>
  `${client} could not connect to ${target}: ${reason}`;

export const CLIENT_CONNECTION_LOST = (client: string): string => `${client} lost its connection before the reply arrived`;

export const CLIENT_NOT_CONNECTED = (client: string): string => `${client} is not connected`;

export const CLIENT_NOT_SERIALIZABLE = (pattern: string): string => `the payload of '${pattern}' is not JSON-serializable`;

export const CLIENT_REQUEST_TOO_LARGE = (pattern: string, size: number, limit: number): string =>
  `'${pattern}' encodes to ${size} bytes, over the ${limit}-byte limit`;

export const CLIENT_INVALID_OPTION = (client: string, option: string, expected: string): string =>
  `${client}: option '${option}' must be ${expected}`;

export const CLIENT_REPLY_NOT_JSON = (what: string): string => `${what} is not valid JSON`;

export const GRPC_UNKNOWN_METHOD = (pattern: string): string =>
  `no gRPC method for pattern '${pattern}': add it to the client's 'methods' or call it as 'Service/Method'`;

export const HTTP_UNEXPECTED_STATUS = (status: number, statusText: string): string => `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;

export const MQTT_NO_SUBSCRIBER = (topic: string): string =>
  `nobody subscribes to the MQTT topic '${topic}': the request would never be answered`;
