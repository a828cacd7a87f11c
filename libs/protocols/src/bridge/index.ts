export { ProtocolBridgeModule } from './protocol-bridge.module';
export { ProtocolBridge } from './protocol-bridge';
export { BRIDGE_FORWARDER, BRIDGED_FROM_HEADER, BRIDGE_DEFAULT_TIMEOUT_MS } from './bridge.constants';
export type {
  BridgeRule,
  BridgeSource,
  BridgeTarget,
  BridgeForwarder,
  BridgeForwarders,
  BridgeCallOptions,
  ProtocolBridgeOptions,
} from './bridge.options';
export { InvalidBridgeRuleError } from './errors/invalid-bridge-rule.error';
export { BridgeTargetMissingError } from './errors/bridge-target-missing.error';
