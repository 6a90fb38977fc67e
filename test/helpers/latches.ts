/** Named one-shot signals shared by tests and the actors they drive (all in the test process). */
export class Latches {
  readonly #entries = new Map<string, { promise: Promise<void>; open: () => void; opened: boolean }>();

  #entry(name: string): { promise: Promise<void>; open: () => void; opened: boolean } {
    let entry = this.#entries.get(name);
    if (entry === undefined) {
      let open!: () => void;
      const promise = new Promise<void>((resolve) => {
        open = resolve;
      });
      const created = { promise, open: () => undefined, opened: false };
      created.open = () => {
        created.opened = true;
        open();
      };
      entry = created;
      this.#entries.set(name, entry);
    }
    return entry;
  }

  wait(name: string): Promise<void> {
    return this.#entry(name).promise;
  }

  open(name: string): void {
    this.#entry(name).open();
  }

  isOpen(name: string): boolean {
    return this.#entries.get(name)?.opened === true;
  }
}

export const latches = new Latches();
