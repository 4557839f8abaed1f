// Form fields to the JSON the management API's routes validate: the console sends what was typed, the route's own
// schema decides (so its messages are the ones shown next to the fields).

/** A text field as typed; an empty optional field is left out, so the route's default applies. */
export function text(form: URLSearchParams, name: string): string | undefined {
  const value = form.get(name);
  return value === null || value.trim() === '' ? undefined : value;
}

/** A checkbox: present when ticked. */
export function checked(form: URLSearchParams, name: string): boolean {
  return form.has(name);
}

/** Every value of a repeated field (checkboxes of one name). */
export function list(form: URLSearchParams, name: string): string[] {
  return form.getAll(name);
}

/** A textarea of one value per line, blank lines dropped. */
export function lines(form: URLSearchParams, name: string): string[] {
  return (form.get(name) ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
}

/** A number field; what is not a number is sent as typed, for the route to refuse by name. */
export function numberOrNull(form: URLSearchParams, name: string): number | string | null {
  const value = text(form, name);
  if (value === undefined) return null;
  return /^\d+$/.test(value) ? Number(value) : value;
}
