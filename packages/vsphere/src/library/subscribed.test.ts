import { describe, expect, it } from 'vitest';
import type { MoRef } from '../refs.js';
import { createFixture } from '../testing/fixture.js';
import { SAMPLE_OVF_IMAGES } from './ovf.js';

const [ubuntu, photon] = SAMPLE_OVF_IMAGES as unknown as [
  (typeof SAMPLE_OVF_IMAGES)[number],
  (typeof SAMPLE_OVF_IMAGES)[number],
];

const setup = () => {
  const fixture = createFixture();
  const ds = fixture.at('/DC0/datastore/LocalDS_0');
  const { library } = fixture.vsphere;
  const source = library.create({ name: 'pub', datastore: ds.id, type: 'LOCAL', published: true });
  const u = library.createItem(source, ubuntu);
  return { ...fixture, ds, library, source, u };
};

describe('subscribed libraries', () => {
  it('copies the published items at creation and follows the source on sync', () => {
    const { library, ds, source, u } = setup();
    const sub = library.createSubscribed({
      name: 'sub',
      datastore: ds.id,
      source,
      subscriptionUrl: 'x',
      onDemand: true,
    });
    expect(library.get(sub)).toMatchObject({
      type: 'SUBSCRIBED',
      subscription: { source, url: 'x', onDemand: true, automaticSyncEnabled: true },
      lastSyncTime: expect.any(Number),
    });
    const [copy] = library.listItems(sub).map((id) => library.getItem(id));
    expect(copy).toMatchObject({ name: ubuntu.name, sourceId: u, cached: false, ovf: ubuntu.ovf });
    expect(copy?.files.every((f) => !f.cached)).toBe(true);
    expect(() => library.createItem(sub, { name: 'x', type: 'file' })).toThrow(/subscribed/);
    expect(() => library.createUpdateSession(copy?.id as string)).toThrow(/subscribed/);

    const p = library.createItem(source, photon);
    library.deleteItem(u);
    library.sync(sub);
    expect(library.listItems(sub).map((id) => library.getItem(id))).toMatchObject([
      { name: photon.name, sourceId: p },
    ]);
  });

  it("syncs an on-demand item: it and its files held, as its library's datastore then lists them", async () => {
    const { vsphere, library, ds, source, u, run } = setup();
    const sub = library.createSubscribed({
      name: 'sub',
      datastore: ds.id,
      source,
      subscriptionUrl: 'x',
      onDemand: true,
    });
    const copy = library.listItems(sub)[0] as string;
    library.syncItem(copy);
    expect(library.getItem(copy)).toMatchObject({ cached: true });
    expect(library.getItem(copy).files.every((f) => f.cached)).toBe(true);
    const browser = vsphere.read<MoRef>(ds.id, 'browser');
    const dir = `[LocalDS_0] contentlib-${sub}/${copy}`;
    const listed = (await run(vsphere.datastoreBrowser.search(browser, dir))) as { file: { path: string }[] };
    expect(listed.file.map((f) => f.path).sort()).toEqual(
      library
        .getItem(copy)
        .files.map((f) => f.name)
        .sort(),
    );
    expect(() => library.syncItem(u)).toThrow();
  });

  it('caches content when not on demand, and refuses unpublished sources and taken names', () => {
    const { library, ds, source } = setup();
    const sub = library.createSubscribed({
      name: 'full',
      datastore: ds.id,
      source,
      subscriptionUrl: 'x',
      onDemand: false,
    });
    expect(library.getItem(library.listItems(sub)[0] as string).cached).toBe(true);
    expect(library.subscribersOf(source)).toEqual([sub]);
    const local = library.create({ name: 'private', datastore: ds.id, type: 'LOCAL' });
    expect(() =>
      library.createSubscribed({ name: 'y', datastore: ds.id, source: local, subscriptionUrl: 'x' }),
    ).toThrow(/subscription_url/);
    expect(() => library.publish(local)).toThrow(/not published/);
    library.setPublished(local, true);
    library.publish(local);
    expect(library.get(local)).toMatchObject({ published: true, version: '2' });
    expect(() =>
      library.createSubscribed({ name: 'pub', datastore: ds.id, source, subscriptionUrl: 'x' }),
    ).toThrow();
    expect(() => library.sync(local)).toThrow(/subscribed library/);
    library.updateSubscribed(sub, { name: 'renamed', onDemand: true });
    expect(library.get(sub)).toMatchObject({ name: 'renamed', subscription: { onDemand: true } });
  });
});
