/** Fully populated hub (v1alpha6) objects, every field of every struct set, for round-trip tests. */

import type { JsonObject } from './conversion/paths.js';

export const FULL_HUB_OBJECTS: Record<string, JsonObject> = {
  VirtualMachine: {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachine',
    metadata: {
      name: 'obj',
      namespace: 'ns',
      generation: 2,
      annotations: {
        a: 'b',
      },
    },
    spec: {
      image: {
        kind: 'kind-3',
        name: 'name-4',
      },
      imageName: 'imageName-5',
      className: 'className-6',
      class: {
        apiVersion: 'apiVersion-8',
        kind: 'kind-9',
        name: 'name-10',
      },
      affinity: {
        vmAffinity: {
          requiredDuringSchedulingPreferredDuringExecution: [
            {
              labelSelector: {
                matchLabels: {
                  a: 'b',
                },
              },
              topologyKey: 'topologyKey-16',
            },
          ],
          preferredDuringSchedulingPreferredDuringExecution: [
            {
              labelSelector: {
                matchLabels: {
                  a: 'b',
                },
              },
              topologyKey: 'topologyKey-20',
            },
          ],
        },
        vmAntiAffinity: {
          requiredDuringSchedulingPreferredDuringExecution: [
            {
              labelSelector: {
                matchLabels: {
                  a: 'b',
                },
              },
              topologyKey: 'topologyKey-25',
            },
          ],
          preferredDuringSchedulingPreferredDuringExecution: [
            {
              labelSelector: {
                matchLabels: {
                  a: 'b',
                },
              },
              topologyKey: 'topologyKey-29',
            },
          ],
        },
      },
      crypto: {
        encryptionClassName: 'encryptionClassName-31',
        useDefaultKeyProvider: true,
        vTPMMode: 'New',
      },
      storageClass: 'storageClass-34',
      volumeAttributesClassName: 'volumeAttributesClassName-35',
      bootstrap: {
        cloudInit: {
          instanceID: 'instanceID-38',
          cloudConfig: {
            timezone: 'timezone-40',
            defaultUserEnabled: true,
            users: [
              {
                create_groups: true,
                expiredate: 'expiredate-45',
                gecos: 'gecos-46',
                groups: ['groups-48'],
                hashed_passwd: {
                  name: 'name-50',
                  key: 'key-51',
                },
                homedir: 'homedir-52',
                inactive: 53,
                lock_passwd: true,
                name: 'name-55',
                no_create_home: true,
                no_log_init: true,
                no_user_group: true,
                passwd: {
                  name: 'name-60',
                  key: 'key-61',
                },
                primary_group: 'primary_group-62',
                selinux_user: 'selinux_user-63',
                shell: 'shell-64',
                snapuser: 'snapuser-65',
                ssh_authorized_keys: ['ssh_authorized_keys-67'],
                ssh_import_id: ['ssh_import_id-69'],
                ssh_redirect_user: true,
                sudo: 'sudo-71',
                system: true,
                uid: 73,
              },
            ],
            runcmd: {
              raw: 74,
            },
            write_files: [
              {
                append: true,
                content: {
                  raw: 78,
                },
                defer: true,
                encoding: 'text/plain',
                owner: 'owner-81',
                path: 'path-82',
                permissions: 'permissions-83',
              },
            ],
            ssh_pwauth: true,
          },
          rawCloudConfig: {
            name: 'name-86',
            key: 'key-87',
          },
          sshAuthorizedKeys: ['sshAuthorizedKeys-89'],
          useGlobalNameserversAsDefault: true,
          useGlobalSearchDomainsAsDefault: true,
          waitOnNetwork4: true,
          waitOnNetwork6: true,
        },
        linuxPrep: {
          hardwareClockIsUTC: true,
          timeZone: 'timeZone-96',
          expirePasswordAfterNextLogin: true,
          password: {
            name: 'name-99',
            key: 'key-100',
          },
          scriptText: {
            from: {
              name: 'name-103',
              key: 'key-104',
            },
            value: 'value-105',
          },
          customizeAtNextPowerOn: true,
        },
        sysprep: {
          sysprep: {
            guiRunOnce: {
              commands: ['commands-111'],
            },
            guiUnattended: {
              autoLogon: true,
              autoLogonCount: 114,
              password: {
                name: 'name-116',
                key: 'key-117',
              },
              timeZone: 118,
            },
            identification: {
              domainAdmin: 'domainAdmin-120',
              domainAdminPassword: {
                name: 'name-122',
                key: 'key-123',
              },
              domainOU: 'domainOU-124',
              joinWorkgroup: 'joinWorkgroup-125',
            },
            licenseFilePrintData: {
              autoMode: 'perServer',
              autoUsers: 128,
            },
            userData: {
              fullName: 'fullName-130',
              orgName: 'orgName-131',
              productID: {
                name: 'name-133',
                key: 'key-134',
              },
            },
            expirePasswordAfterNextLogin: true,
            scriptText: {
              from: {
                name: 'name-138',
                key: 'key-139',
              },
              value: 'value-140',
            },
          },
          rawSysprep: {
            name: 'name-142',
            key: 'key-143',
          },
          customizeAtNextPowerOn: true,
        },
        vAppConfig: {
          properties: [
            {
              key: 'key-148',
              value: {
                from: {
                  name: 'name-151',
                  key: 'key-152',
                },
                value: 'value-153',
              },
            },
          ],
          rawProperties: 'rawProperties-154',
        },
        disabled: true,
      },
      network: {
        hostName: 'hostName-157',
        domainName: 'domainName-158',
        disabled: true,
        nameservers: ['nameservers-161'],
        searchDomains: ['searchDomains-163'],
        interfaces: [
          {
            name: 'name-166',
            network: {
              apiVersion: 'v1',
              kind: 'K',
              name: 'name-169',
            },
            guestDeviceName: 'guestDeviceName-170',
            macAddr: 'macAddr-171',
            addresses: ['addresses-173'],
            dhcp4: true,
            dhcp6: true,
            gateway4: 'gateway4-176',
            gateway6: 'gateway6-177',
            mtu: 178,
            nameservers: ['nameservers-180'],
            routes: [
              {
                to: 'to-183',
                via: 'via-184',
                metric: 185,
              },
            ],
            searchDomains: ['searchDomains-187'],
            type: 'PCNet32',
            vnumaNodeID: 189,
            vmxnet3: {
              uptv2Enabled: true,
              ctxPerDev: 'PerQueue',
              rssOffloadEnabled: true,
              udpRssEnabled: true,
              pnicFeatures: ['ReceiveSideScaling'],
              coalescingScheme: 'RateBasedCoalescing',
              coalescingParams: 'coalescingParams-199',
            },
            advancedProperties: [
              {
                key: 'key-202',
                value: 'value-203',
              },
            ],
            ipamModes: ['ipamModes-205'],
          },
        ],
        vlans: [
          {
            name: 'name-208',
            id: 209,
            link: 'link-210',
          },
        ],
      },
      powerState: 'Suspended',
      powerOffMode: 'TrySoft',
      suspendMode: 'TrySoft',
      nextRestartTime: 'nextRestartTime-214',
      restartMode: 'TrySoft',
      volumes: [
        {
          name: 'name-218',
          persistentVolumeClaim: {
            claimName: 'claim-221',
            readOnly: true,
            instanceVolumeClaim: {
              storageClass: 'storageClass-223',
              size: '224Gi',
            },
          },
          removable: true,
          applicationType: 'MicrosoftWSFC',
          controllerBusNumber: 227,
          controllerType: 'SATA',
          diskMode: 'Persistent',
          sharingMode: 'None',
          unitNumber: 231,
        },
      ],
      readinessProbe: {
        tcpSocket: {
          port: 234,
          host: 'host-235',
        },
        guestHeartbeat: {
          thresholdStatus: 'green',
        },
        guestInfo: [
          {
            key: 'key-240',
            value: 'value-241',
          },
        ],
        timeoutSeconds: 242,
        periodSeconds: 243,
      },
      advanced: {
        bootDiskCapacity: '245Gi',
        defaultVolumeProvisioningMode: 'ThickEagerZero',
        changeBlockTracking: true,
        preferHtEnabled: true,
        hugePages1GEnabled: true,
        timeTrackerLowLatencyEnabled: true,
        cpuAffinityExclusiveNoStatsEnabled: true,
        vmxSwapEnabled: true,
        pnumaNodeAffinity: [254],
        extraConfig: [
          {
            key: 'key-257',
            value: 'value-258',
          },
        ],
      },
      reserved: {
        resourcePolicyName: 'resourcePolicyName-260',
      },
      minHardwareVersion: 261,
      instanceUUID: 'instanceUUID-262',
      biosUUID: 'biosUUID-263',
      guestID: 'guestID-264',
      promoteDisksMode: 'Offline',
      bootOptions: {
        firmware: 'efi',
        bootDelay: '268s',
        bootOrder: [
          {
            type: 'CDRom',
            name: 'name-272',
          },
        ],
        bootRetry: 'Disabled',
        bootRetryDelay: '274s',
        efiSecureBoot: 'Disabled',
        networkBootProtocol: 'IP6',
      },
      currentSnapshotName: 'currentSnapshotName-277',
      groupName: 'groupName-278',
      hardware: {
        cdrom: [
          {
            name: 'name-282',
            image: {
              kind: 'kind-284',
              name: 'name-285',
            },
            controllerBusNumber: 286,
            controllerType: 'SATA',
            unitNumber: 288,
            connected: true,
            allowGuestControl: true,
          },
        ],
        ideControllers: [
          {
            busNumber: 293,
          },
        ],
        nvmeControllers: [
          {
            busNumber: 296,
            sharingMode: 'Virtual',
          },
        ],
        sataControllers: [
          {
            busNumber: 300,
          },
        ],
        scsiControllers: [
          {
            busNumber: 303,
            sharingMode: 'Virtual',
            type: 'LsiLogicSAS',
          },
        ],
      },
      policies: [
        {
          apiVersion: 'apiVersion-309',
          kind: 'kind-310',
          name: 'name-311',
        },
      ],
      resources: {
        size: {
          cpu: '314Gi',
          memory: '315Gi',
        },
        requests: {
          cpu: '317Gi',
          memory: '318Gi',
        },
        limits: {
          cpu: '320Gi',
          memory: '321Gi',
        },
      },
      cpuAdvanced: {
        latencySensitivity: 'HighWithHyperthreading',
        topology: {
          coresPerSocket: 325,
          vnumaNodeCount: 326,
        },
        hotAddEnabled: true,
        iommuEnabled: true,
        nestedHardwareVirtualizationEnabled: true,
        performanceCountersEnabled: true,
      },
      memoryAdvanced: {
        hotAddEnabled: true,
        reservationLockedToMax: true,
      },
    },
    status: {
      class: {
        apiVersion: 'apiVersion-336',
        kind: 'kind-337',
        name: 'name-338',
      },
      nodeName: 'nodeName-339',
      powerState: 'Suspended',
      conditions: [
        {
          type: 'T342',
          status: 'True',
          lastTransitionTime: '2024-01-01T00:00:00Z',
          reason: 'R',
          message: 'm',
        },
      ],
      crypto: {
        encrypted: ['Disks'],
        providerID: 'providerID-346',
        keyID: 'keyID-347',
        hasVTPM: true,
      },
      network: {
        config: {
          interfaces: [
            {
              name: 'name-353',
              ip: {
                dhcp: {
                  ip4: {
                    enabled: true,
                  },
                  ip6: {
                    enabled: true,
                  },
                },
                addresses: ['addresses-361'],
                gateway4: 'gateway4-362',
                gateway6: 'gateway6-363',
              },
              dns: {
                hostName: 'hostName-365',
                domainName: 'domainName-366',
                nameservers: ['nameservers-368'],
                searchDomains: ['searchDomains-370'],
              },
            },
          ],
          dns: {
            hostName: 'hostName-372',
            domainName: 'domainName-373',
            nameservers: ['nameservers-375'],
            searchDomains: ['searchDomains-377'],
          },
        },
        hostName: 'hostName-378',
        interfaces: [
          {
            name: 'name-381',
            deviceKey: 382,
            ip: {
              autoConfigurationEnabled: true,
              dhcp: {
                ip4: {
                  config: [
                    {
                      key: 'key-389',
                      value: 'value-390',
                    },
                  ],
                  enabled: true,
                },
                ip6: {
                  config: [
                    {
                      key: 'key-395',
                      value: 'value-396',
                    },
                  ],
                  enabled: true,
                },
              },
              addresses: [
                {
                  address: 'address-400',
                  lifetime: '2024-01-01T00:00:00Z',
                  origin: 'origin-402',
                  state: 'state-403',
                },
              ],
              macAddr: 'macAddr-404',
            },
            dns: {
              dhcp: true,
              hostName: 'hostName-407',
              domainName: 'domainName-408',
              nameservers: ['nameservers-410'],
              searchDomains: ['searchDomains-412'],
            },
            vnumaNodeID: 413,
            vmxnet3: {
              uptv2Enabled: true,
              uptv2Active: true,
              uptv2InactiveReasonVm: ['uptv2InactiveReasonVm-418'],
              uptv2InactiveReasonOther: ['uptv2InactiveReasonOther-420'],
            },
          },
        ],
        ipStacks: [
          {
            dhcp: {
              ip4: {
                config: [
                  {
                    key: 'key-427',
                    value: 'value-428',
                  },
                ],
                enabled: true,
              },
              ip6: {
                config: [
                  {
                    key: 'key-433',
                    value: 'value-434',
                  },
                ],
                enabled: true,
              },
            },
            dns: {
              dhcp: true,
              hostName: 'hostName-438',
              domainName: 'domainName-439',
              nameservers: ['nameservers-441'],
              searchDomains: ['searchDomains-443'],
            },
            ipRoutes: [
              {
                gateway: {
                  device: 'device-447',
                  address: 'address-448',
                },
                networkAddress: 'networkAddress-449',
              },
            ],
            kernelConfig: [
              {
                key: 'key-452',
                value: 'value-453',
              },
            ],
          },
        ],
        primaryIP4: 'primaryIP4-454',
        primaryIP6: 'primaryIP6-455',
      },
      uniqueID: 'uniqueID-456',
      biosUUID: 'biosUUID-457',
      instanceUUID: 'instanceUUID-458',
      volumes: [
        {
          name: 'name-461',
          controllerBusNumber: 462,
          controllerType: 'SATA',
          unitNumber: 464,
          type: 'Managed',
          diskMode: 'Persistent',
          sharingMode: 'None',
          crypto: {
            providerID: 'providerID-469',
            keyID: 'keyID-470',
          },
          limit: '471Gi',
          requested: '472Gi',
          used: '473Gi',
          attached: true,
          diskUUID: 'diskUUID-475',
          error: 'error-476',
        },
      ],
      changeBlockTracking: true,
      zone: 'zone-478',
      lastRestartTime: '2024-01-01T00:00:00Z',
      hardwareVersion: 480,
      storage: {
        total: '482Gi',
        requested: {
          disks: '484Gi',
        },
        usage: {
          disks: '486Gi',
          snapshots: {
            vm: '488Gi',
            volume: '489Gi',
          },
          other: '490Gi',
        },
      },
      provider: {
        creationTimestamp: '2024-01-01T00:00:00Z',
      },
      currentSnapshot: {
        type: 'Unmanaged',
        name: 'name-495',
      },
      rootSnapshots: [
        {
          type: 'Unmanaged',
          name: 'name-499',
        },
      ],
      guest: {
        guestID: 'guestID-501',
        guestFullName: 'guestFullName-502',
      },
      hardware: {
        controllers: [
          {
            busNumber: 506,
            type: 'SATA',
            deviceKey: 508,
            devices: [
              {
                type: 'Disk',
                unitNumber: 512,
              },
            ],
          },
        ],
        cpu: {
          total: 514,
          reservation: 515,
          limit: 516,
          coresPerSocket: 517,
          simultaneousThreads: 518,
          latencySensitivity: 'latencySensitivity-519',
          hotAddEnabled: true,
          iommuEnabled: true,
          nestedHardwareVirtualizationEnabled: true,
          performanceCountersEnabled: true,
          vnuma: {
            coresPerNumaNode: 525,
            autoCoresPerNumaNode: true,
          },
        },
        memory: {
          total: '528Gi',
          reservation: '529Gi',
          limit: '530Gi',
          reservationLockedToMax: true,
          hotAddEnabled: true,
        },
        vGPUs: [
          {
            type: 'Nvidia',
            profile: 'profile-536',
            migrationType: 'Enhanced',
          },
        ],
      },
      policies: [
        {
          apiVersion: 'apiVersion-542',
          kind: 'kind-543',
          name: 'name-544',
          generation: 545,
        },
      ],
      extraConfig: [
        {
          key: 'key-548',
          value: 'value-549',
        },
      ],
    },
  },
  VirtualMachineClass: {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachineClass',
    metadata: {
      name: 'obj',
      namespace: 'ns',
      generation: 2,
      annotations: {
        a: 'b',
      },
    },
    spec: {
      controllerName: 'controllerName-551',
      hardware: {
        cpus: 553,
        memory: '554Gi',
        devices: {
          vgpuDevices: [
            {
              profileName: 'profileName-558',
            },
          ],
          dynamicDirectPathIODevices: [
            {
              vendorID: 561,
              deviceID: 562,
              customLabel: 'customLabel-563',
            },
          ],
        },
        instanceStorage: {
          storageClass: 'storageClass-565',
          volumes: [
            {
              size: '568Gi',
            },
          ],
        },
      },
      policies: {
        resources: {
          requests: {
            cpu: '572Gi',
            memory: '573Gi',
          },
          limits: {
            cpu: '575Gi',
            memory: '576Gi',
          },
        },
      },
      description: 'description-577',
      configSpec: {
        raw: 578,
      },
      reservedProfileID: 'reservedProfileID-579',
      reservedSlots: 580,
    },
    status: {},
  },
  VirtualMachineImage: {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachineImage',
    metadata: {
      name: 'obj',
      namespace: 'ns',
      generation: 2,
      annotations: {
        a: 'b',
      },
    },
    spec: {
      providerRef: {
        apiVersion: 'apiVersion-584',
        kind: 'kind-585',
        name: 'name-586',
      },
    },
    status: {
      name: 'name-588',
      capabilities: ['capabilities-590'],
      firmware: 'firmware-591',
      hardwareVersion: 592,
      osInfo: {
        id: 'id-594',
        type: 'type-595',
        version: 'version-596',
      },
      ovfProperties: [
        {
          key: 'key-599',
          type: 'type-600',
          default: 'default-601',
        },
      ],
      vmwareSystemProperties: [
        {
          key: 'key-604',
          value: 'value-605',
        },
      ],
      productInfo: {
        product: 'product-607',
        vendor: 'vendor-608',
        version: 'version-609',
        fullVersion: 'fullVersion-610',
      },
      disks: [
        {
          name: 'name-613',
          limit: '614Gi',
          requested: '615Gi',
          controllerType: 'SATA',
          controllerBusNumber: 617,
          unitNumber: 618,
        },
      ],
      providerContentVersion: 'providerContentVersion-619',
      providerItemID: 'providerItemID-620',
      conditions: [
        {
          type: 'T622',
          status: 'True',
          lastTransitionTime: '2024-01-01T00:00:00Z',
          reason: 'R',
          message: 'm',
        },
      ],
      type: 'type-623',
    },
  },
  ClusterVirtualMachineImage: {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'ClusterVirtualMachineImage',
    metadata: {
      name: 'obj',
      namespace: 'ns',
      generation: 2,
      annotations: {
        a: 'b',
      },
    },
    spec: {
      providerRef: {
        apiVersion: 'apiVersion-626',
        kind: 'kind-627',
        name: 'name-628',
      },
    },
    status: {
      name: 'name-630',
      capabilities: ['capabilities-632'],
      firmware: 'firmware-633',
      hardwareVersion: 634,
      osInfo: {
        id: 'id-636',
        type: 'type-637',
        version: 'version-638',
      },
      ovfProperties: [
        {
          key: 'key-641',
          type: 'type-642',
          default: 'default-643',
        },
      ],
      vmwareSystemProperties: [
        {
          key: 'key-646',
          value: 'value-647',
        },
      ],
      productInfo: {
        product: 'product-649',
        vendor: 'vendor-650',
        version: 'version-651',
        fullVersion: 'fullVersion-652',
      },
      disks: [
        {
          name: 'name-655',
          limit: '656Gi',
          requested: '657Gi',
          controllerType: 'SATA',
          controllerBusNumber: 659,
          unitNumber: 660,
        },
      ],
      providerContentVersion: 'providerContentVersion-661',
      providerItemID: 'providerItemID-662',
      conditions: [
        {
          type: 'T664',
          status: 'True',
          lastTransitionTime: '2024-01-01T00:00:00Z',
          reason: 'R',
          message: 'm',
        },
      ],
      type: 'type-665',
    },
  },
  VirtualMachineService: {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachineService',
    metadata: {
      name: 'obj',
      namespace: 'ns',
      generation: 2,
      annotations: {
        a: 'b',
      },
    },
    spec: {
      type: 'ExternalName',
      ports: [
        {
          name: 'name-670',
          protocol: 'protocol-671',
          port: 672,
          targetPort: 673,
        },
      ],
      selector: {
        k674: 'selector-675',
      },
      loadBalancerIP: 'loadBalancerIP-676',
      loadBalancerSourceRanges: ['loadBalancerSourceRanges-678'],
      clusterIp: 'clusterIp-679',
      externalName: 'externalName-680',
      ipFamilies: ['ipFamilies-682'],
      ipFamilyPolicy: 'ipFamilyPolicy-683',
    },
    status: {
      loadBalancer: {
        ingress: [
          {
            ip: 'ip-688',
            hostname: 'hostname-689',
          },
        ],
      },
      conditions: [
        {
          type: 'T691',
          status: 'True',
          lastTransitionTime: '2024-01-01T00:00:00Z',
          reason: 'R',
          message: 'm',
        },
      ],
    },
  },
  VirtualMachineSetResourcePolicy: {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachineSetResourcePolicy',
    metadata: {
      name: 'obj',
      namespace: 'ns',
      generation: 2,
      annotations: {
        a: 'b',
      },
    },
    spec: {
      resourcePool: {
        name: 'name-694',
        reservations: {
          cpu: '696Gi',
          memory: '697Gi',
        },
        limits: {
          cpu: '699Gi',
          memory: '700Gi',
        },
      },
      folder: 'folder-701',
      clusterModuleGroups: ['clusterModuleGroups-703'],
    },
    status: {
      resourcePools: [
        {
          clusterMoID: 'clusterMoID-707',
          childResourcePoolMoID: 'childResourcePoolMoID-708',
        },
      ],
      clustermodules: [
        {
          groupName: 'groupName-711',
          moduleUUID: 'moduleUUID-712',
          clusterMoID: 'clusterMoID-713',
        },
      ],
    },
  },
  VirtualMachinePublishRequest: {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachinePublishRequest',
    metadata: {
      name: 'obj',
      namespace: 'ns',
      generation: 2,
      annotations: {
        a: 'b',
      },
    },
    spec: {
      source: {
        name: 'name-716',
        apiVersion: 'apiVersion-717',
        kind: 'kind-718',
      },
      target: {
        item: {
          name: 'name-721',
          description: 'description-722',
        },
        location: {
          name: 'name-724',
          apiVersion: 'apiVersion-725',
          kind: 'kind-726',
        },
      },
      ttlSecondsAfterFinished: 727,
      backoffLimit: 728,
    },
    status: {
      sourceRef: {
        name: 'name-731',
        apiVersion: 'apiVersion-732',
        kind: 'kind-733',
      },
      targetRef: {
        item: {
          name: 'name-736',
          description: 'description-737',
        },
        location: {
          name: 'name-739',
          apiVersion: 'apiVersion-740',
          kind: 'kind-741',
        },
      },
      completionTime: '2024-01-01T00:00:00Z',
      startTime: '2024-01-01T00:00:00Z',
      attempts: 744,
      lastAttemptTime: '2024-01-01T00:00:00Z',
      imageName: 'imageName-746',
      ready: true,
      conditions: [
        {
          type: 'T749',
          status: 'True',
          lastTransitionTime: '2024-01-01T00:00:00Z',
          reason: 'R',
          message: 'm',
        },
      ],
    },
  },
  VirtualMachineGroup: {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachineGroup',
    metadata: { name: 'obj', namespace: 'ns', generation: 2, annotations: { a: 'b' } },
    spec: {
      groupName: 'groupName-1',
      bootOrder: [
        {
          members: [{ name: 'name-2', kind: 'VirtualMachine' }],
          powerOnDelay: '10s',
          powerOffDelay: '20s',
        },
      ],
      powerState: 'PoweredOn',
      nextForcePowerStateSyncTime: 'nextForcePowerStateSyncTime-3',
      powerOffMode: 'Hard',
      suspendMode: 'Soft',
    },
    status: {
      members: [
        {
          name: 'name-4',
          kind: 'VirtualMachine',
          uid: 'uid-5',
          placement: {
            zoneID: 'zoneID-6',
            node: 'node-7',
            pool: 'pool-8',
            datastores: [
              {
                name: 'name-9',
                id: 'id-10',
                url: 'url-11',
                supportedDiskFormats: ['fmt-12'],
                diskKey: 13,
                topLevelDirectoryCreateSupported: true,
              },
            ],
          },
          powerState: 'PoweredOn',
          conditions: [
            {
              type: 'T14',
              status: 'True',
              lastTransitionTime: '2024-01-01T00:00:00Z',
              reason: 'R',
              message: 'm',
            },
          ],
        },
      ],
      lastUpdatedPowerStateTime: '2024-01-01T00:00:00Z',
      conditions: [
        {
          type: 'T15',
          status: 'True',
          lastTransitionTime: '2024-01-01T00:00:00Z',
          reason: 'R',
          message: 'm',
        },
      ],
    },
  },
  VirtualMachineWebConsoleRequest: {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachineWebConsoleRequest',
    metadata: {
      name: 'obj',
      namespace: 'ns',
      generation: 2,
      annotations: {
        a: 'b',
      },
    },
    spec: {
      name: 'name-1',
      publicKey: 'publicKey-2',
    },
    status: {
      response: 'response-3',
      expiryTime: 'expiryTime-4',
      proxyAddr: 'proxyAddr-5',
    },
  },
  VirtualMachineSnapshot: {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachineSnapshot',
    metadata: {
      name: 'obj',
      namespace: 'ns',
      generation: 2,
      annotations: {
        a: 'b',
      },
    },
    spec: {
      memory: true,
      quiesce: { timeout: '10m0s' },
      description: 'description-1',
      vmName: 'vmName-2',
    },
    status: {
      powerState: 'PoweredOn',
      quiesced: true,
      uniqueID: 'snapshot-3',
      children: [{ type: 'Managed', name: 'name-4' }],
      conditions: [
        {
          type: 'T5',
          status: 'True',
          lastTransitionTime: '2024-01-01T00:00:00Z',
          reason: 'R',
          message: 'm',
        },
      ],
      storage: { used: '6Gi', requested: [{ storageClass: 'storageClass-7', total: '8Gi' }] },
    },
  },
};

// A replica set's template is a VM's metadata and spec: the VM's, every field set.
FULL_HUB_OBJECTS.VirtualMachineReplicaSet = {
  apiVersion: 'vmoperator.vmware.com/v1alpha6',
  kind: 'VirtualMachineReplicaSet',
  metadata: { name: 'obj', namespace: 'ns', generation: 2, annotations: { a: 'b' } },
  spec: {
    replicas: 3,
    deletePolicy: 'Random',
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' }, annotations: { c: 'd' } },
      spec: structuredClone(FULL_HUB_OBJECTS.VirtualMachine?.spec as JsonObject),
    },
  },
  status: {
    replicas: 3,
    fullyLabeledReplicas: 3,
    readyReplicas: 3,
    observedGeneration: 2,
    conditions: [
      { type: 'T1', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z', reason: 'R', message: 'm' },
    ],
  },
};

FULL_HUB_OBJECTS.VirtualMachineGroupPublishRequest = {
  apiVersion: 'vmoperator.vmware.com/v1alpha6',
  kind: 'VirtualMachineGroupPublishRequest',
  metadata: { name: 'obj', namespace: 'ns', generation: 2, annotations: { a: 'b' } },
  spec: {
    source: 'source-1',
    virtualMachines: ['vm-2', 'vm-3'],
    target: 'target-4',
    ttlSecondsAfterFinished: 5,
  },
  status: {
    source: 'source-6',
    target: 'target-7',
    completionTime: '2024-01-01T00:00:08Z',
    startTime: '2024-01-01T00:00:09Z',
    images: [
      {
        source: 'vm-2',
        publishRequestName: 'publishRequestName-10',
        imageName: 'imageName-11',
        conditions: [
          {
            type: 'T12',
            status: 'True',
            lastTransitionTime: '2024-01-01T00:00:00Z',
            reason: 'R',
            message: 'm',
          },
        ],
      },
    ],
    conditions: [
      { type: 'T13', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z', reason: 'R', message: 'm' },
    ],
  },
};

// A class instance holds its class's spec.
FULL_HUB_OBJECTS.VirtualMachineClassInstance = {
  ...(FULL_HUB_OBJECTS.VirtualMachineClass as JsonObject),
  kind: 'VirtualMachineClassInstance',
};

FULL_HUB_OBJECTS.VirtualMachineImageCache = {
  apiVersion: 'vmoperator.vmware.com/v1alpha6',
  kind: 'VirtualMachineImageCache',
  metadata: { name: 'obj', namespace: 'ns', generation: 2, annotations: { a: 'b' } },
  spec: {
    providerID: 'providerID-1',
    providerVersion: 'providerVersion-2',
    locations: [{ datacenterID: 'datacenter-3', datastoreID: 'datastore-4', profileID: 'profile-5' }],
  },
  status: {
    ovf: { configMapName: 'configMapName-6', providerVersion: 'providerVersion-2' },
    locations: [
      {
        datacenterID: 'datacenter-3',
        datastoreID: 'datastore-4',
        profileID: 'profile-5',
        files: [{ id: '[ds] dir/file.vmdk', type: 'Disk', diskType: 'Classic', name: 'name-7.vmdk' }],
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            lastTransitionTime: '2024-01-01T00:00:00Z',
            reason: 'True',
            message: '',
          },
        ],
      },
    ],
    conditions: [
      { type: 'T8', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z', reason: 'R', message: 'm' },
    ],
  },
};
