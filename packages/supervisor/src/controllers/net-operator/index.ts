export { AddressPool, type Lease, SUBNET_MASK, SUBNET_PREFIX_LENGTH } from './address-pool.js';
export {
  DEFAULT_NETWORK_LABEL,
  findNetwork,
  findPortgroup,
  NET_OPERATOR_API_VERSION,
  NETWORK_INTERFACE_CONTROLLER,
  type NetworkInterfaceController,
  type NetworkInterfaceControllerDeps,
  type NetworkInterfaceControllerOptions,
  PRIMARY_NETWORK_NAME,
  startNetworkInterfaceController,
} from './network-interface.js';
