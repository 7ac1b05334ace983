import type { PageLoad } from './$types';

export const load = (({ params }) => ({ channelId: params.channelId })) satisfies PageLoad;
