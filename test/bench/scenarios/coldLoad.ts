import type { Scenario } from './Scenario.ts';
export const coldLoadScenario: Scenario = { name: 'cold-load', title: () => 'todo', metrics: [], notApplicable: () => 'todo', run: () => Promise.resolve({}) };
