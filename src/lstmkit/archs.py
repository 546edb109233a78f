"""The architecture names each task accepts, in a module that imports nothing, so that the CLI's
``--help`` can list them without importing torch. The networks themselves live in ``models/``."""

# Forecasting networks: (batch, time, features) -> (batch, outputs).
FORECAST_ARCHS = ("vanilla", "stacked", "bidirectional", "mlp")
# Classification networks that read packed sequences.
CLASSIFIER_ARCHS = ("lstm-fcn", "vanilla", "stacked", "bidirectional")
