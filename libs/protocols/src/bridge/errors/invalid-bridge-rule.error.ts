import { invalidRuleMessage } from '../bridge.messages';

/**
 * A bridge rule that cannot be served (bad pattern, unknown protocol, placeholder without
 * a capture, ...), thrown by `ProtocolBridgeModule.forRoot`.
 *
 * @publicApi
 */
export class InvalidBridgeRuleError extends TypeError {
  override readonly name = 'InvalidBridgeRuleError';

  constructor(
    readonly ruleIndex: number,
    reason: string,
  ) {
    super(invalidRuleMessage(ruleIndex, reason));
  }
}
