import { Global, Injectable, Module } from '@nestjs/common';

/**
 * The time as the service sees it: when a message was received, what hour
 * a business-hours rule compares against. Tests replace it to stand at a
 * given instant; nothing else reads `Date.now()` for those decisions.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}
