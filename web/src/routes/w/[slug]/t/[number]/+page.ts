import type { PageLoad } from './$types';

/** `number` is the ticket's number, or its id while the number is pending. */
export const load = (({ params }) => ({ ref: params.number })) satisfies PageLoad;
