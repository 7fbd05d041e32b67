import { ApiError } from '../errors/api-error';

/** The text Cursor gets for a message: its text blocks, blank ones dropped, joined by a blank line. */
export function messageText(blocks: ReadonlyArray<{ text: string }>, field: string): string {
  const text = blocks
    .map((block) => block.text)
    .filter((part) => part.trim() !== '')
    .join('\n\n');
  if (text === '') throw ApiError.badRequest(`${field}: expected at least one text block with some text`);
  return text;
}
