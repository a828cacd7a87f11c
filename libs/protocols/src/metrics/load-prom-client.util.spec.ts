describe('loadPromClient', () => {
  afterEach(() => jest.dontMock('prom-client'));

  it('should load prom-client when it is installed', () => {
    const { loadPromClient } = jest.requireActual<typeof import('./load-prom-client.util')>('./load-prom-client.util');
    expect(typeof loadPromClient(true)?.Counter).toBe('function');
  });

  describe('without prom-client', () => {
    const load = () => {
      let util!: typeof import('./load-prom-client.util');
      jest.isolateModules(() => {
        jest.doMock('prom-client', () => {
          throw Object.assign(new Error("Cannot find module 'prom-client'"), { code: 'MODULE_NOT_FOUND' });
        });
        util = require('./load-prom-client.util') as typeof import('./load-prom-client.util');
      });
      return util.loadPromClient;
    };

    it('should give undefined when metrics were not asked for explicitly', () => {
      expect(load()(false)).toBeUndefined();
    });

    it('should throw a clear error when they were', () => {
      expect(() => load()(true)).toThrow(/install it \(npm i prom-client\) or set metrics: false/);
      // NOTE: the isolated module has its own copy of the error class: compare by name.
      expect(() => load()(true)).toThrow(expect.objectContaining({ name: 'PromClientMissingError' }));
    });
  });
});
