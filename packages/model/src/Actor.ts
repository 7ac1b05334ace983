/** Who makes a change; recorded in activity and on comments. */
export interface Actor {
  readonly id: string;
  readonly name: string;
}
