import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { ChannelDto, NotificationChannel, NotificationSettings } from './notification-channel';

/** What a channel class tells the rules about itself. */
export interface ChannelDefinition<O extends ChannelDto = ChannelDto> {
  /** What a rule's `send[].channel` says; also its label in the log and the metrics. */
  readonly type: string;
  /** The class a rule's entry for this channel is validated against (and becomes). */
  readonly options: new () => O;
  /**
   * What the channel needs from the environment, as a message (undefined: all
   * there). Checked at start-up, so a rule using it stops the start rather
   * than failing its first send.
   */
  readonly requires?: (settings: NotificationSettings) => string | undefined;
}

export const ChannelMetadata = DiscoveryService.createDecorator<ChannelDefinition>();

/**
 * Makes a class a notification channel: injectable, and found at start-up by
 * the ChannelRegistry once it is a provider of NotificationsModule. The
 * options class must be the one its `send` takes.
 */
export function Channel<O extends ChannelDto>(definition: ChannelDefinition<O>) {
  return <T extends abstract new (...args: never[]) => NotificationChannel<O>>(target: T): void => {
    Injectable()(target);
    ChannelMetadata(definition)(target);
  };
}

/** The @Channel definition of a class; throws when it has none. */
export function channelDefinition(target: { readonly name: string }): ChannelDefinition {
  const definition = Reflect.getMetadata(ChannelMetadata.KEY, target) as
    ChannelDefinition | undefined;
  if (!definition) {
    throw new Error(`${target.name} is not a notification channel: it has no @Channel decorator`);
  }
  return definition;
}
