/** A function's place in a V8 profile (CPU or allocation sampling). */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** Where a function's code lives, short: `@nats-io/nats-core`, `gateway`, `node:internal`, `(garbage collector)`. */
export function originOf(frame: CallFrame): string {
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
export function shortLocation(frame: CallFrame): string {
  if (!frame.url) return frame.functionName || '(anonymous)';
  const file = frame.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|apps|packages)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}
