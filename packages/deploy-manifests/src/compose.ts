import { readFileSync } from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { REPO_ROOT } from './paths';

/** The parts of a Compose service the checks read; anything else passes through untyped. */
export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; args?: Record<string, string> | string[] };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: unknown;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: (string | number | { target?: number; published?: string | number })[];
  profiles?: string[];
  deploy?: { replicas?: number };
  stop_grace_period?: string;
  volumes?: (string | { source?: string; target?: string })[];
  container_name?: string;
  [key: string]: unknown;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface LoadedCompose {
  file: string;
  data: ComposeFile;
}

/**
 * Parses docker-compose.yml. `merge: true` because Compose honours YAML merge keys (`<<: *anchor`),
 * which the file uses to share settings between services.
 */
export function loadComposeFile(file: string = path.join(REPO_ROOT, 'docker-compose.yml')): LoadedCompose {
  const data = parse(readFileSync(file, 'utf8'), { merge: true, prettyErrors: true }) as ComposeFile;
  if (!data || typeof data !== 'object' || !data.services) {
    throw new Error(`${file} has no services`);
  }
  return { file, data };
}

/**
 * A service's environment as name → raw value (before interpolation), from either Compose form
 * (`KEY: value` or `- KEY=value`). A bare `- KEY` (passed through from the host) maps to null.
 */
export function serviceEnvironment(service: ComposeService): Record<string, string | null> {
  const env = service.environment;
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const separator = entry.indexOf('=');
        return separator < 0 ? [entry, null] : [entry.slice(0, separator), entry.slice(separator + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [name, value === null ? null : String(value)]),
  );
}

/** The build argument APP of a service built from the root Dockerfile, if any. */
export function buildArg(service: ComposeService, name: string): string | undefined {
  const build = service.build;
  if (!build || typeof build === 'string' || !build.args) return undefined;
  if (Array.isArray(build.args)) {
    const entry = build.args.find((arg) => arg.startsWith(`${name}=`));
    return entry?.slice(name.length + 1);
  }
  return build.args[name];
}

/** `${VAR…}` references and whether Compose refuses to run without them (`:?` / `?`). */
export interface VariableReference {
  name: string;
  required: boolean;
}

const VARIABLE =
  /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|\$\$|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Every variable referenced anywhere in the parsed file's string values. */
export function referencedVariables(value: unknown): VariableReference[] {
  const found = new Map<string, boolean>();
  const visit = (node: unknown): void => {
    if (typeof node === 'string') {
      for (const match of node.matchAll(VARIABLE)) {
        const name = match[1] ?? match[4];
        if (!name) continue; // `$$`, an escaped dollar
        const required = match[2] === ':?' || match[2] === '?';
        found.set(name, (found.get(name) ?? false) || required);
      }
    } else if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (node && typeof node === 'object') {
      Object.values(node).forEach(visit);
    }
  };
  visit(value);
  return [...found]
    .map(([name, required]) => ({ name, required }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Compose's variable substitution: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}` and `$$`. Throws like Compose does when a
 * required variable is missing, so a check can prove the file refuses to start without its secrets.
 */
export function interpolate(text: string, variables: Record<string, string | undefined>): string {
  return text.replace(
    VARIABLE,
    (whole, braced?: string, operator?: string, argument?: string, bare?: string) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare)!;
      const value = variables[name];
      const unsetOrEmpty = value === undefined || value === '';
      switch (operator) {
        case ':-':
          return unsetOrEmpty ? interpolate(argument ?? '', variables) : value;
        case '-':
          return value === undefined ? interpolate(argument ?? '', variables) : value;
        case ':?':
        case '?':
          if (operator === ':?' ? unsetOrEmpty : value === undefined) {
            throw new Error(`required variable ${name} is missing a value: ${argument ?? ''}`);
          }
          return value!;
        case ':+':
          return unsetOrEmpty ? '' : interpolate(argument ?? '', variables);
        case '+':
          return value === undefined ? '' : interpolate(argument ?? '', variables);
        default:
          return value ?? '';
      }
    },
  );
}

/** A Compose duration (`30s`, `1m30s`, `500ms`, `1h`) in seconds. */
export function durationSeconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== duration) {
    throw new Error(`not a Compose duration: ${duration}`);
  }
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6 };
  return parts.reduce((sum, [, amount, suffix]) => sum + Number(amount) * unit[suffix], 0);
}

/** `.env.example`: variable names with their (example) values, and the comment text around them. */
export interface EnvExample {
  variables: Record<string, string>;
  /** The comment block right above each variable (how to generate it). */
  help: Record<string, string>;
}

export function loadEnvExample(file: string = path.join(REPO_ROOT, '.env.example')): EnvExample {
  const variables: Record<string, string> = {};
  const help: Record<string, string> = {};
  let comments: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) {
      comments.push(trimmed.replace(/^#\s?/, ''));
      continue;
    }
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(trimmed);
    if (match) {
      variables[match[1]] = match[2];
      help[match[1]] = comments.join('\n');
    }
    comments = [];
  }
  return { variables, help };
}
