/** Event and task history collectors, QueryEvents and CancelTask over the wire. */
import { describe, expect, it } from 'vitest';
import { ref, soapClient } from './test-client.js';

const EVENT_MANAGER = ref('EventManager', 'EventManager');
const TASK_MANAGER = ref('TaskManager', 'TaskManager');
const VM = ref('VirtualMachine', 'vm-20');

const byVm = '<entity><entity type="VirtualMachine">vm-20</entity><recursion>self</recursion></entity>';

/** The collector reference a Create* call answered. */
const collectorOf = (body: string, type: string) => {
  const value = new RegExp(`<returnval type="${type}">([^<]+)</returnval>`).exec(body)?.[1];
  if (!value) throw new Error(`no ${type} in ${body}`);
  return ref(type, value);
};

describe('EventHistoryCollector over the wire', () => {
  it('pages through the events of a VM: latestPage, ReadNext, ReadPrevious, Reset, Rewind', async () => {
    const client = soapClient();
    for (const method of ['PowerOffVM_Task', 'PowerOnVM_Task', 'PowerOffVM_Task'])
      await client.task(method, VM);
    const created = await client.call('CreateCollectorForEvents', EVENT_MANAGER, `<filter>${byVm}</filter>`);
    const self = collectorOf(created.body, 'EventHistoryCollector');
    const page = await client.retrieve(self, 'latestPage', 'filter');
    expect(page).toContain('<val xsi:type="ArrayOfEvent"><Event xsi:type="VmPoweredOffEvent">');
    expect(page).toContain(
      '<val xsi:type="EventFilterSpec"><entity><entity type="VirtualMachine">vm-20</entity>',
    );
    expect((await client.call('SetCollectorPageSize', self, '<maxCount>2</maxCount>')).status).toBe(200);
    const next = await client.call('ReadNextEvents', self, '<maxCount>2</maxCount>');
    expect(next.body.match(/<returnval xsi:type="(\w+)">/g)).toEqual([
      '<returnval xsi:type="VmStoppingEvent">',
      '<returnval xsi:type="VmPoweredOffEvent">',
    ]);
    await client.call('ResetCollector', self);
    const previous = await client.call('ReadPreviousEvents', self, '<maxCount>10</maxCount>');
    expect(previous.body.match(/<returnval xsi:type="(\w+)">/g)).toEqual([
      '<returnval xsi:type="VmPoweredOnEvent">',
      '<returnval xsi:type="VmStartingEvent">',
      '<returnval xsi:type="VmPoweredOffEvent">',
      '<returnval xsi:type="VmStoppingEvent">',
    ]);
    await client.call('RewindCollector', self);
    expect((await client.call('ReadNextEvents', self, '<maxCount>1</maxCount>')).body).toContain(
      '<returnval xsi:type="VmStoppingEvent">',
    );
    const bad = await client.call('ReadNextEvents', self, '<maxCount>0</maxCount>');
    expect(client.faultOf(bad.body)).toBe('InvalidArgument');
    expect((await client.call('DestroyCollector', self)).status).toBe(200);
    expect(client.faultOf((await client.call('ReadNextEvents', self, '<maxCount>1</maxCount>')).body)).toBe(
      'ManagedObjectNotFound',
    );
  });

  it('wakes a WaitForUpdatesEx on latestPage when a matching event is posted', async () => {
    const client = soapClient();
    const created = await client.call('CreateCollectorForEvents', EVENT_MANAGER, `<filter>${byVm}</filter>`);
    const collector = collectorOf(created.body, 'EventHistoryCollector');
    const pc = ref('PropertyCollector', 'propertyCollector');
    await client.call(
      'CreateFilter',
      pc,
      `<spec><propSet><type>EventHistoryCollector</type><pathSet>latestPage</pathSet></propSet><objectSet><obj type="EventHistoryCollector">${collector.value}</obj></objectSet></spec><partialUpdates>false</partialUpdates>`,
    );
    const first = await client.call(
      'WaitForUpdatesEx',
      pc,
      '<options><maxWaitSeconds>0</maxWaitSeconds></options>',
    );
    const version = /<version>([^<]+)<\/version>/.exec(first.body)?.[1];
    const waiting = client.call(
      'WaitForUpdatesEx',
      pc,
      `<version>${version}</version><options><maxWaitSeconds>60</maxWaitSeconds></options>`,
    );
    await client.task('PowerOffVM_Task', VM);
    const woken = await waiting;
    expect(woken.body).toContain('<kind>modify</kind>');
    expect(woken.body).toContain('<name>latestPage</name><op>assign</op><val xsi:type="ArrayOfEvent">');
    expect(woken.body).toContain('<Event xsi:type="VmPoweredOffEvent">');
  });

  it('keeps QueryEvents working with the filters the model now owns', async () => {
    const client = soapClient();
    await client.task('PowerOffVM_Task', VM);
    const res = await client.call(
      'QueryEvents',
      EVENT_MANAGER,
      `<filter>${byVm}<eventTypeId>VmPoweredOffEvent</eventTypeId></filter>`,
    );
    expect(res.body.match(/<returnval xsi:type="(\w+)">/g)).toEqual([
      '<returnval xsi:type="VmPoweredOffEvent">',
    ]);
  });
});

describe('TaskHistoryCollector and CancelTask over the wire', () => {
  it('reads the tasks of a VM as TaskInfo', async () => {
    const client = soapClient();
    const off = await client.task('PowerOffVM_Task', VM);
    const created = await client.call('CreateCollectorForTasks', TASK_MANAGER, `<filter>${byVm}</filter>`);
    const self = collectorOf(created.body, 'TaskHistoryCollector');
    expect(await client.retrieve(self, 'latestPage')).toContain(
      `<val xsi:type="ArrayOfTaskInfo"><TaskInfo><key>${off.id}</key>`,
    );
    const next = await client.call('ReadNextTasks', self, '<maxCount>5</maxCount>');
    expect(next.body).toContain(`<returnval><key>${off.id}</key>`);
    expect(next.body).toContain('<state>success</state>');
    expect((await client.call('ReadPreviousTasks', self, '<maxCount>5</maxCount>')).body).toContain(
      `<key>${off.id}</key>`,
    );
  });

  /** A task started and left queued for five seconds of the simulator's clock. */
  const queued = async (client: ReturnType<typeof soapClient>, method: string, body = '') => {
    client.vsphere.interceptor.add({ method, delayMs: 5000 });
    const started = await client.call(method, VM, body);
    return ref('Task', /<returnval type="Task">(task-\d+)</.exec(started.body)?.[1] as string);
  };

  it('cancels a queued clone and refuses a finished one (InvalidState)', async () => {
    const client = soapClient();
    const folder = client.vsphere.store.get(VM.value)?.parent as string;
    const task = await queued(
      client,
      'CloneVM_Task',
      `<folder type="Folder">${folder}</folder><name>copy</name><spec><location/><template>false</template><powerOn>false</powerOn></spec>`,
    );
    expect(await client.retrieve(task, 'info')).toContain('<cancelable>true</cancelable>');
    expect((await client.call('CancelTask', task)).status).toBe(200);
    const info = await client.retrieve(task, 'info');
    expect(info).toContain('<state>error</state><cancelled>true</cancelled>');
    expect(info).toContain('<fault xsi:type="RequestCanceled">');
    const again = await client.call('CancelTask', task);
    expect(client.faultOf(again.body)).toBe('InvalidState');
  });

  it('refuses to cancel a power operation (NotSupported)', async () => {
    const client = soapClient();
    const task = await queued(client, 'PowerOffVM_Task');
    expect(await client.retrieve(task, 'info')).toContain('<cancelable>false</cancelable>');
    const refused = await client.call('CancelTask', task);
    expect(client.faultOf(refused.body)).toBe('NotSupported');
    expect(await client.retrieve(task, 'info')).toContain(
      '<state>queued</state><cancelled>false</cancelled>',
    );
  });
});
