"""The small dense MNIST classifier that the lessons, quiz experiments and grader share."""

import keras


def make_classifier(hidden_units=64, dropout=0.0, learning_rate=1e-3, seed=0, metrics=("accuracy",),
                    run_eagerly=False):
    """Build and compile a dense classifier for 28x28 digits.

    Args:
        hidden_units: width of the hidden layer.
        dropout: dropout rate after the hidden layer (0 for none).
        learning_rate: Adam's learning rate.
        seed: seed for weight initialisation (and dropout), so runs repeat.
        metrics: metrics besides the loss (none: an empty tuple).
        run_eagerly: train without tracing the training step (see `keras.Model.compile`).

    Returns:
        A compiled `keras.Sequential` model with loss `sparse_categorical_crossentropy`
        and `metrics`; it takes uint8 or float images of shape `(N, 28, 28)` scaled to [0, 1].

    Example:

    ```python
    model = make_classifier()
    model.fit(x_train, y_train, epochs=2, validation_split=0.2)
    ```
    """
    keras.utils.set_random_seed(seed)
    layers = [
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(hidden_units, activation="relu"),
    ]
    if dropout:
        layers.append(keras.layers.Dropout(dropout, seed=seed))
    layers.append(keras.layers.Dense(10, activation="softmax"))
    model = keras.Sequential(layers, name="mnist_dense")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=list(metrics) or None,
        run_eagerly=run_eagerly,
    )
    return model
