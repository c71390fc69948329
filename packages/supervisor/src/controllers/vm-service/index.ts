export {
  AddressRange,
  type AddressRangeOptions,
  type AddressRefusal,
} from '../../store/address-range.js';
export {
  type EndpointAddress,
  type EndpointPort,
  type EndpointSubset,
  endpointSubsets,
} from './endpoints.js';
export {
  EXTERNAL_TRAFFIC_POLICY_ANNOTATION,
  HEALTH_CHECK_NODE_PORT_ANNOTATION,
  type ServicePort,
  type ServiceSpec,
  type ServiceStatus,
  VM_SERVICE_API_VERSION,
} from './service.js';
export {
  DEFAULT_LOAD_BALANCER_RANGE,
  DEPRECATED_VM_SERVICE_FINALIZER,
  LOAD_BALANCER_CONDITION,
  SERVICE_READY_CONDITION,
  SUPERVISOR_API_ADDRESS,
  startVirtualMachineServiceController,
  type VirtualMachineServiceController,
  type VirtualMachineServiceControllerDeps,
  type VirtualMachineServiceControllerOptions,
  VM_SERVICE_CONTROLLER,
  VM_SERVICE_FINALIZER,
} from './virtual-machine-service.js';
