import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { PermanentDeliveryError } from '../../delivery';
import { ChannelDefinition, ChannelMetadata } from './channel.decorator';
import { NotificationChannel } from './notification-channel';

/** Nest's record of a provider: its class before it is made, its instance after. */
type ProviderWrapper = ReturnType<DiscoveryService['getProviders']>[number];

const isChannel = (value: unknown): value is NotificationChannel =>
  value instanceof NotificationChannel;

/**
 * The notification channels: every provider marked with @Channel, by type.
 * Their definitions are read from the classes as soon as the registry exists,
 * because the rules are checked while the application is being built; the
 * instances are picked up at module init, once Nest has made them all.
 */
@Injectable()
export class ChannelRegistry implements OnModuleInit {
  private readonly found = new Map<
    string,
    { definition: ChannelDefinition; wrapper: ProviderWrapper }
  >();
  private readonly channels = new Map<string, NotificationChannel>();

  constructor(discovery: DiscoveryService) {
    for (const wrapper of discovery.getProviders({ metadataKey: ChannelMetadata.KEY })) {
      const definition = discovery.getMetadataByDecorator(ChannelMetadata, wrapper);
      if (!definition) continue;
      const other = this.found.get(definition.type);
      if (other) {
        throw new Error(
          `Two notification channels have the type "${definition.type}": ${other.wrapper.name} and ${wrapper.name}`,
        );
      }
      this.found.set(definition.type, { definition, wrapper });
    }
  }

  onModuleInit(): void {
    for (const [type, { wrapper }] of this.found) {
      const instance: unknown = wrapper.instance;
      if (!isChannel(instance)) {
        throw new Error(
          `@Channel("${type}") marks ${wrapper.name}, which is no NotificationChannel`,
        );
      }
      this.channels.set(type, instance);
    }
  }

  /** Every channel's definition, in the order the providers are listed. */
  definitions(): ChannelDefinition[] {
    return [...this.found.values()].map(({ definition }) => definition);
  }

  /** The channel of that type; rules name known types only, so a miss is a bug, not a retry. */
  get(type: string): NotificationChannel {
    const channel = this.channels.get(type);
    if (!channel) throw new PermanentDeliveryError(`no notification channel of type "${type}"`);
    return channel;
  }
}
