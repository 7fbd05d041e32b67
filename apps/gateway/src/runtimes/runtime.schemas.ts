import { z } from 'zod';
import { DEFAULT_CURSOR_API_BASE } from '@lap/contracts';

export const putCredentialsSchema = z.object({
  api_key: z.string().trim().min(1, 'must not be empty'),
  api_base: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://api.cursor.com' })
    .transform((url) => url.replace(/\/+$/, ''))
    .default(DEFAULT_CURSOR_API_BASE),
});
export type PutCredentialsInput = z.infer<typeof putCredentialsSchema>;
