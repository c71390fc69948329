/**
 * vCenter's VM classes (namespace-management's VirtualMachineClasses): the default ones, then
 * those an administrator creates, changes and deletes. A namespace that offers a class holds a
 * VirtualMachineClass object of the class's name and spec. As vCenter does, a change of a class
 * is written to every namespace's object of it, and a deleted class leaves every namespace (its
 * VMs keep running, new ones cannot name it).
 */
import { faults } from '@vsim/vsphere';
import { HUB_VERSION, validateVirtualMachineClassCreate } from '../api/index.js';
import type { VirtualMachineClassSpec } from '../api/types.js';
import { isKubeError } from '../store/errors.js';
import type { KubeStore } from '../store/kube-store.js';
import { deepEqual } from '../store/meta.js';
import { dns1123LabelProblems } from '../store/names.js';
import { DEFAULT_VM_CLASSES, mebibytesOf } from './vm-classes.js';

const VM_CLASS = { apiVersion: `vmoperator.vmware.com/${HUB_VERSION}`, kind: 'VirtualMachineClass' } as const;

/** One of vCenter's VM classes; its description is the spec's. */
export interface VmClassDefinition {
  readonly name: string;
  readonly spec: VirtualMachineClassSpec;
}

export class VmClassCatalog {
  readonly #kube: KubeStore;
  readonly #classes: Map<string, VmClassDefinition>;
  /** The change or deletion running, which the next waits for. */
  #turn: Promise<unknown> = Promise.resolve();

  /** Whether classes carry a config spec of their own (see the constructor). */
  readonly #configSpecs: boolean;

  /**
   * `configSpecs`: every class carries a config spec, of its CPUs and memory unless it is given
   * one, kept up with them, as vCenter writes one on the classes vm-operator's immutable classes
   * hash (what vCenter writes there is not public).
   */
  constructor(kube: KubeStore, { configSpecs = false }: { configSpecs?: boolean } = {}) {
    this.#kube = kube;
    this.#configSpecs = configSpecs;
    this.#classes = new Map(
      DEFAULT_VM_CLASSES.map((c) => [c.name, { name: c.name, spec: this.#withConfigSpec(c.spec) }]),
    );
  }

  /** The spec with its config spec, where classes carry one: derived, unless given one other than the derived one of `previous`. */
  #withConfigSpec(
    spec: VirtualMachineClassSpec,
    previous?: VirtualMachineClassSpec,
  ): VirtualMachineClassSpec {
    if (!this.#configSpecs) return spec;
    const given = spec.configSpec;
    if (given !== undefined && !(previous && deepEqual(given, derivedConfigSpec(previous)))) return spec;
    return { ...spec, configSpec: derivedConfigSpec(spec) };
  }

  /** Every class, the defaults first, then the others in the order they were made. */
  list(): VmClassDefinition[] {
    return [...this.#classes.values()];
  }

  get(name: string): VmClassDefinition | undefined {
    return this.#classes.get(name);
  }

  /** A new class, offered by no namespace yet: AlreadyExists for a name in use, InvalidArgument for a bad one. */
  create(definition: VmClassDefinition): void {
    const { name, spec } = definition;
    // vCenter's rule for a class's name: a DNS-1123 label.
    if (dns1123LabelProblems(name).length > 0) throw faults.invalidArgument('id');
    if (this.#classes.has(name)) throw faults.alreadyExists(name);
    checkSpec(name, spec);
    this.#classes.set(name, { name, spec: this.#withConfigSpec(spec) });
  }

  /**
   * Gives the class a new spec (or the one `change` makes of its spec when its turn comes),
   * written to every namespace's object of it as any client writes (the schema and webhooks
   * judge it); NotFound for no such class. Changes and deletions run one at a time, each on the
   * objects the one before left.
   */
  async update(
    name: string,
    change: VirtualMachineClassSpec | ((spec: VirtualMachineClassSpec) => VirtualMachineClassSpec),
  ): Promise<void> {
    this.#existing(name);
    return this.#inTurn(async () => {
      const previous = this.#existing(name);
      const spec = this.#withConfigSpec(
        typeof change === 'function' ? change(previous.spec) : change,
        previous.spec,
      );
      checkSpec(name, spec);
      // The catalogue first: a namespace prepared meanwhile offers the new spec.
      this.#classes.set(name, { name, spec });
      let written = 0;
      try {
        for (const namespace of this.#namespacesOf(name)) {
          // Read again at its turn: a namespace gone meanwhile has nothing to change.
          const object = this.#kube.direct.get({ ...VM_CLASS, namespace, name });
          if (!object) continue;
          await this.#kube.update({ ...object, spec });
          written++;
        }
      } catch (error) {
        // The objects hold one spec: one the store refuses is refused at the first, nothing changed.
        if (written === 0) this.#classes.set(name, previous);
        throw error;
      }
    });
  }

  /** Removes the class and every namespace's object of it; NotFound for no such class. */
  async delete(name: string): Promise<void> {
    this.#existing(name);
    return this.#inTurn(async () => {
      this.#existing(name);
      this.#classes.delete(name);
      for (const namespace of this.#namespacesOf(name))
        await this.#kube.delete({ ...VM_CLASS, namespace, name }).catch(unlessGone);
    });
  }

  #inTurn(work: () => Promise<void>): Promise<void> {
    const done = this.#turn.then(work);
    this.#turn = done.catch(() => undefined);
    return done;
  }

  #existing(name: string): VmClassDefinition {
    const found = this.#classes.get(name);
    if (!found) throw faults.notFound(`The VM class '${name}' does not exist.`);
    return found;
  }

  /** The namespaces that offer the class. */
  #namespacesOf(name: string): string[] {
    return this.#kube.direct
      .list(VM_CLASS.apiVersion, VM_CLASS.kind)
      .filter((object) => object.metadata.name === name)
      .map((object) => object.metadata.namespace as string);
  }
}

/** An object deleted meanwhile is gone as asked. */
const unlessGone = (error: unknown): void => {
  if (!(isKubeError(error) && error.reason === 'NotFound')) throw error;
};

/** What vm-operator's webhook would refuse of the class's objects is refused here, naming the field. */
function checkSpec(name: string, spec: VirtualMachineClassSpec): void {
  const [problem] = validateVirtualMachineClassCreate({ ...VM_CLASS, metadata: { name }, spec });
  if (problem) throw faults.invalidArgument(problem.field);
}

/** A vim25 config spec (govmomi's JSON) of a class's CPUs and memory. */
const derivedConfigSpec = (spec: VirtualMachineClassSpec) => ({
  _typeName: 'VirtualMachineConfigSpec',
  numCPUs: spec.hardware?.cpus ?? 0,
  memoryMB: mebibytesOf(spec.hardware?.memory ?? '0') ?? 0,
});
