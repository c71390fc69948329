package main

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// cryptoChecks drive CryptoManagerKmip and VM encryption the way govc's kms commands and
// vm-operator's crypto reconciler do, with the raw vim25 methods (govmomi 0.24.2 has no crypto helper).
func (s *suite) cryptoChecks() {
	manager := func() types.ManagedObjectReference { return *s.c.ServiceContent.CryptoManager }
	var key types.CryptoKeyId
	var vm *object.VirtualMachine

	s.check("crypto: RegisterKmipServer makes a standard provider, the default; ListKmipServers and kmipServers show it", func(ctx context.Context) error {
		spec := types.KmipServerSpec{
			ClusterId: types.KeyProviderId{Id: "kms"},
			Info:      types.KmipServerInfo{Name: "kms-1", Address: "kms.example.com", Port: 5696},
		}
		if _, err := methods.RegisterKmipServer(ctx, s.c.Client, &types.RegisterKmipServer{This: manager(), Server: spec}); err != nil {
			return err
		}
		res, err := methods.ListKmipServers(ctx, s.c.Client, &types.ListKmipServers{This: manager()})
		if err != nil {
			return err
		}
		if len(res.Returnval) != 1 || res.Returnval[0].ClusterId.Id != "kms" || !res.Returnval[0].UseAsDefault ||
			res.Returnval[0].ManagementType != "vCenter" || len(res.Returnval[0].Servers) != 1 {
			return fmt.Errorf("kmip servers %+v", res.Returnval)
		}
		var m mo.CryptoManagerKmip
		if err := s.pc.RetrieveOne(ctx, manager(), []string{"enabled", "kmipServers"}, &m); err != nil {
			return err
		}
		if !m.Enabled || len(m.KmipServers) != 1 {
			return fmt.Errorf("enabled %v, kmipServers %+v", m.Enabled, m.KmipServers)
		}
		_, err = methods.RegisterKmipServer(ctx, s.c.Client, &types.RegisterKmipServer{This: manager(), Server: spec})
		_, err = soapFault(err, "AlreadyExists")
		return err
	})

	s.check("crypto: RetrieveKmipServersStatus_Task answers each provider's status", func(ctx context.Context) error {
		res, err := methods.RetrieveKmipServersStatus_Task(ctx, s.c.Client, &types.RetrieveKmipServersStatus_Task{This: manager()})
		if err != nil {
			return err
		}
		info, err := object.NewTask(s.c.Client, res.Returnval).WaitForResult(ctx, nil)
		if err != nil {
			return err
		}
		statuses, ok := info.Result.(types.ArrayOfCryptoManagerKmipClusterStatus)
		if !ok || len(statuses.CryptoManagerKmipClusterStatus) != 1 || statuses.CryptoManagerKmipClusterStatus[0].OverallStatus != "green" {
			return fmt.Errorf("result %#v", info.Result)
		}
		return nil
	})

	s.check("crypto: a native provider as a cluster's default, found from a host through its parents", func(ctx context.Context) error {
		if _, err := methods.RegisterKmsCluster(ctx, s.c.Client, &types.RegisterKmsCluster{
			This: manager(), ClusterId: types.KeyProviderId{Id: "nkp"}, ManagementType: "nativeProvider",
		}); err != nil {
			return err
		}
		cluster, err := s.finder.ClusterComputeResource(ctx, "/DC0/host/DC0_C0")
		if err != nil {
			return err
		}
		ref := cluster.Reference()
		if _, err := methods.SetDefaultKmsCluster(ctx, s.c.Client, &types.SetDefaultKmsCluster{
			This: manager(), Entity: &ref, ClusterId: &types.KeyProviderId{Id: "nkp"},
		}); err != nil {
			return err
		}
		host, err := s.finder.HostSystem(ctx, "/DC0/host/DC0_C0/DC0_C0_H0")
		if err != nil {
			return err
		}
		hostRef := host.Reference()
		yes := true
		res, err := methods.GetDefaultKmsCluster(ctx, s.c.Client, &types.GetDefaultKmsCluster{
			This: manager(), Entity: &hostRef, DefaultsToParent: &yes,
		})
		if err != nil {
			return err
		}
		if res.Returnval == nil || res.Returnval.Id != "nkp" {
			return fmt.Errorf("default for the host %+v", res.Returnval)
		}
		global, err := methods.GetDefaultKmsCluster(ctx, s.c.Client, &types.GetDefaultKmsCluster{This: manager()})
		if err != nil {
			return err
		}
		if global.Returnval == nil || global.Returnval.Id != "kms" {
			return fmt.Errorf("global default %+v", global.Returnval)
		}
		return nil
	})

	s.check("crypto: GenerateKey makes a key QueryCryptoKeyStatus finds available; a native provider generates none", func(ctx context.Context) error {
		res, err := methods.GenerateKey(ctx, s.c.Client, &types.GenerateKey{This: manager(), KeyProvider: &types.KeyProviderId{Id: "kms"}})
		if err != nil {
			return err
		}
		if !res.Returnval.Success || res.Returnval.KeyId.KeyId == "" {
			return fmt.Errorf("result %+v", res.Returnval)
		}
		key = res.Returnval.KeyId
		status, err := methods.QueryCryptoKeyStatus(ctx, s.c.Client, &types.QueryCryptoKeyStatus{
			This: manager(), KeyIds: []types.CryptoKeyId{key, {KeyId: "missing", ProviderId: &types.KeyProviderId{Id: "kms"}}}, CheckKeyBitMap: 1,
		})
		if err != nil {
			return err
		}
		available := func(i int) bool { return status.Returnval[i].KeyAvailable != nil && *status.Returnval[i].KeyAvailable }
		if len(status.Returnval) != 2 || !available(0) || available(1) || status.Returnval[1].Reason != "KeyStateMissingInKMS" {
			return fmt.Errorf("key status %+v", status.Returnval)
		}
		_, err = methods.GenerateKey(ctx, s.c.Client, &types.GenerateKey{This: manager(), KeyProvider: &types.KeyProviderId{Id: "nkp"}})
		_, err = soapFault(err, "NotSupported")
		return err
	})

	s.check("crypto: CreateVM with CryptoSpecEncrypt makes an encrypted VM (config.keyId, runtime.cryptoState)", func(ctx context.Context) error {
		pool, err := s.finder.ResourcePool(ctx, "/DC0/host/DC0_H0/Resources")
		if err != nil {
			return err
		}
		spec := types.VirtualMachineConfigSpec{
			Name:    "conformance-encrypted",
			GuestId: "otherGuest64",
			Version: "vmx-14",
			Files:   &types.VirtualMachineFileInfo{VmPathName: "[LocalDS_0]"},
			Crypto:  &types.CryptoSpecEncrypt{CryptoKeyId: key},
		}
		info, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return s.folders.VmFolder.CreateVM(ctx, spec, pool, nil)
		})
		if err != nil {
			return err
		}
		vm = object.NewVirtualMachine(s.c.Client, asValue(info.Result).(types.ManagedObjectReference))
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"config.keyId", "runtime.cryptoState"}, &m); err != nil {
			return err
		}
		if m.Config == nil || m.Config.KeyId == nil || m.Config.KeyId.KeyId != key.KeyId || m.Config.KeyId.ProviderId.Id != "kms" {
			return fmt.Errorf("config.keyId %+v", m.Config)
		}
		if m.Runtime.CryptoState != "unlocked" {
			return fmt.Errorf("runtime.cryptoState %q", m.Runtime.CryptoState)
		}
		return nil
	})

	s.check("crypto: encrypting it again fails with InvalidVmConfig and ESX's message key", func(ctx context.Context) error {
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			return vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{Crypto: &types.CryptoSpecEncrypt{CryptoKeyId: key}})
		})
		f, err := taskFault(err, "InvalidVmConfig")
		if err != nil {
			return err
		}
		messages := f.GetMethodFault().FaultMessage
		if len(messages) != 1 || messages[0].Key != "msg.hostd.configSpec.enc.encrypted" {
			return fmt.Errorf("faultMessage %+v", messages)
		}
		return nil
	})

	s.check("crypto: a virtual TPM added takes key 11000; summary.config.tpmPresent; a second is TooManyDevices", func(ctx context.Context) error {
		add := types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
			&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: &types.VirtualTPM{VirtualDevice: types.VirtualDevice{Key: -1}}},
		}}
		if _, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return vm.Reconfigure(ctx, add) }); err != nil {
			return err
		}
		var m mo.VirtualMachine
		if err := s.pc.RetrieveOne(ctx, vm.Reference(), []string{"config.hardware.device", "summary.config.tpmPresent"}, &m); err != nil {
			return err
		}
		tpms := object.VirtualDeviceList(m.Config.Hardware.Device).SelectByType((*types.VirtualTPM)(nil))
		if len(tpms) != 1 || tpms[0].GetVirtualDevice().Key != 11000 {
			return fmt.Errorf("virtual TPMs %+v", tpms)
		}
		if m.Summary.Config.TpmPresent == nil || !*m.Summary.Config.TpmPresent {
			return fmt.Errorf("tpmPresent %v", m.Summary.Config.TpmPresent)
		}
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return vm.Reconfigure(ctx, add) })
		_, err = taskFault(err, "TooManyDevices")
		return err
	})
}
