// The bench's result, as printed by print-report.ts and written as JSON.
import type { Outcome, Timing } from './measure.ts';
import type { PeersReport } from './peers/peer-figures.ts';
import type { MemoryBreakdown } from './memory-breakdown.ts';

export interface ScenarioResult {
  id: string;
  title: string;
  castellan: Outcome;
  bare: Outcome | null;
}

export interface ClusterResult {
  id: string;
  title: string;
  oneWorker: Outcome;
  twoWorkers: Outcome;
}

export interface GrowthPoint {
  label: string;
  /** OIDC documents (tokens, sessions, …) stored when the point was measured: they grow along, a confounder. */
  oidcDocuments: number;
  token: Outcome;
  userinfo: Outcome;
}

export interface GrowthRatio {
  name: string;
  small: string;
  large: string;
  points: [GrowthPoint, GrowthPoint];
}

export type GrowthResult = { points: GrowthPoint[]; ratios: GrowthRatio[] } | { missing: string };

export interface MemoryResult {
  pid: number;
  warmRssMb: number;
  peakRssMb: number;
  afterRssMb: number;
  /** Where the memory was at each point (the memory probe's answers; absent where it did not answer). */
  breakdown: { warm?: MemoryBreakdown; peak?: MemoryBreakdown; after?: MemoryBreakdown };
}

export interface Report {
  mode: 'quick' | 'full';
  startedAt: string;
  durationSeconds?: number;
  /** loadAverage: the 1-minute load average before and after the run (anything else running distorts the figures). */
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    node: string;
    os: string;
    database: string;
    loadAverage: number[];
  };
  timing: Timing;
  growthTiming: Timing;
  concurrency: number;
  growthConcurrency: number;
  scenarios: ScenarioResult[];
  cluster: ClusterResult[];
  growth: GrowthResult | null;
  memory: MemoryResult[];
  targets?: TargetCheck[];
  /** `--peers`: Keycloak and Ory Hydra beside Castellan (bench/lib/peers/). */
  peers?: PeersReport;
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}
