const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encodeJson = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));
export const decodeText = (data: Uint8Array): string => decoder.decode(data);
export const decodeJson = <T = unknown>(data: Uint8Array): T => JSON.parse(decodeText(data)) as T;
