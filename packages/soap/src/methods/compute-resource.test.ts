/** ReconfigureComputeResource_Task and FindRulesForVm over the wire. */
import { findByInventoryPath } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { ref, soapClient } from './test-client.js';

const setup = () => {
  const client = soapClient();
  const id = (path: string) => {
    const record = findByInventoryPath(client.vsphere.store, path);
    if (!record) throw new Error(`nothing at ${path}`);
    return record.id;
  };
  return {
    client,
    cluster: ref('ClusterComputeResource', id('/DC0/host/DC0_C0')),
    vm0: id('/DC0/vm/DC0_C0_RP0_VM0'),
    vm1: id('/DC0/vm/DC0_C0_RP0_VM1'),
    host0: id('/DC0/host/DC0_C0/DC0_C0_H0'),
  };
};

const spec = (parts: string) => `<spec xsi:type="ClusterConfigSpecEx">${parts}</spec><modify>true</modify>`;

describe('ReconfigureComputeResource_Task', () => {
  it("adds groups and rules, reads them in configurationEx, finds a VM's rules, removes a rule by its int key", async () => {
    const { client, cluster, vm0, vm1, host0 } = setup();
    const added = await client.task(
      'ReconfigureComputeResource_Task',
      cluster,
      spec(
        `<groupSpec><operation>add</operation><info xsi:type="ClusterVmGroup"><name>vms</name><vm type="VirtualMachine">${vm0}</vm></info></groupSpec>` +
          `<groupSpec><operation>add</operation><info xsi:type="ClusterHostGroup"><name>hosts</name><host type="HostSystem">${host0}</host></info></groupSpec>` +
          '<rulesSpec><operation>add</operation><info xsi:type="ClusterVmHostRuleInfo"><enabled>true</enabled><name>pin</name><mandatory>true</mandatory>' +
          '<vmGroupName>vms</vmGroupName><affineHostGroupName>hosts</affineHostGroupName></info></rulesSpec>' +
          `<rulesSpec><operation>add</operation><info xsi:type="ClusterAntiAffinityRuleSpec"><enabled>true</enabled><name>apart</name>` +
          `<vm type="VirtualMachine">${vm0}</vm><vm type="VirtualMachine">${vm1}</vm></info></rulesSpec>`,
      ),
    );
    expect(added.fault).toBeUndefined();
    const body = await client.retrieve(cluster, 'configurationEx');
    expect(body).toContain(
      `<group xsi:type="ClusterVmGroup"><name>vms</name><userCreated>true</userCreated><vm type="VirtualMachine">${vm0}</vm></group>`,
    );
    expect(body).toContain('<rule xsi:type="ClusterVmHostRuleInfo"><key>1</key>');
    expect(body).toMatch(
      /<rule xsi:type="ClusterAntiAffinityRuleSpec"><key>2<\/key>.*<ruleUuid>[0-9a-f-]{36}<\/ruleUuid>/,
    );
    const found = await client.call('FindRulesForVm', cluster, `<vm type="VirtualMachine">${vm1}</vm>`);
    expect(found.body).toContain('<returnval xsi:type="ClusterAntiAffinityRuleSpec"><key>2</key>');
    expect(found.body).not.toContain('ClusterVmHostRuleInfo');
    const removed = await client.task(
      'ReconfigureComputeResource_Task',
      cluster,
      spec('<rulesSpec><operation>remove</operation><removeKey xsi:type="xsd:int">2</removeKey></rulesSpec>'),
    );
    expect(removed.fault).toBeUndefined();
    expect(await client.retrieve(cluster, 'configurationEx')).not.toContain('ClusterAntiAffinityRuleSpec');
  });

  it('ends the task in InvalidArgument for a rule naming a missing group, changing nothing', async () => {
    const { client, cluster, vm0 } = setup();
    const refused = await client.task(
      'ReconfigureComputeResource_Task',
      cluster,
      spec(
        `<groupSpec><operation>add</operation><info xsi:type="ClusterVmGroup"><name>vms</name><vm type="VirtualMachine">${vm0}</vm></info></groupSpec>` +
          '<rulesSpec><operation>add</operation><info xsi:type="ClusterVmHostRuleInfo"><name>pin</name>' +
          '<vmGroupName>vms</vmGroupName><affineHostGroupName>none</affineHostGroupName></info></rulesSpec>',
      ),
    );
    expect(refused.fault).toBe('InvalidArgument');
    expect(await client.retrieve(cluster, 'configurationEx')).not.toContain('<group');
  });

  it('takes the deprecated ReconfigureCluster_Task and its ClusterConfigSpec; configuration reports the rules', async () => {
    const { client, cluster, vm0, vm1 } = setup();
    const done = await client.task(
      'ReconfigureCluster_Task',
      cluster,
      '<spec><rulesSpec><operation>add</operation><info xsi:type="ClusterAffinityRuleSpec"><name>together</name>' +
        `<vm type="VirtualMachine">${vm0}</vm><vm type="VirtualMachine">${vm1}</vm></info></rulesSpec></spec><modify>true</modify>`,
    );
    expect(done.fault).toBeUndefined();
    const body = await client.retrieve(cluster, 'configuration');
    expect(body).toContain('<val xsi:type="ClusterConfigInfo">');
    expect(body).toContain('<rule xsi:type="ClusterAffinityRuleSpec"><key>1</key>');
  });

  it("answers MethodNotFound for FindRulesForVm on a standalone host's compute resource", async () => {
    const { client, vm0 } = setup();
    const standalone = findByInventoryPath(client.vsphere.store, '/DC0/host/DC0_H0');
    const res = await client.call(
      'FindRulesForVm',
      ref('ComputeResource', standalone?.id ?? ''),
      `<vm type="VirtualMachine">${vm0}</vm>`,
    );
    expect(client.faultOf(res.body)).toBe('MethodNotFound');
  });
});
