import { randomUUID } from 'node:crypto';
import type { ExecutionContext } from '@nestjs/common';
import { TcpContext } from '@nestjs/microservices';
import { Metadata } from '@grpc/grpc-js';
import type { Request } from 'express';
import { ENDPOINT_METADATA, REQUEST_ID_HEADER } from '../protocols.constants';
import type { EndpointMetadata } from '../interfaces/endpoint-options.interface';
import type { Protocol } from '../interfaces/protocol.interface';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import { deadlineFromHeaders, normalizeHeaders } from '../utils/headers.util';
import { clampDeadline } from '../utils/deadline.util';
import { sanitizeTraceHeaders } from '../tracing/trace-headers.util';
import { isProtocolAwareContext } from './protocol-aware-context.interface';

// NOTE: a cache, not a registry: the middleware chain, @Msg() and @MsgContext() of one
// request must see the same message object, keyed by the request's own context object.
const messages = new WeakMap<object, ProtocolMessage>();

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** What a transport read off the wire, before the message is built. @internal */
export interface RawProtocolMessage {
  protocol: Protocol;
  payload: unknown;
  headers: Record<string, string>;
  requestId?: string;
  grpcDeadline?: number;
}

interface RawMessage extends RawProtocolMessage {
  key: object;
}

function readHttp(ctx: ExecutionContext): RawMessage {
  const req = ctx.switchToHttp().getRequest<Request>();
  const body: unknown = req.body;
  // Path params win over body fields, body over query: the path names the resource.
  const payload = isPlainObject(body) || body === undefined ? { ...req.query, ...(body ?? {}), ...req.params } : body;
  const headers = normalizeHeaders(req.headers);
  return { key: req, protocol: 'http', payload, headers, requestId: headers[REQUEST_ID_HEADER] };
}

function readRpc(ctx: ExecutionContext): RawMessage {
  const rpc = ctx.switchToRpc();
  const context: unknown = rpc.getContext();
  const payload: unknown = rpc.getData();
  if (context instanceof Metadata) {
    const call = ctx.getArgByIndex<{ getDeadline?: () => Date | number }>(2);
    const raw = call?.getDeadline?.();
    const deadline = raw instanceof Date ? raw.getTime() : raw;
    return {
      key: call ?? context,
      protocol: 'grpc',
      payload,
      headers: normalizeHeaders(context.getMap()),
      grpcDeadline: typeof deadline === 'number' && Number.isFinite(deadline) ? deadline : undefined,
    };
  }
  if (context instanceof TcpContext) {
    // Orion's TcpServer hands a TcpRequestContext (transports/tcp), which adds the packet's
    // id; the packet's headers are the context's third argument (Nest 11 and 12). Read here
    // without importing the transport: the core does not depend on the transports.
    const { requestId } = context as TcpContext & { requestId?: string };
    return { key: context, protocol: 'tcp', payload, headers: normalizeHeaders(context.getArgByIndex(2)), requestId };
  }
  if (isProtocolAwareContext(context)) {
    const headers = normalizeHeaders(context.getHeaders());
    return { key: context, protocol: context.protocol, payload, headers, requestId: context.getRequestId() };
  }
  throw new Error('Orion endpoint reached through an unknown RPC transport');
}

function readWs(ctx: ExecutionContext): RawMessage {
  const ws = ctx.switchToWs();
  const context: unknown = ws.getClient();
  if (!isProtocolAwareContext(context)) throw new Error('Orion endpoint reached through an unknown WebSocket context');
  return {
    key: context,
    protocol: 'ws',
    payload: ws.getData(),
    headers: normalizeHeaders(context.getHeaders()),
    requestId: context.getRequestId(),
  };
}

const READERS: Record<string, (ctx: ExecutionContext) => RawMessage> = { http: readHttp, rpc: readRpc, ws: readWs };

/**
 * The `ProtocolMessage` of the request behind `ctx`, built once per request.
 */
export function getProtocolMessage(ctx: ExecutionContext): ProtocolMessage {
  const reader = READERS[ctx.getType<string>()];
  if (!reader) throw new Error(`Orion endpoints do not support the '${ctx.getType()}' context`);
  const raw = reader(ctx);
  const cached = messages.get(raw.key);
  if (cached) return cached;
  const endpoint = Reflect.getMetadata(ENDPOINT_METADATA, ctx.getHandler()) as EndpointMetadata | undefined;
  const message = createProtocolMessage(raw, endpoint?.pattern ?? '', endpoint?.isEvent ?? false);
  messages.set(raw.key, message);
  return message;
}

/**
 * Builds the message of one request from what its transport read: the caller's id or a
 * fresh one, deadline from the headers (and gRPC's own), clamped so no timer overflows.
 */
export function createProtocolMessage(raw: RawProtocolMessage, pattern: string, isEvent: boolean): ProtocolMessage {
  const receivedAt = Date.now();
  // A malformed traceparent is dropped here, on every protocol and both handler paths.
  sanitizeTraceHeaders(raw.headers);
  const message: ProtocolMessage = {
    id: raw.requestId ?? randomUUID(),
    protocol: raw.protocol,
    pattern,
    payload: raw.payload,
    headers: raw.headers,
    receivedAt,
    isEvent,
  };
  const headerDeadline = deadlineFromHeaders(raw.headers, receivedAt);
  const deadline =
    headerDeadline === undefined
      ? raw.grpcDeadline
      : raw.grpcDeadline === undefined
        ? headerDeadline
        : Math.min(headerDeadline, raw.grpcDeadline);
  // Clamped so that no timer armed for it overflows (a gRPC deadline can be years away).
  if (deadline !== undefined) message.deadline = clampDeadline(deadline, receivedAt);
  return message;
}

/** `@MsgContext()`'s factory: the direct handler path recognises it and passes the message. @internal */
export function msgContextFactory(_data: unknown, ctx: ExecutionContext): ProtocolMessage {
  return getProtocolMessage(ctx);
}

/** Like `getProtocolMessage`, but undefined instead of throwing (used by the filter). */
export function findProtocolMessage(ctx: ExecutionContext): ProtocolMessage | undefined {
  try {
    return getProtocolMessage(ctx);
  } catch {
    return undefined;
  }
}
