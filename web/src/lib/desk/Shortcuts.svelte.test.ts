import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Shortcuts, type Shortcut } from './Shortcuts.svelte.ts';

// The web tests run without a DOM: just the element classes `isTyping` tells apart.
class FakeElement {
  isContentEditable = false;
  role: string | null = null;
  closest(selector: string): FakeElement | null {
    return selector === '[role="textbox"]' && this.role === 'textbox' ? this : null;
  }
}
class FakeInput extends FakeElement {}
class FakeTextArea extends FakeElement {}
class FakeSelect extends FakeElement {}

interface Key {
  key: string;
  target?: FakeElement | null;
  ctrlKey?: boolean;
  defaultPrevented?: boolean;
}

/** A keydown as the handler reads it; `prevented` says whether it called preventDefault. */
function press(
  shortcuts: Shortcuts,
  { key, target = null, ctrlKey = false, defaultPrevented = false }: Key,
) {
  let prevented = false;
  const event = {
    key,
    target,
    ctrlKey,
    metaKey: false,
    altKey: false,
    defaultPrevented,
    preventDefault: () => (prevented = true),
  } as unknown as KeyboardEvent;
  shortcuts.handle(event);
  return { prevented };
}

function shortcut(keys: string, calls: string[]): Shortcut {
  return { keys, description: keys, group: 'Test', action: () => calls.push(keys) };
}

beforeEach(() => {
  vi.stubGlobal('HTMLElement', FakeElement);
  vi.stubGlobal('HTMLInputElement', FakeInput);
  vi.stubGlobal('HTMLTextAreaElement', FakeTextArea);
  vi.stubGlobal('HTMLSelectElement', FakeSelect);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('Shortcuts', () => {
  it('runs a registered key and takes the key from the page; an unregistered key is left alone', () => {
    const shortcuts = new Shortcuts();
    const calls: string[] = [];
    shortcuts.register([shortcut('c', calls)]);
    expect(press(shortcuts, { key: 'c' }).prevented).toBe(true);
    expect(press(shortcuts, { key: 'x' }).prevented).toBe(false);
    expect(calls).toEqual(['c']);
  });

  it('leaves keys typed into a field, an editor or a read-only text box to them', () => {
    const shortcuts = new Shortcuts();
    const calls: string[] = [];
    shortcuts.register([shortcut('c', calls)]);
    const editable = Object.assign(new FakeElement(), { isContentEditable: true });
    const readOnlyEditor = Object.assign(new FakeElement(), { role: 'textbox' });
    for (const target of [
      new FakeInput(),
      new FakeTextArea(),
      new FakeSelect(),
      editable,
      readOnlyEditor,
    ]) {
      press(shortcuts, { key: 'c', target });
    }
    expect(calls).toEqual([]);
    press(shortcuts, { key: 'c', target: new FakeElement() });
    expect(calls).toEqual(['c']);
  });

  it('ignores keys with a modifier and keys another handler already took', () => {
    const shortcuts = new Shortcuts();
    const calls: string[] = [];
    shortcuts.register([shortcut('c', calls)]);
    press(shortcuts, { key: 'c', ctrlKey: true });
    press(shortcuts, { key: 'c', defaultPrevented: true });
    expect(calls).toEqual([]);
  });

  it('runs a two-key sequence when the second key comes within a second, not after', () => {
    vi.useFakeTimers();
    const shortcuts = new Shortcuts();
    const calls: string[] = [];
    shortcuts.register([shortcut('g b', calls), shortcut('b', calls)]);

    press(shortcuts, { key: 'g' });
    vi.advanceTimersByTime(999);
    press(shortcuts, { key: 'b' });
    expect(calls).toEqual(['g b']);

    press(shortcuts, { key: 'g' });
    vi.advanceTimersByTime(1_000);
    press(shortcuts, { key: 'b' });
    expect(calls).toEqual(['g b', 'b']);
  });

  it('forgets the first key of a sequence when the second matches nothing', () => {
    const shortcuts = new Shortcuts();
    const calls: string[] = [];
    shortcuts.register([shortcut('g b', calls), shortcut('c', calls)]);
    press(shortcuts, { key: 'g' });
    press(shortcuts, { key: 'x' });
    press(shortcuts, { key: 'c' });
    expect(calls).toEqual(['c']);
  });

  it("keeps a page's shortcuts until it unregisters them, others' stay", () => {
    const shortcuts = new Shortcuts();
    const calls: string[] = [];
    const list = [shortcut('j', calls)];
    shortcuts.register([shortcut('c', calls)]);
    const unregister = shortcuts.register(list);
    expect(shortcuts.registered.map((s) => s.keys)).toEqual(['c', 'j']);
    unregister();
    expect(shortcuts.registered.map((s) => s.keys)).toEqual(['c']);
    press(shortcuts, { key: 'j' });
    expect(calls).toEqual([]);
  });

  it('closes the open overlay on Escape, even from a field', () => {
    const shortcuts = new Shortcuts();
    shortcuts.overlayOpen = true;
    press(shortcuts, { key: 'Escape', target: new FakeInput() });
    expect(shortcuts.overlayOpen).toBe(false);
  });
});
