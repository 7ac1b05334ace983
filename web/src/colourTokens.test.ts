import { describe, expect, it } from 'vitest';

// Colours are tokens in app.css (`var(--color-…)`): a palette or contrast change is made in
// one place, and a component cannot drift to a shade nobody finds again.

const sources = import.meta.glob<string>(['./**/*.svelte', './**/*.css', '!./app.css'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

/** The app's TypeScript (tests excepted: they quote literals to check this very rule). */
const scripts = import.meta.glob<string>(['./**/*.ts', '!./**/*.test.ts', '!./testing/**'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

/** Files allowed their own colours, and why. */
const exempt: Record<string, string> = {
  './lib/components/desk/ProviderIcon.svelte': "brand logos keep their owners' colours",
};

const literal = /#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(/g;

/** A quoted string that is a colour and nothing else: `'#555'`, `"rgb(0 0 0 / 0.2)"`. */
const quotedColour = /(['"`])\s*(#[0-9a-fA-F]{3,8}|(?:rgba?|hsla?)\([^'"`]*\))\s*\1/g;

/** `fill="…"`, `style="…"`, `style:background="…"`: attributes whose value may hold a colour. */
const colourAttribute = /\b(?:fill|stroke|stop-color|color|style(?::[\w-]+)?)=(["'])(.*?)\1/g;

/**
 * Colour literals of a component or stylesheet: CSS (`<style>` blocks, a whole .css file),
 * colour attributes and `style:` directives, and quoted colours in scripts and markup
 * expressions (`style:color={'#fff'}`, a fallback colour in a `<script>`).
 */
function colourLiterals(path: string, source: string): string[] {
  const css = path.endsWith('.css')
    ? [source]
    : [...source.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '');
  const attributes = [...source.matchAll(colourAttribute)].map((m) => m[2] ?? '');
  const outsideCss = path.endsWith('.css')
    ? []
    : scriptColours(
        source.replace(/<style[^>]*>[\s\S]*?<\/style>/g, '').replace(colourAttribute, ''),
      );
  return [...css, ...attributes].flatMap((text) => text.match(literal) ?? []).concat(outsideCss);
}

/** Quoted colours in TypeScript (a `.ts` module, or what is left of a component without CSS). */
function scriptColours(source: string): string[] {
  return [...source.matchAll(quotedColour)].map((m) => m[2] ?? '');
}

describe('colours', () => {
  it('are tokens from app.css in every component and stylesheet', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(20);
    const found = Object.entries(sources)
      .filter(([path]) => !(path in exempt))
      .flatMap(([path, source]) => colourLiterals(path, source).map((c) => `${path}: ${c}`));
    expect(found).toEqual([]);
  });

  it('are tokens or derived (userColor) in every TypeScript module, never quoted literals', () => {
    expect(Object.keys(scripts).length).toBeGreaterThan(50);
    const found = Object.entries(scripts).flatMap(([path, source]) =>
      scriptColours(source).map((c) => `${path}: ${c}`),
    );
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

  it('finds quoted colours in scripts, markup expressions and style: directives', () => {
    const component = `
      <script lang="ts">
        const fallback = '#555';
        const id = '#dead-link';
      </script>
      <span style:background="#eee" style:color={"rgba(0, 0, 0, 0.5)"}>x</span>`;
    expect(colourLiterals('x.svelte', component)).toEqual(['#eee', '#555', 'rgba(0, 0, 0, 0.5)']);
    expect(scriptColours("const a = `#fff`; this.#dead = 1; const b = 'hsl(0 0% 0%)';")).toEqual([
      '#fff',
      'hsl(0 0% 0%)',
    ]);
  });
});
