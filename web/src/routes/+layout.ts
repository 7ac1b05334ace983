// The whole app renders in the browser from the local replica; no server-side rendering.
export const ssr = false;
export const prerender = false;
