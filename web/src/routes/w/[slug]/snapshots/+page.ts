import type { PageLoad } from './$types';

export const load = (({ params }) => ({ slug: params.slug })) satisfies PageLoad;
