// Every error the API answers is {error: {code, message}} with a 4xx/5xx status: a clear sentence,
// never a stack trace, never a request body echoed back (it may hold a key).
import { z } from 'zod';

export const ErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export function errorBody(code: string, message: string): z.infer<typeof ErrorBodySchema> {
  return { error: { code, message } };
}
