import type { Projection } from './eventSourcing/projection.js';
import type { Reactor } from './eventSourcing/reactor.js';
import type { JobHandler, JobOptions } from './ports/scheduler.js';

export interface JobDefinition {
  name: string;
  handler: JobHandler;
  options?: JobOptions;
  /** Set for a job that runs on its own every so often (not scheduled by events). */
  everyMs?: number;
}

/** What a bounded context contributes to the running service besides its commands and queries. */
export interface ContextModule {
  projections?: Projection[];
  reactors?: Reactor[];
  jobs?: JobDefinition[];
}
