import { pathOfNulCharacter } from './nul-character';

describe('pathOfNulCharacter', () => {
  it('names the first field whose text holds a NUL, through objects and arrays', () => {
    expect(pathOfNulCharacter({ name: 'ok', content: [{ text: 'fine' }, { text: 'a\u0000b' }] })).toBe(
      'content.1.text',
    );
    expect(pathOfNulCharacter({ metadata: { 'bad\u0000key': 'v' } })).toBe('metadata.bad\u0000key');
    expect(pathOfNulCharacter('\u0000')).toBe('body');
  });

  it('finds nothing in text without one', () => {
    expect(pathOfNulCharacter({ name: 'a\\u0000b', n: 1, none: null, list: ['x', 2] })).toBeNull();
  });
});
