import { loadOnFirstUse } from '../src/load-on-first-use.js';

describe('loadOnFirstUse', () => {
  it('loads once, on the first call, and gives every call the same value', async () => {
    let loads = 0;
    const get = loadOnFirstUse(async () => ({ load: ++loads }));
    expect(loads).toBe(0);
    const [first, second] = await Promise.all([get(), get()]);
    expect(await get()).toBe(first);
    expect(second).toBe(first);
    expect(loads).toBe(1);
  });

  it('tries again after a load that failed', async () => {
    let loads = 0;
    const get = loadOnFirstUse(async () => {
      loads += 1;
      if (loads === 1) throw Object.assign(new Error('too many open files'), { code: 'EMFILE' });
      return 'loaded';
    });
    await expect(get()).rejects.toMatchObject({ code: 'EMFILE' });
    expect(await get()).toBe('loaded');
    expect(await get()).toBe('loaded');
    expect(loads).toBe(2);
  });
});
