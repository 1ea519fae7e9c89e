import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { IsString } from 'class-validator';
import { PermanentDeliveryError } from '../../delivery';
import { Channel, channelDefinition, type ChannelDefinition } from './channel.decorator';
import { ChannelRegistry } from './channel-registry';
import { ChannelDto, NotificationChannel } from './notification-channel';

class PagerChannelDto extends ChannelDto {
  @IsString()
  number!: string;
}

const needsPagerKey: ChannelDefinition['requires'] = ({ kommunicate }) =>
  kommunicate.apiKey === undefined ? 'pager needs a key' : undefined;

@Channel({ type: 'pager', options: PagerChannelDto, requires: needsPagerKey })
class PagerChannel extends NotificationChannel<PagerChannelDto> {
  send(): Promise<number> {
    return Promise.resolve(200);
  }
}

@Channel({ type: 'fax', options: PagerChannelDto })
class FaxChannel extends NotificationChannel<PagerChannelDto> {
  send(): Promise<null> {
    return Promise.resolve(null);
  }
}

@Channel({ type: 'pager', options: PagerChannelDto })
class SecondPagerChannel extends PagerChannel {}

/** Reads the definitions while the application is built, as the rules do. */
@Injectable()
class EarlyReader {
  readonly typesAtConstruction: string[];

  constructor(channels: ChannelRegistry) {
    this.typesAtConstruction = channels.definitions().map((definition) => definition.type);
  }
}

const build = (...providers: (new (...args: never[]) => unknown)[]) =>
  Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [ChannelRegistry, ...providers],
  });

describe('ChannelRegistry', () => {
  it('knows every @Channel provider, in the order listed, while the application is built', async () => {
    const moduleRef = await build(EarlyReader, FaxChannel, PagerChannel).compile();
    await moduleRef.init();
    expect(moduleRef.get(EarlyReader).typesAtConstruction).toEqual(['fax', 'pager']);

    const registry = moduleRef.get(ChannelRegistry);
    expect(registry.definitions()).toEqual([
      { type: 'fax', options: PagerChannelDto },
      { type: 'pager', options: PagerChannelDto, requires: needsPagerKey },
    ]);
    // The instances Nest made, the ones other providers get injected.
    expect(registry.get('pager')).toBe(moduleRef.get(PagerChannel));
    expect(registry.get('fax')).toBe(moduleRef.get(FaxChannel));
    expect(registry.get('pager').type).toBe('pager');
    await moduleRef.close();
  });

  it('an unknown type is a permanent failure: no retry will make it appear', async () => {
    const moduleRef = await build(PagerChannel).compile();
    await moduleRef.init();
    expect(() => moduleRef.get(ChannelRegistry).get('fax')).toThrow(
      new PermanentDeliveryError('no notification channel of type "fax"'),
    );
    await moduleRef.close();
  });

  it('two channels of one type stop the start, naming both', async () => {
    await expect(build(PagerChannel, SecondPagerChannel).compile()).rejects.toThrow(
      'Two notification channels have the type "pager": PagerChannel and SecondPagerChannel',
    );
  });

  it('a class without @Channel has no definition', () => {
    class Plain {}
    expect(() => channelDefinition(Plain)).toThrow(
      'Plain is not a notification channel: it has no @Channel decorator',
    );
    expect(channelDefinition(FaxChannel)).toEqual({ type: 'fax', options: PagerChannelDto });
  });
});
