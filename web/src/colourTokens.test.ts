import { describe, expect, it } from 'vitest';

// Colours are tokens in app.css (`var(--color-…)`): a palette or contrast change is made in
// one place, and a component cannot drift to a shade nobody finds again.

const sources = import.meta.glob<string>(['./**/*.svelte', './**/*.css', '!./app.css'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

/** Files allowed their own colours, and why. */
const exempt: Record<string, string> = {
  './lib/components/desk/ProviderIcon.svelte': "brand logos keep their owners' colours",
};

const literal = /#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(/g;

/** Colour literals in CSS: `<style>` blocks (or a whole .css file) and colour attributes. */
function colourLiterals(path: string, source: string): string[] {
  const css = path.endsWith('.css')
    ? [source]
    : [...source.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '');
  const attributes = [
    ...source.matchAll(/\b(?:fill|stroke|stop-color|color|style)=(["'])(.*?)\1/g),
  ].map((m) => m[2] ?? '');
  return [...css, ...attributes].flatMap((text) => text.match(literal) ?? []);
}

describe('colours', () => {
  it('are tokens from app.css in every component and stylesheet', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(20);
    const found = Object.entries(sources)
      .filter(([path]) => !(path in exempt))
      .flatMap(([path, source]) => colourLiterals(path, source).map((c) => `${path}: ${c}`));
    expect(found).toEqual([]);
  });

  it('finds literals in styles and colour attributes, not in links or tokens', () => {
    const component = `
      <a href="#desk-main">Skip</a>
      <path fill="#34A853" />
      <style>
        .a { color: var(--color-danger); }
        .b { background: #fff3cd; box-shadow: 0 1px 2px rgb(0 0 0 / 0.2); }
      </style>`;
    expect(colourLiterals('x.svelte', component)).toEqual(['#fff3cd', 'rgb(', '#34A853']);
  });
});
