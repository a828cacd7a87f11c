/** Text of the errors a misconfigured app gets at start, one constant or function per case. */

export const PROTOCOLS_MODULE_MISSING =
  "@Endpoint handlers need ProtocolsModule: import ProtocolsModule.forRoot({...}) in the app's root module " +
  '(it is global unless isGlobal: false, then import it where the controller is), or, in a test, ' +
  "ProtocolsTestingModule from '@orion/protocols/testing'";

export const startedTwiceMessage = (): string =>
  'startProtocols(app) was already called for this app: call it once, in main.ts, instead of app.listen()';
