// What the Run Objective prompt lists while the user types: the typed text itself first (so Enter
// runs what was typed), then the recent objectives. Plain data, no vscode: tested in Node.

export interface ObjectiveItem {
  readonly label: string;
  readonly description: string;
  /** True for the row that stands for the text being typed. */
  readonly typed: boolean;
  readonly alwaysShow?: boolean;
}

export function objectiveItems(value: string, recent: readonly string[]): ObjectiveItem[] {
  const typed = value.trim();
  const recents = recent.map((label) => ({ label, description: 'recent', typed: false }));
  if (!typed || recent.includes(typed)) return recents;
  // first and always shown: the quick pick ranks an exact match above any longer recent objective it prefixes
  return [{ label: typed, description: 'run this objective', typed: true, alwaysShow: true }, ...recents];
}

/** The objective to run when the user presses Enter: a recent one only if that row was chosen. */
export function chosenObjective(value: string, selected: ObjectiveItem | undefined): string | undefined {
  const text = selected && !selected.typed ? selected.label : value;
  return text.trim() || undefined;
}
