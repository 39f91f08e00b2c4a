import type { Clock } from '../../src/schedule/clock.js';

/** A clock that moves only when told: tests move time forward instead of sleeping. */
export class TestClock implements Clock {
  private time: number;

  constructor(start = new Date()) {
    this.time = start.getTime();
  }

  now(): Date {
    return new Date(this.time);
  }

  advanceSeconds(seconds: number): void {
    this.time += seconds * 1000;
  }
}
