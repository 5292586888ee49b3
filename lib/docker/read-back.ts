/**
 * Values in the exact spelling the docker provider reads back from the
 * daemon. Any other spelling of the same value is a diff on every preview, and
 * for a ForceNew field a replacement on every `up`.
 */

/**
 * `cpus` as the provider reads NanoCPUs back (terraform-provider-docker
 * helpers.go nanoInt64ToDecimalString): the value with nine decimals; if that
 * string holds exactly nine zeros, one decimal ("4.0", "0.5"), else the nine
 * decimals with trailing zeros cut ("1.5", and "10." for 10, whose integer part
 * adds a tenth zero). Docker parses every one of these back to the same value.
 */
export function dockerCpus(cpus: number): string {
  const nano = Math.round(cpus * 1e9);
  if (nano === 0) return "0";
  const whole = Math.floor(nano / 1e9);
  const fraction = String(nano % 1e9).padStart(9, "0");
  const nine = `${whole}.${fraction}`;
  if ((nine.match(/0/g) ?? []).length === 9) {
    const tenths = Math.round(nano / 1e8); // big.Rat.FloatString(1) rounds half away from zero
    return `${Math.floor(tenths / 10)}.${tenths % 10}`;
  }
  return nine.replace(/0+$/, "");
}
