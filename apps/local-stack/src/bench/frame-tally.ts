import { existsSync, readdirSync } from 'fs';
import path from 'path';

/** A function's place in a V8 profile (CPU or allocation sampling). */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** Where a function's code lives, short: `@nats-io/nats-core`, `gateway`, `node:internal`, `(garbage collector)`. */
function originOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName || '(anonymous)';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1];
  const inRepo = /\/(apps|packages)\/([^/]+)\//.exec(url);
  if (inRepo) return inRepo[1] === 'packages' ? `@lap/${inRepo[2]}` : inRepo[2];
  if (url.startsWith('node:')) return 'node:internal';
  return url;
}

/** `name file:line`, the file relative to node_modules, apps or packages. */
function shortLocation(frame: CallFrame): string {
  if (!frame.url) return frame.functionName || '(anonymous)';
  const file = frame.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|apps|packages)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

export interface TalliedEntry {
  name: string;
  /** In the profile's own unit (µs of CPU, bytes allocated). */
  amount: number;
  /** Share of the total. */
  percent: number;
}

/** Adds up an amount (CPU time, bytes allocated) per function and per origin of a profile's call frames. */
export class FrameTally {
  total = 0;
  private readonly byFunction = new Map<string, number>();
  private readonly byOrigin = new Map<string, number>();

  add(frame: CallFrame, amount: number): void {
    this.total += amount;
    const name = shortLocation(frame);
    this.byFunction.set(name, (this.byFunction.get(name) ?? 0) + amount);
    const origin = originOf(frame);
    this.byOrigin.set(origin, (this.byOrigin.get(origin) ?? 0) + amount);
  }

  /** The `n` largest functions, or origins, largest first. */
  top(n: number, by: 'function' | 'origin'): TalliedEntry[] {
    return [...(by === 'function' ? this.byFunction : this.byOrigin).entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, amount]) => ({
        name,
        amount,
        percent: this.total ? Math.round((amount / this.total) * 1000) / 10 : 0,
      }));
  }
}

/** The profile files under `dir/<process>/` whose names end with `extension`. */
export function profileFilesIn(dir: string, extension: string): Array<{ processName: string; file: string }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((processName) =>
    readdirSync(path.join(dir, processName))
      .filter((name) => name.endsWith(extension))
      .map((name) => ({ processName, file: path.join(dir, processName, name) })),
  );
}
