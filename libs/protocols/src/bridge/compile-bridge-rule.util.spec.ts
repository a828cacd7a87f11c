import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import type { BridgeRule } from './bridge.options';
import { compileBridgeRule, compileBridgeRules } from './compile-bridge-rule.util';
import { InvalidBridgeRuleError } from './errors/invalid-bridge-rule.error';
import { matchTopicFilter, matchTopicTail, parseTopicFilter } from './topic-filter.util';

const message = { headers: {} } as ProtocolMessage;
const rule = (from: BridgeRule['from'], to: Partial<BridgeRule['to']> = {}): BridgeRule => ({ from, to: { service: 'svc', ...to } });

describe('compileBridgeRule', () => {
  it.each<[string, BridgeRule['from'], { method: string; path: string }]>([
    ['a method and a path', { protocol: 'http', pattern: 'POST /orders' }, { method: 'POST', path: '/orders' }],
    ['path parameters', { protocol: 'http', pattern: 'GET  /orders/:id' }, { method: 'GET', path: '/orders/:id' }],
    ['a path alone (POST)', { protocol: 'http', pattern: '/orders' }, { method: 'POST', path: '/orders' }],
    ['an endpoint pattern', { protocol: 'http', pattern: 'orders.create' }, { method: 'POST', path: '/orders/create' }],
  ])('should route HTTP rules given %s', (_name, from, http) => {
    expect(compileBridgeRule(rule(from), 0).http).toEqual(http);
  });

  it.each<[string, BridgeRule]>([
    ['an unknown protocol', rule({ protocol: 'smtp' as never, pattern: 'x' })],
    ['MQTT # not last', rule({ protocol: 'mqtt', pattern: 'a/#/b' })],
    ['MQTT + inside a level', rule({ protocol: 'mqtt', pattern: 'a/b+/c' })],
    ['an empty MQTT level', rule({ protocol: 'mqtt', pattern: 'a//b' })],
    ['wildcards outside MQTT', rule({ protocol: 'tcp', pattern: 'orders/+' })],
    ['a bad HTTP route', rule({ protocol: 'http', pattern: 'FETCH /x' })],
    ['a bad TCP pattern', rule({ protocol: 'tcp', pattern: 'has space' })],
    ['no target service', { from: { protocol: 'tcp', pattern: 'x' }, to: { service: '' } }],
    ['a bad timeout', rule({ protocol: 'tcp', pattern: 'x' }, { timeoutMs: 0 })],
    ['a placeholder beyond the captures', rule({ protocol: 'mqtt', pattern: 'a/+' }, { pattern: 'x.{2}' })],
    ['an unknown named placeholder', rule({ protocol: 'http', pattern: 'GET /o/:id' }, { pattern: 'x.{name}' })],
  ])('should refuse %s', (_name, bad) => {
    expect(() => compileBridgeRule(bad, 3)).toThrow(InvalidBridgeRuleError);
    expect(() => compileBridgeRule(bad, 3)).toThrow(/rule #3/);
  });

  it('should refuse two rules on one protocol and route', () => {
    const twice = [rule({ protocol: 'http', pattern: 'POST /orders' }), rule({ protocol: 'http', pattern: '/orders' })];
    expect(() => compileBridgeRules(twice)).toThrow(/two rules serve http/);
  });

  describe('targetPattern', () => {
    const target = (r: BridgeRule, raw: { topic?: string; path?: string; params?: Record<string, string> }) => {
      const compiled = compileBridgeRule(r, 0);
      return compiled.targetPattern({ ...compiled.sourceOf(raw), message });
    };

    it.each<[string, BridgeRule, { topic?: string; path?: string; params?: Record<string, string> }, string]>([
      [
        'the MQTT topic by default',
        rule({ protocol: 'mqtt', pattern: 'sensors/+/reading' }),
        { topic: 'sensors/42/reading' },
        'sensors/42/reading',
      ],
      ['+ levels in order', rule({ protocol: 'mqtt', pattern: 'site/+/+' }, { pattern: '{2}.{1}' }), { topic: 'site/a/b' }, 'b.a'],
      ['the # remainder', rule({ protocol: 'mqtt', pattern: 'logs/#' }, { pattern: 'logs.{1}' }), { topic: 'logs/x/y' }, 'logs.x/y'],
      [
        'the topic without an instance prefix',
        rule({ protocol: 'mqtt', pattern: 'sensors/+/reading' }, { pattern: 't.{1}' }),
        { topic: 'orion/i/0abc/sensors/7/reading' },
        't.7',
      ],
      ['the HTTP path by default', rule({ protocol: 'http', pattern: 'POST /orders' }), { path: '/orders', params: {} }, 'orders'],
      [
        'HTTP params by position and name',
        rule({ protocol: 'http', pattern: 'GET /o/:id/:part' }, { pattern: 'o.{part}.{1}' }),
        { path: '/o/9/lines', params: { id: '9', part: 'lines' } },
        'o.lines.9',
      ],
      ['the same pattern on other protocols', rule({ protocol: 'tcp', pattern: 'orders.create' }), {}, 'orders.create'],
      ['a function', rule({ protocol: 'udp', pattern: 'ping' }, { pattern: (s) => `${s.protocol}.${s.rulePattern}` }), {}, 'udp.ping'],
    ])('should give %s', (_name, r, raw, expected) => {
      expect(target(r, raw)).toBe(expected);
    });
  });
});

describe('topic filters', () => {
  it.each<[string, string, string[] | undefined]>([
    ['a/+/c', 'a/b/c', ['b']],
    ['a/+/c', 'a/b/d', undefined],
    ['a/+', 'a/b/c', undefined],
    ['a/#', 'a', ['']], // '#' includes the parent level (MQTT 3.1.1 §4.7.1.2)
    ['a/#', 'a/b/c', ['b/c']],
    ['#', 'x/y', ['x/y']],
    ['a/b', 'a/b', []],
  ])('%s matches %s: %j', (filter, topic, captures) => {
    expect(matchTopicFilter(parseTopicFilter(filter)!, topic)).toEqual(captures);
  });

  it('should match the tail after an instance prefix', () => {
    expect(matchTopicTail(['a', '+'], 'orion/i/xyz/a/1')).toEqual({ topic: 'a/1', captures: ['1'] });
    expect(matchTopicTail(['a', '+'], 'b/c')).toBeUndefined();
  });
});
