/** Thrown inside a run when its deployment was cancelled: the run stops and records nothing more. */
export class Abandoned extends Error {}
