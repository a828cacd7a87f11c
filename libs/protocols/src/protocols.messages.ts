/** Text of the errors Orion answers to bad input, one function per case, shared by transports. */

export const malformedFrameMessage = (): string => 'malformed frame: expected <length>#<json>, the length in decimal digits';

export const frameTooLargeMessage = (length: number, limit: number): string =>
  `frame of ${length} characters exceeds the limit of ${limit}`;

export const incompleteFrameMessage = (received: number, expected: number | undefined, timeoutMs: number): string =>
  `incomplete frame: ${received} of ${expected ?? 'an unknown number of'} characters arrived within ${timeoutMs} ms`;

export const notJsonMessage = (what: string): string => `${what} is not valid JSON`;

export const packetShapeMessage = (shape: string): string => `packet must be a JSON object ${shape}`;

export const badIdMessage = (): string => 'id must be a string or a number';

export const noEndpointMessage = (pattern: string): string => `no endpoint '${pattern}'`;

export const unserializableReplyMessage = (): string => 'the reply could not be serialized';

export const payloadTooLargeMessage = (size: number, limit: number): string =>
  `message of ${size} bytes exceeds the limit of ${limit} bytes`;

export const bodyTooLargeMessage = (limit: number | undefined): string =>
  limit === undefined ? 'request body is too large' : `request body exceeds the limit of ${limit} bytes`;
