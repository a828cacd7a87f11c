export { FakeClock } from './fake-clock';
export { TestingRegistry } from './testing-registry';
export { SimulatedInstances, type InstanceFaults } from './simulated-instances';
export { FaultInjectionMiddleware, type EndpointFaults } from './fault-injection.middleware';
