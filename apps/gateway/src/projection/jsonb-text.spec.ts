import { jsonbText } from './jsonb-text';

describe('jsonbText', () => {
  it('leaves ordinary JSON as JSON.stringify writes it', () => {
    const value = { text: 'héllo 👋 "quoted" \n tab\t \u0001', n: 1 };
    expect(jsonbText(value)).toBe(JSON.stringify(value));
  });

  it('turns a NUL and a lone surrogate into U+FFFD, and nothing else', () => {
    const text = jsonbText({ text: 'a\u0000b\ud800c\udc00d 👋' });
    expect(JSON.parse(text)).toEqual({ text: 'a\ufffdb\ufffdc\ufffdd 👋' });
  });

  it('keeps a backslash followed by the text u0000', () => {
    const value = { text: 'C:\\u0000 and \\\\u0000' };
    expect(JSON.parse(jsonbText(value))).toEqual(value);
  });
});
