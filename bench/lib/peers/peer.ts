// A peer as the interleaved runner sees it: the same Target the scenarios use for Castellan and the bare library,
// plus what differs (where introspection is served) and a line saying how it is configured.
import type { Target } from '../targets.ts';

export interface PeerTarget {
  target: Target;
  /** Hydra serves introspection on its admin port only; the others on the same base as the rest. */
  introspectionBase: string;
  /** Version, storage, token format and password hashing, as the report prints them. */
  description: string;
}
