import type { Scenario } from './Scenario.ts';
export const catchUpScenario: Scenario = { name: 'catch-up', title: () => 'todo', metrics: [], notApplicable: () => 'todo', run: () => Promise.resolve({}) };
