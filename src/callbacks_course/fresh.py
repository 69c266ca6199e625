"""Train a model again from the very state it started in, without building (and tracing) a new one.

A new model traces its training and evaluation steps the first time it trains, which costs more
than many epochs of the lessons' small runs. `Rewind(model)`, made before the model's first
`fit`, remembers everything a training run starts from: the weights, the dropout layers' seed
states and the optimizer's variables (its step count, learning rate and, built now, its moments).
`rewind()` puts them all back and reseeds the random generators as `make_classifier(seed=...)`
does, so the next `fit` trains exactly as it would on a freshly built model of the same seed,
reusing the step functions the model has already traced.

Example:

```python
model = make_classifier()
rewind = Rewind(model)
model.fit(x, y, epochs=3)       # traces its steps
rewind()
model.fit(x, y, epochs=3)       # the same three epochs again, to the last digit, without retracing
```
"""

import keras
import numpy as np


class Rewind:
    """Remember `model`'s starting state; calling the object puts it back.

    Args:
        model: a compiled model that has not trained yet.
        seed: the seed `keras.utils.set_random_seed` gets at each rewind (the model's build seed).

    Raises:
        ValueError: the model has trained already (its optimizer has taken steps).
    """

    def __init__(self, model, seed=0):
        optimizer = model.optimizer
        if int(optimizer.iterations) != 0:
            raise ValueError(f"{model.name} has trained already: make the Rewind before its first fit")
        optimizer.build(model.trainable_variables)  # the moments fit would create, zero, as fit creates them
        self.model, self.seed = model, seed
        self.variables = list(model.variables) + list(optimizer.variables)
        self.values = [np.array(variable) for variable in self.variables]

    def __call__(self):
        """Put the remembered weights, seed states and optimizer variables back; reseed."""
        for variable, value in zip(self.variables, self.values):
            variable.assign(value)
        keras.utils.set_random_seed(self.seed)
