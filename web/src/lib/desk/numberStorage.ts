import type { NumberBlock, NumberBlockStorage } from '@desk/model';

/** Reserved ticket-number blocks per workspace and user, in localStorage (survives reloads). */
export class LocalNumberStorage implements NumberBlockStorage {
  constructor(private readonly key: string) {}

  load(): NumberBlock[] {
    try {
      const raw = JSON.parse(localStorage.getItem(this.key) ?? '[]') as unknown;
      return Array.isArray(raw)
        ? raw.filter(
            (b): b is NumberBlock =>
              typeof b === 'object' &&
              b !== null &&
              Number.isInteger((b as NumberBlock).from) &&
              Number.isInteger((b as NumberBlock).to) &&
              Number.isInteger((b as NumberBlock).next),
          )
        : [];
    } catch {
      return [];
    }
  }

  save(blocks: NumberBlock[]): void {
    localStorage.setItem(this.key, JSON.stringify(blocks));
  }
}
