import { encodeText } from './pooled-text-encoding';

const decoder = new TextDecoder();

export const encodeJson = (value: unknown): Uint8Array => encodeText(JSON.stringify(value));
export const decodeText = (data: Uint8Array): string => decoder.decode(data);
export const decodeJson = <T = unknown>(data: Uint8Array): T => JSON.parse(decodeText(data)) as T;
