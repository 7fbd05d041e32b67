import type { FaultKind } from './fault-injector';
import type { PlanSettings } from './session-plan';

/** How big and how rough one chaos run is. */
export interface ChaosProfile {
  name: string;
  runners: number;
  normalizers: number;
  gateways: number;
  runnerAckWaitMs: number;
  normalizerAckWaitMs: number;
  plan: PlanSettings;
  /** Faults strike all through this window. */
  windowMs: number;
  /** Sessions start at random moments this early in the window (so that faults keep finding live ones). */
  startsWithinMs: number;
  faultGapMs: readonly [number, number];
  /** Injected first, in this order. */
  scriptedFaults: readonly FaultKind[];
  /** Then picked at random until the window closes (none: only the scripted ones). */
  randomFaults: readonly FaultKind[];
  /** How long sessions may take to finish once every fault is repaired. */
  settleTimeoutMs: number;
}

const EVERY_FAULT: readonly FaultKind[] = [
  'runner.kill9',
  'normalizer.kill9',
  'gateway.kill9',
  'runner.sigterm',
  'nats.restart',
  'runner.sigstop',
  'postgres.outage',
  'normalizer.sigterm',
];

/** Inside `npm test`: every kind of fault once, a handful of sessions, a fixed seed. */
export const QUICK_PROFILE: ChaosProfile = {
  name: 'quick',
  runners: 3,
  normalizers: 2,
  gateways: 2,
  runnerAckWaitMs: 3_000,
  normalizerAckWaitMs: 5_000,
  plan: { sessions: 12, followUpChance: 0.3, cursorFaultChance: 0.5, paceMs: [30, 60] },
  windowMs: 30_000,
  startsWithinMs: 18_000,
  faultGapMs: [1_500, 2_500],
  scriptedFaults: EVERY_FAULT,
  randomFaults: [],
  settleTimeoutMs: 90_000,
};

/** `npm run test:chaos`: many sessions, faults at random for minutes. */
export const FULL_PROFILE: ChaosProfile = {
  name: 'full',
  runners: 4,
  normalizers: 3,
  gateways: 2,
  runnerAckWaitMs: 3_000,
  normalizerAckWaitMs: 5_000,
  plan: { sessions: 60, followUpChance: 0.4, cursorFaultChance: 0.5, paceMs: [25, 70] },
  windowMs: 150_000,
  startsWithinMs: 125_000,
  faultGapMs: [2_000, 5_000],
  scriptedFaults: EVERY_FAULT,
  randomFaults: [
    'runner.kill9',
    'runner.kill9',
    'runner.sigterm',
    'runner.sigstop',
    'normalizer.kill9',
    'normalizer.sigterm',
    'gateway.kill9',
    'nats.restart',
    'postgres.outage',
  ],
  settleTimeoutMs: 240_000,
};

export function chaosProfile(name = process.env.CHAOS_PROFILE ?? 'quick'): ChaosProfile {
  if (name === 'quick') return QUICK_PROFILE;
  if (name === 'full') return FULL_PROFILE;
  throw new Error(`CHAOS_PROFILE must be quick or full, not "${name}"`);
}
