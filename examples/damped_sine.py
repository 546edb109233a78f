"""Stacked LSTM: forecast the next 5 steps of damped sine waves it has never seen."""

from lstmkit.demos.damped_sine import run_damped_sine

result = run_damped_sine(seed=0, plot="damped_sine.png")
m = result["metrics"]
print(f"RMSE on 1,000 fresh waves: stacked LSTM {m['stacked lstm']['rmse']:.4f}, "
      f"persistence {m['persistence']['rmse']:.4f}; plot: damped_sine.png")
