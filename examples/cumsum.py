"""Bidirectional LSTM: flag the steps where a running sum has passed 2.5."""

from lstmkit.demos.cumsum import run_cumsum

result = run_cumsum(seed=0)
for model, values in result["metrics"].items():
    print(f"{model:>20}: per-step accuracy {values['accuracy']:.4f}")
