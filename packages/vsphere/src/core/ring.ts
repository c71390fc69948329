/** A bounded history: the oldest entries fall off once `capacity` is reached. */
export class Ring<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  #start = 0;
  #size = 0;
  /** How many items were ever pushed; with `size`, tells whether an index fell off. */
  #pushed = 0;

  constructor(capacity: number) {
    if (!(capacity > 0)) throw new RangeError('a ring needs a positive capacity');
    this.capacity = capacity;
    this.#items = [];
  }

  get size(): number {
    return this.#size;
  }

  /** Sequence number (0-based, over all pushes) of the oldest item still held. */
  get firstSeq(): number {
    return this.#pushed - this.#size;
  }

  get pushed(): number {
    return this.#pushed;
  }

  push(item: T): T | undefined {
    this.#pushed++;
    if (this.#size < this.capacity) {
      this.#items[(this.#start + this.#size++) % this.capacity] = item;
      return undefined;
    }
    const dropped = this.#items[this.#start];
    this.#items[this.#start] = item;
    this.#start = (this.#start + 1) % this.capacity;
    return dropped;
  }

  /** Item by sequence number, or undefined when it fell off or never was. */
  at(seq: number): T | undefined {
    const i = seq - this.firstSeq;
    if (i < 0 || i >= this.#size) return undefined;
    return this.#items[(this.#start + i) % this.capacity];
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#size; i++) yield this.#items[(this.#start + i) % this.capacity] as T;
  }

  toArray(): T[] {
    return [...this];
  }
}
