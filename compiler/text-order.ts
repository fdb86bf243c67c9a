/**
 * Code-unit order of two strings: the same on every machine. localeCompare follows the user's
 * locale (in Danish "aa" sorts after "z"), so output sorted with it would differ between a
 * developer's render and CI's check.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
