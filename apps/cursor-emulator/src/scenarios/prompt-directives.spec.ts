import { DirectiveError, parsePromptDirectives } from './prompt-directives';

describe('parsePromptDirectives', () => {
  it('defaults to the default scenario with no faults', () => {
    expect(parsePromptDirectives('Fix the bug')).toEqual({ scenario: 'default', faults: [] });
  });

  it('reads scenario, pace and several faults anywhere in the text', () => {
    expect(
      parsePromptDirectives('Do it [scenario:PR] now [pace:10][fault:drop_after=3] [fault:rate_limit=1]'),
    ).toEqual({
      scenario: 'pr',
      paceMs: 10,
      faults: [
        { kind: 'drop_after', frames: 3, times: 1 },
        { kind: 'rate_limit', count: 1, retryAfterSeconds: 1 },
      ],
    });
  });

  it('reads the bench knobs: frames per run and text per frame, bounded', () => {
    expect(parsePromptDirectives('[scenario:bench][frames:500][frame_bytes:256][pace:0]')).toEqual({
      scenario: 'bench',
      paceMs: 0,
      frames: 500,
      frameBytes: 256,
      faults: [],
    });
    expect(() => parsePromptDirectives('[frames:0]')).toThrow(/frames/);
    expect(() => parsePromptDirectives('[frame_bytes:100000]')).toThrow(/frame_bytes/);
  });

  it('rejects unknown scenarios, bad paces and bad faults', () => {
    expect(() => parsePromptDirectives('[scenario:dance]')).toThrow(DirectiveError);
    expect(() => parsePromptDirectives('[pace:fast]')).toThrow(/whole number/);
    expect(() => parsePromptDirectives('[fault:drop_after]')).toThrow(/\[fault:drop_after\]/);
  });
});
