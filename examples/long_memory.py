"""Vanilla LSTM vs a plain RNN: recall the first value of a 100-step sequence."""

from lstmkit.demos.echo import run_echo

result = run_echo(length=100, out_index=0, seed=0)
for model, values in result["metrics"].items():
    print(f"{model:>10}: accuracy {values['accuracy']:.3f}")
print({k: f"{v:.1f} s" for k, v in result["timings"].items()})
