/**
 * Insured people no other test uses: the suites share one MySQL and, within a file, one stack,
 * so each counts up from a random start of its own (wrapping within the 5 digits an insuredId has).
 */
let lastInsuredId = Math.floor(Math.random() * 50_000);

/** A fresh 5-digit insured id per test. */
export function newInsuredId(): string {
  lastInsuredId = (lastInsuredId + 1) % 100_000;
  return String(lastInsuredId).padStart(5, '0');
}
