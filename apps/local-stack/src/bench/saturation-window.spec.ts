import { arrivalsPerSecond, saturationWindows } from './saturation-window';

describe('saturationWindows', () => {
  const arrivals = Array.from({ length: 101 }, (_, i) => 1_000 + i * 10); // 1000 … 2000 ms
  const whole = { from: 1_100, to: 1_900 };
  const fallback = { from: 0, to: 0 };

  it('prices the 10th to the 90th percentile of arrivals, all of it with the upstream at work', () => {
    expect(saturationWindows(arrivals, 2_500, fallback)).toEqual({ whole, upstreamAtWork: whole });
  });

  it('ends the every-stage-at-work part where the upstream was done', () => {
    expect(saturationWindows(arrivals, 1_500, fallback)).toEqual({
      whole,
      upstreamAtWork: { from: 1_100, to: 1_500 },
    });
  });

  it('has no every-stage-at-work part when the upstream was done before the window began', () => {
    expect(saturationWindows(arrivals, 1_050, fallback)).toEqual({ whole, upstreamAtWork: null });
  });

  it('falls back to the run’s start and end without arrivals', () => {
    expect(saturationWindows([], undefined, { from: 1, to: 9 }).whole).toEqual({ from: 1, to: 9 });
  });
});

describe('arrivalsPerSecond', () => {
  it('counts the arrivals inside the window, its edges included, per second of it', () => {
    expect(arrivalsPerSecond([0, 1000, 1500, 2000, 3000], { from: 1000, to: 2000 })).toBe(3);
  });

  it('is 0 for an empty window', () => {
    expect(arrivalsPerSecond([5], { from: 5, to: 5 })).toBe(0);
  });
});
