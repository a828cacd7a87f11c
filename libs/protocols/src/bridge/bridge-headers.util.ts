import { CORRELATION_ID_HEADER, DEADLINE_HEADER, TIMEOUT_HEADER } from '../protocols.constants';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import { BRIDGE_DROPPED_HEADERS, BRIDGE_DROPPED_HEADER_PREFIXES, BRIDGED_FROM_HEADER } from './bridge.constants';
import type { BridgeSource } from './bridge.options';
import type { CompiledBridgeRule } from './compiled-bridge-rule.interface';

function isDropped(name: string): boolean {
  return BRIDGE_DROPPED_HEADERS.has(name) || name.endsWith('-bin') || BRIDGE_DROPPED_HEADER_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * Headers a bridged call carries: the incoming ones (all but hop-by-hop and transport
 * headers, or the rule's list), the correlation id, and `x-orion-bridged-from` naming where
 * the message arrived (`mqtt sensors/42/reading`, `http POST /orders`: URI-encoded, so it
 * is a valid header and gRPC metadata value). The budget headers never travel as given:
 * the outgoing client stamps the remaining budget.
 */
export function bridgeHeaders(
  message: ProtocolMessage,
  rule: Pick<CompiledBridgeRule, 'headers' | 'http'>,
  source: Pick<BridgeSource, 'protocol' | 'key'>,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (name === TIMEOUT_HEADER || name === DEADLINE_HEADER) continue;
    if (rule.headers ? !rule.headers.has(name) : isDropped(name)) continue;
    headers[name] = value;
  }
  const correlationId = message.headers[CORRELATION_ID_HEADER];
  if (correlationId) headers[CORRELATION_ID_HEADER] = correlationId;
  const from = source.protocol === 'http' ? `${rule.http.method} ${encodeURI(`/${source.key}`)}` : encodeURI(source.key);
  headers[BRIDGED_FROM_HEADER] = `${source.protocol} ${from}`;
  return headers;
}
