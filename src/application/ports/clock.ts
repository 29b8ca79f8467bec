/** Time comes in through this port so deciders and tests never read the wall clock. */
export interface Clock {
  now(): Date;
}
