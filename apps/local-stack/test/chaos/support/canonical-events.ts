import type { SessionEvent } from '@lap/contracts';

/** Prompt tokens that change how Cursor delivers a run (pace, connection faults), never what it says. */
const DELIVERY_DIRECTIVES = /\s*\[(pace|fault):[^\]]*\]/gi;

/**
 * An event reduced to what must be equal between two runs of the same script: no event id, no time,
 * Cursor's agent and run ids and references to other events replaced by their order of appearance.
 */
export function canonicalEvents(events: SessionEvent[]): string[] {
  const positionOfEvent = new Map(events.map((event, index) => [event.id, index]));
  const cursorIds = new Map<string, string>();
  const rename = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const position = positionOfEvent.get(value);
      if (position !== undefined) return `@event${position}`;
      const cursor = /^(bc|run)-[0-9a-f-]+$/.exec(value);
      if (cursor) {
        if (!cursorIds.has(value)) cursorIds.set(value, `${cursor[1]}#${cursorIds.size + 1}`);
        return cursorIds.get(value);
      }
      return value;
    }
    if (Array.isArray(value)) return value.map(rename);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([key]) => key !== 'id' && key !== 'processed_at')
          .map(([key, inner]) => [key, rename(inner)]),
      );
    }
    return value;
  };
  return events.map((event) => {
    const body = rename(event) as Record<string, unknown>;
    if (event.type === 'user.message') {
      body.content = (event.content as Array<{ type: string; text?: string }>).map((part) =>
        part.text === undefined ? part : { ...part, text: part.text.replace(DELIVERY_DIRECTIVES, '') },
      );
    }
    return JSON.stringify(body);
  });
}
