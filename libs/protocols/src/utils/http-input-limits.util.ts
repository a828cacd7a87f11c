import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { HTTP_DEFAULT_MAX_BODY_BYTES } from '../protocols.constants';
import { bodyTooLargeMessage, notJsonMessage } from '../protocols.messages';
import type { HttpListenerOptions } from '../interfaces/protocols-options.interface';
import { ProtocolError } from '../errors/protocol.error';
import { statusCodeFromHttp } from '../errors/status-code';
import { UnknownRouteFilter } from '../filters/unknown-route.filter';

type BodyParserApp = INestApplication & { useBodyParser?: (type: string, options: Record<string, unknown>) => unknown };

/** What body-parser's errors carry (http-errors with a `type`). */
interface BodyParserError {
  type?: unknown;
  status?: unknown;
  expose?: unknown;
  message?: unknown;
}

/** Clearer texts than body-parser's for the failures a caller causes most. */
const BODY_ERRORS: Record<string, (limit: number) => ProtocolError> = {
  'entity.too.large': (limit) => new ProtocolError('RESOURCE_EXHAUSTED', bodyTooLargeMessage(limit)),
  'entity.parse.failed': () => ProtocolError.invalidArgument(notJsonMessage('request body')),
  'parameters.too.many': () => new ProtocolError('RESOURCE_EXHAUSTED', 'too many form parameters'),
};

function answer(res: ServerResponse, status: number, error: ProtocolError): void {
  const body = JSON.stringify(error.toJSON());
  // NOTE: after a refused body the rest of the upload is not worth reading: close.
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}

/**
 * Refuses a request whose declared Content-Length is over the limit at once. body-parser
 * would first read (and discard) the whole declared body before answering, so a client
 * announcing 100 MB and sending a few bytes would wait.
 */
function refuseDeclaredOversize(limit: number) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) return answer(res, 413, new ProtocolError('RESOURCE_EXHAUSTED', bodyTooLargeMessage(limit)));
    next();
  };
}

/** Answers body-parser failures (not JSON, too large, bad charset, ...) in Orion's error shape. */
function answerBodyErrors(limit: number) {
  return (err: BodyParserError, _req: IncomingMessage, res: ServerResponse, next: (err: unknown) => void): void => {
    const { type, status } = err ?? {};
    if (typeof type !== 'string' || typeof status !== 'number' || status >= 500 || res.headersSent) return next(err);
    const message = err.expose === true && typeof err.message === 'string' ? err.message : (STATUS_CODES[status] ?? 'bad request');
    answer(res, status, BODY_ERRORS[type]?.(limit) ?? new ProtocolError(statusCodeFromHttp(status), message));
  };
}

/**
 * Bounds what an HTTP caller can send and shapes what it gets back for bad input, in
 * front of every route: a Content-Length check, the JSON and urlencoded body parsers with
 * `maxBodyBytes` (Nest then skips its own 100 KB ones), an error handler for what the
 * parsers refuse, and `UnknownRouteFilter` for requests that match no route. Must run
 * before `app.init()`.
 */
export function applyHttpInputLimits(app: INestApplication, options: HttpListenerOptions): void {
  const limit = options.maxBodyBytes ?? HTTP_DEFAULT_MAX_BODY_BYTES;
  app.use(refuseDeclaredOversize(limit));
  const parsers = app as BodyParserApp;
  parsers.useBodyParser?.('json', { limit });
  parsers.useBodyParser?.('urlencoded', { limit, extended: true });
  app.use(answerBodyErrors(limit));
  app.useGlobalFilters(new UnknownRouteFilter(app.getHttpAdapter()));
}
