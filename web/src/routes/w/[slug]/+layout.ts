import type { LayoutLoad } from './$types';

export const load = (({ params }) => ({ slug: params.slug })) satisfies LayoutLoad;
