import { z } from 'zod';

/** Thrown at start-up when the environment does not satisfy a service's schema. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment once, at start-up. Every problem names the variable and what it expects,
 * so an operator can fix all of them in one pass.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings mean "unset": docker-compose and k8s often pass VAR= for optional settings.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const got = issue.path.length === 1 ? cleaned[String(issue.path[0])] : undefined;
      const shown = got === undefined ? 'it is not set' : `got ${JSON.stringify(redact(name, got))}`;
      return `${name}: ${issue.message} (${shown})`;
    }),
  );
}

/** Values of variables whose name suggests a secret are never echoed back, even in errors. */
function redact(name: string, value: string): string {
  return /KEY|SECRET|PASSWORD|TOKEN/i.test(name) ? `<${value.length} characters, hidden>` : value;
}
