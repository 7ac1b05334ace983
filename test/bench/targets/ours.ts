import type { Target } from './Target.ts';
export const oursTarget: Target = { name: 'ours', start: () => Promise.reject(new Error('todo')) };
