export { ProtocolsTestingModule } from './protocols-testing.module';
export { createTestProtocolMessage } from './test-protocol-message.util';
