import { getEventListeners } from 'events';
import { sleep } from './sleep';

describe('sleep', () => {
  it('leaves no listener on the signal once it is over, however many times it is used', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('ends at once when the signal aborts', async () => {
    const controller = new AbortController();
    // Ten minutes: past the test's timeout, so only the abort can end it.
    const sleeping = sleep(600_000, controller.signal);
    controller.abort();
    await expect(sleeping).resolves.toBeUndefined();
  });
});
