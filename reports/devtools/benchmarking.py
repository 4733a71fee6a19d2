"""What the bench_* commands share: the results table and the units they print."""


def print_results(stdout, results, *, result_width=12, target_width=10):
    """Rows of (label, result, target, met): met is True, False, or None for a figure without a target."""
    width = max(len(label) for label, *_rest in results)
    stdout.write(f"{'measure':<{width}}  {'result':>{result_width}}  {'target':<{target_width}}  verdict")
    for label, value, target, met in results:
        verdict = "" if met is None else ("met" if met else "MISSED")
        stdout.write(f"{label:<{width}}  {value:>{result_width}}  {target:<{target_width}}  {verdict}")


def seconds(value):
    return f"{value:.2f} s"


def millis(value):
    return f"{value * 1000:.0f} ms"
