import { compareSequences } from './sequence-check';

describe('compareSequences (what the chaos checks count)', () => {
  const expected = ['a', 'b', 'c', 'd'];

  it('finds nothing wrong in the same sequence', () => {
    expect(compareSequences(expected, [...expected])).toMatchObject({
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
    });
  });

  it('counts a lost item, a repeated one and one out of place', () => {
    expect(compareSequences(expected, ['a', 'c', 'd'])).toMatchObject({
      lost: 1,
      duplicated: 0,
      outOfOrder: 0,
    });
    expect(compareSequences(expected, ['a', 'b', 'b', 'c', 'd'])).toMatchObject({ lost: 0, duplicated: 1 });
    expect(compareSequences(expected, ['a', 'c', 'b', 'd'])).toMatchObject({
      lost: 0,
      duplicated: 0,
      outOfOrder: 1,
    });
  });
});
